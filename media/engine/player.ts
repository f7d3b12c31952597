/**
 * Plays a list of sounds, one 20 ms frame per clock tick, optionally
 * looping (music on hold). Frames are views into the sound's cached G.711
 * bytes, so playing costs no encoding and no copying; only the last, short
 * frame of a sound is padded with the codec's silence.
 */
import { SILENCE_BYTE, type Codec } from './g711.js';
import { SAMPLES_PER_TICK, TICK_MS } from './clock.js';
import type { Sound } from './wav.js';

export class Player {
  private index = 0;
  private offset = 0;
  private frames = 0;

  constructor(private readonly sounds: Sound[], private readonly loop = false) {}

  /** Milliseconds played so far. */
  get playedMs(): number {
    return this.frames * TICK_MS;
  }

  get done(): boolean {
    return this.index >= this.sounds.length;
  }

  /** The next frame in `codec`, or undefined when the list has played out. */
  next(codec: Codec): Uint8Array | undefined {
    // Skip empty sounds; a loop over nothing but empty sounds ends.
    let guard = 0;
    while (this.index < this.sounds.length && this.offset >= this.sounds[this.index]!.samples.length) {
      this.index += 1;
      this.offset = 0;
      if (this.index >= this.sounds.length && this.loop && guard++ < 1) this.index = 0;
    }
    const sound = this.sounds[this.index];
    if (!sound) return undefined;
    const bytes = sound.bytes(codec);
    const start = this.offset;
    this.offset += SAMPLES_PER_TICK;
    this.frames += 1;
    if (start + SAMPLES_PER_TICK <= bytes.length) return bytes.subarray(start, start + SAMPLES_PER_TICK);
    const frame = Buffer.alloc(SAMPLES_PER_TICK, SILENCE_BYTE[codec]);
    bytes.copy(frame, 0, start);
    return frame;
  }
}
