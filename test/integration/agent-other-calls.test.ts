/**
 * An agent on a call that did not come from the ACD is not offered queue
 * calls, on the wire: Erik (1002, baresip answering at once, in the card
 * queue) takes a call from his colleague (1005) or one a flow transferred
 * to him, while a caller on the operator network (SIPp on 127.0.0.2) waits
 * in the card-blocking queue (+46313900603, queue kort). Erik's phone gets
 * no second call while he talks; as he hangs up, the waiting caller is
 * offered to him within a second or two. Nothing counts as a missed offer
 * (one miss would pause him here).
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { heardMore, startAgentPhone, type BaresipPhone } from '../support/baresip.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { productPerTest } from '../support/product-per-test.js';
import { assertSippOk, type SippResult } from '../support/sipp.js';
import { tempDir } from '../support/tmp.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

const CARD_NUMBER = '+46313900603';
/** Kundtjänst's number, put straight through to Erik by this test's flow. */
const STRAIGHT_TO_ERIK = '+46313900601';
const ERIK = '1002';
const COLLEAGUE = '1005';

let acdEvents: AcdEvent[] = [];
let callEvents: CallEvent[] = [];

/** The card-blocking flow as shipped, and one that transfers Kundtjänst's callers to Erik. */
function flows(): string {
  const dir = tempDir('other-calls-flows-');
  copyFileSync(join(flowDir(), 'kort-och-sparr.yaml'), join(dir, 'kort-och-sparr.yaml'));
  writeFileSync(join(dir, 'till-erik.yaml'), [
    'flow: till-erik', 'description: Straight to Erik', `numbers: ["${STRAIGHT_TO_ERIK}"]`, 'language: sv', 'nodes:',
    '  - id: till-erik', '    type: transfer', `    to: "${ERIK}"`, '    timeoutSeconds: 20', '',
  ].join('\n'));
  return dir;
}

const started = productPerTest(async () => {
  const product = await startProduct({
    flowDir: flows(),
    tweak: (c) => {
      Object.assign(c.queues.find((q) => q.id === 'kort')!, { wrapUpSeconds: 1, maxMissedOffers: 1 });
    },
  });
  acdEvents = [];
  callEvents = [];
  product.app.acd.on((e) => acdEvents.push(e));
  product.app.center.on('event', (e) => callEvents.push(e));
  return product;
});
const start = (): Promise<RunningProduct> => started.start();
const running = (): RunningProduct => started.product;

const phone = (extension: string, toneHz: number): Promise<BaresipPhone> =>
  startAgentPhone(running(), extension, { autoAnswer: true, audioSource: { toneHz, seconds: 60 } });

const offersTo = (agent: string): Extract<AcdEvent, { type: 'offered-to-agent' }>[] =>
  acdEvents.filter((e): e is Extract<AcdEvent, { type: 'offered-to-agent' }> => e.type === 'offered-to-agent' && e.agentId === agent);

/** How many calls reached the phone (auto-answered calls give no CALL_INCOMING). */
const callsRung = (p: BaresipPhone): number => new Set(p.events.filter((e) => e.direction === 'incoming' && e.id).map((e) => e.id)).size;

/**
 * While Erik talks, the card caller waits: queued, not offered to him, his
 * phone rung once (the call he is on). That no offer comes later while he
 * talks is shown by hangUpAndTakeTheCardCall: the first offer comes after
 * his hang-up.
 */
async function expectCardCallerWaits(erik: BaresipPhone): Promise<void> {
  await expect.poll(() => acdEvents.some((e) => e.type === 'queued' && e.entry.queueId === 'kort'), { timeout: 10_000 }).toBe(true);
  expect(offersTo(ERIK)).toEqual([]);
  expect(callsRung(erik)).toBe(1);
  expect(running().app.acd.agent(ERIK)).toMatchObject({ state: 'busy' });
  expect(running().app.acd.snapshot().queues.find((q) => q.id === 'kort')).toMatchObject({ waiting: 1, free: 0 });
}

/** Erik hangs up the call he is on: the card caller is offered to him at once and he answers. */
async function hangUpAndTakeTheCardCall(erik: BaresipPhone, cardCall: Promise<SippResult>): Promise<void> {
  const hungUpAt = Date.now();
  await erik.hangup();
  await erik.waitEvent('CALL_CLOSED', 10_000);
  await expect.poll(() => offersTo(ERIK).length, { timeout: 5_000 }).toBe(1);
  expect(offersTo(ERIK)[0]!.at).toBeGreaterThanOrEqual(hungUpAt);
  expect(offersTo(ERIK)[0]!.at - hungUpAt).toBeLessThan(2_000);
  await erik.waitEvent('CALL_ESTABLISHED', 10_000);
  await expect.poll(() => acdEvents.some((e) => e.type === 'answered' && e.agentId === ERIK), { timeout: 5_000 }).toBe(true);
  await heardMore(erik, 0.5); // a word with the card caller (who echoes Erik's voice)
  await erik.hangup();
  await erik.waitEvent('CALL_CLOSED', 10_000);
  assertSippOk(await cardCall, 1);

  // No miss, no pause; wrap-up after the queue call only, then ready.
  await expect.poll(() => running().app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');
  expect(acdEvents.filter((e) => e.type === 'offer-missed')).toEqual([]);
  const erikStates = acdEvents.flatMap((e) => (e.type === 'agent-state' && e.agentId === ERIK ? [e.state] : []));
  expect(erikStates).toEqual(['ready', 'busy', 'ready', 'reserved', 'busy', 'wrap-up', 'ready']);
  expect(running().app.acd.agent(ERIK)!.otherCalls).toBeUndefined();
}

async function expectNothingLeft(): Promise<void> {
  const { app } = running();
  await expect.poll(() => (app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => app.sipd!.stats.dialogs, { timeout: 5_000 }).toBe(0);
  for (const q of app.acd.snapshot().queues) expect(q.entries, q.id).toEqual([]);
}

describe('an agent on a call that did not come from the ACD is offered no queue call until it ends', () => {
  it('Erik talks with a colleague who dialled his extension: the card caller waits, and is offered to Erik as he hangs up', async () => {
    await start();
    const erik = await phone(ERIK, 1000);
    const colleague = await phone(COLLEAGUE, 440);

    await colleague.dial(`sip:${ERIK}@127.0.0.1:${running().sipPort}`);
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await colleague.waitEvent('CALL_ESTABLISHED', 10_000);
    // From the answer on, both agents are on the call for the ACD.
    await expect.poll(() => running().app.acd.agent(ERIK), { timeout: 5_000 }).toMatchObject({ state: 'busy', otherCalls: [expect.any(String)] });
    expect(running().app.acd.agent(ERIK)!.entryId).toBeUndefined();
    expect(running().app.acd.agent(COLLEAGUE)).toMatchObject({ state: 'busy' });

    const cardCall = callFromOperatorNetwork(running().sipPort, CARD_NUMBER, '+46701740671');
    await expectCardCallerWaits(erik);
    await hangUpAndTakeTheCardCall(erik, cardCall);
    await colleague.waitEvent('CALL_CLOSED', 10_000);
    await expect.poll(() => running().app.acd.agent(COLLEAGUE)?.state, { timeout: 5_000 }).toBe('ready');
    await expectNothingLeft();
  }, 90_000);

  it('a flow put a caller through to Erik: the card caller waits, and is offered to Erik as he hangs up', async () => {
    await start();
    const erik = await phone(ERIK, 1000);

    const transferred = callFromOperatorNetwork(running().sipPort, STRAIGHT_TO_ERIK, '+46701740672');
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await expect.poll(() => running().app.acd.agent(ERIK), { timeout: 5_000 }).toMatchObject({ state: 'busy', otherCalls: [expect.any(String)] });
    const callId = callEvents.find((e): e is Extract<CallEvent, { type: 'call-started' }> =>
      e.type === 'call-started' && e.dialled === STRAIGHT_TO_ERIK)!.callId;
    expect(running().app.acd.agent(ERIK)!.otherCalls).toEqual([callId]);

    const cardCall = callFromOperatorNetwork(running().sipPort, CARD_NUMBER, '+46701740673');
    await expectCardCallerWaits(erik);
    await hangUpAndTakeTheCardCall(erik, cardCall);
    assertSippOk(await transferred, 1);
    await expectNothingLeft();
  }, 90_000);
});
