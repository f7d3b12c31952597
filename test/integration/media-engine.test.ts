/**
 * The embedded media engine with real RTP on loopback: a small RTP peer
 * (a UDP socket that speaks SDP and RTP the way a phone does) calls the
 * engine, listens to prompts, presses keys (replaying SIPp's RFC 4733
 * captures), talks into recordings, gets bridged to another peer on the
 * other G.711 law, goes on hold, and vanishes.
 */
import dgram from 'node:dgram';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import wavefile from 'wavefile';
import { EmbeddedMediaServer } from '../../media/engine/media-server.js';
import { decodeRtp, encodeRtp, type RtpPacket } from '../../media/engine/rtp.js';
import { decode, encode, type Codec } from '../../media/engine/g711.js';
import { decodeTelephoneEvent, DtmfReceiver } from '../../media/engine/dtmf.js';
import { MediaNegotiationError, type DtmfEvent } from '../../media/port.js';
import { freePortRange } from '../support/ports.js';
import { chirp, correlation, readWav, toneRatio, toPcm16 } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

/** Paces what a peer sends (packets 20 ms apart, keys as captured): RTP timing, not a wait for anything. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once the peer has received `count` audio packets since `since`. */
const heardPackets = (p: RtpPeer, count: number, since = 0): Promise<void> =>
  waitFor(() => p.audio(since).length >= count, { what: `${count} audio packets at port ${p.port}` });

// ---- audio helpers -------------------------------------------------------------

function writeStereo16k(file: string, signal16k: Float64Array): string {
  const w = new wavefile.WaveFile();
  const ch = Array.from(signal16k, (v) => Math.round(v * 32767));
  w.fromScratch(2, 16000, '16', [ch, ch]);
  writeFileSync(file, w.toBuffer());
  return file;
}

function writeMono8k(file: string, signal: Float64Array): string {
  const w = new wavefile.WaveFile();
  w.fromScratch(1, 8000, '16', Array.from(signal, (v) => Math.round(v * 32767)));
  writeFileSync(file, w.toBuffer());
  return file;
}

// ---- SIPp's RFC 4733 captures -------------------------------------------------------

const PCAP_NAMES: Record<string, string> = { '*': 'star', '#': 'pound' };

/** The RTP packets of one of SIPp's dtmf_2833_*.pcap files (classic pcap, Ethernet/IPv4/UDP). */
function sippDtmf(digit: string): { atMs: number; packet: RtpPacket }[] {
  const buf = readFileSync(`/usr/share/sip-tester/dtmf_2833_${PCAP_NAMES[digit] ?? digit}.pcap`);
  const out: { atMs: number; packet: RtpPacket }[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const atMs = buf.readUInt32LE(off) * 1000 + buf.readUInt32LE(off + 4) / 1000;
    const len = buf.readUInt32LE(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    const packet = decodeRtp(Buffer.from(frame.subarray(14 + (frame[14]! & 0x0f) * 4 + 8)));
    if (packet) out.push({ atMs, packet });
  }
  return out;
}

// ---- a phone's RTP side ---------------------------------------------------------------

interface Received {
  at: number;
  packet: RtpPacket;
}

class RtpPeer {
  readonly socket = dgram.createSocket('udp4');
  readonly received: Received[] = [];
  target: { address: string; port: number } | undefined;
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);
  private seq = Math.floor(Math.random() * 0xffff);
  private ts = Math.floor(Math.random() * 0xffffffff);

  static async open(): Promise<RtpPeer> {
    const p = new RtpPeer();
    await new Promise<void>((resolve) => p.socket.bind(0, '127.0.0.1', resolve));
    p.socket.on('message', (msg) => {
      const packet = decodeRtp(msg);
      if (packet) p.received.push({ at: performance.now(), packet });
    });
    return p;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** An SDP offer as a phone would send it. */
  offer(opts: { codecs?: Codec[]; tePt?: number | null; direction?: string; port?: number } = {}): string {
    const codecs = opts.codecs ?? ['PCMU', 'PCMA'];
    const te = opts.tePt === undefined ? 101 : opts.tePt;
    const pts = codecs.map((c) => (c === 'PCMU' ? 0 : 8));
    return [
      'v=0', `o=peer 1 ${Date.now() % 100000} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${opts.port ?? this.port} RTP/AVP ${[...pts, ...(te === null ? [] : [te])].join(' ')}`,
      ...codecs.map((c, i) => `a=rtpmap:${pts[i]} ${c}/8000`),
      ...(te === null ? [] : [`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-16`]),
      `a=${opts.direction ?? 'sendrecv'}`, '',
    ].join('\r\n');
  }

  /** Where to send: the engine's address in its answer. */
  useAnswer(sdp: string): void {
    const parsed = sdpTransform.parse(sdp);
    this.target = { address: parsed.connection!.ip, port: parsed.media[0]!.port };
  }

  send(payloadType: number, payload: Buffer, opts: { marker?: boolean; timestamp?: number } = {}): void {
    const wire = encodeRtp({ marker: opts.marker ?? false, payloadType, sequenceNumber: this.seq, timestamp: opts.timestamp ?? this.ts, ssrc: this.ssrc, payload });
    this.seq = (this.seq + 1) & 0xffff;
    this.socket.send(wire, this.target!.port, this.target!.address);
  }

  /**
   * Talks: sends `pcm` as 20 ms packets on a drift-free schedule. Options
   * model a bad network: `jitterMs` random extra delay per packet (which
   * also reorders), `lose` drops the packets whose index it returns true for.
   */
  async talk(codec: Codec, pcm: Int16Array, opts: { jitterMs?: number; lose?: (i: number) => boolean } = {}): Promise<void> {
    const pt = codec === 'PCMU' ? 0 : 8;
    const frames = Math.floor(pcm.length / 160);
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < frames; i++) {
      const due = start + i * 20;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const payload = Buffer.from(encode(codec, pcm.subarray(i * 160, (i + 1) * 160)));
      const timestamp = (this.ts + i * 160) >>> 0;
      const marker = i === 0;
      if (opts.lose?.(i)) { this.seq = (this.seq + 1) & 0xffff; continue; }
      const jitter = opts.jitterMs ? Math.random() * opts.jitterMs : 0;
      if (jitter > 1) {
        const seq = this.seq;
        this.seq = (this.seq + 1) & 0xffff;
        pending.push(sleep(jitter).then(() => {
          const wire = encodeRtp({ marker, payloadType: pt, sequenceNumber: seq, timestamp, ssrc: this.ssrc, payload });
          this.socket.send(wire, this.target!.port, this.target!.address);
        }));
      } else {
        this.send(pt, payload, { marker, timestamp });
      }
    }
    await Promise.all(pending);
    this.ts = (this.ts + frames * 160) >>> 0;
  }

  /** Presses keys: replays SIPp's captured RFC 4733 packets with their timing, as part of this stream. */
  async press(digits: string, opts: { pt?: number; gapMs?: number } = {}): Promise<void> {
    for (const digit of digits) {
      const packets = sippDtmf(digit);
      const t0 = packets[0]!.atMs;
      const start = performance.now();
      for (const { atMs, packet } of packets) {
        const wait = start + (atMs - t0) - performance.now();
        if (wait > 1) await sleep(wait);
        // Same event timestamp for all its packets, as captured; our stream's clock.
        this.send(opts.pt ?? 101, packet.payload, { marker: packet.marker, timestamp: this.ts });
      }
      this.ts = (this.ts + 8000) >>> 0;
      await sleep(opts.gapMs ?? 100);
    }
  }

  audio(since = 0): Received[] {
    return this.received.filter((r) => r.at >= since && (r.packet.payloadType === 0 || r.packet.payloadType === 8));
  }

  /** What the peer heard, decoded and placed by RTP timestamp from its first audio packet. */
  heard(since = 0): Int16Array {
    const audio = this.audio(since);
    if (!audio.length) return new Int16Array(0);
    const ts0 = audio[0]!.packet.timestamp;
    const end = Math.max(...audio.map((r) => ((r.packet.timestamp - ts0) | 0) + r.packet.payload.length));
    const out = new Int16Array(end);
    for (const { packet } of audio) {
      out.set(decode(packet.payloadType === 0 ? 'PCMU' : 'PCMA', packet.payload), (packet.timestamp - ts0) | 0);
    }
    return out;
  }

  close(): void {
    this.socket.close();
  }
}

// ---- the engine under test -----------------------------------------------------------

let server: EmbeddedMediaServer;
let portMin: number;
const PORTS = 64;
let dir: string;
const peers: RtpPeer[] = [];

async function peer(): Promise<RtpPeer> {
  const p = await RtpPeer.open();
  peers.push(p);
  return p;
}

/** A peer calling in: its offer answered by a new endpoint. */
async function call(opts: Parameters<RtpPeer['offer']>[0] & { rtpTimeoutSecs?: number } = {}) {
  const p = await peer();
  const ep = await server.createEndpoint({ remoteSdp: p.offer(opts), rtpTimeoutSecs: opts.rtpTimeoutSecs });
  p.useAnswer(ep.localSdp);
  return { p, ep };
}

function gapsOf(received: Received[]): number[] {
  return received.slice(1).map((r, i) => r.at - received[i]!.at);
}

const percentile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

beforeAll(async () => {
  portMin = await freePortRange(PORTS, 'udp');
  server = new EmbeddedMediaServer({ portMin, portMax: portMin + PORTS - 1, bindAddress: '127.0.0.1' });
  dir = tempDir('media-engine-');
});

afterAll(async () => {
  await server.close();
  for (const p of peers) { try { p.close(); } catch { /* closed */ } }
});

describe('a caller hears a prompt', () => {
  it('the audio of a 16 kHz stereo WAV arrives decoded as the same audio, in packets 20 ms apart', async () => {
    const prompt = writeStereo16k(path.join(dir, 'prompt-16k-stereo.wav'), chirp(3, { rate: 16000 }));
    const { p, ep } = await call({ codecs: ['PCMA', 'PCMU'] });
    const result = await ep.play(prompt);
    await heardPackets(p, 150);
    expect(result).toMatchObject({ interrupted: false, playbackMilliseconds: 3000, playbackSeconds: 3 });

    const audio = p.audio();
    expect(audio.length).toBe(150);
    // RTP done right: PCMA as offered first, one SSRC, consecutive sequence
    // numbers, timestamps 160 apart (a multiple of 160 if a stall of the
    // machine made the clock skip ticks), the marker on the first packet only.
    expect(new Set(audio.map((r) => r.packet.payloadType))).toEqual(new Set([8]));
    expect(new Set(audio.map((r) => r.packet.ssrc)).size).toBe(1);
    const tsSteps = audio.slice(1).map((r, i) => (r.packet.timestamp - audio[i]!.packet.timestamp) | 0);
    audio.slice(1).forEach((r, i) => expect((r.packet.sequenceNumber - audio[i]!.packet.sequenceNumber) & 0xffff).toBe(1));
    for (const step of tsSteps) expect(step > 0 && step % 160 === 0).toBe(true);
    expect(tsSteps.filter((step) => step === 160).length).toBeGreaterThan(140);
    // Marker: the first packet, and only again after a gap in media time.
    expect(audio[0]!.packet.marker).toBe(true);
    audio.slice(1).forEach((r, i) => expect(r.packet.marker).toBe(tsSteps[i]! > 160));

    // Decoded, it is the prompt.
    const c = correlation(chirp(3), p.heard(), 40);
    expect(c.value).toBeGreaterThan(0.9);

    // Paced at 20 ms: steady spacing...
    const gaps = gapsOf(audio);
    expect(percentile(gaps, 0.5)).toBeGreaterThan(18);
    expect(percentile(gaps, 0.5)).toBeLessThan(22);
    expect(percentile(gaps, 0.25)).toBeGreaterThan(16);
    expect(percentile(gaps, 0.75)).toBeLessThan(24);
    // ...and no drift: 3 s of media time took 3 s of wall time on arrival.
    const mediaMs = ((audio.at(-1)!.packet.timestamp - audio[0]!.packet.timestamp) | 0) / 8;
    expect(Math.abs(audio.at(-1)!.at - audio[0]!.at - mediaMs)).toBeLessThan(30);
    await ep.destroy();
  });

  it('a list of files plays in order; stop() interrupts and says how much was played', async () => {
    const a = writeMono8k(path.join(dir, 'low.wav'), Float64Array.from({ length: 4000 }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 400 * i) / 8000)));
    const b = writeMono8k(path.join(dir, 'high.wav'), Float64Array.from({ length: 8000 * 3 }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 1600 * i) / 8000)));
    const { p, ep } = await call();
    const playing = ep.play([a, b]);
    await heardPackets(p, 60); // the caller has heard 1.2 s
    ep.stop();
    const result = await playing;
    expect(result.interrupted).toBe(true);
    expect(result.playbackMilliseconds).toBeGreaterThan(1000);
    expect(result.playbackMilliseconds).toBeLessThan(1500);
    const heard = Float32Array.from(p.heard(), (v) => v / 32768);
    expect(toneRatio(heard, 8000, 400, 400, 3600)).toBeGreaterThan(0.8);
    expect(toneRatio(heard, 8000, 1600, 4400, 8000)).toBeGreaterThan(0.8);
    // Nothing more of the stopped list is sent: what the caller gets next is the next prompt, the 400 Hz tone
    // (a packet sent just before the stop may still be on its way when stop() returns, on a busy machine).
    const count = p.audio().length;
    await ep.play(a);
    await heardPackets(p, count + 25);
    const after = p.audio().length - count;
    expect(after).toBeLessThanOrEqual(26);
    const next = Float32Array.from(p.heard().slice((p.audio().length - 25) * 160), (v) => v / 32768);
    expect(toneRatio(next, 8000, 400, 0, 4000)).toBeGreaterThan(0.8);
    await ep.destroy();
  });

  it('music on hold loops until stopped', async () => {
    const music = writeMono8k(path.join(dir, 'moh.wav'), chirp(0.4));
    const { p, ep } = await call();
    const playing = ep.play(music, { loop: true });
    await heardPackets(p, 70); // 1.4 s: the 0.4 s music three times and more
    ep.stop();
    const result = await playing;
    expect(result.interrupted).toBe(true);
    expect(result.playbackMilliseconds).toBeGreaterThan(1200);
    // Continuous across the loop points: one talkspurt, timestamps 160 apart
    // (unless the machine stalled the clock, which also restarts the talkspurt).
    const audio = p.audio();
    expect(audio.length).toBeGreaterThan(60);
    const steps = audio.slice(1).map((r, i) => (r.packet.timestamp - audio[i]!.packet.timestamp) | 0);
    expect(steps.filter((step) => step !== 160).length).toBe(audio.filter((r, i) => i > 0 && r.packet.marker).length);
    expect(steps.filter((step) => step === 160).length).toBeGreaterThan(audio.length - 4);
    const heard = p.heard();
    expect(correlation(chirp(0.4), heard.subarray(3200, 6400), 40).value).toBeGreaterThan(0.9);
    await ep.destroy();
  });

  it('a file that does not exist is an error naming it, and the endpoint stays usable', async () => {
    const { ep } = await call();
    await expect(ep.play(path.join(dir, 'missing.wav'))).rejects.toThrow(/File Not Found: .*missing\.wav/);
    const ok = await ep.play(writeMono8k(path.join(dir, 'short.wav'), chirp(0.1)));
    expect(ok.interrupted).toBe(false);
    await ep.destroy();
  });
});

describe('a caller presses keys', () => {
  let prompt: string;
  beforeAll(() => { prompt = writeMono8k(path.join(dir, 'menu.wav'), chirp(1)); });

  it('every key 0-9, *, # from SIPp\'s RFC 4733 captures is collected by playCollect', async () => {
    const { p, ep } = await call();
    const events: DtmfEvent[] = [];
    ep.on('dtmf', (e) => events.push(e));
    const collecting = ep.playCollect({ file: prompt, min: 12, max: 12, terminators: '', timeout: 5000, digitTimeout: 3000 });
    await heardPackets(p, 1); // into the prompt
    await p.press('1234567890*#', { gapMs: 60 });
    const result = await collecting;
    expect(result).toMatchObject({ digits: '1234567890*#', reason: 'max-digits' });
    expect(events.map((e) => e.dtmf).join('')).toBe('1234567890*#');
    expect(events.every((e) => e.source === 'rfc4733' && e.duration === 280)).toBe(true);
    await ep.destroy();
  });

  it('the terminator ends collection and is not among the digits', async () => {
    const { p, ep } = await call();
    const collecting = ep.playCollect({ file: prompt, max: 10, terminators: '#' });
    await heardPackets(p, 1);
    await p.press('42#');
    expect(await collecting).toMatchObject({ digits: '42', terminatorUsed: '#', reason: 'terminator' });
    await ep.destroy();
  });

  it('the first-digit timeout counts from the end of the prompt; a key barges in and stops the prompt', async () => {
    const { p, ep } = await call();
    const t0 = performance.now();
    const silent = await ep.playCollect({ file: prompt, timeout: 600 });
    const took = performance.now() - t0;
    expect(silent).toMatchObject({ digits: '', reason: 'timeout', playbackMilliseconds: 1000 });
    expect(took).toBeGreaterThan(1550);
    expect(took).toBeLessThan(2400);

    // Barge-in: a key 300 ms into the prompt stops it; then the inter-digit timeout ends it.
    const long = writeMono8k(path.join(dir, 'long-menu.wav'), chirp(5));
    const t1 = performance.now();
    const collecting = ep.playCollect({ file: long, timeout: 5000, digitTimeout: 500 });
    await heardPackets(p, 15, t1);
    await p.press('7');
    const pressedAt = performance.now();
    const result = await collecting;
    const after = performance.now();
    expect(result).toMatchObject({ digits: '7', reason: 'timeout' });
    expect(result.playbackMilliseconds).toBeLessThan(1200);
    expect(after - pressedAt).toBeGreaterThan(350);
    expect(after - t1).toBeLessThan(3000);
    // The prompt really stopped on the wire: no audio once the digit was in.
    const lastAudio = p.audio(t1).at(-1)!.at;
    expect(lastAudio).toBeLessThan(pressedAt);
    await ep.destroy();
  });

  it('a key pressed during a plain play is reported but not kept for the next playCollect', async () => {
    const { p, ep } = await call();
    const events: DtmfEvent[] = [];
    ep.on('dtmf', (e) => events.push(e));
    const playing = ep.play(writeMono8k(path.join(dir, 'info.wav'), chirp(1)));
    await heardPackets(p, 1);
    await p.press('9');
    expect((await playing).interrupted).toBe(false);
    expect(events.map((e) => e.dtmf)).toEqual(['9']);
    const result = await ep.playCollect({ file: prompt, timeout: 300 });
    expect(result).toMatchObject({ digits: '', reason: 'timeout' });
    await ep.destroy();
  });

  it('SIP INFO digits (injectDtmf) are collected like RFC 4733 ones', async () => {
    const { p, ep } = await call();
    const events: DtmfEvent[] = [];
    ep.on('dtmf', (e) => events.push(e));
    const collecting = ep.playCollect({ file: prompt, max: 3 });
    await heardPackets(p, 1);
    ep.injectDtmf('1', 160);
    ep.injectDtmf('2');
    ep.injectDtmf('x'); // not a key: ignored
    ep.injectDtmf('3');
    expect(await collecting).toMatchObject({ digits: '123', reason: 'max-digits' });
    expect(events[0]).toEqual({ dtmf: '1', duration: 160, source: 'info' });
    await ep.destroy();
  });
});

describe('recording what the caller says', () => {
  it('the WAV holds what the caller sent, through jitter, reordering and loss, and the terminator ends it', async () => {
    const { p, ep } = await call({ codecs: ['PCMU'] });
    const file = path.join(dir, 'voicemail.wav');
    const recording = ep.record(file, { terminators: '#', timeLimitSecs: 20 });
    const speech = toPcm16(chirp(3));
    // 30 ms of jitter (packets overtake each other) and one packet in 50 lost.
    await p.talk('PCMU', speech, { jitterMs: 30, lose: (i) => i % 50 === 25 });
    await p.press('#');
    const result = await recording;
    expect(result).toMatchObject({ reason: 'terminator', terminatorUsed: '#' });
    const wav = readWav(file);
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(result.recordMilliseconds).toBeGreaterThan(3000);
    expect(Math.abs(wav.durationSec * 1000 - result.recordMilliseconds)).toBeLessThan(2);
    // The first packet to arrive is placed at its arrival time; when the jitter let the second one overtake the
    // first within 20 ms of record(), the first lands before the start and is cut: the chirp starts up to 30 ms early.
    const c = correlation(chirp(3), wav.samples, 800, -240);
    expect(c.value, `best lag ${c.lag}`).toBeGreaterThan(0.9);
    await ep.destroy();
  });

  it('a beep is played first; recording ends after the given seconds of silence', async () => {
    const { p, ep } = await call({ codecs: ['PCMA'] });
    const file = path.join(dir, 'greeting.wav');
    const t0 = performance.now();
    const recording = ep.record(file, { beep: true, silenceSecs: 1, timeLimitSecs: 20 });
    await waitFor(() => p.heard(t0).length >= 2000, { what: 'the 250 ms beep heard' });
    await p.talk('PCMA', toPcm16(chirp(1)));
    await p.talk('PCMA', new Int16Array(8000 * 3)); // silence: the caller stopped talking
    const result = await recording;
    expect(result.reason).toBe('silence');
    // ~0.05 s before talking + 1 s of speech + 1 s of silence.
    expect(result.recordMilliseconds).toBeGreaterThan(1800);
    expect(result.recordMilliseconds).toBeLessThan(2800);
    const beep = Float32Array.from(p.heard(t0), (v) => v / 32768);
    expect(beep.length).toBeGreaterThan(1800);
    expect(toneRatio(beep, 8000, 1000, 0, 1800)).toBeGreaterThan(0.8);
    // The recording starts once the engine has sent the whole beep, up to a tick after the peer heard its last packet,
    // and the peer talks as soon as it heard it: the chirp may start up to ~50 ms before the recording does.
    expect(correlation(chirp(1), readWav(file).samples, 1200, -400).value).toBeGreaterThan(0.9);
    await ep.destroy();
  });

  it('a recording stops at its time limit', async () => {
    const { ep } = await call();
    const result = await ep.record(path.join(dir, 'short.wav'), { timeLimitSecs: 1 });
    expect(result.reason).toBe('time-limit');
    expect(result.recordMilliseconds).toBeGreaterThanOrEqual(1000);
    expect(result.recordMilliseconds).toBeLessThan(1100);
    await ep.destroy();
  });
});

describe('an agent and a caller bridged, PCMU on one side and PCMA on the other', () => {
  it('each hears the other, transcoded, and keys pressed on one side reach the other as RFC 4733', async () => {
    const caller = await call({ codecs: ['PCMU'], tePt: 101 });
    const agent = await call({ codecs: ['PCMA'], tePt: 96 });
    expect(caller.ep.localSdp).toMatch(/RTP\/AVP 0 101/);
    expect(agent.ep.localSdp).toMatch(/RTP\/AVP 8 96/);
    await caller.ep.bridge(agent.ep);

    const t0 = performance.now();
    const callerVoice = chirp(2, { f0: 300, f1: 3000 });
    const agentVoice = chirp(2, { f0: 3000, f1: 300 });
    await Promise.all([caller.p.talk('PCMU', toPcm16(callerVoice)), agent.p.talk('PCMA', toPcm16(agentVoice))]);
    await Promise.all([heardPackets(agent.p, 100, t0), heardPackets(caller.p, 100, t0)]);

    const atAgent = agent.p.audio(t0);
    const atCaller = caller.p.audio(t0);
    expect(new Set(atAgent.map((r) => r.packet.payloadType))).toEqual(new Set([8]));
    expect(new Set(atCaller.map((r) => r.packet.payloadType))).toEqual(new Set([0]));
    expect(correlation(callerVoice, agent.p.heard(t0), 40).value).toBeGreaterThan(0.9);
    expect(correlation(agentVoice, caller.p.heard(t0), 40).value).toBeGreaterThan(0.9);

    // The caller presses 5: the agent's phone gets it on its own PT (96).
    const agentDigits = new DtmfReceiver();
    const t1 = performance.now();
    await caller.p.press('5');
    await waitFor(() => agent.p.received.some((r) => r.at >= t1 && r.packet.payloadType === 96 && decodeTelephoneEvent(r.packet.payload)!.end),
      { what: 'the end of the key at the agent' });
    const events = agent.p.received.filter((r) => r.at >= t1 && r.packet.payloadType === 96);
    expect(events.length).toBeGreaterThanOrEqual(8);
    expect(events.flatMap((r) => agentDigits.push(r.packet.ssrc, r.packet.timestamp, r.packet.payload, 0))).toEqual([{ digit: '5', durationMs: 280 }]);

    // A SIP INFO digit on the agent's leg goes to the caller as RFC 4733,
    // sent as RFC 4733 asks: marker first, one timestamp, end bit on three.
    const t2 = performance.now();
    agent.ep.injectDtmf('3', 100);
    await waitFor(() => caller.p.received.filter((r) => r.at >= t2 && r.packet.payloadType === 101).length >= 7, { what: "the key's 7 packets at the caller" });
    const sent = caller.p.received.filter((r) => r.at >= t2 && r.packet.payloadType === 101);
    expect(sent.map((r) => decodeTelephoneEvent(r.packet.payload)!.end)).toEqual([false, false, false, false, true, true, true]);
    expect(sent.map((r) => r.packet.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(new Set(sent.map((r) => r.packet.timestamp)).size).toBe(1);
    expect(new Set(sent.map((r) => decodeTelephoneEvent(r.packet.payload)!.event))).toEqual(new Set([3]));

    // Unbridged, nothing is relayed any more: what the agent hears next is only their own prompt.
    await caller.ep.unbridge();
    const t3 = performance.now();
    await caller.p.talk('PCMU', toPcm16(chirp(0.3)));
    await agent.ep.play(writeMono8k(path.join(dir, 'agent-alone.wav'), chirp(0.2)));
    await heardPackets(agent.p, 10, t3);
    expect(agent.p.audio(t3)).toHaveLength(10);
    expect(agent.p.audio(t3)[0]!.packet.marker).toBe(true);
    await Promise.all([caller.ep.destroy(), agent.ep.destroy()]);
  });
});

describe('the far end\'s network and signalling', () => {
  it('symmetric RTP: audio goes back to where the phone really sends from, not its SDP address (NAT)', async () => {
    const sdpSocket = await peer(); // the address in the SDP: behind NAT, never reached
    const natted = await peer(); // where the packets really come from
    const ep = await server.createEndpoint({ remoteSdp: sdpSocket.offer() });
    natted.useAnswer(ep.localSdp);
    await natted.talk('PCMU', new Int16Array(160 * 3));
    await waitFor(() => ep.remoteAddress?.port === natted.port, { what: 'the endpoint latched on where the phone sends from' });
    // Once latched, a stranger's packets neither hijack the stream nor get relayed.
    const stranger = await peer();
    stranger.useAnswer(ep.localSdp);
    await stranger.talk('PCMU', new Int16Array(160 * 3));
    await ep.play(writeMono8k(path.join(dir, 'nat.wav'), chirp(0.3)));
    await heardPackets(natted, 15);
    expect(natted.audio().length).toBe(15);
    expect(sdpSocket.audio()).toHaveLength(0);
    expect(stranger.audio()).toHaveLength(0);
    expect(ep.remoteAddress).toEqual({ address: '127.0.0.1', port: natted.port });
    await ep.destroy();
  });

  it('hold and resume by re-INVITE: nothing is sent while held, then the prompt is heard again', async () => {
    const { p, ep } = await call();
    const holdAnswer = await ep.modify(p.offer({ direction: 'sendonly' }));
    expect(sdpTransform.parse(holdAnswer).media[0]!.direction).toBe('recvonly');
    const music = writeMono8k(path.join(dir, 'hold.wav'), chirp(0.4));
    const t0 = performance.now();
    await ep.play(music);
    expect(p.audio(t0)).toHaveLength(0);
    const resumed = await ep.modify(p.offer({ codecs: ['PCMA'] }));
    expect(sdpTransform.parse(resumed).media[0]!.direction).toBe('sendrecv');
    expect(resumed).toMatch(/RTP\/AVP 8 101/);
    await ep.play(music);
    await heardPackets(p, 20, t0);
    expect(p.audio(t0).length).toBe(20);
    expect(new Set(p.audio(t0).map((r) => r.packet.payloadType))).toEqual(new Set([8]));
    await ep.destroy();
  });

  it('a re-INVITE we cannot accept is refused and the call keeps its media', async () => {
    const { p, ep } = await call();
    await expect(ep.modify(p.offer().replace('RTP/AVP', 'RTP/SAVP'))).rejects.toThrow(MediaNegotiationError);
    await ep.play(writeMono8k(path.join(dir, 'still.wav'), chirp(0.2)));
    await heardPackets(p, 10);
    expect(p.audio().length).toBe(10);
    await ep.destroy();
  });

  it('an outbound leg: our offer, the far end\'s answer through modify(), then audio in its codec', async () => {
    const p = await peer();
    const ep = await server.createEndpoint({});
    const offer = sdpTransform.parse(ep.localSdp).media[0]!;
    expect(String(offer.payloads)).toBe('0 8 101');
    p.useAnswer(ep.localSdp);
    const answer = p.offer({ codecs: ['PCMA'], tePt: 101 });
    expect(await ep.modify(answer)).toBe(ep.localSdp);
    await ep.play(writeMono8k(path.join(dir, 'outbound.wav'), chirp(0.2)));
    await heardPackets(p, 10);
    expect(p.audio().map((r) => r.packet.payloadType)).toEqual(Array(10).fill(8));
    await ep.destroy();
  });

  it('a caller that vanishes (no BYE, RTP stops) is detected and its endpoint freed', async () => {
    const { p, ep } = await call({ rtpTimeoutSecs: 1 });
    const inUse = server.ports.inUse;
    const timedOut = new Promise<number>((resolve) => ep.once('rtp-timeout', () => resolve(performance.now())));
    const destroyed = new Promise<void>((resolve) => ep.once('destroy', () => resolve()));
    await p.talk('PCMU', toPcm16(chirp(1.5))); // still talking: no timeout though 1.5 s > 1 s
    const stoppedAt = performance.now();
    const at = await timedOut;
    await destroyed;
    expect(at - stoppedAt).toBeGreaterThan(900);
    expect(at - stoppedAt).toBeLessThan(2000);
    expect(ep.destroyed).toBe(true);
    expect(server.ports.inUse).toBe(inUse - 1);
    await expect(ep.play('x.wav')).rejects.toThrow(/destroyed/);
  });
});

describe('capacity and cleanup', () => {
  it('refused offers take no port', async () => {
    const before = server.ports.inUse;
    const p = await peer();
    await expect(server.createEndpoint({ remoteSdp: p.offer().replace('RTP/AVP', 'UDP/TLS/RTP/SAVPF') })).rejects.toThrow(/ICE credentials/);
    expect(server.ports.inUse).toBe(before);
  });

  it('1,000 create/destroy cycles leak no ports and no file handles', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const p = await peer();
    const offer = p.offer();
    // Warm up (first endpoints load modules, open lazily created handles).
    for (let i = 0; i < 5; i++) await (await server.createEndpoint({ remoteSdp: offer })).destroy();
    const fdBefore = fds();
    const inUseBefore = server.ports.inUse;
    const sizeBefore = server.size;
    for (let i = 0; i < 1000; i += 4) {
      const eps = await Promise.all([0, 1, 2, 3].map(() => server.createEndpoint({ remoteSdp: offer, rtpTimeoutSecs: 30 })));
      // Some of them are busy when destroyed: a play in progress, a bridge, a recording.
      void eps[0]!.play(path.join(dir, 'menu.wav')).catch(() => undefined);
      await eps[1]!.bridge(eps[2]!);
      const recording = eps[3]!.record(path.join(dir, 'cycle.wav'));
      await Promise.all(eps.map((ep) => ep.destroy()));
      expect((await recording).reason).toBe('interrupted');
    }
    expect(server.ports.inUse).toBe(inUseBefore);
    expect(server.size).toBe(sizeBefore);
    expect(server.clock.size).toBe(sizeBefore);
    expect(fds()).toBeLessThanOrEqual(fdBefore);
    // Every port of the range can be bound again: none is held by a forgotten socket.
    const ep = [];
    const free = server.ports.capacity - server.ports.inUse;
    expect(server.ports.capacity).toBe(PORTS / 2);
    for (let i = 0; i < free; i++) ep.push(await server.createEndpoint({ remoteSdp: offer }));
    await expect(server.createEndpoint({ remoteSdp: offer })).rejects.toThrow(/no free RTP port/);
    await Promise.all(ep.map((e) => e.destroy()));
  }, 60_000);
});
