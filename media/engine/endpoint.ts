/**
 * One RTP endpoint of the embedded engine: the media half of one call leg.
 *
 * It owns one UDP port and does, on the media clock's 20 ms ticks, what
 * FreeSWITCH does for a channel driven by drachtio-fsmrf: plays files,
 * collects digits, records, relays to a bridged endpoint, sends and detects
 * RFC 4733 DTMF, and notices a far end that has gone quiet.
 *
 * Media operations (play, playCollect, record) take turns: starting one ends
 * the one in progress (it resolves as interrupted), as a new execute does on
 * a FreeSWITCH channel. bridge() also ends them, as uuid_bridge does.
 *
 * Digits: every digit, RFC 4733 or SIP INFO, is emitted as 'dtmf'. It also
 * goes to the operation in progress (playCollect collects it, record checks
 * its terminators); a digit that arrives with no such operation is not kept
 * for a later playCollect (FreeSWITCH's documented behaviour).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { RemoteInfo } from 'node:dgram';
import type {
  DtmfEvent, Endpoint, EndpointEvents, PlayCollectOptions, PlayCollectResult, PlayOptions, PlayResult,
  RecordOptions, RecordResult,
} from '../port.js';
import { SAMPLES_PER_TICK, SAMPLE_RATE, type PacingClock, type Tickable } from './clock.js';
import { collectorSettings, DigitCollector, type CollectOutcome } from './collector.js';
import { DtmfReceiver, DtmfSender, isDtmfDigit } from './dtmf.js';
import { decode, transcode, type Codec } from './g711.js';
import { Player } from './player.js';
import type { BoundPort, RtpPortPool } from './ports.js';
import { Recording } from './recorder.js';
import { decodeRtp, RtpSender, timestampDiff, type RtpPacket } from './rtp.js';
import { chooseFromOffer, SdpSession, type NegotiatedMedia, type OfferChoice } from './sdp.js';
import type { DtlsCertificate } from './dtls-certificate.js';
import { PlainRtpTransport, type MediaTransport, type RtpAddress } from './transport.js';
import { WebRtcTransport, type WebRtcTimeouts } from './webrtc-transport.js';
import type { WebRtcLocal } from './webrtc-sdp.js';
import { toneSound, writeWav, type Sound, type SoundCache } from './wav.js';

/** The subset of a pino logger the engine uses. */
export interface MediaLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** What every endpoint of one media server shares. */
export interface EndpointContext {
  clock: PacingClock;
  sounds: SoundCache;
  pool: RtpPortPool;
  logger?: MediaLogger;
  /** Called once the endpoint's port is released. */
  released(endpoint: EmbeddedEndpoint): void;
}

export interface EndpointSetup {
  /** Address written in our SDP. */
  address: string;
  /** The offer we answer; without it we make an offer. */
  choice?: OfferChoice;
  rtpTimeoutSecs: number;
  /** Set for a WebRTC endpoint (ICE-lite, DTLS-SRTP) instead of plain RTP. */
  webrtc?: { local: WebRtcLocal; certificate: DtlsCertificate; timeouts: WebRtcTimeouts };
}

/** Record's default cap when no timeLimitSecs is given: one hour (57 MB of samples). */
export const DEFAULT_RECORD_LIMIT_SECS = 3600;
/** Played before recording when asked for a beep (FreeSWITCH plays a tone too). */
const BEEP: Sound = toneSound('beep', 1000, 250);
/** A relayed stream whose timestamps stray this far from our clock is re-anchored (200 ms). */
const RELAY_RESYNC_SAMPLES = 1600;

/**
 * The operation in progress. Its hooks are called from the tick and from
 * digit delivery; `interrupt` ends it early (stop(), a newer operation,
 * bridge(), destroy()).
 */
class Operation {
  /** Audio to send, one frame a tick. */
  player: Player | undefined;
  /** Receives the far end's audio while set. */
  recording: Recording | undefined;
  cancelled = false;
  playerDone: ((nowMs: number) => void) | undefined;
  digit: ((digit: string, nowMs: number) => void) | undefined;
  tick: ((nowMs: number) => void) | undefined;
  interrupt: () => void = () => { this.cancelled = true; };
}

function canSendIn(media: NegotiatedMedia): boolean {
  return media.direction === 'sendrecv' || media.direction === 'sendonly';
}

export class EmbeddedEndpoint extends EventEmitter<EndpointEvents> implements Endpoint, Tickable {
  readonly id = randomUUID();
  private readonly sdp: SdpSession;
  private media: NegotiatedMedia | undefined;
  private readonly transport: MediaTransport;
  private readonly sender = new RtpSender();
  private readonly dtmfIn = new DtmfReceiver();
  private readonly dtmfOut = new DtmfSender();
  private op: Operation | undefined;
  private peer: EmbeddedEndpoint | undefined;
  private relayAnchor: { ssrc: number; delta: number } | undefined;
  private lastAudioTick = -2;
  private lastRxMs: number;
  private readonly rtpTimeoutMs: number;
  private destroying: Promise<void> | undefined;

  constructor(private readonly ctx: EndpointContext, private readonly bound: BoundPort, setup: EndpointSetup) {
    super();
    this.sdp = new SdpSession({ address: setup.address, port: bound.port, ...(setup.webrtc ? { webrtc: setup.webrtc.local } : {}) });
    this.transport = setup.webrtc
      ? new WebRtcTransport(bound.socket, setup.webrtc.local, setup.webrtc.certificate, setup.webrtc.timeouts, ctx.logger, this.id)
      : new PlainRtpTransport(bound.socket, ctx.logger, this.id);
    this.rtpTimeoutMs = Math.max(0, setup.rtpTimeoutSecs) * 1000;
    this.lastRxMs = ctx.clock.nowMs();
    if (setup.choice) {
      this.sdp.answer(setup.choice);
      this.applyMedia(setup.choice.media);
    } else {
      this.sdp.offer();
    }
    bound.socket.on('message', this.onDatagram);
    bound.socket.on('error', (err) => ctx.logger?.warn({ err, endpoint: this.id }, 'RTP socket error'));
    ctx.clock.add(this);
  }

  get localSdp(): string {
    return this.sdp.current!;
  }

  /** The UDP port this endpoint receives on. */
  get port(): number {
    return this.bound.port;
  }

  /** The negotiated codec, once there is one. */
  get codec(): Codec | undefined {
    return this.media?.codec;
  }

  get destroyed(): boolean {
    return this.destroying !== undefined;
  }

  /** Where RTP goes now (after latching or ICE, the far end's real source address). */
  get remoteAddress(): RtpAddress | undefined {
    return this.transport.remote;
  }

  /** Whether this endpoint speaks WebRTC (ICE-lite, DTLS-SRTP) rather than plain RTP. */
  get webrtc(): boolean {
    return this.transport instanceof WebRtcTransport;
  }

  // ---- the media port ------------------------------------------------------

  async play(file: string | string[], opts: PlayOptions = {}): Promise<PlayResult> {
    const op = this.begin();
    const sounds = await this.load(op, Array.isArray(file) ? file : [file]);
    if (!sounds) return { playbackSeconds: 0, playbackMilliseconds: 0, interrupted: true };
    return new Promise((resolve) => {
      const player = new Player(sounds, opts.loop === true);
      op.player = player;
      const finish = (interrupted: boolean): void => {
        this.end(op);
        const ms = player.playedMs;
        resolve({ playbackSeconds: ms / 1000, playbackMilliseconds: ms, interrupted });
      };
      op.playerDone = () => finish(false);
      op.interrupt = () => finish(true);
    });
  }

  async playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult> {
    const op = this.begin();
    const settings = collectorSettings(opts);
    const collector = new DigitCollector(settings);
    const sounds = await this.load(op, Array.isArray(opts.file) ? opts.file : [opts.file]);
    if (!sounds) return { digits: '', reason: 'interrupted', playbackMilliseconds: 0 };
    return new Promise((resolve) => {
      const player = new Player(sounds);
      op.player = player;
      const finish = (outcome: CollectOutcome): void => {
        this.end(op);
        resolve({ ...outcome, playbackMilliseconds: player.playedMs });
      };
      const promptOver = (nowMs: number): void => {
        op.player = undefined;
        collector.promptEnded(nowMs);
      };
      op.playerDone = promptOver;
      op.digit = (digit, nowMs) => {
        const outcome = collector.digit(digit, nowMs);
        if (outcome) finish(outcome);
        else if (settings.bargeIn && op.player) promptOver(nowMs);
      };
      op.tick = (nowMs) => {
        const outcome = collector.poll(nowMs);
        if (outcome) finish(outcome);
      };
      op.interrupt = () => finish({ digits: collector.collected, reason: 'interrupted' });
    });
  }

  record(file: string, opts: RecordOptions = {}): Promise<RecordResult> {
    this.assertAlive();
    const op = this.begin();
    const limitMs = (opts.timeLimitSecs && opts.timeLimitSecs > 0 ? opts.timeLimitSecs : DEFAULT_RECORD_LIMIT_SECS) * 1000;
    const silenceMs = opts.silenceSecs && opts.silenceSecs > 0 ? opts.silenceSecs * 1000 : 0;
    const terminators = opts.terminators ?? '';
    return new Promise((resolve, reject) => {
      let finished = false;
      const start = (nowMs: number): void => {
        op.player = undefined;
        op.recording = new Recording(nowMs, Math.round((limitMs * SAMPLE_RATE) / 1000));
      };
      const finish = (reason: RecordResult['reason'], terminatorUsed?: string): void => {
        if (finished) return;
        finished = true;
        const rec = op.recording;
        op.recording = undefined;
        this.end(op);
        const samples = rec ? rec.finish(this.ctx.clock.nowMs()) : new Int16Array(0);
        const recordMilliseconds = Math.round((samples.length * 1000) / SAMPLE_RATE);
        writeWav(file, samples).then(
          () => resolve({ recordMilliseconds, terminatorUsed, reason }),
          (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
        );
      };
      if (opts.beep) {
        op.player = new Player([BEEP]);
        op.playerDone = start;
      } else {
        start(this.ctx.clock.nowMs());
      }
      op.digit = (digit) => {
        if (terminators.includes(digit)) finish('terminator', digit);
      };
      op.tick = (nowMs) => {
        const rec = op.recording;
        if (!rec) return;
        if (nowMs - rec.startedMs >= limitMs) finish('time-limit');
        else if (silenceMs && nowMs - Math.max(rec.lastVoiceMs, rec.startedMs) >= silenceMs) finish('silence');
      };
      op.interrupt = () => finish('interrupted');
    });
  }

  stop(): void {
    this.op?.interrupt();
  }

  /**
   * Relays audio both ways (transcoding PCMU<->PCMA when the legs differ)
   * and RFC 4733 events across. Ends operations in progress on both sides.
   */
  async bridge(other: Endpoint): Promise<void> {
    if (!(other instanceof EmbeddedEndpoint)) throw new Error('bridge: the other endpoint belongs to another media engine');
    if (other === this) throw new Error('bridge: an endpoint cannot be bridged to itself');
    this.assertAlive();
    other.assertAlive();
    if (this.peer === other) return;
    await this.unbridge();
    await other.unbridge();
    this.stop();
    other.stop();
    this.peer = other;
    other.peer = this;
    this.relayAnchor = undefined;
    other.relayAnchor = undefined;
  }

  async unbridge(): Promise<void> {
    const peer = this.peer;
    if (!peer) return;
    this.peer = undefined;
    if (peer.peer === this) peer.peer = undefined;
  }

  async modify(remoteSdp: string): Promise<string> {
    this.assertAlive();
    if (this.sdp.awaitingAnswer) {
      this.applyMedia(this.sdp.acceptAnswer(remoteSdp));
    } else {
      // A re-INVITE's offer: chooseFromOffer throws before anything changes
      // if we cannot accept it, so the call keeps its current media.
      const choice = chooseFromOffer(remoteSdp);
      this.sdp.answer(choice);
      this.applyMedia(choice.media);
    }
    return this.localSdp;
  }

  injectDtmf(digit: string, durationMs?: number): void {
    if (this.destroyed || !isDtmfDigit(digit)) return;
    this.digitReceived(digit.toUpperCase(), durationMs, 'info', this.ctx.clock.nowMs());
    // Across a bridge, a SIP INFO digit goes on as RFC 4733 if the other leg does it.
    this.peer?.sendDtmf(digit, durationMs);
  }

  /** Sends digits to the far end as RFC 4733 events (no-op if it did not negotiate them). */
  sendDtmf(digits: string, durationMs?: number): void {
    if (this.destroyed || !this.media?.dtmf) return;
    for (const d of digits) if (isDtmfDigit(d)) this.dtmfOut.enqueue(d, durationMs);
  }

  destroy(): Promise<void> {
    if (this.destroying) return this.destroying;
    this.destroying = (async () => {
      const op = this.op;
      this.op = undefined;
      op?.interrupt();
      await this.unbridge();
      this.ctx.clock.remove(this);
      this.dtmfOut.clear();
      this.bound.socket.off('message', this.onDatagram);
      this.transport.close();
      await this.ctx.pool.release(this.bound);
      this.ctx.released(this);
      this.safeEmit('destroy');
    })();
    return this.destroying;
  }

  // ---- the clock -----------------------------------------------------------

  onTick(tick: number, nowMs: number): void {
    if (this.destroying) return;
    const failure = this.transport.failure(nowMs);
    if (failure) {
      this.ctx.logger?.warn({ endpoint: this.id, reason: failure }, `WebRTC media failed: ${failure}; releasing the endpoint`);
      this.safeEmit('rtp-timeout');
      void this.destroy();
      return;
    }
    const media = this.media;
    // RTP timeout counts only while the far end owes us audio: not before an
    // answer, and not while it holds the call (it may legitimately go quiet).
    if (this.rtpTimeoutMs > 0 && media?.direction === 'sendrecv') {
      if (nowMs - this.lastRxMs >= this.rtpTimeoutMs) {
        this.ctx.logger?.warn({ endpoint: this.id, silentMs: Math.round(nowMs - this.lastRxMs) }, 'RTP timeout: the far end stopped sending');
        this.safeEmit('rtp-timeout');
        void this.destroy();
        return;
      }
    } else {
      this.lastRxMs = nowMs;
    }
    const lost = this.dtmfIn.poll(nowMs);
    if (lost) this.digitReceived(lost.digit, lost.durationMs, 'rfc4733', nowMs);
    this.op?.tick?.(nowMs);

    const samples = tick * SAMPLES_PER_TICK;
    const dtmf = this.dtmfOut.busy ? this.dtmfOut.next(samples) : undefined;
    if (dtmf && media?.dtmf) this.send(this.sender.packet(media.dtmf.sendPt, dtmf.samples, dtmf.payload, dtmf.marker));
    const op = this.op;
    const player = op?.player;
    if (!player || !op) return;
    const frame = player.next(media?.codec ?? 'PCMU');
    if (!frame) {
      op.player = undefined;
      op.playerDone?.(nowMs);
      return;
    }
    // The clock keeps playing while we may not send (held, or no answer
    // yet): the prompt's time passes as it would for a listener.
    if (!dtmf && media) {
      // RFC 3551 §4.1: the marker bit flags the first packet of a talkspurt.
      this.send(this.sender.packet(media.sendPt, samples, frame, this.lastAudioTick !== tick - 1));
      this.lastAudioTick = tick;
    }
  }

  // ---- RTP in ----------------------------------------------------------------

  private readonly onDatagram = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.destroying) return;
    const nowMs = this.ctx.clock.nowMs();
    const rtp = this.transport.receive(msg, rinfo, nowMs);
    const media = this.media;
    if (!rtp || !media) return;
    const packet = decodeRtp(rtp);
    if (!packet) return;
    this.lastRxMs = nowMs;
    const pt = packet.payloadType;
    if (media.dtmf && (pt === media.dtmf.recvPt || pt === media.dtmf.sendPt)) {
      for (const d of this.dtmfIn.push(packet.ssrc, packet.timestamp, packet.payload, nowMs)) {
        this.digitReceived(d.digit, d.durationMs, 'rfc4733', nowMs);
      }
      this.peer?.relay(packet, undefined);
      return;
    }
    const codec: Codec | undefined = pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : pt === media.recvPt ? media.codec : undefined;
    // Comfort noise and anything else count as signs of life, nothing more.
    if (!codec) return;
    const rec = this.op?.recording;
    if (rec) rec.push(packet.ssrc, packet.timestamp, decode(codec, packet.payload), nowMs);
    this.peer?.relay(packet, codec);
  };

  /**
   * Sends on what the bridged endpoint received: audio in our codec, or an
   * RFC 4733 event (codec undefined) with our telephone-event PT. Our own
   * prompt or DTMF, when one is playing, wins over relayed audio.
   */
  private relay(packet: RtpPacket, codec: Codec | undefined): void {
    const media = this.media;
    if (!media || this.destroying || !canSendIn(media) || !this.transport.remote) return;
    if (codec && (this.op?.player || this.dtmfOut.busy)) return;
    if (!codec && !media.dtmf) return;
    // Keep the far end's timestamp spacing, moved onto our stream's timeline.
    const now = (this.sender.timestampOrigin + this.ctx.clock.samplesNow()) >>> 0;
    let marker = packet.marker;
    let anchor = this.relayAnchor;
    const stray = anchor && codec && Math.abs(timestampDiff((packet.timestamp + anchor.delta) >>> 0, now)) > RELAY_RESYNC_SAMPLES;
    if (!anchor || anchor.ssrc !== packet.ssrc || stray) {
      anchor = { ssrc: packet.ssrc, delta: (now - packet.timestamp) >>> 0 };
      this.relayAnchor = anchor;
      marker = true;
    }
    const timestamp = (packet.timestamp + anchor.delta) >>> 0;
    if (codec) {
      this.send(this.sender.packetAt(media.sendPt, timestamp, transcode(codec, media.codec, packet.payload), marker));
      this.lastAudioTick = this.ctx.clock.nextTick - 1;
    } else {
      this.send(this.sender.packetAt(media.dtmf!.sendPt, timestamp, packet.payload, packet.marker));
    }
  }

  // ---- helpers ---------------------------------------------------------------

  private digitReceived(digit: string, duration: number | undefined, source: DtmfEvent['source'], nowMs: number): void {
    this.safeEmit('dtmf', { dtmf: digit, duration, source });
    this.op?.digit?.(digit, nowMs);
  }

  private applyMedia(media: NegotiatedMedia): void {
    this.media = media;
    this.transport.apply(media);
    if (!media.dtmf) this.dtmfOut.clear();
    this.lastRxMs = this.ctx.clock.nowMs();
  }

  private send(packet: Buffer): void {
    const media = this.media;
    if (media && canSendIn(media)) this.transport.send(packet);
  }

  private begin(): Operation {
    this.assertAlive();
    const previous = this.op;
    const op = new Operation();
    this.op = op;
    previous?.interrupt();
    return op;
  }

  private end(op: Operation): void {
    if (this.op === op) this.op = undefined;
    op.player = undefined;
    op.recording = undefined;
    op.digit = op.tick = op.playerDone = undefined;
    op.interrupt = () => {};
  }

  /** Loads the files of an operation; undefined if it was interrupted meanwhile. */
  private async load(op: Operation, files: string[]): Promise<Sound[] | undefined> {
    let sounds: Sound[];
    try {
      sounds = await Promise.all(files.map((f) => this.ctx.sounds.load(f)));
    } catch (err) {
      this.end(op);
      throw err;
    }
    if (op.cancelled || this.op !== op) {
      this.end(op);
      return undefined;
    }
    return sounds;
  }

  private assertAlive(): void {
    if (this.destroying) throw new Error(`endpoint ${this.id} is destroyed`);
  }

  private safeEmit<K extends keyof EndpointEvents>(event: K, ...args: EndpointEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: EndpointEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      // A listener's bug must not take the media engine (or the process) down.
      this.ctx.logger?.warn({ err, endpoint: this.id, event }, 'endpoint event listener threw');
    }
  }
}
