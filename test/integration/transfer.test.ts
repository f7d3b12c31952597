/**
 * The IVR's transfer node on the wire, real SIP and RTP on loopback.
 *
 * Företag's callers with a personal adviser are put straight through to
 * Maja's desk phone (extension 1003, baresip); Bolån's and Pension's calls
 * go to an adviser's mobile out through the operator trunk (a SIPp UAS on
 * 127.0.0.3). Callers come from the operator network (SIPp on 127.0.0.2;
 * one baresip caller on 127.0.0.1, trusted as the trunk too, so it can hear
 * the far end). When the transfer fails (busy, nobody answers) the flow's
 * `failed` branch runs; whoever hangs up, at whatever moment, nothing is
 * left behind: no endpoint, dialog, ACD entry, reservation or timer. The
 * contact record holds each transfer and its outcome.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProduct, TRUNK_HOST_IP, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { heardMore, lastSecondHeard, recordingClosed, startAgentPhone, startBaresip, stopAllBaresip, TALK_SECONDS, type BaresipPhone } from '../support/baresip.js';
import { assertSippOk, describeSippResult, type SippUas } from '../support/sipp.js';
import { callFromOperatorNetwork, startTrunkFarEnd } from '../support/operator-network.js';
import { freePort } from '../support/ports.js';
import { tempDir } from '../support/tmp.js';
import type { CallEvent } from '../../server/calls/center.js';
import { SQLITE_FILE } from '../../server/history/open.js';
import type { ContactRecord } from '../../server/history/records.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

const FORETAG = '+46313900602';
const BOLAN = '+46313900604';
const PENSION = '+46313900605';
const ON_DUTY_MOBILE = '+46701740640';
const PENSION_MOBILE = '+46701740641';
const MAJA = '1003';
const MAJA_HZ = 1100;
const CALLER_HZ = 440;
/** How long the adviser on duty may ring before the caller is told nobody answers. */
const ON_DUTY_RING_SECONDS = 3;

let product: RunningProduct;
let trunkPort: number;
let callEvents: CallEvent[] = [];
let uas: SippUas | undefined;

/**
 * Företag: straight to the adviser, else "all busy" and goodbye. Bolån: the
 * adviser on duty's mobile for a few seconds, else goodbye. Pension: the
 * pension adviser's mobile, rung for long.
 */
function transferFlows(): string {
  const dir = tempDir('transfer-flows-');
  writeFileSync(join(dir, 'radgivare.yaml'), [
    'flow: radgivare', 'description: The personal adviser, rung directly', `numbers: ["${FORETAG}"]`, 'language: sv', 'nodes:',
    '  - id: till-maja', '    type: transfer', `    to: "${MAJA}"`, '    timeoutSeconds: 20', '    branches: { failed: upptagen }',
    '  - id: upptagen', '    type: play', '    prompts: [all_agents_busy]', '    next: hejda',
    '  - id: hejda', '    type: hangup', '    prompts: [goodbye]', '',
  ].join('\n'));
  writeFileSync(join(dir, 'jour.yaml'), [
    'flow: jour', 'description: The adviser on duty, on their mobile', `numbers: ["${BOLAN}"]`, 'language: sv', 'nodes:',
    '  - id: till-jouren', '    type: transfer', `    to: "${ON_DUTY_MOBILE}"`, `    timeoutSeconds: ${ON_DUTY_RING_SECONDS}`,
    '    branches: { failed: ingen-svarar }',
    '  - id: ingen-svarar', '    type: hangup', '    prompts: [goodbye]', '',
  ].join('\n'));
  writeFileSync(join(dir, 'pension.yaml'), [
    'flow: pension', 'description: The pension adviser, on their mobile', `numbers: ["${PENSION}"]`, 'language: sv', 'nodes:',
    '  - id: till-pension', '    type: transfer', `    to: "${PENSION_MOBILE}"`, '    timeoutSeconds: 30', '',
  ].join('\n'));
  return dir;
}

beforeAll(async () => {
  trunkPort = await freePort('both');
  product = await startProduct({
    flowDir: transferFlows(),
    trunkPort,
    tweak: (c) => { c.trunks[0]!.trustedSources = [TRUNK_SOURCE_IP, '127.0.0.1']; },
  });
  product.app.center.on('event', (e) => callEvents.push(e));
}, 30_000);

afterEach(async () => {
  await stopAllBaresip();
  await uas?.stop(1_000).catch(() => {});
  uas = undefined;
  callEvents = [];
});

afterAll(async () => {
  await product?.stop();
});

const majaPhone = (opts: { autoAnswer: boolean }): Promise<BaresipPhone> =>
  startAgentPhone(product, MAJA, { ...opts, audioSource: { toneHz: MAJA_HZ, seconds: 60 } });

/** The operator network behind the trunk: the adviser on duty's mobile. */
async function onDutyMobile(scenario: string, opts: { echo?: boolean } = {}): Promise<SippUas> {
  uas = await startTrunkFarEnd(trunkPort, { scenario, ...opts });
  return uas;
}

const callIdOf = (caller: string): string | undefined =>
  callEvents.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started' && e.caller === caller)?.callId;

async function waitCall(caller: string): Promise<string> {
  await expect.poll(() => callIdOf(caller), { timeout: 10_000 }).toBeDefined();
  return callIdOf(caller)!;
}

/** The flow's nodes the call went through, in order. */
const nodesRun = (callId: string): string[] =>
  callEvents.flatMap((e) => (e.type === 'ivr-node' && e.callId === callId ? [e.node] : []));

const nodeEntered = (callId: string, node: string): Extract<CallEvent, { type: 'ivr-node' }> | undefined =>
  callEvents.find((e): e is Extract<CallEvent, { type: 'ivr-node' }> => e.type === 'ivr-node' && e.callId === callId && e.node === node);

/** What the call's transfer node reported: connected, or why not. */
const transferOutcome = (callId: string): string | undefined =>
  callEvents.find((e): e is Extract<CallEvent, { type: 'transfer' }> => e.type === 'transfer' && e.callId === callId)?.outcome;

/** The transfers the call's contact record holds (the contact records' own database). */
async function recordedTransfers(callId: string): Promise<ContactRecord['transfers']> {
  await product.app.contactRecords.flush();
  const history = SqliteHistory.open(join(product.config.dataDir, SQLITE_FILE));
  try {
    return (await history.contact(callId))?.transfers ?? [];
  } finally {
    await history.close();
  }
}

const callEnded = (callId: string): Extract<CallEvent, { type: 'call-ended' }> | undefined =>
  callEvents.find((e): e is Extract<CallEvent, { type: 'call-ended' }> => e.type === 'call-ended' && e.callId === callId);

async function expectNothingLeft(): Promise<void> {
  const { app } = product;
  await expect.poll(() => (app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => app.sipd!.stats.dialogs, { timeout: 5_000 }).toBe(0);
  for (const q of app.acd.snapshot().queues) expect(q.entries, q.id).toEqual([]);
  expect(app.acd.pendingTimers()).toEqual({ steps: [], rings: [], wrapUps: [] });
  // A transfer is not an ACD offer: once it is over Maja is free again, with no wrap-up and no miss.
  expect(app.acd.agent(MAJA)?.state).toMatch(/^(ready|logged-out)$/);
}

describe('the transfer node: put through to an extension or out through the trunk', () => {
  it('a Företag caller is put through to Maja\'s desk phone, which shows the service and the caller; they hear each other; Maja hangs up and everything is released', async () => {
    const maja = await majaPhone({ autoAnswer: true });
    const caller = '+46701740661';
    const call = callFromOperatorNetwork(product.sipPort, FORETAG, caller);
    const callId = await waitCall(caller);
    const established = await maja.waitEvent('CALL_ESTABLISHED', 10_000);
    // What an ACD agent's phone shows: the service called and who calls.
    expect(established.peerdisplayname).toBe(`[Företag] ${caller}`);
    expect(established.peeruri).toContain(caller);

    await heardMore(maja, TALK_SECONDS);
    await maja.hangup();
    await maja.waitEvent('CALL_CLOSED', 10_000);
    assertSippOk(await call, 1);
    await recordingClosed(maja);
    // Maja's tone went to the caller and came back through both legs of our bridge.
    expect(Math.abs(lastSecondHeard(maja) - MAJA_HZ)).toBeLessThanOrEqual(15);

    expect(nodesRun(callId)).toEqual(['till-maja']);
    expect(transferOutcome(callId)).toBe('connected');
    await expect.poll(() => callEnded(callId), { timeout: 5_000 }).toMatchObject({ by: 'agent' });
    expect(await recordedTransfers(callId)).toEqual([{ at: expect.any(Number), node: 'till-maja', target: MAJA, outcome: 'connected' }]);
    await expectNothingLeft();
  }, 60_000);

  it('a Bolån caller is put through to the adviser on duty\'s mobile out through the trunk; they hear each other; the caller hangs up and the mobile gets BYE', async () => {
    const mobile = await onDutyMobile('uas-answer.xml', { echo: true });
    const caller = '+46701740662';
    const phone = await startBaresip({ user: caller, audioSource: { toneHz: CALLER_HZ, seconds: 60 } });
    await phone.dial(`sip:${BOLAN}@127.0.0.1:${product.sipPort}`);
    await phone.waitEvent('CALL_ESTABLISHED', 10_000);
    const callId = await waitCall(caller);
    // Connected: the flow is over, the call is not.
    await expect.poll(() => callEvents.find((e) => e.type === 'ivr-ended' && e.callId === callId), { timeout: 10_000 })
      .toMatchObject({ reason: 'completed', node: 'till-jouren' });
    await heardMore(phone, TALK_SECONDS);
    await phone.hangup();
    await phone.waitEvent('CALL_CLOSED', 10_000);

    const result = await mobile.exited;
    uas = undefined;
    expect(result.successful, describeSippResult(result)).toBe(1);
    // The number at the trunk, with the service and the caller shown as for an agent.
    expect(result.messages).toMatch(new RegExp(`INVITE sip:\\${ON_DUTY_MOBILE}@${TRUNK_HOST_IP.replace(/\./g, '\\.')}:${trunkPort}`));
    expect(result.messages).toMatch(new RegExp(`From: "\\[Bolån\\] \\${caller}" <sip:`));
    expect(result.messages).toMatch(/X-Service: Bolån/);
    expect(result.messages).toMatch(new RegExp(`X-Dialled-Number: \\${BOLAN}`));
    await recordingClosed(phone);
    // The caller's tone went out through the trunk and came back: bridged both ways.
    expect(Math.abs(lastSecondHeard(phone) - CALLER_HZ)).toBeLessThanOrEqual(15);

    expect(nodesRun(callId)).toEqual(['till-jouren']);
    expect(transferOutcome(callId)).toBe('connected');
    await expect.poll(() => callEnded(callId), { timeout: 5_000 }).toMatchObject({ by: 'caller' });
    await expectNothingLeft();
  }, 60_000);

  it('Maja\'s phone is busy: the caller hears the failed branch at once (all busy, goodbye) and is hung up on', async () => {
    const maja = await majaPhone({ autoAnswer: false });
    const caller = '+46701740663';
    const call = callFromOperatorNetwork(product.sipPort, FORETAG, caller);
    const callId = await waitCall(caller);
    await maja.waitEvent('CALL_INCOMING', 10_000);
    const rejectedAt = Date.now();
    await maja.hangup(); // an incoming call refused: 486 Busy Here
    await maja.waitEvent('CALL_CLOSED', 5_000);

    await expect.poll(() => nodeEntered(callId, 'upptagen'), { timeout: 5_000 }).toBeDefined();
    // Busy, not a timeout: long before the 20 s of ringing the node allows.
    expect(nodeEntered(callId, 'upptagen')!.at - rejectedAt).toBeLessThan(5_000);
    assertSippOk(await call, 1);
    expect(nodesRun(callId)).toEqual(['till-maja', 'upptagen', 'hejda']);
    expect(transferOutcome(callId)).toBe('busy');
    await expect.poll(() => callEnded(callId), { timeout: 5_000 }).toMatchObject({ by: 'local' });
    expect(await recordedTransfers(callId)).toEqual([{ at: expect.any(Number), node: 'till-maja', target: MAJA, outcome: 'busy' }]);
    await expectNothingLeft();
  }, 60_000);

  it('nobody answers the adviser on duty\'s mobile within the node\'s time: its ringing is cancelled and the failed branch runs', async () => {
    const mobile = await onDutyMobile('uas-ring-expect-cancel.xml');
    const caller = '+46701740664';
    const call = callFromOperatorNetwork(product.sipPort, BOLAN, caller);
    const callId = await waitCall(caller);
    const result = await mobile.exited;
    uas = undefined;
    // The mobile rang and got CANCEL (then 487 and ACK): the scenario's one call succeeded.
    expect(result.successful, describeSippResult(result)).toBe(1);
    assertSippOk(await call, 1);

    expect(nodesRun(callId)).toEqual(['till-jouren', 'ingen-svarar']);
    expect(transferOutcome(callId)).toBe('no-answer');
    const rang = nodeEntered(callId, 'ingen-svarar')!.at - nodeEntered(callId, 'till-jouren')!.at;
    expect(rang).toBeGreaterThanOrEqual(ON_DUTY_RING_SECONDS * 1000 - 100);
    expect(rang).toBeLessThan(ON_DUTY_RING_SECONDS * 1000 + 3_000);
    await expect.poll(() => callEnded(callId), { timeout: 5_000 }).toMatchObject({ by: 'local' });
    await expectNothingLeft();
  }, 60_000);

  it('the caller hangs up while Maja\'s phone rings: her phone stops ringing, the failed branch does not run, and the call ended is the caller\'s', async () => {
    const maja = await majaPhone({ autoAnswer: false });
    const caller = '+46701740665';
    const call = callFromOperatorNetwork(product.sipPort, FORETAG, caller, { hangUpAfterMs: 3_000 });
    const callId = await waitCall(caller);
    await maja.waitEvent('CALL_INCOMING', 10_000);
    assertSippOk(await call, 1);
    const closed = await maja.waitEvent('CALL_CLOSED', 5_000);
    // baresip's words for an incoming call the caller's side cancelled (long before the node's 20 s).
    expect(closed.param).toBe('Connection reset by peer');

    await expect.poll(() => callEnded(callId), { timeout: 5_000 }).toMatchObject({ by: 'caller' });
    expect(nodesRun(callId)).toEqual(['till-maja']);
    expect(transferOutcome(callId)).toBe('caller-left');
    expect(callEvents.find((e) => e.type === 'ivr-ended' && e.callId === callId)).toMatchObject({ reason: 'killed' });
    await expectNothingLeft();
  }, 60_000);

  it('the caller hangs up while a mobile rings out through the trunk: the mobile gets CANCEL at once, not when the node\'s 30 s are up', async () => {
    const mobile = await onDutyMobile('uas-ring-expect-cancel.xml');
    const caller = '+46701740666';
    const call = callFromOperatorNetwork(product.sipPort, PENSION, caller, { hangUpAfterMs: 1_500 });
    const callId = await waitCall(caller);
    assertSippOk(await call, 1);
    const hungUpAt = Date.now();
    const result = await mobile.exited;
    uas = undefined;
    expect(result.successful, describeSippResult(result)).toBe(1);
    expect(Date.now() - hungUpAt).toBeLessThan(5_000);
    expect(result.messages).toMatch(new RegExp(`CANCEL sip:\\${PENSION_MOBILE}@`));
    await expect.poll(() => callEnded(callId), { timeout: 5_000 }).toMatchObject({ by: 'caller' });
    expect(nodesRun(callId)).toEqual(['till-pension']);
    expect(transferOutcome(callId)).toBe('caller-left');
    await expectNothingLeft();
  }, 60_000);
});
