/**
 * DTMF as RFC 4733 telephone-events, in and out.
 *
 * Event payload (§2.3):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |     event     |E|R| volume    |          duration             |
 *
 * One key press is one event: every packet of it carries the same RTP
 * timestamp (the start of the event), a growing duration, the marker bit on
 * the first packet only, and the E bit on the last, which is sent three
 * times (§2.5.1.4). A receiver therefore sees the end of each digit three
 * times and must report it once: we key events by SSRC and timestamp.
 */
import { SAMPLES_PER_TICK, SAMPLE_RATE } from './clock.js';

/** §3.2: events 0-9, then * # A B C D. */
const DIGITS = '0123456789*#ABCD';

export function eventToDigit(event: number): string | undefined {
  return DIGITS[event];
}

export function digitToEvent(digit: string): number | undefined {
  const i = DIGITS.indexOf(digit.toUpperCase());
  return i < 0 ? undefined : i;
}

export function isDtmfDigit(digit: string): boolean {
  return digit.length === 1 && digitToEvent(digit) !== undefined;
}

export interface TelephoneEvent {
  event: number;
  end: boolean;
  /** 0-63, as -dBm0. */
  volume: number;
  /** In timestamp units (8 kHz samples). */
  duration: number;
}

export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

export function encodeTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.allocUnsafe(4);
  b[0] = e.event & 0xff;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(Math.min(0xffff, e.duration), 2);
  return b;
}

export interface DetectedDigit {
  digit: string;
  durationMs: number;
}

/**
 * Turns a stream of telephone-event packets into digits, each reported once
 * when it ends, with its duration. If every end packet is lost, the digit is
 * still reported when the next event starts or, failing that, by poll() once
 * nothing more has been heard of it for `staleMs`.
 */
export class DtmfReceiver {
  private current: { key: string; event: number; duration: number; lastMs: number } | undefined;
  /** Recently ended events (SSRC:timestamp), to drop the repeated end packets. */
  private readonly ended: string[] = [];

  constructor(private readonly staleMs = 1000) {}

  /** Feed one telephone-event packet; returns a digit when one has just ended. */
  push(ssrc: number, timestamp: number, payload: Uint8Array, nowMs: number): DetectedDigit[] {
    const e = decodeTelephoneEvent(payload);
    if (!e) return [];
    const key = `${ssrc}:${timestamp}`;
    if (this.ended.includes(key)) return [];
    const out: DetectedDigit[] = [];
    if (this.current && this.current.key !== key) {
      // A new event began before we saw the old one end: its end packets were lost.
      const lost = this.finish();
      if (lost) out.push(lost);
    }
    if (!this.current) this.current = { key, event: e.event, duration: e.duration, lastMs: nowMs };
    this.current.duration = Math.max(this.current.duration, e.duration);
    this.current.lastMs = nowMs;
    if (e.end) {
      const done = this.finish();
      if (done) out.push(done);
    }
    return out;
  }

  /** Reports an event whose end never came once it has gone quiet. */
  poll(nowMs: number): DetectedDigit | undefined {
    if (this.current && nowMs - this.current.lastMs >= this.staleMs) return this.finish();
    return undefined;
  }

  private finish(): DetectedDigit | undefined {
    const c = this.current;
    this.current = undefined;
    if (!c) return undefined;
    this.ended.push(c.key);
    if (this.ended.length > 8) this.ended.shift();
    const digit = eventToDigit(c.event);
    // Events past 15 (flash, tones) are not key presses: ignored.
    if (digit === undefined) return undefined;
    return { digit, durationMs: Math.round((c.duration * 1000) / SAMPLE_RATE) };
  }
}

/** One packet the sender wants on the wire this tick. */
export interface DtmfPacket {
  payload: Buffer;
  marker: boolean;
  /** The event's RTP timestamp, in media-clock samples (the tick it started). */
  samples: number;
}

/** Default tone length and the pause after it, as phones send them. */
export const DEFAULT_DTMF_MS = 100;
const GAP_TICKS = 2;
const VOLUME = 10;

/**
 * Sends digits as RFC 4733 events, one packet per 20 ms tick: the first
 * with the marker bit (§2.5.1.2: the start of an event), duration growing by
 * one packet's worth each tick, then the end packet three times, then a
 * short gap before the next digit so the far end sees separate presses.
 */
export class DtmfSender {
  private readonly queue: { event: number; ticks: number }[] = [];
  private active: { event: number; ticks: number; sent: number; startSamples: number } | undefined;
  private gap = 0;

  get busy(): boolean {
    return this.active !== undefined || this.queue.length > 0 || this.gap > 0;
  }

  enqueue(digit: string, durationMs = DEFAULT_DTMF_MS): void {
    const event = digitToEvent(digit);
    if (event === undefined) return;
    this.queue.push({ event, ticks: Math.max(2, Math.round(durationMs / 20)) });
  }

  clear(): void {
    this.queue.length = 0;
    this.active = undefined;
    this.gap = 0;
  }

  /** The packet for this tick, if a digit is being sent; `samples` is the tick's media time. */
  next(samples: number): DtmfPacket | undefined {
    if (!this.active) {
      if (this.gap > 0) { this.gap -= 1; return undefined; }
      const q = this.queue.shift();
      if (!q) return undefined;
      this.active = { ...q, sent: 0, startSamples: samples };
    }
    const a = this.active;
    const index = a.sent++;
    const end = index >= a.ticks - 1;
    const duration = Math.min(a.ticks, index + 1) * SAMPLES_PER_TICK;
    const packet: DtmfPacket = {
      payload: encodeTelephoneEvent({ event: a.event, end, volume: VOLUME, duration }),
      marker: index === 0,
      samples: a.startSamples,
    };
    if (index >= a.ticks + 1) {
      // That was the third end packet.
      this.active = undefined;
      this.gap = GAP_TICKS;
    }
    return packet;
  }
}
