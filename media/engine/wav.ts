/**
 * WAV files in and out of the engine, through wavefile.
 *
 * Everything the engine plays is 8 kHz mono 16-bit linear PCM, the native
 * form of G.711, so a prompt is converted once when first loaded (mix down
 * stereo, widen 8-bit or narrow 24/32-bit, decode G.711 WAVs, resample 16 kHz
 * or any other rate) and then kept in a cache with its G.711 encodings:
 * 500 callers hearing the same music cost one conversion and one buffer.
 * The cache checks the file's size, mtime and inode on each load, so replacing
 * an announcement (written elsewhere, then renamed over the old one) takes
 * effect on the next play without a restart.
 *
 * Recordings are written as 8 kHz mono 16-bit PCM WAV.
 */
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import wavefile from 'wavefile';
import { encode, type Codec } from './g711.js';

export const ENGINE_RATE = 8000;

interface WavFmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
}

/** WAVE_FORMAT tags from RFC 2361 that wavefile can turn back into PCM. */
const WAVE_FORMAT = { PCM: 1, IEEE_FLOAT: 3, ALAW: 6, MULAW: 7, IMA_ADPCM: 17, EXTENSIBLE: 0xfffe } as const;

/** Output samples converted between two yields to the event loop (1 s of audio). */
const SLICE = ENGINE_RATE;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function clamp16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/**
 * Reads the bytes of a WAV file into interleaved 16-bit samples plus shape.
 * wavefile parses the RIFF structure and converts the unusual encodings
 * (G.711, IMA ADPCM, 24/32-bit, float). The common 16-bit and 8-bit PCM we
 * read straight from the data chunk: wavefile's per-sample unpacking costs
 * microseconds a sample, which for a long file would stall the media clock.
 */
function readPcm16(bytes: Uint8Array, name: string): { pcm: Int16Array; channels: number; rate: number } {
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw new Error(`${name}: not a WAV file we can read (${(err as Error).message})`);
  }
  const fmt = wav.fmt as WavFmt;
  const audioFormat = fmt.audioFormat;
  if (audioFormat === WAVE_FORMAT.MULAW) wav.fromMuLaw();
  else if (audioFormat === WAVE_FORMAT.ALAW) wav.fromALaw();
  else if (audioFormat === WAVE_FORMAT.IMA_ADPCM) wav.fromIMAADPCM();
  else if (audioFormat !== WAVE_FORMAT.PCM && audioFormat !== WAVE_FORMAT.IEEE_FLOAT && audioFormat !== WAVE_FORMAT.EXTENSIBLE) {
    throw new Error(`${name}: WAV encoding ${audioFormat} is not supported (use PCM)`);
  }
  const eightBit = wav.bitDepth === '8';
  // wavefile rescales 24/32-bit and float to 16-bit signed.
  if (wav.bitDepth !== '16' && !eightBit) wav.toBitDepth('16');
  // The conversions above rebuild wav.fmt: read the shape afterwards.
  const { numChannels: channels, sampleRate: rate } = wav.fmt as WavFmt;
  if (!channels || !rate) throw new Error(`${name}: WAV header has no channels or sample rate`);
  const data = (wav as unknown as { data: { samples: Uint8Array } }).data.samples;
  let pcm: Int16Array;
  if (eightBit) {
    // 8-bit WAV is unsigned with 128 as zero.
    pcm = new Int16Array(data.length);
    for (let i = 0; i < data.length; i++) pcm[i] = (data[i]! - 128) << 8;
  } else {
    const n = data.length >> 1;
    pcm = new Int16Array(n);
    const view = new DataView(data.buffer, data.byteOffset, n * 2);
    for (let i = 0; i < n; i++) pcm[i] = view.getInt16(i * 2, true);
  }
  return { pcm, channels, rate };
}

/**
 * Windowed-sinc low-pass for decimating `factor`:1 down to 8 kHz, cut off
 * just under the new Nyquist frequency (3.6 kHz, the top of the telephone
 * band) so nothing folds back.
 */
function decimationFilter(rate: number, factor: number): Float64Array {
  const taps = 24 * factor + 1;
  const fc = 3600 / rate;
  const mid = (taps - 1) / 2;
  const h = new Float64Array(taps);
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const blackman = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (taps - 1));
    h[i] = sinc * blackman;
    sum += h[i]!;
  }
  for (let i = 0; i < taps; i++) h[i]! /= sum;
  return h;
}

/**
 * Converts the bytes of a WAV file to 8 kHz mono 16-bit samples: channels
 * averaged (a stereo file with equal channels keeps its level), 16, 24, 32,
 * 48 kHz... decimated by a FIR filter, any other rate resampled by wavefile.
 * Works in slices of one second, yielding between them, so converting a
 * long file never stalls the 20 ms clock that paces live streams.
 * Rejects with an Error saying what is wrong with a file we cannot use.
 */
export async function convertWav(bytes: Uint8Array, name = 'WAV'): Promise<Int16Array> {
  const { pcm, channels, rate } = readPcm16(bytes, name);
  const frames = Math.floor(pcm.length / channels);
  const at = (i: number): number => {
    if (channels === 1) return pcm[i]!;
    let acc = 0;
    for (let c = 0; c < channels; c++) acc += pcm[i * channels + c]!;
    return acc / channels;
  };

  if (rate === ENGINE_RATE) {
    if (channels === 1) return pcm;
    const out = new Int16Array(frames);
    for (let i = 0; i < frames; i++) out[i] = clamp16(at(i));
    return out;
  }

  if (rate % ENGINE_RATE === 0) {
    const factor = rate / ENGINE_RATE;
    const h = decimationFilter(rate, factor);
    const mid = (h.length - 1) / 2;
    const mono = new Float64Array(frames);
    for (let i = 0; i < frames; i++) mono[i] = at(i);
    const out = new Int16Array(Math.floor(frames / factor));
    for (let o = 0; o < out.length; o++) {
      if (o > 0 && o % SLICE === 0) await yieldToEventLoop();
      const centre = o * factor;
      let acc = 0;
      for (let k = 0; k < h.length; k++) {
        const j = centre + k - mid;
        if (j >= 0 && j < frames) acc += h[k]! * mono[j]!;
      }
      out[o] = clamp16(acc);
    }
    return out;
  }

  // Odd rates (11.025, 22.05, 44.1 kHz): wavefile's resampler (cubic behind
  // its anti-aliasing filter). It runs in one piece, so such files cost a
  // stall on first load; the prompt tooling writes 8 or 16 kHz.
  const mono = new Float64Array(frames);
  for (let i = 0; i < frames; i++) mono[i] = at(i) / 32768;
  const m = new wavefile.WaveFile();
  m.fromScratch(1, rate, '32f', mono);
  m.toSampleRate(ENGINE_RATE);
  const resampled = m.getSamples(false) as unknown as Float64Array;
  const out = new Int16Array(resampled.length);
  for (let i = 0; i < out.length; i++) out[i] = clamp16(resampled[i]! * 32768);
  return out;
}

/** The bytes of an 8 kHz mono 16-bit PCM WAV file holding `samples`. */
export function wavBytes(samples: Int16Array): Buffer {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, ENGINE_RATE, '16', samples);
  return Buffer.from(wav.toBuffer());
}

/** Writes a recording (creating its folder). */
export async function writeWav(file: string, samples: Int16Array): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, wavBytes(samples));
}

/** A loaded sound: linear samples and, made on first use, its G.711 encodings. */
export class Sound {
  private readonly encoded: Partial<Record<Codec, Buffer>> = {};

  constructor(readonly name: string, readonly samples: Int16Array) {}

  get durationMs(): number {
    return (this.samples.length * 1000) / ENGINE_RATE;
  }

  /** The whole sound as G.711 bytes (one byte a sample), cached per codec. */
  bytes(codec: Codec): Buffer {
    let b = this.encoded[codec];
    if (!b) {
      const e = encode(codec, this.samples);
      b = Buffer.from(e.buffer, e.byteOffset, e.byteLength);
      this.encoded[codec] = b;
    }
    return b;
  }

  /** Bytes held: linear plus encodings. */
  get footprint(): number {
    return this.samples.byteLength + (this.encoded.PCMU?.length ?? 0) + (this.encoded.PCMA?.length ?? 0);
  }
}

interface CacheEntry {
  sound: Sound;
  size: number;
  mtimeMs: number;
  /** A file replaced by rename (an announcement saved atomically) is a new inode even when size and mtime match. */
  ino: number;
}

/**
 * Loaded sounds by absolute path, least recently used evicted past
 * `maxBytes` (default 256 MiB: hours of prompts and music).
 */
export class SoundCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<Sound>>();
  private bytes = 0;

  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  get size(): number {
    return this.entries.size;
  }

  /** The sound in a WAV file, converted on first load; rejects naming the file if it cannot be played. */
  async load(file: string): Promise<Sound> {
    const key = path.resolve(file);
    let st;
    try {
      st = await stat(key);
    } catch {
      throw new Error(`File Not Found: ${file}`);
    }
    const hit = this.entries.get(key);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ino === st.ino) {
      // Refresh its place in the LRU order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.sound;
    }
    // Many endpoints asking for the same new file share one conversion.
    const pending = this.loading.get(key);
    if (pending) return pending;
    const job = (async () => {
      const bytes = await readFile(key);
      const sound = new Sound(file, await convertWav(bytes, file));
      this.put(key, { sound, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      return sound;
    })();
    this.loading.set(key, job);
    try {
      return await job;
    } finally {
      this.loading.delete(key);
    }
  }

  private put(key: string, entry: CacheEntry): void {
    const old = this.entries.get(key);
    if (old) { this.bytes -= old.sound.samples.byteLength * 2; this.entries.delete(key); }
    this.entries.set(key, entry);
    // Count linear plus both encodings up front (what the entry may grow to).
    this.bytes += entry.sound.samples.byteLength * 2;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes || k === key) break;
      this.entries.delete(k);
      this.bytes -= e.sound.samples.byteLength * 2;
    }
  }
}

/** A sine tone as a Sound, e.g. the record beep. */
export function toneSound(name: string, hz: number, ms: number, amplitude = 0.4): Sound {
  const n = Math.round((ENGINE_RATE * ms) / 1000);
  const s = new Int16Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / ENGINE_RATE));
  return new Sound(name, s);
}
