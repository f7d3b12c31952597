/**
 * Trimming the silence at each end of a recording. An operator recording an
 * announcement by phone waits a moment after the beep and before pressing #;
 * callers should not hear those seconds of nothing. The rule:
 *
 * - The sound is cut into 10 ms frames; a frame is sound when its RMS is
 *   above `thresholdDbfs` (-45 dBFS: well above line noise, well below a
 *   quiet voice).
 * - Everything before the first sound frame and after the last one goes,
 *   but `keepMs` (150 ms) is kept on each side, so a soft first consonant or
 *   a fading last syllable is not clipped.
 * - A recording with no sound frame at all is left as it is: deciding that
 *   a recording is empty is not trimming's business.
 */
import { readFile, rename, unlink } from 'node:fs/promises';
import { convertWav, ENGINE_RATE, writeWav } from './engine/wav.js';

export interface TrimOptions {
  sampleRate?: number;
  /** Frames quieter than this (RMS, dB relative to full scale) are silence. */
  thresholdDbfs?: number;
  /** Silence kept before the first and after the last sound, in milliseconds. */
  keepMs?: number;
}

export const TRIM_DEFAULTS = { thresholdDbfs: -45, keepMs: 150 } as const;

const FRAME_MS = 10;

/** The samples without the silence at either end (a view of `samples`, not a copy). */
export function trimSilence(samples: Int16Array, opts: TrimOptions = {}): Int16Array {
  const rate = opts.sampleRate ?? ENGINE_RATE;
  const frame = Math.max(1, Math.round((rate * FRAME_MS) / 1000));
  const threshold = 32768 * 10 ** ((opts.thresholdDbfs ?? TRIM_DEFAULTS.thresholdDbfs) / 20);
  const keep = Math.round((rate * (opts.keepMs ?? TRIM_DEFAULTS.keepMs)) / 1000);
  const loud = (start: number): boolean => {
    const end = Math.min(samples.length, start + frame);
    let sum = 0;
    for (let i = start; i < end; i++) sum += samples[i]! * samples[i]!;
    return Math.sqrt(sum / (end - start)) > threshold;
  };
  let first = -1;
  for (let s = 0; s < samples.length; s += frame) {
    if (loud(s)) {
      first = s;
      break;
    }
  }
  if (first < 0) return samples;
  let last = first;
  for (let s = Math.floor((samples.length - 1) / frame) * frame; s > first; s -= frame) {
    if (loud(s)) {
      last = s;
      break;
    }
  }
  const end = Math.min(samples.length, last + frame + keep);
  return samples.subarray(Math.max(0, first - keep), end);
}

/**
 * Writes `from` trimmed (as 8 kHz mono 16-bit PCM) to `to`, through a
 * temporary file beside it and a rename, so a reader of `to` sees the old
 * file or the new one, never half of one. `from` is removed.
 */
export async function saveTrimmedWav(from: string, to: string, opts: Omit<TrimOptions, 'sampleRate'> = {}): Promise<void> {
  const samples = await convertWav(await readFile(from), from);
  const tmp = `${to}.${process.pid}.tmp`;
  await writeWav(tmp, trimSilence(samples, { ...opts, sampleRate: ENGINE_RATE }));
  await rename(tmp, to);
  await unlink(from).catch(() => {});
}
