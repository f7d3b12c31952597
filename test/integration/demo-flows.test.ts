/**
 * The demo company's own flows (ivr-flows/, unchanged) with real SIP, RTP
 * and RFC 4733 keys on loopback. Their opening hours make them depend on the
 * date, so the product runs on a clock moved to the moment each story needs
 * (test/support/clock.ts); time passes normally from there.
 *
 * - A weekday morning: the main number is open; the caller picks English
 *   in the language menu (key 2), waits in the switchboard queue and Anna
 *   answers.
 * - Christmas Day (a Swedish public holiday, a Friday): the main number
 *   plays its closed message, says goodbye and hangs up.
 * - The day before Christmas Eve at 13:00: the main number's exception
 *   (open 08:00-12:00) has closed it, while Kundtjänst's (08:00-15:00) keeps
 *   it open.
 * - A caller who hangs up in the language menu leaves nothing behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { heardMore, lastSecondHeard, recordingClosed, startBaresip, stopAllBaresip, TALK_SECONDS, type BaresipPhone } from '../support/baresip.js';
import { ShiftedClock } from '../support/clock.js';

const MAIN_NUMBER = '+46313900600';
const KUNDTJANST = '+46313900601';
const ANNA_HZ = 700;

let product: RunningProduct | undefined;
let acdEvents: AcdEvent[] = [];
let callEvents: CallEvent[] = [];

afterEach(async () => {
  await stopAllBaresip();
  await product?.stop();
  product = undefined;
});

async function startAt(moment: string): Promise<RunningProduct> {
  product = await startProduct({ clock: new ShiftedClock(moment) });
  acdEvents = [];
  callEvents = [];
  product.app.acd.on((e) => acdEvents.push(e));
  product.app.center.on('event', (e) => callEvents.push(e));
  return product;
}

async function phone(p: RunningProduct, user: string, opts: { autoAnswer?: boolean; toneHz?: number } = {}): Promise<BaresipPhone> {
  return startBaresip({
    user, password: `demo-${user}`, autoAnswer: opts.autoAnswer ?? false,
    audioSource: opts.toneHz ? { toneHz: opts.toneHz, seconds: 60 } : 'silence',
    registrar: { host: '127.0.0.1', port: p.sipPort, transport: 'udp' },
  });
}

async function dial(p: RunningProduct, caller: BaresipPhone, number: string): Promise<string> {
  await caller.dial(`sip:${number}@127.0.0.1:${p.sipPort}`);
  await caller.waitEvent('CALL_ESTABLISHED', 10_000);
  await expect.poll(() => callEvents.find((e) => e.type === 'call-started'), { timeout: 5_000 }).toBeDefined();
  return callEvents.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started')!.callId;
}

/** The flow's nodes the call went through, in order. */
const nodesOf = (callId: string): string[] =>
  callEvents.flatMap((e) => (e.type === 'ivr-node' && e.callId === callId ? [e.node] : []));

async function expectNothingLeft(p: RunningProduct): Promise<void> {
  await expect.poll(() => (p.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => p.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  for (const q of p.app.acd.snapshot().queues) expect(q.entries, q.id).toEqual([]);
}

describe('the demo company\'s flows, on the days they are written for', () => {
  it('a weekday morning: the main number is open, the caller presses 2 for English, waits for the switchboard and Anna answers', async () => {
    const p = await startAt('2026-11-23T10:00:00+01:00'); // a Monday
    const anna = await phone(p, '1001', { autoAnswer: true, toneHz: ANNA_HZ });
    await expect.poll(() => p.app.acd.agent('1001')?.state, { timeout: 5_000 }).toBe('ready');
    const caller = await phone(p, '1005');
    const callId = await dial(p, caller, MAIN_NUMBER);
    await expect.poll(() => nodesOf(callId).includes('sprakval'), { timeout: 5_000 }).toBe(true);
    await heardMore(caller, 0.1); // into the menu's prompt: a key pressed now answers it
    await caller.sendDtmf('2');

    await expect.poll(() => acdEvents.find((e) => e.type === 'answered'), { timeout: 15_000 }).toMatchObject({ agentId: '1001' });
    expect(nodesOf(callId)).toEqual(['oppettider', 'lavin', 'sprakval', 'engelska', 'ko']);
    expect(acdEvents.find((e) => e.type === 'queued')).toMatchObject({ entry: { queueId: 'vaxel', data: { dialled: MAIN_NUMBER, service: 'Växel' } } });
    const established = await anna.waitEvent('CALL_ESTABLISHED', 10_000);
    expect(established.peerdisplayname).toBe('[Växel] 1005');

    await heardMore(caller, TALK_SECONDS);
    await caller.hangup();
    await caller.waitEvent('CALL_CLOSED', 10_000);
    await anna.waitEvent('CALL_CLOSED', 10_000);
    await recordingClosed(caller);
    expect(Math.abs(lastSecondHeard(caller) - ANNA_HZ)).toBeLessThanOrEqual(15);
    await expect.poll(() => acdEvents.find((e) => e.type === 'ended'), { timeout: 5_000 }).toMatchObject({ agentId: '1001' });
    await expectNothingLeft(p);
  }, 60_000);

  it('Christmas Day: the main number plays its closed message, says goodbye and hangs up; nobody is queued', async () => {
    const p = await startAt('2026-12-25T10:00:00+01:00');
    const caller = await phone(p, '1005');
    const callId = await dial(p, caller, MAIN_NUMBER);
    await caller.waitEvent('CALL_CLOSED', 20_000); // we hang up, not the caller
    expect(nodesOf(callId)).toEqual(['oppettider', 'stangt', 'hejda']);
    expect(callEvents.find((e) => e.type === 'call-ended' && e.callId === callId)).toMatchObject({ by: 'local' });
    expect(acdEvents.some((e) => e.type === 'queued')).toBe(false);
    await expectNothingLeft(p);
  }, 60_000);

  it('the day before Christmas Eve at 13:00: the main number has closed for the day, Kundtjänst is still open', async () => {
    const p = await startAt('2026-12-23T13:00:00+01:00');
    const caller = await phone(p, '1005');
    const vaxelCall = await dial(p, caller, MAIN_NUMBER);
    await caller.waitEvent('CALL_CLOSED', 20_000);
    expect(nodesOf(vaxelCall)).toEqual(['oppettider', 'stangt', 'hejda']);

    callEvents = [];
    caller.clearEvents();
    const kundCall = await dial(p, caller, KUNDTJANST);
    await expect.poll(() => acdEvents.find((e) => e.type === 'queued'), { timeout: 15_000 })
      .toMatchObject({ entry: { queueId: 'kundtjanst', data: { dialled: KUNDTJANST, service: 'Kundtjänst' } } });
    expect(nodesOf(kundCall)).toEqual(['oppettider', 'lavin', 'halsning', 'ko']);
    await caller.hangup();
    await caller.waitEvent('CALL_CLOSED', 10_000);
    await expect.poll(() => acdEvents.find((e) => e.type === 'abandoned'), { timeout: 5_000 }).toMatchObject({ queueId: 'kundtjanst' });
    await expectNothingLeft(p);
  }, 60_000);

  it('a caller who hangs up in the language menu leaves nothing behind: no queue entry, endpoint, dialog or timer', async () => {
    const p = await startAt('2026-11-23T10:00:00+01:00');
    const caller = await phone(p, '1005');
    const callId = await dial(p, caller, MAIN_NUMBER);
    await expect.poll(() => nodesOf(callId).includes('sprakval'), { timeout: 5_000 }).toBe(true);
    await heardMore(caller, 0.1); // the menu's prompt is playing
    await caller.hangup();
    await caller.waitEvent('CALL_CLOSED', 10_000);
    await expect.poll(() => callEvents.find((e) => e.type === 'call-ended' && e.callId === callId), { timeout: 5_000 })
      .toMatchObject({ by: 'caller' });
    expect(nodesOf(callId)).toEqual(['oppettider', 'lavin', 'sprakval']);
    expect(acdEvents.some((e) => e.type === 'queued')).toBe(false);
    await expectNothingLeft(p);
    await expect.poll(() => p.app.sipd!.stats.dialogs, { timeout: 5_000 }).toBe(0);
    expect(p.app.acd.pendingTimers()).toEqual({ steps: [], rings: [], wrapUps: [] });
  }, 60_000);
});
