/**
 * Hanging up during a callback, real SIP and RTP on loopback. A caller on
 * the card-blocking number (from the operator network, 127.0.0.2) waits
 * with nobody logged in, presses 1 and accepts their number: a callback
 * keeps their place. Erik's desk phone (1002, baresip) registers: he is
 * rung first and answers, hears the whisper, and the customer is dialled
 * through the operator trunk (a SIPp UAS on 127.0.0.3). Then somebody hangs
 * up at each stage:
 *
 * - Erik, before the customer answered (during the whisper, or while the
 *   customer's phone rings, which must be cancelled): he turned the
 *   callback down. It goes back in line at its old place without using up
 *   one of the customer's attempts, and Erik has missed an offer (with one
 *   miss allowed here, he is paused "no answer"); back, he gets it again.
 * - The customer, during the conversation: Erik gets BYE.
 * - Erik, during the conversation: the customer gets BYE.
 * - Nobody: the product has no media port left for the customer's leg. The
 *   attempt counts (retried, or given up after the last), and Erik is free.
 *
 * Whoever hangs up, nothing is left behind: no endpoint, dialog, call,
 * reservation or timer, and no ACD entry but a callback still to make.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CARD_NUMBER, ERIK, eriksPhone, eventTypes as types, startCallbackCenter, takeCallback, type CallbackCenter, type QueueSettings,
} from '../support/callbacks.js';
import { startTrunkFarEnd } from '../support/operator-network.js';
import { stopAllBaresip } from '../support/baresip.js';
import { assertSippOk, describeSippResult, type SippUas } from '../support/sipp.js';
import { freePortRange } from '../support/ports.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { Config } from '../../config/schema.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

const CUSTOMER = '+46701740652';

let product: CallbackCenter | undefined;
let acdEvents: AcdEvent[] = [];
let callEvents: CallEvent[] = [];
let uas: SippUas | undefined;

afterEach(async () => {
  await stopAllBaresip();
  await uas?.stop(1_000).catch(() => {});
  uas = undefined;
  await product?.stop();
  product = undefined;
});

async function start(kort: QueueSettings = {}, tweak?: (c: Config) => void): Promise<CallbackCenter> {
  const p = await startCallbackCenter({ kort, tweak });
  ({ acdEvents, callEvents } = p);
  product = p;
  return p;
}

/** The caller presses 1, accepts their number and is hung up on; resolves the callback's entry id. */
async function bookCallback(p: CallbackCenter): Promise<string> {
  await takeCallback(p.sipPort, CARD_NUMBER, CUSTOMER);
  const requested = acdEvents.find((e): e is Extract<AcdEvent, { type: 'callback-requested' }> => e.type === 'callback-requested');
  expect(requested).toBeDefined();
  return requested!.entryId;
}

/** The operator network behind the trunk: the customer's phone. */
async function customerPhone(p: CallbackCenter, scenario: string, opts: { talkMs?: number } = {}): Promise<SippUas> {
  uas = await startTrunkFarEnd(p.trunkPort, { scenario, durationMs: opts.talkMs });
  return uas;
}

const callbackDone = (entryId: string): Extract<AcdEvent, { type: 'callback-done' }> | undefined =>
  acdEvents.find((e): e is Extract<AcdEvent, { type: 'callback-done' }> => e.type === 'callback-done' && e.entryId === entryId);

async function waitFor(type: CallEvent['type'], timeout = 20_000): Promise<void> {
  await expect.poll(() => types(callEvents).includes(type), { timeout }).toBe(true);
}

/**
 * No endpoint, dialog, call or timer of a call is left; Erik is neither
 * reserved nor busy; the line holds only `waiting` (a callback still to
 * make), whose own timer is the next widening step.
 */
async function expectNothingLeft(p: CallbackCenter, opts: { waiting?: string[]; erik: 'ready' | 'paused' }): Promise<void> {
  const { app } = p;
  const waiting = opts.waiting ?? [];
  await expect.poll(() => (app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => app.sipd!.stats.dialogs, { timeout: 5_000 }).toBe(0);
  // After the wrap-up (1 s here), if there was one.
  await expect.poll(() => app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe(opts.erik);
  expect(app.acd.snapshot().queues.flatMap((q) => q.entries.map((e) => e.id))).toEqual(waiting);
  for (const id of waiting) expect(app.acd.entry(id)?.offeredTo).toBeUndefined();
  expect(app.acd.pendingTimers()).toEqual({ steps: waiting, rings: [], wrapUps: [] });
}

describe('hanging up during a callback', () => {
  it('Erik hangs up while the customer\'s phone rings: the ringing is cancelled, the callback keeps its place and its attempts, Erik missed it; back from the pause he makes it', async () => {
    const p = await start({ maxMissedOffers: 1 });
    const entryId = await bookCallback(p);
    const booked = p.app.acd.entry(entryId)!;
    const ringing = await customerPhone(p, 'uas-ring-expect-cancel.xml');
    const erik = await eriksPhone(p.sipPort);
    await erik.waitEvent('CALL_ESTABLISHED', 15_000);
    await waitFor('callback-dialling');
    await ringing.waitMessage(/^SIP\/2\.0 180 Ringing/m); // the customer's phone rings
    await erik.hangup();
    await erik.waitEvent('CALL_CLOSED', 5_000);

    // The customer's phone got CANCEL (then 487, ACK): the scenario's one call succeeded.
    const cancelled = await ringing.exited;
    uas = undefined;
    expect(cancelled.successful, describeSippResult(cancelled)).toBe(1);
    await expect.poll(() => callEvents.find((e) => e.type === 'callback-agent-left'), { timeout: 5_000 })
      .toMatchObject({ entryId, agentId: ERIK, number: CUSTOMER });
    expect(types(callEvents)).not.toContain('callback-no-answer');
    expect(callbackDone(entryId)).toBeUndefined();
    expect(acdEvents.find((e) => e.type === 'offer-missed')).toMatchObject({ entryId, agentId: ERIK });
    // Its old place, no attempt used, not offered to anyone.
    expect(p.app.acd.entry(entryId)).toMatchObject({ kind: 'callback', enqueuedAt: booked.enqueuedAt, data: { callbackNumber: CUSTOMER } });
    expect(p.app.acd.entry(entryId)!.attempts).toBeUndefined();
    expect(p.app.acd.agent(ERIK)).toMatchObject({ pauseReason: 'no answer' });
    await expectNothingLeft(p, { waiting: [entryId], erik: 'paused' });

    // Back from the pause, Erik gets the callback again, and the customer answers this time.
    const answering = await customerPhone(p, 'uas-answer-then-bye.xml', { talkMs: 1_500 });
    await p.app.acd.ready(ERIK);
    await expect.poll(() => callbackDone(entryId), { timeout: 30_000 }).toMatchObject({ outcome: 'completed' });
    expect((await answering.exited).successful).toBe(1);
    uas = undefined;
    await expectNothingLeft(p, { erik: 'ready' });
  }, 120_000);

  it('Erik hangs up during the whisper: the customer is never dialled, and the callback waits at its place', async () => {
    const p = await start({ maxMissedOffers: 1 });
    const entryId = await bookCallback(p);
    const neverRung = await customerPhone(p, 'uas-ring-expect-cancel.xml');
    const erik = await eriksPhone(p.sipPort);
    await erik.waitEvent('CALL_ESTABLISHED', 15_000);
    // The whisper (beep, "we call you back on", the number) begins; it takes several seconds.
    await waitFor('callback-agent-answered');
    await erik.hangup();
    await erik.waitEvent('CALL_CLOSED', 5_000);

    await expect.poll(() => callEvents.find((e) => e.type === 'callback-agent-left'), { timeout: 5_000 })
      .toMatchObject({ entryId, agentId: ERIK });
    // The attempt is over (no call of it left), so a dial that should not happen would have been made by now.
    await expectNothingLeft(p, { waiting: [entryId], erik: 'paused' });
    expect(types(callEvents)).not.toContain('callback-dialling');
    const operator = await neverRung.stop(1_000);
    uas = undefined;
    expect(operator.created, describeSippResult(operator)).toBe(0);
    expect(callbackDone(entryId)).toBeUndefined();
    expect(p.app.acd.entry(entryId)).toMatchObject({ kind: 'callback' });
    expect(p.app.acd.entry(entryId)!.attempts).toBeUndefined();
  }, 90_000);

  it('the customer hangs up during the conversation: Erik gets BYE, callback-done "completed", Erik wraps up and is ready', async () => {
    const p = await start();
    const entryId = await bookCallback(p);
    const customer = await customerPhone(p, 'uas-answer-then-bye.xml', { talkMs: 3_000 });
    const erik = await eriksPhone(p.sipPort);
    await erik.waitEvent('CALL_ESTABLISHED', 15_000);
    await waitFor('callback-connected');
    // Erik does nothing: the customer's BYE ends his call.
    const closed = await erik.waitEvent('CALL_CLOSED', 15_000);
    expect(closed.param ?? '').not.toMatch(/^[45]\d\d/);
    const result = await customer.exited;
    uas = undefined;
    assertSippOk(result, 1);
    await expect.poll(() => callbackDone(entryId), { timeout: 5_000 }).toMatchObject({ outcome: 'completed' });
    expect(acdEvents.find((e) => e.type === 'ended')).toMatchObject({ entryId, agentId: ERIK });
    expect(acdEvents.some((e) => e.type === 'agent-state' && e.agentId === ERIK && e.state === 'wrap-up')).toBe(true);
    expect(types(callEvents)).not.toContain('callback-agent-left');
    await expectNothingLeft(p, { erik: 'ready' });
  }, 90_000);

  it('Erik hangs up during the conversation: the customer\'s leg gets BYE, callback-done "completed", Erik wraps up and is ready', async () => {
    const p = await start();
    const entryId = await bookCallback(p);
    // Answers and waits for our BYE.
    const customer = await customerPhone(p, 'uas-answer.xml');
    const erik = await eriksPhone(p.sipPort);
    await erik.waitEvent('CALL_ESTABLISHED', 15_000);
    await waitFor('callback-connected');
    // Erik and the customer talk for a second: what the test plays, not a wait.
    await new Promise((r) => setTimeout(r, 1_000));
    await erik.hangup();
    await erik.waitEvent('CALL_CLOSED', 5_000);
    const result = await customer.exited;
    uas = undefined;
    assertSippOk(result, 1);
    expect(result.messages).toMatch(/BYE sip:/);
    await expect.poll(() => callbackDone(entryId), { timeout: 5_000 }).toMatchObject({ outcome: 'completed' });
    expect(acdEvents.some((e) => e.type === 'agent-state' && e.agentId === ERIK && e.state === 'wrap-up')).toBe(true);
    await expectNothingLeft(p, { erik: 'ready' });
  }, 90_000);

  it('no media port is left for the customer\'s leg: the attempt counts, Erik is not left busy, and the callback is given up after its last attempt', async () => {
    // Room for one call's media at a time: the booking call's, then Erik's leg; the customer's leg finds none.
    const rtp = await freePortRange(2, 'udp');
    const even = rtp % 2 === 0 ? rtp : rtp + 1;
    const p = await start({ callbackMaxAttempts: 1 }, (c) => { c.rtp.portMin = even; c.rtp.portMax = even + 1; });
    const entryId = await bookCallback(p);
    const neverRung = await customerPhone(p, 'uas-ring-expect-cancel.xml');
    const erik = await eriksPhone(p.sipPort);
    await erik.waitEvent('CALL_ESTABLISHED', 15_000);
    // The whisper plays, then dialling the customer fails before any INVITE: Erik's leg is released.
    await erik.waitEvent('CALL_CLOSED', 20_000);
    await expect.poll(() => callbackDone(entryId), { timeout: 10_000 }).toMatchObject({ outcome: 'failed' });
    expect(types(callEvents)).not.toContain('callback-dialling');
    const operator = await neverRung.stop(1_000);
    uas = undefined;
    expect(operator.created, describeSippResult(operator)).toBe(0);
    await expectNothingLeft(p, { erik: 'ready' });
  }, 90_000);
});
