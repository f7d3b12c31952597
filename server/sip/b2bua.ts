/**
 * The calls the switch connects itself, as a B2BUA with the SDP passing
 * straight through (no media of ours): an extension calling another, and an
 * extension calling out through the trunk. Whichever side hangs up ends the
 * other.
 *
 * An extension's phones all ring at once with the caller's own offer
 * (./fork.ts). A caller without an offer (it waits for ours in the 2xx)
 * cannot be offered to every phone at once: then the most recently
 * registered phone rings alone, through drachtio-srf's createB2BUA, as a
 * call out through the trunk does.
 *
 * A call between a desk phone and a browser (WebRTC) cannot pass its SDP
 * through: the two speak different media. The call's translator then
 * anchors it in our media, which speaks each side's kind.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { DirectCalls } from './direct-calls.js';
import { DIAL_OUT_REFUSED, admitLeg, fork, type Leg } from './fork.js';
import type { CallEnded, MediaTranslator, TranslatedMedia } from './ports.js';
import type { SessionTimers } from './session-timer.js';

/** The caller's side of a call the switch connects. */
export interface B2buaCall {
  srf: Srf;
  req: Srf.SrfRequest;
  res: Srf.SrfResponse;
  log: Logger;
  /** Session timers on both legs: a leg whose session expires ends the call as a hang-up does. */
  sessionTimers: SessionTimers;
  /** Called once the call is up; what it returns is called once when it ends. */
  answered: () => CallEnded;
  /** Anchors a call between a browser and a desk phone or the trunk; without it such a call passes its SDP through. */
  translator?: MediaTranslator;
  /** Where a call between phones is found for an attended transfer that names it. */
  directCalls?: DirectCalls;
  /** The extension rung, when it is one. */
  callee?: string;
}

/** Whether the caller's offer and some phone speak different media (WebRTC against plain RTP). */
function mixesMedia(callerSdp: string, legs: readonly Leg[]): boolean {
  const browser = /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m.test(callerSdp);
  return legs.some((leg) => (leg.webrtc === true) !== browser);
}

/**
 * Our media for a call whose caller and phones speak different media
 * (undefined when they speak the same); 'refused' when there is none, the
 * caller told so.
 */
async function anchor(call: B2buaCall, legs: readonly Leg[]): Promise<TranslatedMedia | 'refused' | undefined> {
  const { req, res, log } = call;
  if (!call.translator || !mixesMedia(req.body, legs)) return undefined;
  const opened = await call.translator.open(req.body, legs, log);
  if ('refused' in opened) {
    log.info({ reason: opened.reason }, 'no media to join a browser and plain RTP');
    res.send(opened.refused, { headers: { Warning: `399 vaxel "${opened.reason.replace(/"/g, "'").slice(0, 120)}"` } });
    return 'refused';
  }
  log.info('a browser and plain RTP: the call is anchored in our media');
  return opened;
}

/** Rings an extension's phones (`legs`) and connects the caller to the first to answer. */
export async function ringPhones(call: B2buaCall, legs: readonly Leg[]): Promise<void> {
  const [latest] = legs;
  if (!latest) {
    call.log.info('extension not registered');
    call.res.send(480);
    return;
  }
  if (!call.req.body) {
    await bridge(call, latest);
    return;
  }
  await connectFirst(call, legs);
}

/**
 * Rings every leg with the caller's own offer and connects the caller to
 * the first that answers. Ringing reaches the caller as one plain 180:
 * early media is not passed on, since only one phone's could be.
 */
async function connectFirst(call: B2buaCall, legs: readonly Leg[]): Promise<void> {
  const { srf, req, res, log, sessionTimers } = call;
  const callerLeft = new AbortController();
  // The SIP server has already answered the CANCEL and the INVITE (487).
  req.on('cancel', () => callerLeft.abort());
  const media = await anchor(call, legs);
  if (media === 'refused') return;
  const release = (): void => { void media?.close(); };
  let ringing = false;
  const result = await fork(srf, legs, {
    localSdp: media ? media.offers.plain ?? '' : req.body, webrtcSdp: media?.offers.webrtc, signal: callerLeft.signal, log, sessionTimers,
    onProvisional: (provisional) => {
      if (ringing || provisional.status < 180 || res.finalResponseSent || callerLeft.signal.aborted) return;
      ringing = true;
      res.send(180);
    },
  });
  if ('status' in result) {
    release();
    if (callerLeft.signal.aborted) log.info('caller gave up before an answer');
    else if (!res.finalResponseSent) res.send(result.status);
    return;
  }
  const callee = result.dialog;
  // The phone may hang up while the caller's 200 OK is still on its way: listen from now on.
  let calleeGone = false;
  let caller: Srf.Dialog | undefined;
  let ended: CallEnded | undefined;
  /** Taken over by an attended transfer: the callee's end is the new owner's to hear. */
  let takenOver: Array<() => void> | undefined;
  let forget: (() => void) | undefined;
  const onCalleeGone = (): void => {
    calleeGone = true;
    if (takenOver) {
      for (const fn of takenOver.splice(0)) fn();
      return;
    }
    if (!caller) return;
    release();
    forget?.();
    log.info('callee hung up');
    caller.destroy(undefined, () => {});
    void ended?.();
  };
  callee.on('destroy', onCalleeGone);
  try {
    if (callerLeft.signal.aborted) throw new Error('cancelled');
    const localSdp = media ? await media.answered(result.leg.webrtc === true, callee.remote.sdp) : callee.remote.sdp;
    caller = await srf.createUAS(req, res, { localSdp, headers: sessionTimers.answerHeaders(req) });
  } catch (err) {
    release();
    log.info({ reason: String(err) }, 'caller gave up as the phone answered, or the media could not be joined');
    if (!calleeGone) callee.destroy(undefined, () => {});
    if (!res.finalResponseSent) res.send(callerLeft.signal.aborted ? 487 : 500);
    return;
  }
  if (calleeGone) {
    release();
    log.info('callee hung up as the call was answered');
    caller.destroy(undefined, () => {});
    return;
  }
  log.info({ uri: result.leg.uri }, 'call answered');
  ended = call.answered();
  forget = call.directCalls?.add(caller, () => {
    const owners: Array<() => void> = [];
    takenOver = owners;
    log.info('taken over by an attended transfer: the caller\'s leg is hung up');
    // The callee's media moves to the new owner's endpoint: any media of ours between the two goes.
    release();
    caller?.destroy(undefined, () => {});
    void ended?.();
    return {
      dialog: callee, onGone: (fn) => { owners.push(fn); },
      ...(call.callee !== undefined ? { extension: call.callee } : {}),
    };
  });
  const onCallerGone = (): void => {
    if (takenOver) return;
    release();
    forget?.();
    log.info('caller hung up');
    callee.destroy(undefined, () => {});
    void ended?.();
  };
  caller.on('destroy', onCallerGone);
  sessionTimers.keep(callee, log, onCalleeGone);
  sessionTimers.keep(caller, log, onCallerGone);
}

/**
 * One leg through drachtio-srf's createB2BUA, which passes the callee's
 * failure on to the caller. A browser calling out through the trunk is
 * anchored in our media as a call to a desk phone is.
 */
export async function bridge(call: B2buaCall, leg: Leg): Promise<void> {
  const { srf, req, res, log, sessionTimers } = call;
  const permit = admitLeg(leg);
  if (permit === undefined) {
    res.send(DIAL_OUT_REFUSED);
    return;
  }
  const media = req.body ? await anchor(call, [leg]) : undefined;
  if (media === 'refused') {
    permit?.release();
    return;
  }
  const release = (): void => {
    permit?.release();
    void media?.close();
  };
  try {
    const { uas, uac } = await srf.createB2BUA(req, res, leg.uri, {
      headers: { ...leg.headers, ...sessionTimers.offerHeaders() },
      ...(media ? { localSdpB: media.offers.plain ?? '', localSdpA: (sdp: string) => media.answered(false, sdp) } : {}),
      // Session timers of our own on the caller's side: only on the 2xx (RFC 4028 has none on other responses).
      // drachtio-srf hands it the callee's response, whatever its typings say.
      responseHeaders: (uacRes: unknown) => {
        const { status } = uacRes as Srf.SrfResponse;
        return status >= 200 && status < 300 ? sessionTimers.answerHeaders(req) : {};
      },
      ...(leg.proxy ? { proxy: leg.proxy } : {}),
      ...(leg.auth ? { auth: leg.auth } : {}),
    });
    log.info({ uri: leg.uri }, 'call answered');
    const ended = call.answered();
    const onCallerGone = (): void => {
      log.info('caller hung up');
      release();
      uac.destroy(undefined, () => {});
      void ended();
    };
    const onCalleeGone = (): void => {
      log.info('callee hung up');
      release();
      uas.destroy(undefined, () => {});
      void ended();
    };
    uas.on('destroy', onCallerGone);
    uac.on('destroy', onCalleeGone);
    sessionTimers.keep(uas, log, onCallerGone);
    sessionTimers.keep(uac, log, onCalleeGone);
  } catch (err) {
    release();
    const status = (err as { status?: number }).status;
    log.info({ uri: leg.uri, status: status ?? String(err) }, 'call not connected');
  }
}
