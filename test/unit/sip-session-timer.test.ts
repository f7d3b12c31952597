/**
 * Session timers (RFC 4028) as the switch negotiates and keeps them
 * (server/sip/session-timer.ts), on a simulated clock: the half hour of a
 * session passes in no time. The dialog is a stand-in for drachtio-srf's
 * Dialog with the few parts the timers use; the wire behaviour with real
 * peers is test/integration/session-timers.test.ts.
 */
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../server/acd/index.js';
import { SessionTimers, parseSessionExpires } from '../../server/sip/session-timer.js';
import type { SessionTimerConfig } from '../../config/schema.js';

const log = pino({ level: 'silent' });
const CONFIG: SessionTimerConfig = { enabled: true, expiresSeconds: 1800, minSeconds: 90 };
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

/** A SIP message with these headers (names in any case). */
function message(headers: Record<string, string>, body = ''): Srf.SrfRequest {
  const byName = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { body, get: (name: string) => byName.get(name.toLowerCase()), has: (name: string) => byName.has(name.toLowerCase()) } as unknown as Srf.SrfRequest;
}

interface Sent { method: string; headers: Record<string, string>; body?: string }
interface Answer { status: number; headers: Record<string, string>; body?: string }

/** The parts of a drachtio-srf Dialog the timers use; each request of ours waits for `respond`. */
class StandInDialog extends EventEmitter {
  readonly sent: Sent[] = [];
  byes = 0;
  readonly local = { sdp: SDP, contact: '<sip:switch@127.0.0.1>' };
  readonly remote = { sdp: SDP };
  private pending?: (res: Srf.SrfResponse) => void;

  constructor(readonly type: 'uas' | 'uac', readonly req: Srf.SrfRequest, readonly res: Srf.SrfRequest) {
    super();
  }

  request(opts: Sent): Promise<Srf.SrfResponse> {
    this.sent.push(opts);
    return new Promise((resolve) => { this.pending = resolve; });
  }

  /** Answers our last request. */
  respond(status: number, headers: Record<string, string> = {}): Promise<void> {
    const resolve = this.pending!;
    this.pending = undefined;
    resolve(Object.assign(message(headers), { status }) as unknown as Srf.SrfResponse);
    return flush();
  }

  destroy(_opts?: unknown, cb?: () => void): void {
    this.byes += 1;
    cb?.();
  }

  /** A refresh from the far end (re-INVITE: 'modify', UPDATE: 'update'); resolves with our answer. */
  refreshFromPeer(event: 'modify' | 'update', headers: Record<string, string>, body = ''): Answer {
    let answer: Answer | undefined;
    const res = { send: (status: number, opts: { headers: Record<string, string>; body?: string }) => { answer = { status, ...opts }; } };
    this.emit(event, message(headers, body), res);
    return answer!;
  }
}

function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function setUp(config: SessionTimerConfig = CONFIG) {
  const clock = new SimulatedClock(0);
  const timers = new SessionTimers(config, clock);
  let expired = 0;
  const keep = (dialog: StandInDialog): void => timers.keep(dialog as unknown as Srf.Dialog, log, () => { expired += 1; });
  return { clock, timers, keep, expired: () => expired };
}

/** A dialog we answered (we are the UAS) for an INVITE with these headers. */
function answered(headers: Record<string, string>): StandInDialog {
  return new StandInDialog('uas', message(headers), message({}));
}

/** A dialog we placed (we are the UAC) with an INVITE carrying `asked`, answered with a 2xx carrying `headers`. */
function placed(headers: Record<string, string>, asked: Record<string, string> = {}): StandInDialog {
  return new StandInDialog('uac', message(asked), message(headers));
}

describe('negotiating a session interval', () => {
  it('reads Session-Expires with and without a refresher', () => {
    expect(parseSessionExpires('1800')).toEqual({ seconds: 1800 });
    expect(parseSessionExpires('600;refresher=UAS')).toEqual({ seconds: 600, refresher: 'uas' });
    expect(parseSessionExpires(' 90 ; refresher = uac')).toEqual({ seconds: 90, refresher: 'uac' });
    expect(parseSessionExpires('soon')).toBeUndefined();
    expect(parseSessionExpires(undefined)).toBeUndefined();
  });

  it('refuses an interval below Min-SE with our Min-SE, and only then', () => {
    const { timers } = setUp();
    expect(timers.tooBrief(message({ 'Session-Expires': '60' }))).toBe(90);
    expect(timers.tooBrief(message({ x: '89;refresher=uac' }))).toBe(90);
    expect(timers.tooBrief(message({ 'Session-Expires': '90' }))).toBeUndefined();
    expect(timers.tooBrief(message({}))).toBeUndefined();
    expect(setUp({ ...CONFIG, enabled: false }).timers.tooBrief(message({ 'Session-Expires': '60' }))).toBeUndefined();
  });

  it('answers a caller that supports timer with its interval (cut to ours) and lets it refresh', () => {
    const { timers } = setUp();
    expect(timers.answerHeaders(message({ Supported: 'timer, 100rel', 'Session-Expires': '600' })))
      .toEqual({ 'Session-Expires': '600;refresher=uac', Require: 'timer' });
    expect(timers.answerHeaders(message({ Supported: 'timer', 'Session-Expires': '7200;refresher=uas' })))
      .toEqual({ 'Session-Expires': '1800;refresher=uas', Require: 'timer' });
    // Its own Min-SE above our interval wins: we may not go below it.
    expect(timers.answerHeaders(message({ Supported: 'timer', 'Min-SE': '2400' })))
      .toEqual({ 'Session-Expires': '2400;refresher=uac', Require: 'timer' });
  });

  it('refreshes itself for a caller without timer support, and offers timers on its own INVITEs', () => {
    const { timers } = setUp();
    expect(timers.answerHeaders(message({}))).toEqual({ 'Session-Expires': '1800;refresher=uas' });
    expect(timers.offerHeaders()).toEqual({ 'Session-Expires': '1800', 'Min-SE': '90', Supported: 'timer' });
    const off = setUp({ ...CONFIG, enabled: false }).timers;
    expect(off.answerHeaders(message({ Supported: 'timer' }))).toEqual({});
    expect(off.offerHeaders()).toEqual({});
  });
});

describe('a phone that wants a longer interval than ours (422)', () => {
  it('is asked again with its Min-SE, once, and never for another failure', () => {
    const { timers } = setUp();
    const failure = (status: number, headers: Record<string, string>) => ({ status, res: message(headers) });
    expect(timers.offerAfter422(failure(422, { 'Min-SE': '3600' }))).toEqual({ 'Session-Expires': '3600', 'Min-SE': '3600', Supported: 'timer' });
    // A Min-SE we already offered, or none: nothing better to ask with.
    expect(timers.offerAfter422(failure(422, { 'Min-SE': '1800' }))).toBeUndefined();
    expect(timers.offerAfter422(failure(422, {}))).toBeUndefined();
    expect(timers.offerAfter422(failure(486, { 'Min-SE': '3600' }))).toBeUndefined();
    expect(timers.offerAfter422(new Error('no response'))).toBeUndefined();
  });

  it('gets its session refreshed at half the interval it asked for, though its 2xx names none', async () => {
    const { clock, keep } = setUp();
    const dialog = placed({ Allow: 'INVITE, UPDATE' }, { 'Session-Expires': '3600', 'Min-SE': '3600' });
    keep(dialog);
    await clock.advanceTo(1_799_999);
    expect(dialog.sent).toHaveLength(0);
    await clock.advanceTo(1_800_000);
    expect(dialog.sent).toMatchObject([{ method: 'UPDATE', headers: { 'Session-Expires': '3600;refresher=uac' } }]);
  });
});

describe('keeping a session', () => {
  it('refreshes with UPDATE every half interval as refresher, and ends the call with BYE when a refresh gets 481', async () => {
    const { clock, timers, keep, expired } = setUp();
    const dialog = answered({ Allow: 'INVITE, ACK, BYE, UPDATE', 'Session-Expires': '600' });
    keep(dialog);
    expect(timers.active).toBe(1);

    await clock.advanceTo(299_000);
    expect(dialog.sent).toHaveLength(0);
    await clock.advanceTo(300_000);
    expect(dialog.sent).toMatchObject([{ method: 'UPDATE', headers: { 'Session-Expires': '600;refresher=uac', Supported: 'timer' } }]);
    expect(dialog.sent[0]!.body).toBeUndefined();
    await dialog.respond(200, { 'Session-Expires': '600;refresher=uac' });

    // The refresh moved the session on: the next one half an interval after it.
    await clock.advanceTo(599_000);
    expect(dialog.sent).toHaveLength(1);
    await clock.advanceTo(600_000);
    // A 2xx without Allow takes nothing back: still UPDATE.
    expect(dialog.sent.map((s) => s.method)).toEqual(['UPDATE', 'UPDATE']);
    await dialog.respond(481);

    expect(dialog.byes).toBe(1);
    expect(expired()).toBe(1);
    expect(timers.active).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('refreshes with a re-INVITE carrying the same SDP when the peer does not take UPDATE, and ends on 408', async () => {
    const { clock, keep, expired } = setUp();
    const dialog = placed({ Allow: 'INVITE, ACK, BYE' });
    keep(dialog);
    await clock.advanceTo(900_000);
    expect(dialog.sent).toMatchObject([{ method: 'INVITE', body: SDP, headers: { 'Session-Expires': '1800;refresher=uac' } }]);
    await dialog.respond(408);
    expect(dialog.byes).toBe(1);
    expect(expired()).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('falls back to re-INVITE when the peer refuses UPDATE after all', async () => {
    const { clock, keep, expired } = setUp();
    const dialog = placed({ Allow: 'INVITE, UPDATE', 'Session-Expires': '1800;refresher=uac' });
    keep(dialog);
    await clock.advanceTo(900_000);
    await dialog.respond(501);
    expect(dialog.sent.map((s) => s.method)).toEqual(['UPDATE', 'INVITE']);
    await dialog.respond(200);
    expect(dialog.byes).toBe(0);
    expect(expired()).toBe(0);
  });

  it('ends the call when a refresh of ours is never answered, before the interval is over', async () => {
    const { clock, keep, expired } = setUp();
    const dialog = answered({});
    keep(dialog);
    await clock.advanceTo(900_000);
    expect(dialog.sent).toHaveLength(1);
    // Section 10: BYE at the interval less min(32 s, a third of it).
    await clock.advanceTo(1_767_999);
    expect(dialog.byes).toBe(0);
    await clock.advanceTo(1_768_000);
    expect(dialog.byes).toBe(1);
    expect(expired()).toBe(1);
    // The answer that never came comes after all: nothing more happens.
    await dialog.respond(200);
    expect(dialog.byes).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('answers the refresher\'s refreshes with Session-Expires and ends the call when they stop', async () => {
    const { clock, keep, expired } = setUp();
    const dialog = answered({ Supported: 'timer', 'Session-Expires': '300;refresher=uac' });
    keep(dialog);

    await clock.advanceTo(150_000);
    const update = dialog.refreshFromPeer('update', { Supported: 'timer', 'Session-Expires': '300;refresher=uac' });
    expect(update).toMatchObject({ status: 200, headers: { 'Session-Expires': '300;refresher=uac', Require: 'timer' } });
    expect(update.body).toBeUndefined();
    await clock.advanceTo(300_000);
    const reInvite = dialog.refreshFromPeer('modify', { Supported: 'timer', 'Session-Expires': '300' }, SDP);
    expect(reInvite).toMatchObject({ status: 200, body: SDP, headers: { 'Session-Expires': '300;refresher=uac', 'Content-Type': 'application/sdp' } });
    expect(dialog.sent).toHaveLength(0);

    // No refresh after the last: the session ends 32 s before the interval is over.
    await clock.advanceTo(300_000 + 267_999);
    expect(dialog.byes).toBe(0);
    await clock.advanceTo(300_000 + 268_000);
    expect(dialog.byes).toBe(1);
    expect(expired()).toBe(1);
    expect(dialog.sent).toHaveLength(0);
  });

  it('stays the refresher after a refresh from a peer without timer support, still by UPDATE', async () => {
    const { clock, keep } = setUp();
    const dialog = answered({ Allow: 'INVITE, ACK, BYE, UPDATE' });
    keep(dialog);
    await clock.advanceTo(100_000);
    // A refresh of the peer's own, listing nothing: we answer as refresher and keep what we knew of it.
    expect(dialog.refreshFromPeer('update', {})).toMatchObject({ status: 200, headers: { 'Session-Expires': '1800;refresher=uas' } });
    expect(dialog.refreshFromPeer('update', {}).headers.Require).toBeUndefined();
    await clock.advanceTo(999_999);
    expect(dialog.sent).toHaveLength(0);
    await clock.advanceTo(1_000_000);
    expect(dialog.sent.map((s) => s.method)).toEqual(['UPDATE']);
  });

  it('refuses a refresh asking for less than Min-SE with 422', () => {
    const { keep } = setUp();
    const dialog = answered({ Supported: 'timer' });
    keep(dialog);
    expect(dialog.refreshFromPeer('update', { 'Session-Expires': '30' })).toMatchObject({ status: 422, headers: { 'Min-SE': '90' } });
  });

  it('leaves no timer behind when the call ends any other way', async () => {
    const { clock, timers, keep, expired } = setUp();
    const hungUp = answered({});
    const ours = placed({});
    keep(hungUp);
    keep(ours);
    // We refresh both: a refresh and an expiry each.
    expect(clock.pending).toBe(4);
    hungUp.emit('destroy');
    (ours as unknown as Srf.Dialog).destroy(undefined, () => {});
    expect(timers.active).toBe(0);
    expect(clock.pending).toBe(0);
    await clock.advanceTo(3_600_000);
    expect(expired()).toBe(0);
  });

  it('keeps nothing when session timers are off', () => {
    const { clock, timers, keep } = setUp({ ...CONFIG, enabled: false });
    keep(answered({ Supported: 'timer', 'Session-Expires': '600' }));
    expect(timers.active).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('a re-INVITE with a new offer (a phone holding the call)', () => {
  const HOLD = SDP.replace('m=audio 4000 RTP/AVP 0\r\n', 'm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n');
  const OURS = SDP.replace('o=- 1 1', 'o=- 1 2').replace('m=audio 4000 RTP/AVP 0\r\n', 'm=audio 4000 RTP/AVP 0\r\na=recvonly\r\n');

  /** The far end's re-INVITE; resolves with our answer once the owner has given it. */
  async function reInvite(dialog: StandInDialog, headers: Record<string, string>, body: string): Promise<Answer> {
    let answer: Answer | undefined;
    const res = { send: (status: number, opts: { headers: Record<string, string>; body?: string } = { headers: {} }) => { answer = { status, ...opts }; } };
    dialog.emit('modify', message(headers, body), res);
    await flush();
    return answer!;
  }

  it('is answered with the SDP the dialog\'s owner gives for it, kept as ours for the refreshes after it; a refused offer gets 488', async () => {
    const clock = new SimulatedClock(0);
    const timers = new SessionTimers(CONFIG, clock);
    const dialog = answered({ Supported: 'timer', 'Session-Expires': '1800;refresher=uac' });
    const offers: string[] = [];
    let refuse = false;
    timers.keep(dialog as unknown as Srf.Dialog, log, () => {}, async (sdp) => {
      offers.push(sdp);
      if (refuse) throw new Error('no codec in common');
      return OURS;
    });

    expect(await reInvite(dialog, { Supported: 'timer', 'Session-Expires': '1800;refresher=uac' }, HOLD)).toMatchObject({
      status: 200, body: OURS, headers: { 'Content-Type': 'application/sdp', 'Session-Expires': '1800;refresher=uac' },
    });
    expect(offers).toEqual([HOLD]);
    expect(dialog.local.sdp).toBe(OURS);
    // An UPDATE refresh without SDP answers with what now stands.
    expect(dialog.refreshFromPeer('update', { Supported: 'timer', 'Session-Expires': '1800;refresher=uac' }, SDP).body).toBe(OURS);

    refuse = true;
    expect((await reInvite(dialog, {}, SDP)).status).toBe(488);
    expect(dialog.local.sdp).toBe(OURS);
  });

  it('is answered the same way on a dialog without session timers', async () => {
    const timers = new SessionTimers({ ...CONFIG, enabled: false }, new SimulatedClock(0));
    const dialog = answered({});
    timers.keep(dialog as unknown as Srf.Dialog, log, () => {}, async () => OURS);
    expect(await reInvite(dialog, {}, HOLD)).toMatchObject({ status: 200, body: OURS });
  });
});
