/**
 * The media port over FreeSWITCH, driven by drachtio-fsmrf, for sites that
 * set FREESWITCH_HOST. The port's names follow fsmrf's Endpoint; where
 * fsmrf's helpers do not give the port's behaviour (lists of files, looping,
 * recording arguments and reasons) the adapter runs FreeSWITCH's
 * applications itself.
 *
 * FreeSWITCH needs the configuration in deploy/freeswitch/: the drachtio_mrf
 * SIP profile (with inbound late negotiation), the event socket, and the
 * dialplan that turns the headers below into channel variables before it
 * answers and hands the call to `socket ${sip_h_X-esl-outbound} async full`.
 * Media security and the RTP timeout must be set before FreeSWITCH writes its
 * SDP, which is before fsmrf's event socket connection exists, so they travel
 * as SIP headers on fsmrf's INVITE.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type Srf from 'drachtio-srf';
import {
  MediaNegotiationError,
  type CreateEndpointOptions, type DtmfEvent, type Endpoint, type EndpointEvents, type MediaServer, type PlayCollectOptions,
  type PlayCollectResult, type PlayOptions, type PlayResult, type RecordOptions, type RecordResult,
} from './port.js';

/**
 * Headers on fsmrf's INVITE that deploy/freeswitch's dialplan reads.
 * MEDIA_SECURITY: 'rtp' sets rtp_secure_media=forbidden (plain RTP/AVP
 * only); 'webrtc' sets media_webrtc=true (DTLS-SRTP with ICE).
 * MEDIA_TIMEOUT: milliseconds without RTP before FreeSWITCH hangs up with
 * MEDIA_TIMEOUT (FreeSWITCH 1.10's media_timeout); absent: no timeout.
 */
export const MEDIA_HEADERS = { security: 'X-Media-Security', timeout: 'X-Media-Timeout' } as const;

/** The hangup cause FreeSWITCH gives a channel whose far end stopped sending RTP. */
const MEDIA_TIMEOUT_CAUSE = 'MEDIA_TIMEOUT';
/** Energy level under which FreeSWITCH's record counts a frame as silence. */
const SILENCE_THRESHOLD = 200;
const BEEP = 'tone_stream://%(400,0,1000)';
/** How many times a looped play's files go into one FreeSWITCH playback. */
const LOOP_ROUNDS = 10;

/** One event of FreeSWITCH's event socket, as fsmrf hands it over. */
export interface EslEvent {
  getHeader(name: string): string | undefined;
}

/** The parts of drachtio-fsmrf's Endpoint this adapter uses (the package ships no types). */
export interface FsEndpoint extends EventEmitter {
  uuid: string;
  local: { sdp: string };
  /** The SIP dialog between drachtio-server and FreeSWITCH; 'destroy' when FreeSWITCH sends BYE. */
  dialog: EventEmitter | null;
  execute(app: string, arg?: string): Promise<EslEvent>;
  /** Runs play_and_get_digits with fsmrf's argument order. */
  playCollect(opts: Record<string, unknown>): Promise<{ digits?: string; terminatorUsed?: string; playbackMilliseconds?: string }>;
  api(command: string, args?: string): Promise<unknown>;
  bridge(other: FsEndpoint): Promise<void>;
  unbridge(): Promise<void>;
  modify(sdp: string): Promise<string>;
  destroy(): Promise<void>;
}

export interface FsMediaServer {
  createEndpoint(opts: { remoteSdp?: string; headers: Record<string, string> }): Promise<FsEndpoint>;
  disconnect(): void;
}

export interface FreeswitchOptions {
  host: string;
  port: number;
  secret: string;
  /** Where FreeSWITCH's outbound event socket connections reach us. */
  listenAddress: string;
  /** Seconds without RTP before an endpoint ends, unless createEndpoint says otherwise; 0 or absent: never. */
  rtpTimeoutSecs?: number;
}

export async function connectFreeswitch(srf: Srf, opts: FreeswitchOptions): Promise<MediaServer> {
  const Mrf = createRequire(import.meta.url)('drachtio-fsmrf') as new (srf: Srf) => {
    connect(o: Record<string, unknown>): Promise<FsMediaServer>;
  };
  const ms = await new Mrf(srf).connect({
    address: opts.host, port: opts.port, secret: opts.secret, listenAddress: opts.listenAddress,
  });
  return freeswitchMediaServer(ms, opts.rtpTimeoutSecs ?? 0);
}

/** The media port over a connected fsmrf MediaServer. */
export function freeswitchMediaServer(ms: FsMediaServer, defaultRtpTimeoutSecs: number): MediaServer {
  return {
    async createEndpoint(o: CreateEndpointOptions): Promise<Endpoint> {
      const headers: Record<string, string> = { [MEDIA_HEADERS.security]: mediaSecurityFor(o) };
      const timeoutSecs = o.rtpTimeoutSecs ?? defaultRtpTimeoutSecs;
      if (timeoutSecs > 0) headers[MEDIA_HEADERS.timeout] = String(Math.round(timeoutSecs * 1000));
      let ep: FsEndpoint;
      try {
        ep = await ms.createEndpoint({ remoteSdp: o.remoteSdp, headers });
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (status === 488 || status === 415) throw new MediaNegotiationError(`FreeSWITCH refused the offer (${status})`);
        throw err;
      }
      const endpoint = new FreeswitchEndpoint(ep);
      try {
        // FreeSWITCH waits playback_sleep_val (250 ms by default) after every file: none, as the embedded engine.
        // record_fill_cng: a recording (and record_ms) also holds the time the far end sent no RTP, as the embedded
        // engine's does.
        await ep.execute('multiset', 'playback_sleep_val=0 record_fill_cng=true');
      } catch (err) {
        await endpoint.destroy().catch(() => {});
        throw err;
      }
      return endpoint;
    },
    async close() {
      ms.disconnect();
    },
  };
}

/**
 * What the far end can do: its offer's audio line says; without an offer,
 * the caller says (a WebRTC contact). A WebRTC offer is refused: fsmrf
 * completes DTLS only for a SIP request it answers itself (connectCaller),
 * which the port's createEndpoint-then-answer shape does not give it.
 */
function mediaSecurityFor(o: CreateEndpointOptions): 'rtp' | 'webrtc' {
  if (o.remoteSdp === undefined) return o.webrtc ? 'webrtc' : 'rtp';
  const audio = /^m=audio \d+(?:\/\d+)? (\S+)/m.exec(o.remoteSdp);
  if (audio && /^UDP\/TLS\//i.test(audio[1]!)) {
    throw new MediaNegotiationError(`WebRTC media (${audio[1]}) in an offer is not supported on FreeSWITCH; offer plain RTP/AVP`);
  }
  return 'rtp';
}

/** A list of files as one FreeSWITCH file: played back to back, counted as one. */
function fileArgument(file: string | string[]): string {
  const files = Array.isArray(file) ? file : [file];
  if (files.length === 0) throw new Error('play needs at least one file');
  return files.length === 1 ? files[0]! : `file_string://${files.join('!')}`;
}

/**
 * Why FreeSWITCH's record ended. FreeSWITCH 1.10 says so only for a terminator (playback_terminator_used) and
 * for silence (silence_hits_exhausted); a record that the adapter did not break otherwise ended at its time limit.
 */
function recordReason(event: EslEvent, terminatorUsed: string | undefined, interrupted: boolean, limited: boolean): RecordResult['reason'] {
  if (terminatorUsed) return 'terminator';
  if (event.getHeader('variable_silence_hits_exhausted') === 'true') return 'silence';
  if (interrupted || !limited) return 'interrupted';
  return 'time-limit';
}

/** The hangup cause in a BYE's Reason header, as FreeSWITCH writes it. */
function byeCause(reason: string | undefined): string | undefined {
  return reason ? /\btext="([^"]*)"/.exec(reason)?.[1] : undefined;
}

class FreeswitchEndpoint extends EventEmitter<EndpointEvents> implements Endpoint {
  private gone = false;
  /** Counts what ends a media operation early (stop, bridge, destroy), so a result can tell it was cut short. */
  private interruptions = 0;

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
    // fsmrf: 'destroy' with the Hangup-Cause of FreeSWITCH's CHANNEL_CALLSTATE HANGUP, or bare when its socket ends.
    ep.on('destroy', (e?: { reason?: string }) => this.ended(e?.reason));
    // FreeSWITCH's BYE on the SIP leg, which often arrives before the event socket's HANGUP; its Reason header
    // carries the same cause (Reason: SIP;cause=804;text="MEDIA_TIMEOUT").
    ep.dialog?.once('destroy', (bye?: { get?(name: string): string | undefined }) => this.ended(byeCause(bye?.get?.('Reason'))));
  }

  /** Once: 'rtp-timeout' first when FreeSWITCH ended the channel for want of RTP, then 'destroy'. */
  private ended(cause?: string): void {
    if (this.gone) return;
    this.gone = true;
    if (cause === MEDIA_TIMEOUT_CAUSE) this.emit('rtp-timeout');
    this.emit('destroy');
  }

  get id(): string {
    return this.ep.uuid;
  }

  get localSdp(): string {
    return this.ep.local.sdp;
  }

  async play(file: string | string[], opts: PlayOptions = {}): Promise<PlayResult> {
    const before = this.interruptions;
    if (!opts.loop) {
      const ms = await this.playback(fileArgument(file), file);
      return { playbackSeconds: ms / 1000, playbackMilliseconds: ms, interrupted: this.interruptions !== before };
    }
    // FreeSWITCH's endless_playback and loop_playback go on through uuid_break, so stop() could not end them: the
    // files are played LOOP_ROUNDS times over as one file_string (no gap), again until something interrupts it.
    const files = Array.isArray(file) ? file : [file];
    const rounds = fileArgument(Array.from({ length: LOOP_ROUNDS }, () => files).flat());
    let ms = 0;
    while (this.interruptions === before && !this.gone) {
      const played = await this.playback(rounds, file);
      ms += played;
      if (played === 0) break; // nothing playable: not a busy loop
    }
    return { playbackSeconds: ms / 1000, playbackMilliseconds: ms, interrupted: true };
  }

  /** Runs FreeSWITCH's playback; the milliseconds played. */
  private async playback(argument: string, file: string | string[]): Promise<number> {
    const evt = await this.ep.execute('playback', argument);
    if (evt.getHeader('Application-Response') === 'FILE NOT FOUND') throw new Error(`FreeSWITCH found no file to play: ${String(file)}`);
    return Number(evt.getHeader('variable_playback_ms') ?? 0);
  }

  async playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult> {
    const before = this.interruptions;
    const max = opts.max ?? 128;
    const r = await this.ep.playCollect({
      file: fileArgument(opts.file), min: opts.min ?? 1, max, terminators: opts.terminators ?? '#',
      timeout: opts.timeout ?? 5000, digitTimeout: opts.digitTimeout ?? 3000,
    });
    const digits = r.digits ?? '';
    const terminatorUsed = r.terminatorUsed || undefined;
    const reason = terminatorUsed ? 'terminator'
      : digits.length >= max ? 'max-digits'
        : this.interruptions !== before ? 'interrupted' : 'timeout';
    return { digits, terminatorUsed, reason, playbackMilliseconds: Number(r.playbackMilliseconds ?? 0) };
  }

  async record(file: string, opts: RecordOptions = {}): Promise<RecordResult> {
    const before = this.interruptions;
    if (opts.beep) await this.ep.execute('playback', BEEP);
    // One round trip before recording starts (the caller may already be talking); an empty value unsets.
    await this.ep.execute('multiset', `playback_terminators=${opts.terminators || 'none'} silence_hits_exhausted=`);
    // record <path> [<time_limit_secs> [<silence_threshold> <silence_hits>]]: positional, so a missing
    // time limit is written as 0 (none) when silence detection follows. FreeSWITCH counts the limit in whole
    // seconds of the wall clock (up to a second late), so the adapter breaks the record at the limit itself;
    // FreeSWITCH's own limit, rounded up, is the backstop.
    const limitMs = (opts.timeLimitSecs ?? 0) * 1000;
    const args = [file];
    if (limitMs || opts.silenceSecs) args.push(String(Math.ceil(opts.timeLimitSecs ?? 0)));
    if (opts.silenceSecs) args.push(String(SILENCE_THRESHOLD), String(Math.ceil(opts.silenceSecs)));
    const limit = limitMs ? setTimeout(() => this.breakMedia(), limitMs) : undefined;
    try {
      const evt = await this.ep.execute('record', args.join(' '));
      const terminatorUsed = evt.getHeader('variable_playback_terminator_used') || undefined;
      return {
        recordMilliseconds: Number(evt.getHeader('variable_record_ms') ?? 0),
        terminatorUsed,
        reason: recordReason(evt, terminatorUsed, this.interruptions !== before, limitMs > 0),
      };
    } finally {
      clearTimeout(limit);
    }
  }

  stop(): void {
    this.interruptions++;
    this.breakMedia();
  }

  /** Ends the play, playCollect or record in progress. */
  private breakMedia(): void {
    void this.ep.api('uuid_break', `${this.ep.uuid} all`).catch(() => {});
  }

  async bridge(other: Endpoint): Promise<void> {
    if (!(other instanceof FreeswitchEndpoint)) throw new Error('a FreeSWITCH endpoint bridges only to another FreeSWITCH endpoint');
    this.interruptions++;
    other.interruptions++;
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
    this.interruptions++;
    try {
      await this.ep.destroy();
    } finally {
      this.ended();
    }
  }
}
