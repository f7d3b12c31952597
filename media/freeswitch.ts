/**
 * The media port over FreeSWITCH, driven by drachtio-fsmrf, for sites that
 * set FREESWITCH_HOST. A thin adapter: the port's names already follow
 * fsmrf's Endpoint, so most calls pass straight through.
 *
 * FreeSWITCH needs a SIP profile named drachtio_mrf, the event socket on
 * 8021, and a dialplan that answers calls whose User-Agent starts with
 * "drachtio-fsmrf:" and runs `socket ${sip_h_X-esl-outbound} async full`.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type Srf from 'drachtio-srf';
import type {
  CreateEndpointOptions, DtmfEvent, Endpoint, EndpointEvents, MediaServer, PlayCollectOptions, PlayCollectResult,
  PlayResult, RecordOptions, RecordResult,
} from './port.js';

/** The parts of drachtio-fsmrf's Endpoint this adapter uses (the package ships no types). */
interface FsEndpoint extends EventEmitter {
  uuid: string;
  local: { sdp: string };
  play(file: string | string[]): Promise<{ playbackSeconds?: string; playbackMilliseconds?: string }>;
  playCollect(opts: Record<string, unknown>): Promise<{ digits?: string; terminatorUsed?: string; playbackMilliseconds?: string }>;
  record(file: string, opts: Record<string, unknown>): Promise<{ terminatorUsed?: string; recordMilliseconds?: string }>;
  execute(app: string, arg?: string): Promise<unknown>;
  api(command: string, args?: string): Promise<unknown>;
  bridge(other: FsEndpoint): Promise<void>;
  unbridge(): Promise<void>;
  modify(sdp: string): Promise<string>;
  destroy(): Promise<void>;
}

interface FsMediaServer {
  createEndpoint(opts: { remoteSdp?: string }): Promise<FsEndpoint>;
  disconnect(): void;
}

export interface FreeswitchOptions {
  host: string;
  port: number;
  secret: string;
  /** Where FreeSWITCH's outbound event socket connections reach us. */
  listenAddress: string;
}

const BEEP = 'tone_stream://%(400,0,1000)';

export async function connectFreeswitch(srf: Srf, opts: FreeswitchOptions): Promise<MediaServer> {
  const Mrf = createRequire(import.meta.url)('drachtio-fsmrf') as new (srf: Srf) => {
    connect(o: Record<string, unknown>): Promise<FsMediaServer>;
  };
  const ms = await new Mrf(srf).connect({
    address: opts.host, port: opts.port, secret: opts.secret, listenAddress: opts.listenAddress,
  });
  return {
    async createEndpoint(o: CreateEndpointOptions): Promise<Endpoint> {
      return new FreeswitchEndpoint(await ms.createEndpoint({ remoteSdp: o.remoteSdp }));
    },
    async close() {
      ms.disconnect();
    },
  };
}

class FreeswitchEndpoint extends EventEmitter<EndpointEvents> implements Endpoint {
  private gone = false;

  constructor(private readonly ep: FsEndpoint) {
    super();
    ep.on('dtmf', (e: { dtmf: string; duration?: string; source?: string }) => {
      const event: DtmfEvent = {
        dtmf: e.dtmf,
        duration: e.duration ? Number(e.duration) : undefined,
        source: /info/i.test(e.source ?? '') ? 'info' : 'rfc4733',
      };
      this.emit('dtmf', event);
    });
    ep.on('destroy', () => this.ended());
  }

  /** fsmrf tells only of a channel FreeSWITCH ended; the port promises 'destroy' for our own destroy() too. */
  private ended(): void {
    if (this.gone) return;
    this.gone = true;
    this.emit('destroy');
  }

  get id(): string {
    return this.ep.uuid;
  }

  get localSdp(): string {
    return this.ep.local.sdp;
  }

  async play(file: string | string[]): Promise<PlayResult> {
    const r = await this.ep.play(file);
    const ms = Number(r.playbackMilliseconds ?? 0);
    return { playbackSeconds: Number(r.playbackSeconds ?? ms / 1000), playbackMilliseconds: ms, interrupted: false };
  }

  async playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult> {
    const files = Array.isArray(opts.file) ? opts.file : [opts.file];
    if (files.length > 1) await this.ep.execute('set', 'playback_delimiter=!');
    const r = await this.ep.playCollect({
      file: files.join('!'), min: opts.min ?? 1, max: opts.max ?? 128, terminators: opts.terminators ?? '#',
      timeout: opts.timeout ?? 5000, digitTimeout: opts.digitTimeout ?? 3000,
    });
    const digits = r.digits ?? '';
    const terminatorUsed = r.terminatorUsed || undefined;
    const reason = terminatorUsed ? 'terminator' : digits.length >= (opts.max ?? 128) ? 'max-digits' : 'timeout';
    return { digits, terminatorUsed, reason, playbackMilliseconds: Number(r.playbackMilliseconds ?? 0) };
  }

  async record(file: string, opts: RecordOptions = {}): Promise<RecordResult> {
    if (opts.beep) await this.ep.play(BEEP);
    if (opts.terminators) await this.ep.execute('set', `playback_terminators=${opts.terminators}`);
    const r = await this.ep.record(file, {
      timeLimitSecs: opts.timeLimitSecs,
      // FreeSWITCH's record ends after silence_hits seconds under the energy threshold.
      silenceThresh: opts.silenceSecs ? 200 : undefined,
      silenceHits: opts.silenceSecs,
    });
    const terminatorUsed = r.terminatorUsed || undefined;
    return { recordMilliseconds: Number(r.recordMilliseconds ?? 0), terminatorUsed, reason: terminatorUsed ? 'terminator' : 'time-limit' };
  }

  stop(): void {
    void this.ep.api('uuid_break', `${this.ep.uuid} all`).catch(() => {});
  }

  async bridge(other: Endpoint): Promise<void> {
    if (!(other instanceof FreeswitchEndpoint)) throw new Error('a FreeSWITCH endpoint bridges only to another FreeSWITCH endpoint');
    await this.ep.bridge(other.ep);
  }

  unbridge(): Promise<void> {
    return this.ep.unbridge();
  }

  modify(remoteSdp: string): Promise<string> {
    return this.ep.modify(remoteSdp);
  }

  injectDtmf(digit: string): void {
    // FreeSWITCH takes SIP INFO DTMF itself on its own leg; relay what reached us another way.
    void this.ep.api('uuid_recv_dtmf', `${this.ep.uuid} ${digit}`).catch(() => {});
  }

  async destroy(): Promise<void> {
    try {
      await this.ep.destroy();
    } finally {
      this.ended();
    }
  }
}
