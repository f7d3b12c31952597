import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromptEntry, PromptManifest } from '../../media/speech.js';
import { dominantFrequency, readWav, rms, toneRatio } from '../support/audio.js';

const root = path.resolve('media/prompts');
const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as PromptManifest;
const all: PromptEntry[] = [...manifest.prompts, ...manifest.music];
const speech = manifest.prompts.filter((p) => p.name !== 'beep');

/** The fmt chunk as written: what readWav averages away. */
function wavFormat(file: string): { format: number; channels: number; sampleRate: number; bits: number } {
  const buf = readFileSync(file);
  let off = 12;
  while (off + 8 <= buf.length) {
    const size = buf.readUInt32LE(off + 4);
    if (buf.toString('ascii', off, off + 4) === 'fmt ') {
      return { format: buf.readUInt16LE(off + 8), channels: buf.readUInt16LE(off + 10), sampleRate: buf.readUInt32LE(off + 12), bits: buf.readUInt16LE(off + 22) };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error(`${file}: no fmt chunk`);
}

/** Milliseconds of 10 ms frames below -50 dBFS at the start and at the end. */
function edgeSilenceMs(samples: Float32Array, sampleRate: number): { lead: number; trail: number } {
  const frame = sampleRate / 100;
  const active: boolean[] = [];
  for (let i = 0; i + frame <= samples.length; i += frame) active.push(rms(samples, i, i + frame) > 0.00316);
  return { lead: active.indexOf(true) * 10, trail: (active.length - 1 - active.lastIndexOf(true)) * 10 };
}

describe('the prompt set has what the product says', () => {
  const required = [
    'welcome', 'closed', 'queue_position_prefix', 'queue_position_suffix', 'estimated_wait_prefix',
    'minutes', 'minute', 'seconds', 'press_1_callback', 'callback_confirm_number', 'callback_confirmed',
    'callback_enter_number', 'please_hold', 'all_agents_busy', 'invalid_choice', 'goodbye', 'beep',
    'record_after_beep', 'recording_saved', 'press_1_save_2_rerecord', 'enter_pin', 'wrong_pin', 'thank_you',
    ...Array.from({ length: 101 }, (_, n) => `number_${n}`),
  ];

  it.each(['sv', 'en'])('in %s: the system prompts and the numbers 0-100', (lang) => {
    const have = new Set(manifest.prompts.filter((p) => p.lang === lang).map((p) => p.name));
    expect(required.filter((name) => !have.has(name))).toEqual([]);
  });

  it('Swedish and English have the same prompts but for the pieces only one language needs', () => {
    const of = (lang: string) => manifest.prompts.filter((p) => p.lang === lang).map((p) => p.name);
    expect(of('sv').filter((n) => !of('en').includes(n)).sort()).toEqual(['number_1_common', 'number_millions']);
    expect(of('en').filter((n) => !of('sv').includes(n))).toEqual(['number_and']);
  });

  it('each prompt is listed once, with its text, in <lang>/<name>.wav', () => {
    const keys = manifest.prompts.map((p) => `${p.lang}/${p.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const p of manifest.prompts) {
      expect(p.file).toBe(`${p.lang}/${p.name}.wav`);
      expect(p.text.length).toBeGreaterThan(0);
    }
  });

  it('holds no WAV file the manifest does not list', () => {
    const listed = new Set(all.map((p) => p.file));
    for (const dir of ['sv', 'en', 'moh']) {
      const files = readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.wav')).map((f) => `${dir}/${f}`);
      expect(files.filter((f) => !listed.has(f))).toEqual([]);
    }
  });
});

describe('every prompt plays on a G.711 line as it is', () => {
  it.each(all.map((p) => [`${p.file}`, p] as const))('%s is 8 kHz mono 16-bit PCM, duration as listed', (_file, p) => {
    const file = path.join(root, p.file);
    expect(existsSync(file)).toBe(true);
    expect(wavFormat(file)).toEqual({ format: 1, channels: 1, sampleRate: 8000, bits: 16 });
    const wav = readWav(file);
    expect(wav.durationSec).toBeCloseTo(p.durationSec, 2);
  });
});

describe('speech is audible, trimmed and not too long', () => {
  it.each(speech.map((p) => [`${p.file}`, p] as const))('%s', (_file, p) => {
    const { samples, sampleRate, durationSec } = readWav(path.join(root, p.file));
    // Normalised to -3 dBFS peak: the peak is there, and speech RMS is far above silence (-40 dBFS).
    const peak = samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.6);
    expect(peak).toBeLessThan(0.75);
    expect(rms(samples)).toBeGreaterThan(0.03);
    // Pieces are joined into phrases: a number is short, a sentence is a sentence.
    expect(durationSec).toBeGreaterThan(0.2);
    expect(durationSec).toBeLessThan(p.name.startsWith('number_') ? 1.5 : 10);
    // Trimmed: at most a quiet consonant's worth (an English "th") below -50 dBFS at either end,
    // but for the tail of silence a confirmation is given on purpose.
    const edges = edgeSilenceMs(samples, sampleRate);
    const tailMs = (p.tailSec ?? 0) * 1000;
    expect(edges.lead).toBeLessThanOrEqual(100);
    expect(edges.trail).toBeLessThanOrEqual(100 + tailMs);
    expect(edges.trail).toBeGreaterThanOrEqual(tailMs - 10);
  });
});

describe('the beep is a 1 kHz tone of 400 ms', () => {
  it.each(['sv', 'en'])('%s/beep.wav', (lang) => {
    const { samples, sampleRate, durationSec } = readWav(path.join(root, lang, 'beep.wav'));
    expect(durationSec).toBeCloseTo(0.4, 2);
    expect(dominantFrequency(samples, sampleRate, { min: 300, max: 3400, step: 10 })).toBeGreaterThanOrEqual(990);
    expect(dominantFrequency(samples, sampleRate, { min: 300, max: 3400, step: 10 })).toBeLessThanOrEqual(1010);
    expect(toneRatio(samples, sampleRate, 1000)).toBeGreaterThan(0.9);
    // Zero crossings agree: about 2 per cycle, 1000 cycles a second.
    let crossings = 0;
    for (let i = 1; i < samples.length; i++) if ((samples[i - 1]! < 0) !== (samples[i]! < 0)) crossings++;
    expect(crossings / 2 / durationSec).toBeGreaterThan(980);
    expect(crossings / 2 / durationSec).toBeLessThan(1020);
    expect(rms(samples)).toBeGreaterThan(0.1);
  });
});

describe('music on hold loops without a click', () => {
  const entry = manifest.music.find((m) => m.name === 'default')!;
  const { samples, sampleRate, durationSec } = readWav(path.join(root, entry.file));
  const n = samples.length;

  it('is 30 to 60 s of music, quieter than speech but well above silence', () => {
    expect(durationSec).toBeGreaterThanOrEqual(30);
    expect(durationSec).toBeLessThanOrEqual(60);
    expect(rms(samples)).toBeGreaterThan(0.03);
    // Never silent for long: every second has sound in it.
    for (let s = 0; s + sampleRate <= n; s += sampleRate) expect(rms(samples, s, s + sampleRate), `second ${s / sampleRate}`).toBeGreaterThan(0.01);
  });

  it('the jump from the last sample to the first is no bigger than the music\'s own steps', () => {
    const jump = Math.abs(samples[0]! - samples[n - 1]!);
    expect(jump).toBeLessThan(0.01);
    // The music itself moves more than that between neighbouring samples.
    const steps: number[] = [];
    for (let i = 1; i < n; i++) steps.push(Math.abs(samples[i]! - samples[i - 1]!));
    steps.sort((a, b) => a - b);
    expect(jump).toBeLessThanOrEqual(steps[Math.floor(steps.length * 0.5)]! + 0.001);
  });

  it('the loop keeps its level across the seam: no gap, no swell', () => {
    const quarter = sampleRate / 4;
    const before = rms(samples, n - quarter, n);
    const after = rms(samples, 0, quarter);
    expect(before).toBeGreaterThan(0.02);
    expect(after).toBeGreaterThan(0.02);
    expect(after / before).toBeGreaterThan(0.5);
    expect(after / before).toBeLessThan(2);
  });
});
