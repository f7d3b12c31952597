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
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { MediaNegotiationError, type Endpoint, type MediaServer } from '../../media/port.js';
import { fork, type Leg } from '../sip/fork.js';
import { RETRY_AFTER_SECONDS } from '../sip/overload.js';
import { AnchoredLine } from './line.js';
import type { CallLine, PlacedLeg, Telephony } from './telephony.js';

export class AnchoredCall extends AnchoredLine {
  constructor(private readonly srf: Srf, media: MediaServer, log: Logger) {
    super(new SrfTelephony(srf, media), media, log);
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
      dialog = await this.srf.createUAS(req, res, { localSdp: endpoint.localSdp });
    } catch (err) {
      this.log.info({ status: (err as { status?: number }).status }, 'caller left before the answer');
      await endpoint.destroy();
      await this.hangup();
      return false;
    }
    this.answered(endpoint, placedLeg(dialog));
    return true;
  }
}

export class SrfTelephony implements Telephony {
  constructor(private readonly srf: Srf, private readonly media: MediaServer) {}

  async answer(req: Srf.SrfRequest, res: Srf.SrfResponse, log: Logger): Promise<CallLine | undefined> {
    const call = new AnchoredCall(this.srf, this.media, log);
    return (await call.answer(req, res)) ? call : undefined;
  }

  async dial(legs: readonly Leg[], endpoint: Endpoint, signal: AbortSignal, log: Logger): Promise<PlacedLeg | number> {
    const result = await fork(this.srf, legs, { localSdp: endpoint.localSdp, signal, log });
    return 'status' in result ? result.status : placedLeg(result.dialog);
  }
}

function placedLeg(dialog: Srf.Dialog): PlacedLeg {
  return {
    remoteSdp: dialog.remote.sdp,
    onHangup: (fn) => { dialog.on('destroy', fn); },
    // A dialog the far end already ended needs nothing more.
    hangup: () => dialog.destroy(undefined, () => {}),
  };
}
