/**
 * Small WAV helpers for tests: write test tones/silence, make a test signal,
 * read what a phone recorded, and measure it (level, energy at a frequency,
 * dominant frequency, likeness to what was sent).
 * Plain PCM WAV only: 16-bit integer or 32-bit float, any rate, mono or
 * multi-channel (channels are averaged).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Wav {
  sampleRate: number;
  channels: number;
  /** Mono samples in -1..1. */
  samples: Float32Array;
  durationSec: number;
}

/** 16-bit PCM WAV bytes from mono samples in -1..1. */
export function encodeWav(samples: ArrayLike<number>, sampleRate = 8000): Buffer {
  const n = samples.length;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] ?? 0));
    buf.writeInt16LE(Math.round(v * 32767), 44 + i * 2);
  }
  return buf;
}

export interface ToneOptions {
  /** Frequency in Hz; a list plays the tones one after the other, each `seconds` long. */
  hz: number | number[];
  seconds: number;
  sampleRate?: number;
  /** Peak amplitude 0..1, default 0.5. */
  amplitude?: number;
}

export function toneSamples(opts: ToneOptions): Float32Array {
  const rate = opts.sampleRate ?? 8000;
  const amp = opts.amplitude ?? 0.5;
  const tones = Array.isArray(opts.hz) ? opts.hz : [opts.hz];
  const per = Math.round(opts.seconds * rate);
  const out = new Float32Array(per * tones.length);
  tones.forEach((hz, t) => {
    for (let i = 0; i < per; i++) out[t * per + i] = amp * Math.sin((2 * Math.PI * hz * i) / rate);
  });
  return out;
}

/** Write a sine tone WAV (16-bit mono, 8 kHz by default: what baresip's aufile wants for G.711). */
export function writeToneWav(file: string, opts: ToneOptions): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodeWav(toneSamples(opts), opts.sampleRate ?? 8000));
  return file;
}

export function writeSilenceWav(file: string, seconds: number, sampleRate = 8000): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodeWav(new Float32Array(Math.round(seconds * sampleRate)), sampleRate));
  return file;
}

/**
 * A WAV in a per-user cache dir, created once (atomically) and shared by all
 * tests: e.g. cachedWav('silence-600s', () => new Float32Array(8000 * 600)).
 */
export function cachedWav(name: string, make: () => Float32Array, sampleRate = 8000): string {
  const dir = path.join(os.tmpdir(), 'vaxel-test-audio');
  const file = path.join(dir, `${name}-${sampleRate}.wav`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, encodeWav(make(), sampleRate));
  renameSync(tmp, file);
  return file;
}

/** What an RTP peer heard (8 kHz 16-bit samples) as a Wav. */
export const pcmWav = (pcm: Int16Array): Wav =>
  ({ sampleRate: 8000, channels: 1, samples: Float32Array.from(pcm, (v) => v / 32768), durationSec: pcm.length / 8000 });

/**
 * Parse a WAV file. Tolerates headers whose sizes were never patched (a file
 * still being written): the data chunk then runs to the end of the file.
 */
export function readWav(file: string): Wav {
  const buf = readFileSync(file);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${file}: not a RIFF/WAVE file`);
  }
  let off = 12;
  let format = 0;
  let channels = 1;
  let sampleRate = 0;
  let bits = 0;
  let data: Buffer | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'data') {
      if (size === 0 || body + size > buf.length) size = buf.length - body;
      data = buf.subarray(body, body + size);
      break;
    }
    if (id === 'fmt ') {
      format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE
    }
    off = body + size + (size % 2);
  }
  if (!data || !sampleRate) throw new Error(`${file}: no fmt/data chunk`);
  const frameBytes = (bits / 8) * channels;
  const frames = Math.floor(data.length / frameBytes);
  const samples = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    for (let c = 0; c < channels; c++) {
      const at = f * frameBytes + c * (bits / 8);
      if (format === 1 && bits === 16) acc += data.readInt16LE(at) / 32768;
      else if (format === 3 && bits === 32) acc += data.readFloatLE(at);
      else if (format === 1 && bits === 32) acc += data.readInt32LE(at) / 2147483648;
      else if (format === 1 && bits === 8) acc += (data.readUInt8(at) - 128) / 128;
      else throw new Error(`${file}: unsupported WAV format ${format}/${bits} bit`);
    }
    samples[f] = acc / channels;
  }
  return { sampleRate, channels, samples, durationSec: frames / sampleRate };
}

/** A test signal with no repeating period (a chirp under a slow swell), -1..1 at `rate` Hz. */
export function chirp(seconds: number, opts: { rate?: number; f0?: number; f1?: number; amplitude?: number } = {}): Float64Array {
  const rate = opts.rate ?? 8000;
  const f0 = opts.f0 ?? 300;
  const f1 = opts.f1 ?? 3000;
  const amp = opts.amplitude ?? 0.5;
  const n = Math.round(seconds * rate);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const phase = 2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * seconds));
    out[i] = amp * (0.6 + 0.4 * Math.sin(2 * Math.PI * 1.3 * t)) * Math.sin(phase);
  }
  return out;
}

/** Samples in -1..1 as 16-bit PCM. */
export const toPcm16 = (signal: ArrayLike<number>): Int16Array => Int16Array.from(signal as ArrayLike<number>, (v) => Math.round(v * 32767));

/**
 * Best normalised cross-correlation of `b` against the reference `a`, with
 * `b` shifted by `minLag` to `maxLag` samples (positive: `b` is later), and
 * the lag it was found at.
 */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>, maxLag = 40, minLag = -maxLag): { value: number; lag: number } {
  let best = { value: -1, lag: 0 };
  for (let lag = minLag; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) {
      const x = a[i]!;
      const y = b[i + lag]!;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    if (aa > 0 && bb > 0 && ab / Math.sqrt(aa * bb) > best.value) best = { value: ab / Math.sqrt(aa * bb), lag };
  }
  return best;
}

/** Root-mean-square level, 0..1 (a full-scale sine is ~0.707). */
export function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  const n = Math.max(0, to - from);
  for (let i = from; i < to; i++) { const v = samples[i] ?? 0; sum += v * v; }
  return n ? Math.sqrt(sum / n) : 0;
}

/** Goertzel power of one frequency, normalised so a pure sine of that frequency gives ~rms^2. */
export function goertzelPower(samples: ArrayLike<number>, sampleRate: number, hz: number, from = 0, to = samples.length): number {
  const n = Math.max(0, to - from);
  if (!n) return 0;
  const w = (2 * Math.PI * hz) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = (samples[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * power) / (n * n);
}

/**
 * Share of the signal's energy at `hz` (within about +-1 bin), 0..1; a clean
 * tone through G.711 gives > 0.8, speech or noise well under 0.2.
 */
export function toneRatio(samples: ArrayLike<number>, sampleRate: number, hz: number, from = 0, to = samples.length): number {
  const total = rms(samples, from, to) ** 2;
  if (total <= 1e-12) return 0;
  return Math.min(1, goertzelPower(samples, sampleRate, hz, from, to) / total);
}

/** Frequency (Hz, in `step` Hz steps between min and max) with the most energy. */
export function dominantFrequency(
  samples: ArrayLike<number>,
  sampleRate: number,
  opts: { min?: number; max?: number; step?: number; from?: number; to?: number } = {},
): number {
  const min = opts.min ?? 100;
  const max = opts.max ?? Math.min(3800, sampleRate / 2 - 1);
  const step = opts.step ?? 10;
  const from = opts.from ?? 0;
  const to = opts.to ?? samples.length;
  let best = min;
  let bestPower = -1;
  for (let hz = min; hz <= max; hz += step) {
    const p = goertzelPower(samples, sampleRate, hz, from, to);
    if (p > bestPower) { bestPower = p; best = hz; }
  }
  return best;
}

export interface AudioReport {
  durationSec: number;
  rms: number;
  /** Seconds of audio whose 20 ms frames are above -40 dBFS. */
  activeSec: number;
  dominantHz: number;
}

/** Summary of a recording; frames below -40 dBFS count as silence. */
export function analyzeWav(file: string): AudioReport & { wav: Wav } {
  const wav = readWav(file);
  const frame = Math.max(1, Math.round(wav.sampleRate * 0.02));
  let active = 0;
  for (let i = 0; i + frame <= wav.samples.length; i += frame) {
    if (rms(wav.samples, i, i + frame) > 0.01) active += frame;
  }
  return {
    wav,
    durationSec: wav.durationSec,
    rms: rms(wav.samples),
    activeSec: active / wav.sampleRate,
    dominantHz: dominantFrequency(wav.samples, wav.sampleRate),
  };
}

/**
 * Where `sound` was heard whole in `heard` (same sample rate), from `fromSec`
 * on: the start and end in seconds, or undefined when it was not, or was cut
 * short. Its first loud 100 ms is looked for first; then every loud 100 ms of
 * it must follow in order, each within 10 ms of where it belongs (a jitter
 * buffer may shift it a little).
 */
export function heardWhole(heard: Wav, sound: Wav, fromSec = 0): { start: number; end: number } | undefined {
  const rate = sound.sampleRate;
  const chunk = Math.round(rate / 10);
  const slack = Math.round(rate / 100);
  const chunks = Math.floor(sound.samples.length / chunk);
  const loud: number[] = [];
  for (let k = 0; k < chunks; k++) if (rms(sound.samples, k * chunk, (k + 1) * chunk) > 0.02) loud.push(k);
  if (loud.length === 0) throw new Error('the sound to look for is silent');
  const first = sound.samples.subarray(loud[0]! * chunk, (loud[0]! + 1) * chunk);
  const h = heard.samples;
  for (let at = Math.round(fromSec * rate); at + chunk <= h.length; at++) {
    if (correlation(first, h.subarray(at), 0, 0).value < 0.9) continue;
    let start = at - loud[0]! * chunk;
    const whole = loud.every((k) => {
      const expected = start + k * chunk;
      if (expected + chunk + slack > h.length) return false;
      const from = Math.max(0, expected - slack);
      const found = correlation(sound.samples.subarray(k * chunk, (k + 1) * chunk), h.subarray(from), expected - from + slack, expected - from - slack);
      start += found.lag - (expected - from);
      return found.value > 0.8;
    });
    if (whole) return { start: start / rate, end: (start + sound.samples.length) / rate };
  }
  return undefined;
}

/**
 * Whether every 20 ms of `sound` (an RTP packet's worth) is in `heard`, in
 * order, each within `maxGapSec` of the one before: the whole recording,
 * played through the jitter of a loaded machine (a long play may come with
 * gaps between packets, which `heardWhole` does not forgive).
 */
export function heardInOrder(heard: Wav, sound: Wav, maxGapSec = 0.5): boolean {
  const chunk = Math.round(sound.sampleRate / 50);
  const h = heard.samples;
  let next: number | undefined;
  for (let k = 0; (k + 1) * chunk <= sound.samples.length; k++) {
    const piece = sound.samples.subarray(k * chunk, (k + 1) * chunk);
    if (rms(piece) <= 0.02) continue;
    const from = next ?? 0;
    const room = h.length - from - chunk;
    if (room < 0) return false;
    const near = correlation(piece, h.subarray(from), Math.min(room, chunk), 0);
    // Most pieces follow right on; only past a gap is the wider (slower) search needed.
    const found = near.value >= 0.9 ? near
      : correlation(piece, h.subarray(from), next === undefined ? room : Math.min(room, Math.round(maxGapSec * sound.sampleRate)), 0);
    if (found.value < 0.9) return false;
    next = from + found.lag + chunk;
  }
  if (next === undefined) throw new Error('the sound to look for is silent');
  return true;
}

/**
 * Share (0..1) of `sound`'s loud 100 ms pieces found in `heard` (same
 * sample rate), in order, each correlating at 0.85 or better within
 * `driftSec` of where the piece before it puts it (past a piece not
 * found, the drift of each piece in between). For audio through a
 * browser: its jitter buffer stretches and squeezes time as it adapts, so
 * the sound is all there but not on one fixed lag (`heardWhole` wants that).
 * A sound heard over and over (a looping source) counts by its best
 * hearing: each place its first loud piece is heard is followed from.
 */
export function heardStretched(heard: Wav, sound: Wav, driftSec = 0.02): number {
  const chunk = Math.round(sound.sampleRate / 10);
  const drift = Math.round(driftSec * sound.sampleRate);
  const h = heard.samples;
  const loud: Float32Array[] = [];
  for (let k = 0; (k + 1) * chunk <= sound.samples.length; k++) {
    const piece = sound.samples.subarray(k * chunk, (k + 1) * chunk);
    if (rms(piece) > 0.02) loud.push(piece);
  }
  if (loud.length === 0) throw new Error('the sound to look for is silent');
  const last = h.length - chunk;
  /** Where `piece` is heard: the best lag of each run of lags correlating at 0.85 or better. */
  const places = (piece: Float32Array): number[] => {
    const out: number[] = [];
    let run: { value: number; lag: number } | undefined;
    for (let lag = 0; lag <= last; lag++) {
      const { value } = correlation(piece, h, lag, lag);
      if (value >= 0.85) {
        if (!run || value > run.value) run = { value, lag };
      } else if (run && lag > run.lag + drift) {
        out.push(run.lag);
        run = undefined;
      }
    }
    if (run) out.push(run.lag);
    return out;
  };
  /** The pieces after `first` found following it from `start`, each within the drift of the last one found. */
  const following = (first: number, start: number): number => {
    let at = start;
    let found = 0;
    // Pieces since the last one found: time may have moved by `drift` for each.
    let since = 0;
    for (const piece of loud.slice(first + 1)) {
      since += 1;
      const lo = Math.max(0, at + since * (chunk - drift));
      const hi = Math.min(last, at + since * (chunk + drift));
      if (hi < lo) break;
      const match = correlation(piece, h, hi, lo);
      if (match.value >= 0.85) {
        found += 1;
        at = match.lag;
        since = 0;
      }
    }
    return found;
  };
  let best = 0;
  // From the first loud piece heard (a jitter buffer may lose the sound's start as it settles), at each place
  // it is heard (a sound heard over and over counts by its best hearing).
  for (let first = 0; first < loud.length && best === 0; first++) {
    for (const start of places(loud[first]!)) best = Math.max(best, (1 + following(first, start)) / loud.length);
  }
  return best;
}
