/**
 * The calls layer's SIP side on drachtio-srf (./telephony.ts).
 *
 * - `AnchoredCall`: a caller answered with our media (an AnchoredLine,
 *   ./line.ts): the endpoint is made from the caller's offer (an offer our
 *   media cannot take gets 488 with a Warning; no media to be had, such as
 *   every RTP port in use, gets 503 with Retry-After, like any other lack of
 *   capacity: server/sip/overload.ts), then the INVITE is answered with the
 *   endpoint's SDP.
 * - Our own calls ring every leg at once (server/sip/fork.ts).
 * - Every answered leg keeps a session timer (RFC 4028,
 *   server/sip/session-timer.ts) on the switch's clock, the calls' own: a
 *   leg whose session expires was sent BYE and counts as hung up, so the
 *   line ends the call on its other leg and the agent is freed. Its
 *   re-INVITEs (a phone holding the call) are answered by whoever took
 *   them on (`onOffer`), else with our SDP as it stood.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { MediaNegotiationError, type Endpoint, type MediaServer } from '../../media/port.js';
import type { DialogRef, DirectCalls } from '../sip/direct-calls.js';
import { fork, type Leg } from '../sip/fork.js';
import { RETRY_AFTER_SECONDS } from '../sip/overload.js';
import type { SessionTimers } from '../sip/session-timer.js';
import { AnchoredLine } from './line.js';
import { listenForRefer } from './refer.js';
import type { CallLine, Joined, PlacedLeg, Telephony } from './telephony.js';

/** What a call needs of the switch: drachtio-srf, and the session timers every answered leg keeps. */
export interface SipSide {
  srf: Srf;
  sessionTimers: SessionTimers;
  /** The calls between phones the switch connected, which an attended transfer takes over. */
  directCalls?: DirectCalls;
}

export class AnchoredCall extends AnchoredLine {
  constructor(private readonly sip: SipSide, media: MediaServer, log: Logger) {
    super(new SrfTelephony(sip, media), media, log);
  }

  /** Answers the caller with our media. False when the call could not be answered (the caller got a final response). */
  async answer(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<boolean> {
    let endpoint: Endpoint;
    try {
      endpoint = await this.media.createEndpoint({ remoteSdp: req.body });
    } catch (err) {
      if (!(err instanceof MediaNegotiationError)) {
        this.log.warn({ reason: String(err) }, 'no media for the caller: refused with 503');
        res.send(503, { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });
        return false;
      }
      this.log.info({ reason: err.reason }, 'caller media refused');
      res.send(488, { headers: { Warning: `399 vaxel "${err.reason.replace(/"/g, "'").slice(0, 120)}"` } });
      return false;
    }
    let dialog: Srf.Dialog;
    try {
      dialog = await this.sip.srf.createUAS(req, res, { localSdp: endpoint.localSdp, headers: this.sip.sessionTimers.answerHeaders(req) });
    } catch (err) {
      this.log.info({ status: (err as { status?: number }).status }, 'caller left before the answer');
      await endpoint.destroy();
      await this.hangup();
      return false;
    }
    this.answered(endpoint, placedLeg(dialog, this.sip.sessionTimers, this.log));
    return true;
  }
}

export class SrfTelephony implements Telephony {
  constructor(private readonly sip: SipSide, private readonly media: MediaServer) {}

  async answer(req: Srf.SrfRequest, res: Srf.SrfResponse, log: Logger): Promise<CallLine | undefined> {
    const call = new AnchoredCall(this.sip, this.media, log);
    return (await call.answer(req, res)) ? call : undefined;
  }

  /**
   * Rings every leg at once: phones with `endpoint`'s offer, browsers
   * (legs marked webrtc) with the offer of a WebRTC endpoint made for them,
   * which the answered leg carries when a browser answered.
   */
  async dial(legs: readonly Leg[], endpoint: Endpoint, signal: AbortSignal, log: Logger): Promise<PlacedLeg | number> {
    const { srf, sessionTimers } = this.sip;
    const webrtc = legs.some((l) => l.webrtc) ? await this.media.createEndpoint({ webrtc: true }) : undefined;
    let result: Awaited<ReturnType<typeof fork>>;
    try {
      result = await fork(srf, legs, { localSdp: endpoint.localSdp, webrtcSdp: webrtc?.localSdp, signal, log, sessionTimers });
    } catch (err) {
      await webrtc?.destroy();
      throw err;
    }
    const browser = !('status' in result) && result.leg.webrtc === true;
    if (!browser) await webrtc?.destroy();
    if ('status' in result) return result.status;
    return placedLeg(result.dialog, sessionTimers, log, browser ? webrtc : undefined);
  }

  async takeOver(ref: DialogRef, endpoint: Endpoint, log: Logger): Promise<{ leg: PlacedLeg } & Joined | undefined> {
    const taken = this.sip.directCalls?.take(ref);
    if (!taken) return undefined;
    const { dialog } = taken;
    const leg = legOf(dialog, log, { watch: (gone) => taken.onGone(gone) });
    // The far phone's media moves from the other phone's to ours (a re-INVITE, ACKed by drachtio-srf).
    const res = await dialog.request({ method: 'INVITE', body: endpoint.localSdp } as unknown as Srf.SrfRequest)
      .catch((err: unknown) => ({ status: 0, reason: String(err), body: '' }));
    if (res.status < 200 || res.status >= 300 || !res.body) {
      log.info({ status: res.status }, 'the phone taken over refused our media: hung up');
      leg.hangup();
      return undefined;
    }
    dialog.remote.sdp = res.body;
    return { leg, ...(taken.extension !== undefined ? { extension: taken.extension } : {}) };
  }
}

/** An answered leg: the far end is gone when it hangs up or its session expires (we sent BYE then). */
function placedLeg(dialog: Srf.Dialog, sessionTimers: SessionTimers, log: Logger, endpoint?: Endpoint): PlacedLeg {
  let answerOffer: ((remoteSdp: string) => Promise<string>) | undefined;
  const local = (dialog as unknown as { local: { sdp: string } }).local;
  return legOf(dialog, log, {
    watch: (gone) => {
      dialog.on('destroy', gone);
      sessionTimers.keep(dialog, log, gone, (sdp) => answerOffer ? answerOffer(sdp) : Promise.resolve(local.sdp));
    },
    onOffer: (fn) => { answerOffer = fn; },
    ...(endpoint ? { endpoint } : {}),
  });
}

/**
 * A leg on `dialog`, whose end `watch` reports and whose re-INVITEs with a
 * new offer `onOffer` hands to the line (a phone taken over keeps its own
 * answering, so it has none).
 */
function legOf(dialog: Srf.Dialog, log: Logger, how: {
  watch: (gone: () => void) => void;
  onOffer?: PlacedLeg['onOffer'];
  endpoint?: Endpoint;
}): PlacedLeg {
  const hangups: Array<() => void> = [];
  how.watch(() => {
    for (const fn of hangups.splice(0)) fn();
  });
  const onTransfer = listenForRefer(dialog, log);
  return {
    onTransfer,
    get remoteSdp() { return dialog.remote.sdp; },
    ...(how.endpoint ? { endpoint: how.endpoint } : {}),
    onHangup: (fn) => { hangups.push(fn); },
    onOffer: how.onOffer ?? (() => {}),
    // A dialog the far end already ended needs nothing more.
    hangup: () => dialog.destroy(undefined, () => {}),
  };
}
