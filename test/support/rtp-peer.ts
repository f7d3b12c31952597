/**
 * A phone's media side for tests: one UDP socket that makes SDP offers,
 * sends G.711 audio paced at 20 ms, presses keys as RFC 4733 events, and
 * keeps every RTP packet it receives with its arrival time. Plus the signal
 * checks that go with it: a normalised cross-correlation that finds where a
 * copy of a test signal (see chirp in ./audio.ts) starts.
 *
 * It is written against the RFCs and alawmulaw only, not against the
 * embedded engine's own RTP/DTMF/G.711 code, so it checks any media server
 * (the embedded engine or FreeSWITCH) from the outside.
 */
import dgram from 'node:dgram';
import alawmulaw from 'alawmulaw';
import sdpTransform from 'sdp-transform';

export type G711 = 'PCMU' | 'PCMA';

export const PT: Readonly<Record<G711, number>> = { PCMU: 0, PCMA: 8 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- RTP (RFC 3550 §5.1) --------------------------------------------------------------

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Payload without CSRCs, header extension or padding. */
  payload: Buffer;
}

export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  const pt = buf[1]! & 0x7f;
  if (pt >= 72 && pt <= 76) return undefined; // RTCP (RFC 5761 §4)
  let offset = 12 + (buf[0]! & 0x0f) * 4;
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  let end = buf.length;
  if (buf[0]! & 0x20) end -= buf[buf.length - 1]!;
  if (end < offset) return undefined;
  return {
    marker: (buf[1]! & 0x80) !== 0,
    payloadType: pt,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

export function buildRtp(p: RtpPacket): Buffer {
  const buf = Buffer.alloc(12 + p.payload.length);
  buf[0] = 0x80;
  buf[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  buf.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(p.timestamp >>> 0, 4);
  buf.writeUInt32BE(p.ssrc >>> 0, 8);
  p.payload.copy(buf, 12);
  return buf;
}

// ---- G.711 and RFC 4733 ------------------------------------------------------------------

const DECODE: Readonly<Record<G711, Int16Array>> = {
  PCMU: Int16Array.from({ length: 256 }, (_, b) => alawmulaw.mulaw.decodeSample(b)),
  PCMA: Int16Array.from({ length: 256 }, (_, b) => alawmulaw.alaw.decodeSample(b)),
};

export function decodeG711(codec: G711, bytes: Uint8Array): Int16Array {
  const table = DECODE[codec];
  return Int16Array.from(bytes, (b) => table[b]!);
}

export function encodeG711(codec: G711, pcm: Int16Array): Buffer {
  return Buffer.from(codec === 'PCMU' ? alawmulaw.mulaw.encode(pcm) : alawmulaw.alaw.encode(pcm));
}

const EVENT_CODES = '0123456789*#ABCD';

export interface TelephoneEvent {
  digit: string;
  end: boolean;
  volume: number;
  /** In timestamp units (8 kHz samples). */
  duration: number;
}

/** An RFC 4733 §2.3 named-event payload. */
export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4 || payload[0]! > 15) return undefined;
  return {
    digit: EVENT_CODES[payload[0]!]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

function telephoneEvent(digit: string, end: boolean, duration: number, volume = 10): Buffer {
  const code = EVENT_CODES.indexOf(digit.toUpperCase());
  if (code < 0) throw new Error(`not a DTMF key: ${digit}`);
  const buf = Buffer.alloc(4);
  buf[0] = code;
  buf[1] = (end ? 0x80 : 0) | (volume & 0x3f);
  buf.writeUInt16BE(Math.min(0xffff, duration), 2);
  return buf;
}

/** The keys one RTP stream carries as RFC 4733 events, each once (retransmitted end packets folded). */
export function digitsIn(packets: RtpPacket[], eventPt: number): string {
  let out = '';
  let last: string | undefined;
  for (const p of packets) {
    if (p.payloadType !== eventPt) continue;
    const e = parseTelephoneEvent(p.payload);
    if (!e) continue;
    const key = `${p.ssrc}/${p.timestamp}`;
    if (key !== last) {
      out += e.digit;
      last = key;
    }
  }
  return out;
}

// ---- the peer --------------------------------------------------------------------------

export interface Arrival {
  /** performance.now() when the datagram was read. */
  at: number;
  packet: RtpPacket;
}

export interface OfferOptions {
  codecs?: G711[];
  /** telephone-event payload type; null offers none. Default 101. */
  eventPt?: number | null;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

export interface AnswerInfo {
  address: string;
  port: number;
  /** The codec the answer put first, if it is G.711. */
  codec: G711 | undefined;
  /** The payload types of the answer's m-line, in order. */
  payloads: number[];
  /** telephone-event payload type of the answer, if any. */
  eventPt: number | undefined;
  direction: string;
}

export function describeAnswer(sdp: string): AnswerInfo {
  const parsed = sdpTransform.parse(sdp);
  const audio = parsed.media.find((m) => m.type === 'audio');
  if (!audio) throw new Error(`no audio m-line in the answer:\n${sdp}`);
  const address = audio.connection?.ip ?? parsed.connection?.ip;
  if (!address) throw new Error(`no c= address in the answer:\n${sdp}`);
  const payloads = String(audio.payloads ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const nameOf = (pt: number): string | undefined => audio.rtp.find((r) => r.payload === pt)?.codec
    ?? (pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : undefined);
  const first = payloads[0];
  const firstName = first === undefined ? undefined : nameOf(first)?.toUpperCase();
  return {
    address,
    port: audio.port,
    codec: firstName === 'PCMU' || firstName === 'PCMA' ? firstName : undefined,
    payloads,
    eventPt: audio.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event')?.payload,
    direction: audio.direction ?? parsed.direction ?? 'sendrecv',
  };
}

/**
 * One RTP stream of a test peer: what it sends (talk, press) and what it
 * heard. How packets travel is the subclass's: plain UDP (RtpPeer) or
 * SRTP inside a WebRTC connection (./webrtc-peer.ts).
 */
export abstract class RtpStream {
  readonly received: Arrival[] = [];
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);
  private seq = Math.floor(Math.random() * 0xffff);
  /** The stream's media clock: RTP timestamp = origin + 8 × ms since the peer opened. */
  private readonly tsOrigin = Math.floor(Math.random() * 0xffffffff);
  private readonly opened = performance.now();
  private lastEventEnd = 0;

  /** Puts one RTP packet on the way. */
  protected abstract transmit(wire: Buffer): void;

  private timestampNow(): number {
    return (this.tsOrigin + Math.round((performance.now() - this.opened) * 8)) >>> 0;
  }

  send(payloadType: number, payload: Buffer, timestamp: number, marker = false): void {
    const wire = buildRtp({ marker, payloadType, sequenceNumber: this.seq, timestamp, ssrc: this.ssrc, payload });
    this.seq = (this.seq + 1) & 0xffff;
    this.transmit(wire);
  }

  /** Talks: sends `pcm` (8 kHz) as 20 ms packets on a schedule that does not drift. */
  async talk(codec: G711, pcm: Int16Array): Promise<void> {
    const frames = Math.floor(pcm.length / 160);
    const start = performance.now();
    const ts0 = this.timestampNow();
    for (let i = 0; i < frames; i++) {
      const wait = start + i * 20 - performance.now();
      if (wait > 1) await sleep(wait);
      this.send(PT[codec], encodeG711(codec, pcm.subarray(i * 160, (i + 1) * 160)), (ts0 + i * 160) >>> 0, i === 0);
    }
    const left = start + frames * 20 - performance.now();
    if (left > 1) await sleep(left);
  }

  /**
   * Presses keys as RFC 4733 events: for each key a packet every 20 ms
   * (marker on the first, one timestamp, growing duration), then the end
   * packet three times, then `gapMs` of nothing.
   */
  async press(digits: string, opts: { eventPt?: number; durationMs?: number; gapMs?: number } = {}): Promise<void> {
    const pt = opts.eventPt ?? 101;
    const durationMs = opts.durationMs ?? 120;
    for (const digit of digits) {
      // A new event needs a new timestamp, even when keys follow each other fast.
      let ts = this.timestampNow();
      if (((ts - this.lastEventEnd) | 0) <= 0) ts = (this.lastEventEnd + 160) >>> 0;
      const start = performance.now();
      const packets = Math.max(1, Math.round(durationMs / 20));
      for (let i = 1; i <= packets; i++) {
        this.send(pt, telephoneEvent(digit, false, i * 160), ts, i === 1);
        const wait = start + i * 20 - performance.now();
        if (wait > 1) await sleep(wait);
      }
      for (let i = 0; i < 3; i++) this.send(pt, telephoneEvent(digit, true, packets * 160), ts);
      this.lastEventEnd = (ts + packets * 160) >>> 0;
      await sleep(opts.gapMs ?? 100);
    }
  }

  /** G.711 packets received since `since` (performance.now()). */
  audio(since = 0): Arrival[] {
    return this.received.filter((r) => r.at >= since && (r.packet.payloadType === 0 || r.packet.payloadType === 8));
  }

  /** All packets received since `since`. */
  packets(since = 0): RtpPacket[] {
    return this.received.filter((r) => r.at >= since).map((r) => r.packet);
  }

  /**
   * What the peer heard since `since`, decoded to 8 kHz PCM. Within one
   * talkspurt (same SSRC, no marker bit, timestamps moving on by less than a
   * second) packets are placed by RTP timestamp, so a lost or reordered
   * packet does not shift the rest; where a server starts a new stream or
   * jumps its timestamps (a bridge, a new prompt) the arrival time places it.
   * A new talkspurt (marker bit) in the same stream that comes on the heels
   * of the last packet (within two packets' time) plays right after it, as
   * a phone re-syncs its playout there: FreeSWITCH 1.10 marks one now and
   * then mid-prompt, its timestamp a frame ahead of the audio.
   */
  heard(since = 0): Int16Array {
    const audio = this.audio(since);
    if (!audio.length) return new Int16Array(0);
    const placed: { at: number; pcm: Int16Array }[] = [];
    let prev: { ssrc: number; timestamp: number; pos: number; at: number; samples: number } | undefined;
    for (const { at, packet } of audio) {
      const pcm = decodeG711(packet.payloadType === 0 ? 'PCMU' : 'PCMA', packet.payload);
      let pos: number;
      const step = prev ? (packet.timestamp - prev.timestamp) | 0 : 0;
      if (!prev) pos = 0;
      else if (packet.ssrc === prev.ssrc && !packet.marker && step > -8000 && step <= 8000) pos = prev.pos + step;
      else if (packet.ssrc === prev.ssrc && packet.marker && (at - prev.at) * 8 < 2 * prev.samples) pos = prev.pos + prev.samples;
      else pos = Math.max(0, prev.pos + Math.round((at - prev.at) * 8));
      placed.push({ at: pos, pcm });
      if (!prev || pos >= prev.pos) prev = { ssrc: packet.ssrc, timestamp: packet.timestamp, pos, at, samples: pcm.length };
    }
    const length = Math.max(...placed.map((p) => p.at + p.pcm.length));
    const out = new Int16Array(length);
    for (const p of placed) if (p.at >= 0) out.set(p.pcm.subarray(0, Math.max(0, length - p.at)), p.at);
    return out;
  }
}

/** A phone's RTP on a UDP socket of its own. */
export class RtpPeer extends RtpStream {
  /** Where we send: set from the far end's SDP by useAnswer(). */
  target: { address: string; port: number } | undefined;

  private constructor(readonly socket: dgram.Socket, readonly address: string) {
    super();
  }

  /** A peer bound to `port` on `address` (default: a free port on 127.0.0.1). */
  static async open(address = '127.0.0.1', port = 0): Promise<RtpPeer> {
    const socket = dgram.createSocket('udp4');
    const peer = new RtpPeer(socket, address);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('message', (msg) => {
      const packet = parseRtp(msg);
      if (packet) peer.received.push({ at: performance.now(), packet });
    });
    return peer;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** An SDP offer as a phone sends one. */
  offer(opts: OfferOptions = {}): string {
    const codecs = opts.codecs ?? ['PCMU', 'PCMA'];
    const te = opts.eventPt === undefined ? 101 : opts.eventPt;
    const pts = [...codecs.map((c) => PT[c]), ...(te === null ? [] : [te])];
    const session = Math.floor(Math.random() * 1e9);
    return [
      'v=0', `o=peer ${session} ${session} IN IP4 ${this.address}`, 's=-', `c=IN IP4 ${this.address}`, 't=0 0',
      `m=audio ${this.port} RTP/AVP ${pts.join(' ')}`,
      ...codecs.map((c) => `a=rtpmap:${PT[c]} ${c}/8000`),
      ...(te === null ? [] : [`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-16`]),
      'a=ptime:20',
      `a=${opts.direction ?? 'sendrecv'}`, '',
    ].join('\r\n');
  }

  /** Reads the far end's answer (or offer): where to send, and what it chose. */
  useAnswer(sdp: string): AnswerInfo {
    const info = describeAnswer(sdp);
    this.target = { address: info.address, port: info.port };
    return info;
  }

  protected transmit(wire: Buffer): void {
    if (!this.target) throw new Error('RtpPeer: no target (call useAnswer first)');
    this.socket.send(wire, this.target.port, this.target.address);
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

// ---- signals and comparisons --------------------------------------------------------------

/** Samples in -1..1 as plain numbers (Int16 PCM is scaled). */
function asFloat(x: ArrayLike<number>): Float64Array {
  return x instanceof Int16Array ? Float64Array.from(x, (v) => v / 32768) : Float64Array.from(x);
}

/** Index of the first sample above 10 % of the signal's peak (where the sound starts). */
export function onset(x: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]!));
  if (peak === 0) return -1;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]!) > 0.1 * peak) return i;
  return -1;
}

export interface Match {
  /** Best normalised cross-correlation, -1..1. */
  value: number;
  /** Where the reference starts in the heard signal, in samples. */
  lag: number;
  /** Share of the reference that the heard signal covers at that lag, 0..1. */
  coverage: number;
}

/**
 * How well `heard` contains `reference` (both 8 kHz): normalised
 * cross-correlation over the overlap, at the best lag within ±`searchSamples`
 * of where the two sounds start (silence before the sound, as a server may
 * send before a prompt starts, does not matter).
 */
export function matchAudio(reference: ArrayLike<number>, heard: ArrayLike<number>, searchSamples = 400): Match {
  const a = asFloat(reference);
  const b = asFloat(heard);
  const oa = onset(a);
  const ob = onset(b);
  if (oa < 0 || ob < 0) return { value: 0, lag: 0, coverage: 0 };
  const centre = ob - oa;
  let best: Match = { value: -1, lag: centre, coverage: 0 };
  for (let lag = centre - searchSamples; lag <= centre + searchSamples; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    const from = Math.max(0, -lag);
    const to = Math.min(a.length, b.length - lag);
    for (let i = from; i < to; i++) {
      const x = a[i]!;
      const y = b[i + lag]!;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    if (aa > 0 && bb > 0) {
      const value = ab / Math.sqrt(aa * bb);
      if (value > best.value) best = { value, lag, coverage: Math.max(0, to - from) / a.length };
    }
  }
  return best;
}

/** Root-mean-square level of 8 kHz PCM (Int16 scaled to -1..1) between two sample indexes. */
export function level(x: ArrayLike<number>, from = 0, to = x.length): number {
  const f = asFloat(x);
  let sum = 0;
  const n = Math.max(0, Math.min(to, f.length) - from);
  for (let i = from; i < from + n; i++) sum += f[i]! * f[i]!;
  return n ? Math.sqrt(sum / n) : 0;
}

/** Samples to 8 kHz (a WAV a server recorded at 16 kHz, say): linear interpolation. */
export function to8k(samples: ArrayLike<number>, rate: number): Float64Array {
  if (rate === 8000) return Float64Array.from(samples);
  const n = Math.floor((samples.length * 8000) / rate);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pos = (i * rate) / 8000;
    const k = Math.floor(pos);
    const frac = pos - k;
    out[i] = (samples[k] ?? 0) * (1 - frac) + (samples[k + 1] ?? samples[k] ?? 0) * frac;
  }
  return out;
}

/** Gaps between consecutive arrivals, ms. */
export function spacing(arrivals: Arrival[]): number[] {
  return arrivals.slice(1).map((r, i) => r.at - arrivals[i]!.at);
}

export function percentile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
