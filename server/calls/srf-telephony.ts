/**
 * The calls layer's SIP side on drachtio-srf (./telephony.ts): callers are
 * answered as AnchoredCalls, and our own calls are forked to every leg at
 * once (server/sip/fork.ts).
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Endpoint, MediaServer } from '../../media/port.js';
import { fork, type Leg } from '../sip/fork.js';
import { AnchoredCall } from './anchored-call.js';
import type { CallLine, PlacedLeg, Telephony } from './telephony.js';

export class SrfTelephony implements Telephony {
  constructor(private readonly srf: Srf, private readonly media: MediaServer) {}

  async answer(req: Srf.SrfRequest, res: Srf.SrfResponse, log: Logger): Promise<CallLine | undefined> {
    const call = new AnchoredCall(this.srf, this.media, log);
    return (await call.answer(req, res)) ? call : undefined;
  }

  async dial(legs: readonly Leg[], endpoint: Endpoint, signal: AbortSignal, log: Logger): Promise<PlacedLeg | number> {
    const result = await fork(this.srf, legs, { localSdp: endpoint.localSdp, signal, log });
    if ('status' in result) return result.status;
    const { dialog } = result;
    return {
      remoteSdp: dialog.remote.sdp,
      onHangup: (fn) => { dialog.on('destroy', fn); },
      hangup: () => dialog.destroy(undefined, () => {}),
    };
  }
}
