/**
 * A recorded announcement keeps no seconds of silence at either end: the
 * operator's pause after the beep and before pressing # is cut, a soft
 * edge of the voice is not.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveTrimmedWav, trimSilence, TRIM_DEFAULTS } from '../../media/trim.js';
import { encodeWav, readWav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';

const RATE = 8000;

/** `seconds` of a 440 Hz tone at `amplitude` (0..1 of full scale). */
function tone(seconds: number, amplitude = 0.5): number[] {
  return Array.from({ length: Math.round(seconds * RATE) }, (_, i) => amplitude * Math.sin((2 * Math.PI * 440 * i) / RATE));
}

/** `seconds` of line noise at about -60 dBFS: what a quiet phone sends between words. */
function hiss(seconds: number): number[] {
  let seed = 7;
  return Array.from({ length: Math.round(seconds * RATE) }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31 - 0.5) * 0.002;
  });
}

const pcm = (signal: number[]): Int16Array => Int16Array.from(signal, (v) => Math.round(v * 32767));

describe('trimming silence from a recording', () => {
  it('two seconds of hiss on each side of a one-second voice: the voice and 150 ms either side remain', () => {
    const trimmed = trimSilence(pcm([...hiss(2), ...tone(1), ...hiss(2)]), { sampleRate: RATE });
    const seconds = trimmed.length / RATE;
    expect(seconds).toBeGreaterThanOrEqual(1 + (2 * TRIM_DEFAULTS.keepMs) / 1000 - 0.011);
    expect(seconds).toBeLessThanOrEqual(1 + (2 * TRIM_DEFAULTS.keepMs) / 1000 + 0.011);
  });

  it('a pause in the middle stays: only the ends are trimmed', () => {
    const trimmed = trimSilence(pcm([...hiss(1), ...tone(0.5), ...hiss(1), ...tone(0.5), ...hiss(1)]), { sampleRate: RATE });
    expect(trimmed.length / RATE).toBeCloseTo(2 + 0.3, 1);
  });

  it('a quiet voice (-30 dBFS) counts as sound, not silence', () => {
    const trimmed = trimSilence(pcm([...hiss(1), ...tone(0.8, 0.045), ...hiss(1)]), { sampleRate: RATE });
    expect(trimmed.length / RATE).toBeCloseTo(0.8 + 0.3, 1);
  });

  it('a recording with nothing in it is left whole', () => {
    const silent = pcm(hiss(3));
    expect(trimSilence(silent, { sampleRate: RATE })).toHaveLength(silent.length);
  });

  it('a voice right at the start or the end loses nothing', () => {
    const voice = pcm(tone(1));
    expect(trimSilence(voice, { sampleRate: RATE })).toHaveLength(voice.length);
  });
});

describe('saving a recorded draft', () => {
  it('writes the trimmed recording over the slot and removes the draft', async () => {
    const dir = tempDir('trim');
    const draft = path.join(dir, 'draft.wav');
    const slot = path.join(dir, 'kundtjanst-halsning.wav');
    writeFileSync(draft, encodeWav([...hiss(2), ...tone(1.5), ...hiss(2.5)]));
    writeFileSync(slot, encodeWav(tone(0.2)));
    await saveTrimmedWav(draft, slot);
    expect(existsSync(draft)).toBe(false);
    const saved = readWav(slot);
    expect(saved.sampleRate).toBe(RATE);
    expect(saved.durationSec).toBeCloseTo(1.5 + 0.3, 1);
  });
});
