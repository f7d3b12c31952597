/**
 * Callback ("ring-back") end to end, real SIP and RTP on loopback: a SIPp
 * caller from the operator network (127.0.0.2) waits in the card-blocking
 * queue with nobody logged in, presses 1 ("call me back"), accepts the
 * number read back (RFC 4733 from /usr/share/sip-tester) and is hung up on
 * after the confirmation; the entry keeps its place as a callback. Then an
 * agent's baresip registers: the agent is rung first and answers, then a
 * SIPp UAS on 127.0.0.3 (the operator network behind the trunk) gets the
 * INVITE to the customer's number with the company's caller id; bridged;
 * `callback-done` completed. No answer: retried with spacing, then failed.
 * And kill -9 with a callback pending: the restarted product makes it.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';
import { freePort } from '../support/ports.js';
import { startProductProcess, testConfig, TRUNK_HOST_IP } from '../support/product.js';
import { startTrunkFarEnd } from '../support/operator-network.js';
import {
  callbackFlows, CARD_NUMBER, eriksPhone, eventTypes as types, setUpKort, startCallbackCenter, takeCallback,
  type CallbackCenter, type CallbackCenterOptions,
} from '../support/callbacks.js';
import { stopAllBaresip } from '../support/baresip.js';
import type { SippUas } from '../support/sipp.js';

const CALLER = '+46701740651';
const MAIN_NUMBER = '+46313900600';

let running: CallbackCenter | undefined;
let uas: SippUas | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  await stopAllBaresip();
  await uas?.stop(1_000).catch(() => {});
  uas = undefined;
  child?.kill('SIGKILL');
  child = undefined;
  await running?.stop();
  running = undefined;
});

async function start(opts: CallbackCenterOptions = {}): Promise<CallbackCenter> {
  running = await startCallbackCenter(opts);
  return running;
}

describe('callback: press 1, keep the place, agent first, then the customer through the trunk', () => {
  it('a caller presses 1 and accepts their number; an agent registers, is rung first, answers; the customer is dialled through the trunk, answers, bridged; callback-done completed', async () => {
    const r = await start();

    await takeCallback(r.sipPort, CARD_NUMBER, CALLER);
    // The entry is a callback with the caller's number, not abandoned, and on disk.
    expect(types(r.acdEvents)).toContain('callback-requested');
    expect(types(r.acdEvents)).not.toContain('abandoned');
    const line = r.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.entries;
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({ kind: 'callback', data: { caller: CALLER, callbackNumber: CALLER, service: 'Kort och spärr' } });
    const stateFile = join(r.config.dataDir, 'acd-state.json');
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).callbacks).toHaveLength(1);
    expect(r.callEvents.find((e) => e.type === 'callback-booked')).toMatchObject({ number: CALLER });

    // The operator network: answers the customer's phone, talks 3 s, hangs up.
    uas = await startTrunkFarEnd(r.trunkPort, { scenario: 'uas-answer-then-bye.xml', durationMs: 3_000 });

    const erik = await eriksPhone(r.sipPort);
    const established = await erik.waitEvent('CALL_ESTABLISHED', 15_000);
    expect(established.peerdisplayname).toBe(`[Kort och spärr] callback ${CALLER}`);
    await expect.poll(() => types(r.callEvents).includes('callback-connected'), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => r.acdEvents.find((e) => e.type === 'callback-done'), { timeout: 15_000 })
      .toMatchObject({ outcome: 'completed' });

    // The agent first, then the customer.
    const order = types(r.callEvents).filter((t) => t.startsWith('callback-'));
    expect(order).toEqual(['callback-booked', 'callback-agent-ringing', 'callback-agent-answered', 'callback-dialling', 'callback-connected']);
    const uasResult = await uas.exited;
    expect(uasResult.successful).toBe(1);
    expect(uasResult.messages).toMatch(new RegExp(`INVITE sip:\\${CALLER}@${TRUNK_HOST_IP.replace(/\./g, '\\.')}`));
    expect(uasResult.messages).toMatch(new RegExp(`From: <sip:\\${MAIN_NUMBER}@`));
    await erik.waitEvent('CALL_CLOSED', 10_000);
    await expect.poll(() => (r.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => r.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
    expect(r.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.entries).toEqual([]);
    await expect.poll(() => JSON.parse(readFileSync(stateFile, 'utf8')).callbacks, { timeout: 2_000 }).toHaveLength(0);
  }, 90_000);

  it('with nobody logged in to the queue the wait has no end: a flow offering callbacks when the estimate is over 5 minutes offers it at once', async () => {
    const r = await start({ flowDir: callbackFlows('offerCallbackWhenWaitOverSeconds: 300') });
    expect(r.app.acd.estimatedWaitSeconds('kort')).toBe(Infinity);
    await takeCallback(r.sipPort, CARD_NUMBER, CALLER);
    expect(types(r.acdEvents)).toContain('callback-requested');
    expect(r.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.entries).toMatchObject([{ kind: 'callback', data: { callbackNumber: CALLER } }]);
  }, 90_000);

  it('the customer does not answer: retried after the spacing, then given up (callback-done failed)', async () => {
    const r = await start({ kort: { callbackRetrySeconds: 1, callbackMaxAttempts: 2, callbackRingSeconds: 2 } });
    await takeCallback(r.sipPort, CARD_NUMBER, CALLER);

    // The customer's phone rings and nobody answers: we cancel, twice.
    uas = await startTrunkFarEnd(r.trunkPort, { scenario: 'uas-ring-expect-cancel.xml', calls: 2 });
    await eriksPhone(r.sipPort);
    // Two attempts, each with the agent's whisper and 2 s of ringing: allow for a loaded machine.
    await expect.poll(() => r.acdEvents.find((e) => e.type === 'callback-done'), { timeout: 75_000 })
      .toMatchObject({ outcome: 'failed' });
    const noAnswers = r.callEvents.filter((e) => e.type === 'callback-no-answer');
    expect(noAnswers).toHaveLength(2);
    expect(noAnswers[1]!.at - noAnswers[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(r.callEvents.filter((e) => e.type === 'callback-agent-ringing')).toHaveLength(2);
    await expect.poll(() => r.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => (r.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  }, 120_000);

  it('kill -9 with a callback pending, restart on the same DATA_DIR: the callback is still made', async () => {
    const trunkPort = await freePort('both');
    const flows = callbackFlows();
    const first = await testConfig({ trunkPort });
    setUpKort(first);
    const { dataDir } = first;
    child = await startProductProcess(first, flows);
    await takeCallback(first.sip.port, CARD_NUMBER, CALLER);
    const stateFile = join(dataDir, 'acd-state.json');
    expect(existsSync(stateFile)).toBe(true);
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).callbacks).toMatchObject([{ kind: 'callback', data: { callbackNumber: CALLER } }]);
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = undefined;

    // Restarted on the same data: the callback is waiting, and made once an agent is there.
    const r = await start({ trunkPort, flowDir: flows, tweak: (c) => { c.dataDir = dataDir; } });
    expect(r.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.entries).toMatchObject([{ kind: 'callback' }]);
    uas = await startTrunkFarEnd(trunkPort, { scenario: 'uas-answer-then-bye.xml', durationMs: 1_000 });
    await eriksPhone(r.sipPort);
    await expect.poll(() => r.acdEvents.find((e) => e.type === 'callback-done'), { timeout: 30_000 })
      .toMatchObject({ outcome: 'completed' });
    expect(types(r.callEvents)).toContain('callback-connected');
    expect((await uas.exited).messages).toMatch(new RegExp(`INVITE sip:\\${CALLER}@`));
  }, 90_000);
});
