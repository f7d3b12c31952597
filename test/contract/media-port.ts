/**
 * The media port's contract (media/port.ts): one suite that every media
 * server passes, the embedded RTP engine always and FreeSWITCH (through
 * drachtio-fsmrf) when one is configured. Call it from a test file with a
 * factory that connects to a server:
 *
 *   mediaPortContract('embedded engine', async () => {
 *     const server = new EmbeddedMediaServer({ ... });
 *     return { server, close: () => server.close() };
 *   });
 *
 * Everything is checked from the outside, the way a phone would: real RTP
 * peers (test/support/rtp-peer.ts) make the offers, listen, talk and press
 * keys (RFC 4733) on UDP. Nothing here looks at an engine's internals, so
 * every assertion means the same for FreeSWITCH: a server may send silence
 * when it has nothing to play (FreeSWITCH does), so "no sound" is checked
 * by level, and "no RTP" only after destroy().
 *
 * The factory is called once for the suite; every endpoint and peer a test
 * makes is destroyed/closed after it, pass or fail.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreateEndpointOptions, DtmfEvent, Endpoint, MediaServer } from '../../media/port.js';
import { chirp, correlation, encodeWav, readWav, toneRatio, toPcm16, type Wav } from '../support/audio.js';
import {
  describeAnswer, digitsIn, level, matchAudio, percentile, RtpPeer, spacing, to8k, type OfferOptions,
} from '../support/rtp-peer.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

export interface MediaPortHarness {
  server: MediaServer;
  close(): Promise<void>;
  /**
   * The local address the suite's RTP peers bind and write in their offers;
   * the server must be able to send to it. Default 127.0.0.1.
   */
  peerAddress?: string;
  /**
   * A directory the suite writes its sounds to and the server writes its
   * recordings to, at the same path for both (for a FreeSWITCH on another
   * host: a shared mount). Default: a fresh temp dir.
   */
  fileDir?: string;
}

export type MediaPortFactory = () => Promise<MediaPortHarness>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Quieter than this (RMS, full scale 1) is silence. The test signals are ~0.25. */
const SILENT = 0.01;

/**
 * How well a recording holds the last 0.7 s of what the peer said. An engine starts recording a moment after
 * record() is called (FreeSWITCH: a round trip on its event socket), while the peer starts talking at once.
 */
function heldTheEndOf(said: Float64Array, recording: Wav): number {
  return matchAudio(said.subarray(said.length - 5600), to8k(recording.samples, recording.sampleRate), said.length).value;
}

export function mediaPortContract(name: string, factory: MediaPortFactory): void {
  describe(`media port contract: ${name}`, () => {
    let harness: MediaPortHarness;
    let dir: string;
    const endpoints: Endpoint[] = [];
    const peers: RtpPeer[] = [];

    beforeAll(async () => {
      harness = await factory();
      dir = harness.fileDir ? path.join(harness.fileDir, `media-contract-${process.pid}-${Date.now()}`) : tempDir('media-contract-');
      mkdirSync(dir, { recursive: true });
    });

    afterEach(async () => {
      await Promise.all(endpoints.splice(0).map((ep) => ep.destroy().catch(() => undefined)));
      for (const p of peers.splice(0)) p.close();
    });

    afterAll(async () => {
      await harness?.close();
    });

    const server = (): MediaServer => harness.server;

    async function peer(): Promise<RtpPeer> {
      const p = await RtpPeer.open(harness.peerAddress ?? '127.0.0.1');
      peers.push(p);
      return p;
    }

    /** A phone calling in: its offer, answered by a new endpoint. */
    async function call(opts: OfferOptions = {}, endpointOpts: Omit<CreateEndpointOptions, 'remoteSdp'> = {}) {
      const p = await peer();
      const ep = await server().createEndpoint({ ...endpointOpts, remoteSdp: p.offer(opts) });
      endpoints.push(ep);
      const answer = p.useAnswer(ep.localSdp);
      return { p, ep, answer };
    }

    /** A mono 16-bit 8 kHz WAV in the shared dir. */
    function wav(file: string, samples: ArrayLike<number>): string {
      const full = path.join(dir, file);
      writeFileSync(full, encodeWav(samples, 8000));
      return full;
    }

    const heardFloat = (p: RtpPeer, since: number): Float32Array => Float32Array.from(p.heard(since), (v) => v / 32768);

    describe('offer/answer', () => {
      it('answers an offer with a G.711 codec that was offered, telephone-event, and an address to send to', async () => {
        const { p, ep, answer } = await call({ codecs: ['PCMU', 'PCMA'] });
        expect(typeof ep.id).toBe('string');
        expect(ep.id.length).toBeGreaterThan(0);
        expect(answer.port).toBeGreaterThan(0);
        expect(answer.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(answer.address).not.toBe('0.0.0.0');
        expect(['PCMU', 'PCMA']).toContain(answer.codec);
        expect(answer.eventPt).toBe(101);
        expect(answer.direction).toBe('sendrecv');
        expect(p.target).toEqual({ address: answer.address, port: answer.port });

        // Only what was offered: a PCMA-only phone gets PCMA, a PCMU-only one PCMU.
        const alaw = await call({ codecs: ['PCMA'] });
        expect(alaw.answer.codec).toBe('PCMA');
        expect(alaw.answer.payloads).not.toContain(0);
        const ulaw = await call({ codecs: ['PCMU'], eventPt: 96 });
        expect(ulaw.answer.codec).toBe('PCMU');
        expect(ulaw.answer.payloads).not.toContain(8);
        expect(ulaw.answer.eventPt).toBe(96);
        // Every endpoint has its own id and its own RTP port.
        const ids = new Set([ep.id, alaw.ep.id, ulaw.ep.id]);
        expect(ids.size).toBe(3);
        expect(new Set([answer.port, alaw.answer.port, ulaw.answer.port]).size).toBe(3);
      });

      it('refuses an offer with no codec it can do', async () => {
        const p = await peer();
        const offer = p.offer({ codecs: [], eventPt: null })
          .replace(/^m=audio (\d+) RTP\/AVP.*$/m, 'm=audio $1 RTP/AVP 98')
          .replace('a=ptime:20', 'a=rtpmap:98 x-no-such-codec/8000\r\na=ptime:20');
        expect(describeAnswer(offer).payloads).toEqual([98]);
        await expect(server().createEndpoint({ remoteSdp: offer })).rejects.toThrow();
      });
    });

    describe('play', () => {
      it('the peer hears the file: decoded, it matches the source; packets come 20 ms apart in the negotiated codec', async () => {
        const source = chirp(2);
        const file = wav('prompt.wav', source);
        const { p, ep, answer } = await call({ codecs: ['PCMA', 'PCMU'] });
        expect(answer.codec).toBe('PCMA');
        const t0 = performance.now();
        const result = await ep.play(file);
        await sleep(150);
        expect(result.playbackMilliseconds).toBeGreaterThan(1800);
        expect(result.playbackMilliseconds).toBeLessThan(2300);

        const audio = p.audio(t0);
        expect(new Set(audio.map((r) => r.packet.payloadType))).toEqual(new Set([8]));
        expect(audio.every((r) => r.packet.payload.length === 160)).toBe(true);
        const match = matchAudio(source, p.heard(t0));
        expect(match.value).toBeGreaterThan(0.9);
        expect(match.coverage).toBeGreaterThan(0.98);
        const gaps = spacing(audio);
        expect(percentile(gaps, 0.5)).toBeGreaterThan(18);
        expect(percentile(gaps, 0.5)).toBeLessThan(22);
      });

      it('a list of files plays in order, with no gap between them, and its length is the whole list', async () => {
        const low = wav('low.wav', Float64Array.from({ length: 8000 }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 400 * i) / 8000)));
        const high = wav('high.wav', Float64Array.from({ length: 8000 }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 1600 * i) / 8000)));
        const { p, ep } = await call();
        const t0 = performance.now();
        const result = await ep.play([low, high]);
        await sleep(150);
        expect(result.playbackMilliseconds).toBeGreaterThan(1900);
        expect(result.playbackMilliseconds).toBeLessThan(2300);
        const heard = heardFloat(p, t0);
        const start = Math.max(0, heard.findIndex((v) => Math.abs(v) > 0.1));
        // First second 400 Hz, second second 1600 Hz (a little margin at the joins).
        expect(toneRatio(heard, 8000, 400, start + 400, start + 7600)).toBeGreaterThan(0.8);
        expect(toneRatio(heard, 8000, 1600, start + 8400, start + 15600)).toBeGreaterThan(0.8);
        // Sound in every 20 ms of the two seconds: no pause at the join.
        const quiet = [];
        for (let at = start; at < start + 16000 - 160; at += 160) if (level(heard, at, at + 160) < 0.1) quiet.push(at - start);
        expect(quiet).toEqual([]);
      });

      it('music on hold loops until stopped: the caller hears it again and again', async () => {
        const music = chirp(0.6);
        const file = wav('moh.wav', music);
        const { p, ep } = await call();
        const t0 = performance.now();
        const playing = ep.play(file, { loop: true });
        // Three plays and a half (20 ms packets).
        await waitFor(() => p.audio(t0).length >= 105, { what: 'the music heard three times and more' });
        ep.stop();
        const result = await playing;
        expect(result.interrupted).toBe(true);
        const heard = p.heard(t0);
        const first = matchAudio(music, heard);
        expect(first.value, 'play 1').toBeGreaterThan(0.9);
        // Each play follows the one before (a short pause at the loop point allowed).
        let start = first.lag;
        for (const play of [2, 3]) {
          const c = correlation(music, heard.subarray(start + 4800), 400, -40);
          expect(c.value, `play ${play}`).toBeGreaterThan(0.9);
          start += 4800 + c.lag;
        }
      });

      it('stop() ends a play: the promise settles and the sound stops', async () => {
        const file = wav('long.wav', chirp(6));
        const { p, ep } = await call();
        const t0 = performance.now();
        const playing = ep.play(file);
        await sleep(1000);
        const stoppedAt = performance.now();
        ep.stop();
        await playing;
        expect(performance.now() - stoppedAt).toBeLessThan(1000);
        await sleep(500);
        const heard = heardFloat(p, t0);
        const startAt = Math.max(0, heard.findIndex((v) => Math.abs(v) > 0.05));
        expect(level(heard, startAt, startAt + 4000)).toBeGreaterThan(0.1); // it was playing
        // Nothing audible from 300 ms after the stop (silence packets are fine).
        const after = p.heard(stoppedAt + 300);
        expect(level(after)).toBeLessThan(SILENT);
      });
    });

    describe('playCollect with RFC 4733 keys', () => {
      let prompt: string;
      beforeAll(() => { prompt = wav('menu.wav', chirp(1)); });

      it('collects every key 0-9 until the terminator, which it reports and does not return', async () => {
        const { p, ep, answer } = await call();
        const events: DtmfEvent[] = [];
        ep.on('dtmf', (e) => events.push(e));
        const collecting = ep.playCollect({ file: prompt, min: 1, max: 20, terminators: '#', timeout: 5000, digitTimeout: 3000 });
        await sleep(300);
        await p.press('0123456789#', { eventPt: answer.eventPt });
        const result = await collecting;
        expect(result).toMatchObject({ digits: '0123456789', terminatorUsed: '#', reason: 'terminator' });
        await sleep(100);
        expect(events.map((e) => e.dtmf).join('')).toBe('0123456789#');
        expect(events.every((e) => e.source === 'rfc4733')).toBe(true);
      });

      it('ends at max digits', async () => {
        const { p, ep } = await call();
        const collecting = ep.playCollect({ file: prompt, min: 1, max: 3, terminators: '#', timeout: 5000, digitTimeout: 3000 });
        await sleep(300);
        await p.press('483');
        expect(await collecting).toMatchObject({ digits: '483', reason: 'max-digits' });
      });

      it('times out when no key comes, counting from the end of the prompt', async () => {
        const { ep } = await call();
        const t0 = performance.now();
        const result = await ep.playCollect({ file: prompt, min: 1, max: 4, terminators: '#', timeout: 800, digitTimeout: 3000 });
        const took = performance.now() - t0;
        expect(result).toMatchObject({ digits: '', reason: 'timeout' });
        expect(took).toBeGreaterThan(1000 + 800 - 100);
        expect(took).toBeLessThan(1000 + 800 + 1500);
      });

      it('a key barges in on the prompt; then the inter-digit timeout ends collection', async () => {
        const long = wav('long-menu.wav', chirp(5));
        const { p, ep } = await call();
        const t0 = performance.now();
        const collecting = ep.playCollect({ file: long, min: 1, max: 4, terminators: '#', timeout: 5000, digitTimeout: 700 });
        await sleep(600);
        await p.press('7', { gapMs: 0 });
        const pressedAt = performance.now();
        const result = await collecting;
        const doneAt = performance.now();
        expect(result).toMatchObject({ digits: '7', reason: 'timeout' });
        expect(doneAt - pressedAt).toBeGreaterThan(700 - 150);
        expect(doneAt - t0).toBeLessThan(3500); // not the 5 s prompt and more
        // The prompt really stopped: no sound from shortly after the key.
        await sleep(100);
        expect(level(p.heard(pressedAt + 250))).toBeLessThan(SILENT);
      });
    });

    describe('record', () => {
      it('the WAV holds what the peer sent; the terminator key ends it', async () => {
        // Over 3 s: FreeSWITCH can be set to drop recordings shorter than record_min_sec.
        const voice = chirp(3, { f0: 2500, f1: 400 });
        const { p, ep, answer } = await call({ codecs: ['PCMU'] });
        const file = path.join(dir, 'message.wav');
        const recording = ep.record(file, { terminators: '#', timeLimitSecs: 20 });
        await sleep(400);
        await p.talk('PCMU', toPcm16(voice));
        await sleep(200);
        await p.press('#', { eventPt: answer.eventPt });
        const result = await recording;
        expect(result).toMatchObject({ reason: 'terminator', terminatorUsed: '#' });
        expect(result.recordMilliseconds).toBeGreaterThan(3000);
        expect(result.recordMilliseconds).toBeLessThan(6000);
        const rec = readWav(file);
        const match = matchAudio(voice, to8k(rec.samples, rec.sampleRate));
        expect(match.value).toBeGreaterThan(0.9);
        expect(match.coverage).toBeGreaterThan(0.98);
      });

      it('stops at its time limit', async () => {
        const { p, ep } = await call({ codecs: ['PCMA'] });
        const file = path.join(dir, 'limited.wav');
        const t0 = performance.now();
        const recording = ep.record(file, { timeLimitSecs: 1 });
        const talking = p.talk('PCMA', toPcm16(chirp(2.5)));
        const result = await recording;
        const took = performance.now() - t0;
        await talking;
        expect(result.reason).toBe('time-limit');
        expect(result.recordMilliseconds).toBeGreaterThan(900);
        expect(result.recordMilliseconds).toBeLessThan(1600);
        expect(took).toBeLessThan(2000);
        expect(readWav(file).durationSec).toBeLessThan(1.6);
      });
    });

    describe('record: silence and stop', () => {
      it('ends after the given seconds of silence, with no time limit', async () => {
        const { p, ep } = await call({ codecs: ['PCMA'] });
        const file = path.join(dir, 'greeting.wav');
        const recording = ep.record(file, { silenceSecs: 1 });
        await p.talk('PCMA', toPcm16(chirp(1)));
        const talking = p.talk('PCMA', new Int16Array(8000 * 2)); // the caller stopped talking; the line stays open
        const result = await recording;
        expect(result.reason).toBe('silence');
        // ~1 s of speech (less what was said before the engine started recording) + 1 s of silence.
        expect(result.recordMilliseconds).toBeGreaterThan(1700);
        expect(result.recordMilliseconds).toBeLessThan(2800);
        await talking;
        expect(heldTheEndOf(chirp(1), readWav(file))).toBeGreaterThan(0.9);
      });

      it('stop() ends a recording: interrupted, and what was said is kept', async () => {
        const { p, ep } = await call({ codecs: ['PCMU'] });
        const file = path.join(dir, 'stopped.wav');
        const recording = ep.record(file, { timeLimitSecs: 20, terminators: '#' });
        await p.talk('PCMU', toPcm16(chirp(1)));
        ep.stop();
        const result = await recording;
        expect(result.reason).toBe('interrupted');
        expect(result.recordMilliseconds).toBeGreaterThan(700);
        expect(heldTheEndOf(chirp(1), readWav(file))).toBeGreaterThan(0.9);
      });
    });

    describe('a caller that vanishes', () => {
      it("no RTP for rtpTimeoutSecs: 'rtp-timeout', then 'destroy', and the server sends nothing more", async () => {
        const { p, ep } = await call({}, { rtpTimeoutSecs: 1 });
        const events: string[] = [];
        ep.on('rtp-timeout', () => events.push('rtp-timeout'));
        ep.on('destroy', () => events.push('destroy'));
        await p.talk('PCMU', toPcm16(chirp(1.5))); // still talking: no timeout though 1.5 s > 1 s
        expect(events).toEqual([]);
        const stoppedAt = performance.now();
        await waitFor(() => events.length === 2, { what: "'rtp-timeout' and 'destroy'", timeoutMs: 5000 });
        const endedAt = performance.now();
        expect(events).toEqual(['rtp-timeout', 'destroy']);
        // At the engine's own checking pace: not before the timeout, and within a few seconds of it.
        expect(endedAt - stoppedAt).toBeGreaterThan(900);
        expect(endedAt - stoppedAt).toBeLessThan(3500);
        await sleep(300);
        expect(p.packets(performance.now() - 100)).toHaveLength(0);
      });
    });

    describe('bridge', () => {
      it('two endpoints, PCMU on one side and PCMA on the other, hear each other; keys cross; unbridge ends it', async () => {
        const caller = await call({ codecs: ['PCMU'] });
        const agent = await call({ codecs: ['PCMA'] });
        expect(caller.answer.codec).toBe('PCMU');
        expect(agent.answer.codec).toBe('PCMA');
        await caller.ep.bridge(agent.ep);
        await sleep(300);

        const callerVoice = chirp(2, { f0: 300, f1: 3000 });
        const agentVoice = chirp(2, { f0: 3000, f1: 300 });
        const t0 = performance.now();
        await Promise.all([caller.p.talk('PCMU', toPcm16(callerVoice)), agent.p.talk('PCMA', toPcm16(agentVoice))]);
        await sleep(200);
        const atAgent = agent.p.audio(t0);
        const atCaller = caller.p.audio(t0);
        expect(new Set(atAgent.map((r) => r.packet.payloadType))).toEqual(new Set([8]));
        expect(new Set(atCaller.map((r) => r.packet.payloadType))).toEqual(new Set([0]));
        const toAgent = matchAudio(callerVoice, agent.p.heard(t0));
        const toCaller = matchAudio(agentVoice, caller.p.heard(t0));
        expect(toAgent.value).toBeGreaterThan(0.9);
        expect(toAgent.coverage).toBeGreaterThan(0.95);
        expect(toCaller.value).toBeGreaterThan(0.9);
        expect(toCaller.coverage).toBeGreaterThan(0.95);

        // A key pressed by the caller reaches the agent's phone as an RFC 4733 event.
        const t1 = performance.now();
        await caller.p.press('5', { eventPt: caller.answer.eventPt });
        await sleep(300);
        expect(digitsIn(agent.p.packets(t1), agent.answer.eventPt!)).toBe('5');

        // Unbridged: the caller talks, the agent hears nothing.
        await caller.ep.unbridge();
        await sleep(300);
        const t2 = performance.now();
        await caller.p.talk('PCMU', toPcm16(chirp(1)));
        await sleep(200);
        expect(level(agent.p.heard(t2))).toBeLessThan(SILENT);
      });
    });

    describe('destroy', () => {
      it('frees the endpoint: no more RTP, even while the peer keeps sending; one \'destroy\' event; a second destroy() is harmless', async () => {
        const { p, ep } = await call();
        let destroyEvents = 0;
        ep.on('destroy', () => { destroyEvents += 1; });
        void ep.play(wav('destroyed.wav', chirp(6))).catch(() => undefined);
        await sleep(600);
        expect(p.audio().length).toBeGreaterThan(10);
        await ep.destroy();
        await sleep(300);
        const t0 = performance.now();
        await p.talk('PCMU', new Int16Array(8000)); // 1 s of the phone still sending
        await sleep(200);
        expect(p.packets(t0)).toHaveLength(0);
        await ep.destroy();
        expect(destroyEvents).toBe(1);
        // The server goes on serving new calls.
        const again = await call();
        expect(again.answer.port).toBeGreaterThan(0);
      });
    });
  });
}

