/**
 * The embedded media engine behind the media port (media/port.ts): the
 * default when no FreeSWITCH is configured.
 *
 * One server owns the RTP port range, the shared 20 ms media clock, and the
 * cache of converted sounds; each endpoint is one call leg on one port.
 */
import { randomBytes } from 'node:crypto';
import type { CreateEndpointOptions, MediaServer } from '../port.js';
import { PacingClock } from './clock.js';
import { dtlsCertificate } from './dtls-certificate.js';
import { EmbeddedEndpoint, type EndpointContext, type MediaLogger } from './endpoint.js';
import { RtpPortPool } from './ports.js';
import { chooseFromOffer } from './sdp.js';
import { SoundCache } from './wav.js';
import { CONSENT_TIMEOUT_MS, SETUP_TIMEOUT_MS, type WebRtcTimeouts } from './webrtc-transport.js';

export interface EmbeddedMediaServerOptions {
  /** RTP_PORT_MIN, default 20000. */
  portMin?: number;
  /** RTP_PORT_MAX, default 20999. */
  portMax?: number;
  /** Local address for RTP sockets, default all IPv4 interfaces. */
  bindAddress?: string;
  /**
   * Address written in our SDP. Default: bindAddress. Required when
   * bindAddress is a wildcard: which of the machine's addresses peers can
   * reach is the application's decision, not the engine's.
   */
  advertisedAddress?: string;
  /** Default for endpoints that do not say; 0 (the default) disables. */
  rtpTimeoutSecs?: number;
  /** WebRTC endpoints: seconds from the far end's SDP to ICE and DTLS done, else released; default 10. */
  webrtcSetupTimeoutSecs?: number;
  /** WebRTC endpoints: seconds without an ICE check before consent lapses (RFC 7675); default 30. */
  webrtcConsentTimeoutSecs?: number;
  /** A clock to share with other servers in the process; default one of its own. */
  clock?: PacingClock;
  /** Cache of converted WAV files; default one of its own. */
  sounds?: SoundCache;
  logger?: MediaLogger;
}

export class EmbeddedMediaServer implements MediaServer {
  readonly clock: PacingClock;
  readonly sounds: SoundCache;
  readonly ports: RtpPortPool;
  readonly advertisedAddress: string;
  private readonly endpoints = new Set<EmbeddedEndpoint>();
  private readonly rtpTimeoutSecs: number;
  private readonly webrtcTimeouts: WebRtcTimeouts;
  private readonly context: EndpointContext;
  private closed = false;

  constructor(opts: EmbeddedMediaServerOptions = {}) {
    const bindAddress = opts.bindAddress ?? '0.0.0.0';
    const advertisedAddress = opts.advertisedAddress ?? (isWildcard(bindAddress) ? undefined : bindAddress);
    if (advertisedAddress === undefined) {
      throw new Error(`the media server binds to ${bindAddress}: say which address to write in SDP (advertisedAddress)`);
    }
    this.ports = new RtpPortPool({ min: opts.portMin ?? 20000, max: opts.portMax ?? 20999, bindAddress });
    this.clock = opts.clock ?? new PacingClock();
    this.sounds = opts.sounds ?? new SoundCache();
    this.advertisedAddress = advertisedAddress;
    this.rtpTimeoutSecs = opts.rtpTimeoutSecs ?? 0;
    this.webrtcTimeouts = {
      setupTimeoutMs: opts.webrtcSetupTimeoutSecs !== undefined ? opts.webrtcSetupTimeoutSecs * 1000 : SETUP_TIMEOUT_MS,
      consentTimeoutMs: opts.webrtcConsentTimeoutSecs !== undefined ? opts.webrtcConsentTimeoutSecs * 1000 : CONSENT_TIMEOUT_MS,
    };
    this.context = {
      clock: this.clock,
      sounds: this.sounds,
      pool: this.ports,
      logger: opts.logger,
      released: (ep) => this.endpoints.delete(ep),
    };
  }

  /** Endpoints alive now. */
  get size(): number {
    return this.endpoints.size;
  }

  /**
   * An endpoint answering `remoteSdp`, or making an offer without it; a
   * WebRTC endpoint when the offer is WebRTC or `webrtc` asks for one.
   * Throws MediaNegotiationError (before taking a port) when the offer
   * asks for what we cannot do, RtpPortsExhaustedError when the range is full.
   */
  async createEndpoint(opts: CreateEndpointOptions = {}): Promise<EmbeddedEndpoint> {
    if (this.closed) throw new Error('the media server is closed');
    const choice = opts.remoteSdp !== undefined ? chooseFromOffer(opts.remoteSdp) : undefined;
    const webrtc = choice ? choice.media.webrtc !== undefined : opts.webrtc === true;
    const certificate = webrtc ? await dtlsCertificate() : undefined;
    const bound = await this.ports.bind();
    if (this.closed) {
      await this.ports.release(bound);
      throw new Error('the media server is closed');
    }
    const endpoint = new EmbeddedEndpoint(this.context, bound, {
      address: this.advertisedAddress,
      choice,
      rtpTimeoutSecs: opts.rtpTimeoutSecs ?? this.rtpTimeoutSecs,
      ...(certificate ? {
        webrtc: {
          // RFC 8839 §5.4: ufrag at least 4 ice-chars, password at least 22; hex is within ice-char.
          local: { ice: { ufrag: randomBytes(4).toString('hex'), pwd: randomBytes(16).toString('hex') }, fingerprint: certificate.fingerprint },
          certificate,
          timeouts: this.webrtcTimeouts,
        },
      } : {}),
    });
    this.endpoints.add(endpoint);
    return endpoint;
  }

  /** Preloads sounds (prompts, music) so their first play starts at once. */
  async preload(files: string[]): Promise<void> {
    await Promise.all(files.map((f) => this.sounds.load(f)));
  }

  /** Destroys every endpoint and frees every port. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.endpoints].map((ep) => ep.destroy()));
  }
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
