/**
 * Recording what the far end sends, tolerant of the network.
 *
 * Packets are not appended in arrival order: each is placed at the position
 * its RTP timestamp gives, relative to the first packet of the recording
 * (RFC 3550 §5.1: the timestamp is the sampling instant). So packets that
 * arrive late or out of order land where they belong, a lost packet leaves
 * silence of exactly its length, a duplicate overwrites itself, and a sender
 * using 30 ms packets records as well as one using 20 ms. The first packet
 * is placed at the wall-clock time it arrived, so time before the caller
 * started sending is silence too. A timestamp that jumps far from the wall
 * clock (a new SSRC after a re-INVITE, a far end that restarted) re-anchors
 * at the wall clock instead of leaving minutes of silence.
 *
 * Silence detection follows FreeSWITCH's record: a 20 ms frame whose mean
 * absolute amplitude is under 200 (of 32767) is silence.
 */
import { timestampDiff } from './rtp.js';
import { SAMPLE_RATE } from './clock.js';

export const SILENCE_THRESHOLD = 200;
/** A timestamp this far (samples) from where the wall clock expects it re-anchors. */
const RESYNC_SAMPLES = 2 * SAMPLE_RATE;

/** Mean absolute amplitude of 16-bit samples. */
export function energy(pcm: Int16Array): number {
  if (!pcm.length) return 0;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += Math.abs(pcm[i]!);
  return sum / pcm.length;
}

export class Recording {
  private buffer: Int16Array;
  private highest = 0;
  private anchor: { ssrc: number; timestamp: number; position: number } | undefined;
  /** Wall time (ms) when audio above the silence threshold was last heard. */
  lastVoiceMs: number;

  constructor(readonly startedMs: number, private readonly maxSamples: number) {
    this.buffer = new Int16Array(Math.min(maxSamples, SAMPLE_RATE * 10));
    this.lastVoiceMs = startedMs;
  }

  private wallPosition(nowMs: number): number {
    return Math.max(0, Math.round(((nowMs - this.startedMs) * SAMPLE_RATE) / 1000));
  }

  /** One decoded packet: its SSRC, RTP timestamp and samples. */
  push(ssrc: number, timestamp: number, pcm: Int16Array, nowMs: number): void {
    const wall = this.wallPosition(nowMs);
    let position: number | undefined;
    if (this.anchor && this.anchor.ssrc === ssrc) {
      const p = this.anchor.position + timestampDiff(timestamp, this.anchor.timestamp);
      if (Math.abs(p + pcm.length - wall) <= RESYNC_SAMPLES) position = p;
    }
    if (position === undefined) {
      // First packet, a new source, or a jump: this packet ends now.
      position = Math.max(0, wall - pcm.length);
      this.anchor = { ssrc, timestamp, position };
    }
    this.write(position, pcm);
    if (energy(pcm) >= SILENCE_THRESHOLD) this.lastVoiceMs = nowMs;
  }

  private write(position: number, pcm: Int16Array): void {
    let from = 0;
    if (position < 0) { from = -position; position = 0; }
    const end = Math.min(position + pcm.length - from, this.maxSamples);
    if (end <= position) return;
    if (end > this.buffer.length) {
      let size = this.buffer.length * 2;
      while (size < end) size *= 2;
      const grown = new Int16Array(Math.min(size, this.maxSamples));
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer.set(pcm.subarray(from, from + (end - position)), position);
    if (end > this.highest) this.highest = end;
  }

  /** The recording up to now: as long as the time recorded, gaps silent. */
  finish(nowMs: number): Int16Array {
    const length = Math.min(this.maxSamples, Math.max(this.highest, this.wallPosition(nowMs)));
    const out = new Int16Array(length);
    out.set(this.buffer.subarray(0, Math.min(length, this.buffer.length)));
    return out;
  }
}
