/**
 * The embedded media engine behind the media port (media/port.ts): the
 * default when no FreeSWITCH is configured.
 *
 * One server owns the RTP port range, the shared 20 ms media clock, and the
 * cache of converted sounds; each endpoint is one call leg on one port.
 */
import type { CreateEndpointOptions, MediaServer } from '../port.js';
import { PacingClock } from './clock.js';
import { EmbeddedEndpoint, type EndpointContext, type MediaLogger } from './endpoint.js';
import { RtpPortPool } from './ports.js';
import { chooseFromOffer } from './sdp.js';
import { SoundCache } from './wav.js';

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
   * An endpoint answering `remoteSdp`, or making an offer without it.
   * Throws MediaNegotiationError (before taking a port) when the offer
   * asks for what we cannot do, RtpPortsExhaustedError when the range is full.
   */
  async createEndpoint(opts: CreateEndpointOptions = {}): Promise<EmbeddedEndpoint> {
    if (this.closed) throw new Error('the media server is closed');
    const choice = opts.remoteSdp !== undefined ? chooseFromOffer(opts.remoteSdp) : undefined;
    const bound = await this.ports.bind();
    if (this.closed) {
      await this.ports.release(bound);
      throw new Error('the media server is closed');
    }
    const endpoint = new EmbeddedEndpoint(this.context, bound, {
      address: this.advertisedAddress,
      choice,
      rtpTimeoutSecs: opts.rtpTimeoutSecs ?? this.rtpTimeoutSecs,
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
