/**
 * Parallel forking (RFC 3261 sections 16.7 and 19.3) done as a B2BUA: an
 * agent often has a desk phone and a softphone registered at once, so every
 * phone of an extension rings with an INVITE of ours, the same offer to each,
 * and the first to answer gets the call.
 *
 * - The first 2xx wins; every other phone still ringing gets CANCEL, and a
 *   2xx that crosses that CANCEL is acknowledged and released with BYE.
 * - A 6xx (the user declined everywhere) ends the search at once and
 *   cancels the others.
 * - When every phone failed, the result is the most telling failure
 *   (section 16.7 step 6 in spirit): busy over "not there".
 * - Aborting the signal cancels every phone still ringing; the result is
 *   then 487 at once.
 * - A leg with `answerTimeoutSeconds` that hears nothing back in that time
 *   fails with 408 there and then (nothing to CANCEL before a provisional
 *   response, section 9.1); should it answer later, it is released.
 *
 * drachtio-srf's createB2BUA takes a list of URIs but tries them one after
 * the other, which is not forking: hence our own INVITEs with createUAC.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { onceEnded } from './dialog-end.js';
import type { SessionTimers } from './session-timer.js';

/** One phone or number to ring. */
export interface Leg {
  uri: string;
  proxy?: string;
  headers: Record<string, string>;
  /** Digest credentials, for a leg out through a trunk that asks for them. */
  auth?: { username: string; password: string };
  /**
   * The phone is a WebRTC client (registered over WebSocket, a browser):
   * it needs an offer with DTLS-SRTP and ICE (ForkOptions.webrtcSdp).
   */
  webrtc?: boolean;
  /**
   * Drops the registration this leg rings. Set only for a phone registered
   * over a connection (TCP, WebSocket): a 503 then means the connection is
   * gone (a closed browser tab), and the binding would fail every call
   * until it expires.
   */
  forget?: () => void;
  /**
   * Set for a leg out through the trunk: its place among the calls out
   * (the dial-out policy, ./dial-out.ts), asked for when the INVITE is about
   * to be sent and held until the call is over; undefined: refused, and no
   * INVITE is sent (the leg fails with 403).
   */
  admit?: () => LegPermit | undefined;
  /**
   * Out through a trunk: when no response at all (not even 100 Trying)
   * comes back within this many seconds, the far end is unreachable: 408
   * at once rather than after the INVITE transaction's 32 s (Timer B).
   */
  answerTimeoutSeconds?: number;
}

/** A leg's place among the calls out, released once the call is over. */
export interface LegPermit {
  release(): void;
}

/** Refused by the dial-out policy: the status a leg that may not be dialled fails with. */
export const DIAL_OUT_REFUSED = 403;

/** A permit for the leg, `null` when it needs none, undefined when it is refused. */
export function admitLeg(leg: Leg): LegPermit | null | undefined {
  return leg.admit ? leg.admit() : null;
}

/** Holds the permit for as long as the dialog lasts. */
export function holdWhileUp(dialog: Srf.Dialog, permit: LegPermit): void {
  onceEnded(dialog, () => permit.release());
}

export interface ForkOptions {
  /** Our offer, the same to every leg: only the winner's answer is used. */
  localSdp: string;
  /** Our WebRTC offer, for the legs marked `webrtc` (else they get localSdp too). */
  webrtcSdp?: string;
  /** Aborting it cancels every leg still ringing. */
  signal?: AbortSignal;
  /** Each provisional response (180 Ringing ...) of any leg. */
  onProvisional?: (res: Srf.SrfResponse, leg: Leg) => void;
  /** The call's logger: one line per leg's outcome. */
  log: Logger;
  /** Each INVITE offers session timers (RFC 4028); keeping the winner's session is the caller's job (SessionTimers.keep). */
  sessionTimers: Pick<SessionTimers, 'offerHeaders' | 'offerAfter422'>;
}

/** The leg that answered and its dialog, or the failure for the whole fork. */
export type ForkResult = { dialog: Srf.Dialog; leg: Leg } | { status: number };

/** Rings every leg at once; resolves when one answered or all have failed. */
export function fork(srf: Srf, legs: readonly Leg[], opts: ForkOptions): Promise<ForkResult> {
  const { signal, log } = opts;
  if (signal?.aborted) return Promise.resolve({ status: 487 });
  // Nothing to ring: the extension's user is not there.
  if (legs.length === 0) return Promise.resolve({ status: 480 });
  if (legs.length > 1) log.info({ uris: legs.map((l) => l.uri) }, 'ringing every phone at once');

  return new Promise<ForkResult>((resolve) => {
    const branches = legs.map((leg) => ring(srf, leg, opts));
    const failures: number[] = [];
    let pending = branches.length;
    let settled = false;
    const settle = (result: ForkResult): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const b of branches) b.cancel();
      resolve(result);
    };
    // Not waiting for the phones' 487s: one that never sends it must not hold the call.
    const onAbort = (): void => settle({ status: 487 });
    signal?.addEventListener('abort', onAbort, { once: true });

    for (const branch of branches) {
      const { leg } = branch;
      void branch.outcome.then((outcome) => {
        pending -= 1;
        if (typeof outcome !== 'number') {
          if (settled) {
            // Its 2xx crossed our CANCEL (section 9.1): ACKed by drachtio-srf, now released.
            log.info({ uri: leg.uri }, 'phone answered too late: released');
            outcome.destroy(undefined, () => {});
            return;
          }
          log.info({ uri: leg.uri }, 'phone answered first');
          settle({ dialog: outcome, leg });
          return;
        }
        let status = outcome;
        if (status === 503 && leg.forget) {
          log.info({ uri: leg.uri }, 'the phone\'s connection is gone: binding removed');
          leg.forget();
          // Counted as what it is: the phone is not there.
          status = 480;
        }
        log.info({ uri: leg.uri, status }, settled ? 'phone stopped ringing' : 'phone did not answer');
        if (settled) return;
        failures.push(status);
        if (status >= 600) settle({ status });
        else if (pending === 0) settle({ status: bestFailure(failures) });
      });
    }
  });
}

interface Branch {
  leg: Leg;
  /** The dialog once answered (ACK sent), or the final failure status. */
  outcome: Promise<Srf.Dialog | number>;
  cancel(): void;
}

function ring(srf: Srf, leg: Leg, opts: ForkOptions): Branch {
  const permit = admitLeg(leg);
  if (permit === undefined) return { leg, outcome: Promise.resolve(DIAL_OUT_REFUSED), cancel: () => {} };
  let request: Srf.SrfRequest | undefined;
  let cancelled = false;
  let finished = false;
  const silence = farEndSilence(leg, opts.log);
  const place = (session: Record<string, string>): Promise<Srf.Dialog> => srf.createUAC(leg.uri, {
    localSdp: leg.webrtc && opts.webrtcSdp !== undefined ? opts.webrtcSdp : opts.localSdp,
    proxy: leg.proxy,
    // drachtio-srf adds to the headers object it is given: one copy per leg.
    headers: { ...leg.headers, ...session },
    ...(leg.auth ? { auth: leg.auth } : {}),
  }, {
    // drachtio-srf calls it as (err, req), whatever its typings say.
    cbRequest: ((_err: unknown, req?: Srf.SrfRequest) => {
      if (!req) return;
      request = req;
      if (cancelled) req.cancel(() => {});
    }) as unknown as (req: Srf.SrfRequest) => void,
    cbProvisional: (res: Srf.SrfResponse) => {
      silence.heard();
      if (!cancelled) opts.onProvisional?.(res, leg);
    },
  });
  const invite = place(opts.sessionTimers.offerHeaders()).catch((err: unknown) => {
    // 422: the phone wants a longer session interval; asked once more with it (RFC 4028 section 7.4),
    // in the same call (RFC 3261 section 8.1.3.5: same Call-ID, the next CSeq).
    const again = cancelled ? undefined : opts.sessionTimers.offerAfter422(err);
    if (!again) throw err;
    opts.log.info({ uri: leg.uri, sessionExpires: again['Session-Expires'] }, 'session interval too brief for the phone: asked again');
    const callId = request?.get('Call-ID');
    return place({ ...again, ...(callId ? { 'Call-ID': callId, CSeq: '2 INVITE' } : {}) });
  }).then(
    (dialog): Srf.Dialog | number => {
      if (permit) holdWhileUp(dialog, permit);
      return dialog;
    },
    (err: unknown) => {
      permit?.release();
      return (err as { status?: number }).status ?? 500;
    },
  );
  void invite.then((outcome) => {
    silence.heard();
    // Answered after we gave up on it: released (and with it its place among the calls out).
    if (silence.gaveUp && typeof outcome !== 'number') outcome.destroy(undefined, () => {});
  });
  const outcome = Promise.race([invite, silence.timedOut]).finally(() => { finished = true; });
  return {
    leg,
    outcome,
    cancel: () => {
      silence.heard();
      if (cancelled || finished) return;
      cancelled = true;
      request?.cancel(() => {});
    },
  };
}

/**
 * The wait for a leg's first response when it has an answer timeout:
 * `timedOut` resolves 408 when none came in time (never without a
 * timeout); `heard()` stops the clock: a response came, or we stopped
 * waiting (answered, failed, cancelled).
 */
function farEndSilence(leg: Leg, log: Logger): { timedOut: Promise<number>; heard(): void; readonly gaveUp: boolean } {
  const seconds = leg.answerTimeoutSeconds;
  let timer: NodeJS.Timeout | undefined;
  let gaveUp = false;
  const timedOut = new Promise<number>((resolve) => {
    if (seconds === undefined) return;
    timer = setTimeout(() => {
      gaveUp = true;
      log.info({ uri: leg.uri, seconds }, 'no response from the far end: unreachable');
      resolve(408);
    }, seconds * 1000);
  });
  return {
    timedOut,
    heard: () => clearTimeout(timer),
    get gaveUp() { return gaveUp; },
  };
}

/**
 * The failure that says most about the user when no phone answered: a 6xx
 * (it ends the fork at once anyway), then busy, then another definite
 * refusal (3xx, 4xx such as 488), then "not there" (404, 408, 480), then a
 * server error, then 487. The first of equals wins.
 */
export function bestFailure(statuses: readonly number[]): number {
  let best: number | undefined;
  for (const status of statuses) if (best === undefined || rank(status) < rank(best)) best = status;
  return best ?? 480;
}

function rank(status: number): number {
  if (status >= 600) return 0;
  if (status === 486) return 1;
  if (status === 404 || status === 408 || status === 480) return 3;
  if (status === 487) return 5;
  if (status >= 500) return 4;
  return 2;
}
