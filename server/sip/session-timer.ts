/**
 * SIP session timers (RFC 4028) for every dialog the switch is party to: a
 * call whose BYE was lost, or whose phone crashed, ends by itself instead of
 * keeping the call, and an agent, busy for ever. drachtio-srf has no session
 * timers of its own, so they are done here with in-dialog requests, which
 * works alike on the embedded SIP server and on drachtio-server.
 *
 * - An INVITE asking for less than our Min-SE gets 422 (`tooBrief`); one
 *   we answer gets Session-Expires and the refresher in the 2xx
 *   (`answerHeaders`), Require: timer when the caller supports timer. A
 *   caller that does not gets us as the refresher (section 9).
 * - Our own INVITEs offer Session-Expires and Min-SE (`offerHeaders`); a
 *   phone that answers 422 is asked again with its Min-SE (`offerAfter422`,
 *   section 7.4, by ./fork.ts); the 2xx says who refreshes
 *   (`negotiatedByAnswer`). A far end whose 2xx says
 *   nothing of timers gets us as the refresher all the same: a re-INVITE is
 *   always allowed, and it is our only way to find a dead phone.
 * - While the dialog is up (`keep`): the refresher sends UPDATE (when the
 *   peer allows it, else re-INVITE with the same SDP) at half the interval;
 *   a refresh that fails with 408 or 481, or no successful refresh from
 *   either side before the interval is over (less the margin of section
 *   10), ends the call: BYE on the dialog, and the owner is told, as if the
 *   far end had hung up, so it ends the other legs too.
 *
 * - A re-INVITE with a new offer (a phone holding or resuming the call) is
 *   answered here too, since it refreshes the session as well: with the SDP
 *   the dialog's owner gives for it (`OfferAnswerer`), or our SDP as it
 *   stood when the owner gave none. An offer the owner refuses gets 488 and
 *   the session keeps its media.
 *
 * Time is injected (the same Clock as the calls and the ACD), so a test
 * drives a session's half hour with a simulated clock.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { SessionTimerConfig } from '../../config/schema.js';
import { onceEnded } from './dialog-end.js';

/** A pending timer, as the Clock hands it out. */
export interface TimerHandle {
  readonly at: number;
}

/** Time as the switch is given it: the shape of the ACD's Clock (server/acd/clock.ts), which the switch may not import. */
export interface Timers {
  now(): number;
  setTimer(at: number, fn: () => unknown): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Takes the far end's new offer and returns our answer; throws when it cannot be taken. */
export type OfferAnswerer = (remoteSdp: string) => Promise<string>;

/** What was agreed for a dialog: the interval in seconds, and whether we refresh. */
export interface Negotiated {
  seconds: number;
  weRefresh: boolean;
  /** The peer takes UPDATE: refreshes go without SDP. */
  peerAllowsUpdate: boolean;
  /** The peer supports timer: our 2xx to its refreshes say Require: timer. */
  peerSupportsTimer: boolean;
}

type Refresher = 'uac' | 'uas';

interface SessionExpires {
  seconds: number;
  refresher?: Refresher;
}

/** Session-Expires (or its compact form x): the interval and the refresher named, if any. */
export function parseSessionExpires(value: string | undefined): SessionExpires | undefined {
  const match = /^\s*(\d{1,10})\s*(;.*)?$/.exec(value ?? '');
  if (!match) return undefined;
  const refresher = /;\s*refresher\s*=\s*(uac|uas)\b/i.exec(match[2] ?? '')?.[1]?.toLowerCase() as Refresher | undefined;
  return { seconds: Number(match[1]), ...(refresher ? { refresher } : {}) };
}

/** A header's value; drachtio-srf reads compact forms as full names, except those it does not know (x for Session-Expires). */
function header(msg: Srf.SipMessage, name: string, compact?: string): string | undefined {
  return (msg.get(name) as string | undefined) ?? (compact ? msg.get(compact) as string | undefined : undefined);
}

function lists(msg: Srf.SipMessage, name: string, token: string): boolean {
  return (header(msg, name) ?? '').split(',').some((t) => t.trim().toLowerCase() === token);
}

/** Whether the peer takes UPDATE: as the message's Allow says, else as we knew before (a refresh and its 2xx rarely list Allow). */
function allowsUpdate(msg: Srf.SipMessage, previous: Negotiated | undefined): boolean {
  return previous && header(msg, 'Allow') === undefined ? previous.peerAllowsUpdate : lists(msg, 'Allow', 'update');
}

function minSe(msg: Srf.SipMessage): number | undefined {
  const value = /^\s*(\d{1,10})/.exec(header(msg, 'Min-SE') ?? '')?.[1];
  return value === undefined ? undefined : Number(value);
}

/** The switch's session timer policy (config sip.sessionTimers) and its clock. */
export class SessionTimers {
  private readonly sessions = new Set<Session>();

  constructor(private readonly config: SessionTimerConfig, private readonly timers: Timers) {}

  /** Sessions kept now: one per answered dialog still up. */
  get active(): number {
    return this.sessions.size;
  }

  /** Stops keeping every session (the switch stops); the dialogs themselves are left as they are. */
  stop(): void {
    for (const session of this.sessions) session.stop();
    this.sessions.clear();
  }

  /** Our Min-SE, in seconds. */
  get minSeconds(): number {
    return this.config.minSeconds;
  }

  /** The Min-SE to refuse a new INVITE with (422) when it asks for a shorter interval than ours; undefined: acceptable. */
  tooBrief(req: Srf.SipMessage): number | undefined {
    if (!this.config.enabled) return undefined;
    const asked = parseSessionExpires(header(req, 'Session-Expires', 'x'));
    return asked && asked.seconds < this.config.minSeconds ? this.config.minSeconds : undefined;
  }

  /** The headers of our 2xx to an INVITE we answer. */
  answerHeaders(req: Srf.SipMessage): Record<string, string> {
    return headersFor(this.negotiatedByRequest(req));
  }

  /**
   * What we agree to for an INVITE we answer, or a refresh (`previous`: what
   * was agreed before): the interval asked for, cut down to ours and never
   * below either Min-SE; the refresher it named, else the caller when it
   * supports timer, else us.
   */
  negotiatedByRequest(req: Srf.SipMessage, previous?: Negotiated): Negotiated | undefined {
    if (!this.config.enabled) return undefined;
    const asked = parseSessionExpires(header(req, 'Session-Expires', 'x'));
    const supportsTimer = lists(req, 'Supported', 'timer') || lists(req, 'Require', 'timer');
    const seconds = Math.max(Math.min(asked?.seconds ?? this.config.expiresSeconds, this.config.expiresSeconds),
      minSe(req) ?? 0, this.config.minSeconds);
    const refresher: Refresher = supportsTimer ? asked?.refresher ?? 'uac' : 'uas';
    return { seconds, weRefresh: refresher === 'uas', peerAllowsUpdate: allowsUpdate(req, previous), peerSupportsTimer: supportsTimer };
  }

  /** The headers of an INVITE of ours: the interval we would like, and the least we accept. */
  offerHeaders(): Record<string, string> {
    if (!this.config.enabled) return {};
    return { 'Session-Expires': String(this.config.expiresSeconds), 'Min-SE': String(this.config.minSeconds), Supported: 'timer' };
  }

  /**
   * The headers to ask again with after our INVITE got `failure` (its error
   * from drachtio-srf): for a 422, the interval its Min-SE asks for
   * (section 7.4); undefined for any other failure, or a Min-SE we have
   * already offered.
   */
  offerAfter422(failure: unknown): Record<string, string> | undefined {
    const { status, res } = failure as { status?: number; res?: Srf.SipMessage };
    const wanted = status === 422 && res ? minSe(res) : undefined;
    if (!this.config.enabled || wanted === undefined || wanted <= this.config.expiresSeconds) return undefined;
    return { 'Session-Expires': String(wanted), 'Min-SE': String(wanted), Supported: 'timer' };
  }

  /**
   * What the 2xx to an INVITE (or refresh) of ours agreed: its
   * Session-Expires, or else us refreshing at the interval so far (ours at
   * first). What the peer allows and supports stays as `previous` knew it
   * unless the 2xx says.
   */
  negotiatedByAnswer(res: Srf.SipMessage, previous?: Negotiated): Negotiated | undefined {
    if (!this.config.enabled) return undefined;
    const agreed = parseSessionExpires(header(res, 'Session-Expires', 'x'));
    return {
      seconds: agreed?.seconds ?? previous?.seconds ?? this.config.expiresSeconds,
      weRefresh: agreed?.refresher !== 'uas',
      peerAllowsUpdate: allowsUpdate(res, previous),
      peerSupportsTimer: agreed !== undefined || lists(res, 'Supported', 'timer') || lists(res, 'Require', 'timer')
        || (previous?.peerSupportsTimer ?? false),
    };
  }

  /** What an INVITE of ours asked for (its interval: ours, or a phone's Min-SE after 422); nothing known of the peer yet. */
  private offered(invite: Srf.SipMessage): Negotiated {
    const seconds = parseSessionExpires(header(invite, 'Session-Expires', 'x'))?.seconds ?? this.config.expiresSeconds;
    return { seconds, weRefresh: true, peerAllowsUpdate: false, peerSupportsTimer: false };
  }

  /**
   * Keeps an answered dialog's session alive as its INVITE and 2xx agreed
   * (ours or the far end's), until the dialog ends either way; when the
   * session expires, BYE goes out and `expired` is called.
   */
  keep(dialog: Srf.Dialog, log: Logger, expired: () => void, answerOffer?: OfferAnswerer): void {
    const { req, res } = dialog as unknown as DialogParts;
    const negotiated = dialog.type === 'uas' ? this.negotiatedByRequest(req) : this.negotiatedByAnswer(res, this.offered(req));
    if (!negotiated) {
      if (answerOffer) dialog.on('modify', (r, rs) => void answerReInvite(dialog, r, rs, answerOffer, {}, log));
      return;
    }
    const session = new Session(dialog, negotiated, this, this.timers, log, expired, answerOffer);
    this.sessions.add(session);
    onceEnded(dialog, () => {
      this.sessions.delete(session);
      session.stop();
    });
    session.start();
  }
}

/** The 2xx headers for what was agreed. */
function headersFor(negotiated: Negotiated | undefined): Record<string, string> {
  if (!negotiated) return {};
  return {
    'Session-Expires': `${negotiated.seconds};refresher=${negotiated.weRefresh ? 'uas' : 'uac'}`,
    ...(negotiated.peerSupportsTimer ? { Require: 'timer' } : {}),
  };
}

/** Dialog properties drachtio-srf has and its typings leave out: the INVITE and its 2xx, our Contact. */
interface DialogParts {
  req: Srf.SipMessage;
  res: Srf.SipMessage;
  local: { sdp: string; contact?: string };
}

/** Statuses of a refresh that mean the peer no longer has the dialog (section 10). */
const SESSION_GONE = new Set([408, 481]);
/** Statuses that mean the peer does not take UPDATE after all: refreshed with re-INVITE instead. */
const NO_UPDATE = new Set([405, 501]);

class Session {
  private refreshTimer?: TimerHandle;
  private expiryTimer?: TimerHandle;
  private stopped = false;

  constructor(
    private readonly dialog: Srf.Dialog,
    private negotiated: Negotiated,
    private readonly policy: SessionTimers,
    private readonly timers: Timers,
    private readonly log: Logger,
    private readonly expired: () => void,
    private readonly answerOffer: OfferAnswerer | undefined,
  ) {}

  start(): void {
    // The peer's refreshes: answered here so that the 2xx carries Session-Expires (drachtio-srf's own 200 would not).
    this.dialog.on('modify', (req, res) => void this.answerRefresh(req, res, true));
    this.dialog.on('update', (req, res) => void this.answerRefresh(req, res, false));
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  private clearTimers(): void {
    if (this.refreshTimer) this.timers.clearTimer(this.refreshTimer);
    if (this.expiryTimer) this.timers.clearTimer(this.expiryTimer);
    this.refreshTimer = this.expiryTimer = undefined;
  }

  /** From now: our refresh at half the interval when we refresh, and the end of the session either way. */
  private schedule(): void {
    if (this.stopped) return;
    this.clearTimers();
    const { seconds, weRefresh } = this.negotiated;
    const now = this.timers.now();
    // Not waiting for the refresh's response: a peer that never answers must not hold up a simulated clock.
    if (weRefresh) {
      this.refreshTimer = this.timers.setTimer(now + seconds * 500, () => {
        this.refresh().catch((err: unknown) => this.log.error({ err }, 'session refresh failed'));
      });
    }
    // Section 10: the session ends a little before the interval is over, to allow for a refresh still on its way.
    const margin = Math.min(32, seconds / 3);
    this.expiryTimer = this.timers.setTimer(now + (seconds - margin) * 1000, () => this.expire('no session refresh within the interval'));
  }

  private async answerRefresh(req: Srf.SrfRequest, res: Srf.SrfResponse, reInvite: boolean): Promise<void> {
    const tooBrief = this.policy.tooBrief(req);
    if (tooBrief !== undefined) {
      res.send(422, { headers: { 'Min-SE': String(tooBrief) } });
      return;
    }
    const negotiated = this.policy.negotiatedByRequest(req, this.negotiated);
    const headers = headersFor(negotiated);
    if (reInvite && this.answerOffer && req.body.length > 0) {
      if (!(await answerReInvite(this.dialog, req, res, this.answerOffer, headers, this.log))) return;
    } else {
      const { local } = this.dialog as unknown as DialogParts;
      const withSdp = reInvite || req.body.length > 0;
      res.send(200, {
        ...(withSdp ? { body: local.sdp } : {}),
        headers: {
          ...(local.contact ? { Contact: local.contact } : {}),
          ...(withSdp ? { 'Content-Type': 'application/sdp' } : {}),
          ...headers,
        },
      });
    }
    if (negotiated) this.negotiated = negotiated;
    this.schedule();
  }

  private async refresh(): Promise<void> {
    const byUpdate = this.negotiated.peerAllowsUpdate;
    const { local } = this.dialog as unknown as DialogParts;
    const { seconds } = this.negotiated;
    const headers = {
      ...(local.contact ? { Contact: local.contact } : {}),
      'Session-Expires': `${seconds};refresher=uac`,
      'Min-SE': String(this.policy.minSeconds),
      Supported: 'timer',
    };
    let res: Srf.SrfResponse;
    try {
      res = await this.dialog.request({
        method: byUpdate ? 'UPDATE' : 'INVITE',
        headers,
        ...(byUpdate ? {} : { body: local.sdp }),
      } as unknown as Srf.SrfRequest);
    } catch (err) {
      if (!this.stopped) this.expire(`session refresh not sent: ${String(err)}`);
      return;
    }
    if (this.stopped) return;
    if (res.status >= 200 && res.status < 300) {
      this.negotiated = this.policy.negotiatedByAnswer(res, this.negotiated) ?? this.negotiated;
      this.log.debug({ seconds: this.negotiated.seconds, weRefresh: this.negotiated.weRefresh }, 'session refreshed');
      this.schedule();
      return;
    }
    if (SESSION_GONE.has(res.status)) {
      this.expire(`session refresh failed with ${res.status}`);
      return;
    }
    if (byUpdate && NO_UPDATE.has(res.status)) {
      this.negotiated = { ...this.negotiated, peerAllowsUpdate: false };
      await this.refresh();
      return;
    }
    // Another failure (491, 5xx) ends nothing by itself: the session still ends at its expiry unless a refresh succeeds.
    this.log.info({ status: res.status }, 'session refresh refused: the session ends at its expiry unless refreshed');
  }

  private expire(why: string): void {
    if (this.stopped) return;
    this.log.warn({ why }, 'session expired: ending the call');
    this.dialog.destroy(undefined, () => {});
    this.expired();
  }
}

/**
 * Answers a re-INVITE's offer with the owner's SDP (kept as the dialog's
 * own, for the refreshes that follow); 488 when the owner cannot take it.
 * True when answered 200.
 */
async function answerReInvite(dialog: Srf.Dialog, req: Srf.SrfRequest, res: Srf.SrfResponse, answerOffer: OfferAnswerer,
  headers: Record<string, string>, log: Logger): Promise<boolean> {
  const local = (dialog as unknown as DialogParts).local;
  try {
    local.sdp = await answerOffer(req.body);
  } catch (err) {
    log.info({ reason: String(err) }, 're-INVITE offer refused: the call keeps its media');
    res.send(488);
    return false;
  }
  res.send(200, {
    body: local.sdp,
    headers: { ...(local.contact ? { Contact: local.contact } : {}), 'Content-Type': 'application/sdp', ...headers },
  });
  return true;
}
