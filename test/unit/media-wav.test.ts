/**
 * Announcements and music arrive as WAV files of many shapes; the engine
 * plays 8 kHz mono 16-bit. These tests feed it 8 and 16 kHz, mono and
 * stereo, 8 and 16-bit files (and a G.711 WAV) and check the audio that
 * comes out is the audio that went in. Also the recording side: packets
 * placed by timestamp, gaps filled with silence, and the WAV we write.
 */
import { execFileSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { convertWav, SoundCache, wavBytes, writeWav } from '../../media/engine/wav.js';
import { Recording } from '../../media/engine/recorder.js';
import { encode, decode, transcode } from '../../media/engine/g711.js';
import { chirp, correlation, readWav, toneRatio, toPcm16 } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';

function wavFile(channels: number, rate: number, bits: '8' | '16', signal: Float64Array): Uint8Array {
  const scale = (v: number) => (bits === '8' ? Math.round(128 + v * 127) : Math.round(v * 32767));
  const mono = Array.from(signal, scale);
  const w = new wavefile.WaveFile();
  // Stereo: the right channel at half level, so the mixdown is audibly both.
  w.fromScratch(channels, rate, bits, channels === 1 ? mono : [mono, Array.from(signal, (v) => scale(v / 2))]);
  return w.toBuffer();
}

describe('announcements of any usual shape play as 8 kHz mono 16-bit', () => {
  const reference = chirp(2);
  for (const [channels, rate, bits] of [[1, 8000, '16'], [1, 8000, '8'], [2, 8000, '16'], [1, 16000, '16'], [2, 16000, '16'], [2, 16000, '8']] as const) {
    it(`${rate / 1000} kHz ${channels === 1 ? 'mono' : 'stereo'} ${bits}-bit comes out 8 kHz mono with the same audio`, async () => {
      const out = await convertWav(wavFile(channels, rate, bits, chirp(2, { rate })));
      expect(out).toBeInstanceOf(Int16Array);
      expect(out.length).toBe(16000);
      expect(correlation(reference, out).value).toBeGreaterThan(0.98);
      // Level: mono at 0.5 peak; stereo mixes 0.5 and 0.25 to 0.375.
      const peak = out.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 32768;
      expect(peak).toBeGreaterThan(channels === 1 ? 0.45 : 0.33);
      expect(peak).toBeLessThan(channels === 1 ? 0.55 : 0.42);
    });
  }

  it('a 16 kHz tone above the telephone band is filtered out, not folded down into it', async () => {
    const rate = 16000;
    const tone = Float64Array.from({ length: rate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 5000 * i) / rate));
    const out = await convertWav(wavFile(1, rate, '16', tone));
    const rms = Math.sqrt(out.reduce((s, v) => s + v * v, 0) / out.length) / 32768;
    // 5 kHz would alias to 3 kHz at 8 kHz without the low-pass: it must be ~gone.
    expect(rms).toBeLessThan(0.01);
  });

  it('a WAV made by sox at 16 kHz stereo converts too (not just our own writer)', async () => {
    const dir = tempDir('media-wav-');
    const file = path.join(dir, 'sox.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '2', '-b', '16', file, 'synth', '1', 'sine', '1000', 'vol', '0.5']);
    const out = await new SoundCache().load(file);
    expect(out.samples.length).toBe(8000);
    expect(toneRatio(Float32Array.from(out.samples, (v) => v / 32768), 8000, 1000)).toBeGreaterThan(0.9);
  });

  it('a mu-law WAV is decoded', async () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(1, 8000, '16', Array.from(toPcm16(chirp(1))));
    w.toMuLaw();
    const out = await convertWav(w.toBuffer());
    expect(correlation(chirp(1), out).value).toBeGreaterThan(0.98);
  });

  it('a file that is not a WAV is refused with its name', async () => {
    await expect(convertWav(Buffer.from('not a wav at all, just text'), 'welcome.wav')).rejects.toThrow(/welcome\.wav: not a WAV/);
    await expect(new SoundCache().load('/nonexistent/prompt.wav')).rejects.toThrow(/File Not Found: \/nonexistent\/prompt\.wav/);
  });
});

describe('the sound cache', () => {
  it('converts a file once for all callers, and again only when the file changes', async () => {
    const dir = tempDir('media-cache-');
    const file = path.join(dir, 'moh.wav');
    writeFileSync(file, wavFile(1, 8000, '16', chirp(1)));
    const cache = new SoundCache();
    const [a, b] = await Promise.all([cache.load(file), cache.load(file)]);
    expect(a).toBe(b);
    expect(await cache.load(file)).toBe(a);
    expect(a.bytes('PCMU')).toBe(a.bytes('PCMU'));
    writeFileSync(file, wavFile(1, 16000, '16', chirp(0.5, { rate: 16000 })));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const c = await cache.load(file);
    expect(c).not.toBe(a);
    expect(c.samples.length).toBe(4000);
  });

  it('evicts the least recently used sounds past its size', async () => {
    const dir = tempDir('media-cache-');
    const cache = new SoundCache(100_000); // room for about two 1 s sounds (32 kB each, counted with encodings)
    const files = [0, 1, 2, 3].map((i) => {
      const f = path.join(dir, `p${i}.wav`);
      writeFileSync(f, wavFile(1, 8000, '16', chirp(1)));
      return f;
    });
    for (const f of files) await cache.load(f);
    expect(cache.size).toBeLessThanOrEqual(3);
  });
});

describe('recording what the far end sends', () => {
  const frame = (from: number, n: number, signal: Int16Array) => signal.subarray(from, from + n);

  it('places packets by RTP timestamp: reordered packets land in place, a lost one leaves exact silence', () => {
    const signal = toPcm16(chirp(1));
    const rec = new Recording(0, 8000 * 60);
    const order = Array.from({ length: 50 }, (_, i) => i);
    // Swap neighbours (jitter) and drop packet 20 (loss).
    [order[10], order[11]] = [order[11]!, order[10]!];
    [order[30], order[31]] = [order[31]!, order[30]!];
    const ts0 = 0xffffff00; // the timestamp wraps during the recording
    for (const i of order) {
      if (i === 20) continue;
      rec.push(77, (ts0 + i * 160) >>> 0, frame(i * 160, 160, signal), 20 + i * 20 + (i % 3) * 7);
    }
    const out = rec.finish(1020);
    // The first packet arrived at 20 ms: it ends there, so audio starts at 0.
    expect(out.length).toBeGreaterThanOrEqual(8000);
    expect(Array.from(out.subarray(0, 8000).slice(0, 3200))).toEqual(Array.from(signal.subarray(0, 3200)));
    expect(out.subarray(3200, 3360).every((v) => v === 0)).toBe(true);
    expect(Array.from(out.subarray(3360, 8000))).toEqual(Array.from(signal.subarray(3360, 8000)));
  });

  it('30 ms packets record as well as 20 ms ones; time before the first packet is silence', () => {
    const signal = Int16Array.from(chirp(0.9), (v) => Math.round(v * 20000));
    const rec = new Recording(1000, 8000 * 60);
    for (let i = 0; i < 30; i++) rec.push(5, 1000 + i * 240, frame(i * 240, 240, signal), 1530 + i * 30);
    const out = rec.finish(2500);
    expect(out.length).toBe(12000);
    const start = 500 * 8; // arrived 530 ms in, 30 ms of audio: starts at 500 ms
    expect(out.subarray(0, start).every((v) => v === 0)).toBe(true);
    expect(Array.from(out.subarray(start, start + 7200))).toEqual(Array.from(signal));
  });

  it('a far end that restarts its timestamps is re-anchored, not recorded as minutes of silence', () => {
    const rec = new Recording(0, 8000 * 60);
    const tone = new Int16Array(160).fill(1000);
    rec.push(1, 5000, tone, 20);
    rec.push(1, 5000 + 8000 * 600, tone, 40); // 10 minutes ahead
    expect(rec.finish(60).length).toBe(480);
  });

  it('knows when the caller last spoke (for silence detection)', () => {
    const rec = new Recording(0, 8000 * 60);
    rec.push(1, 0, new Int16Array(160).fill(3000), 20);
    rec.push(1, 160, new Int16Array(160).fill(50), 40);
    expect(rec.lastVoiceMs).toBe(20);
  });

  it('is written as an 8 kHz mono 16-bit WAV that other tools read back unchanged', async () => {
    const dir = tempDir('media-rec-');
    const file = path.join(dir, 'deep', 'rec.wav');
    const samples = toPcm16(chirp(0.5));
    await writeWav(file, samples);
    const wav = readWav(file);
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(wav.samples.length).toBe(4000);
    expect(Math.round(wav.samples[1234]! * 32768)).toBe(samples[1234]);
    expect(wavBytes(samples).readUInt16LE(34)).toBe(16);
  });
});

describe('G.711 for the wire', () => {
  it('PCMU and PCMA carry the audio and transcode into each other', () => {
    const pcm = toPcm16(chirp(0.5));
    const mu = Buffer.from(encode('PCMU', pcm));
    const a = transcode('PCMU', 'PCMA', mu);
    expect(correlation(pcm, decode('PCMU', mu), 0).value).toBeGreaterThan(0.999);
    expect(correlation(pcm, decode('PCMA', a), 0).value).toBeGreaterThan(0.999);
    expect(transcode('PCMA', 'PCMA', a)).toBe(a);
  });
});
