/**
 * The media of a direct call between a desk phone and a browser
 * (server/sip/b2bua.ts asks for it through MediaTranslator): the caller's
 * offer is answered by an endpoint of its kind, each kind of phone rung is
 * offered an endpoint of its own (plain RTP, WebRTC), and the one whose
 * phone answers is bridged to the caller's. The engine transcodes.
 */
import type { Logger } from 'pino';
import { MediaNegotiationError, type Endpoint, type MediaServer } from '../../media/port.js';
import type { MediaTranslator, TranslatedMedia } from '../sip/ports.js';

export class MediaTranslation implements MediaTranslator {
  constructor(private readonly media: Pick<MediaServer, 'createEndpoint'>) {}

  async open(callerSdp: string, legs: readonly { webrtc?: boolean }[], log: Logger): Promise<TranslatedMedia | { refused: number; reason: string }> {
    const made: Endpoint[] = [];
    const make = async (opts: { remoteSdp?: string; webrtc?: boolean }): Promise<Endpoint> => {
      const endpoint = await this.media.createEndpoint(opts);
      made.push(endpoint);
      return endpoint;
    };
    const close = async (): Promise<void> => {
      const released = await Promise.allSettled(made.splice(0).map((e) => e.destroy()));
      for (const r of released) if (r.status === 'rejected') log.warn({ reason: String(r.reason) }, 'an endpoint could not be released');
    };
    try {
      const caller = await make({ remoteSdp: callerSdp });
      const plain = legs.some((l) => !l.webrtc) ? await make({}) : undefined;
      const webrtc = legs.some((l) => l.webrtc) ? await make({ webrtc: true }) : undefined;
      return {
        offers: { ...(plain ? { plain: plain.localSdp } : {}), ...(webrtc ? { webrtc: webrtc.localSdp } : {}) },
        answered: async (isBrowser, remoteSdp) => {
          const callee = isBrowser ? webrtc : plain;
          if (!callee) throw new Error(`a ${isBrowser ? 'browser' : 'desk phone'} answered that was offered no media`);
          await callee.modify(remoteSdp);
          await caller.bridge(callee);
          const unused = isBrowser ? plain : webrtc;
          if (unused) await unused.destroy();
          return caller.localSdp;
        },
        close,
      };
    } catch (err) {
      await close();
      if (err instanceof MediaNegotiationError) return { refused: 488, reason: err.reason };
      return { refused: 503, reason: String(err) };
    }
  }
}
