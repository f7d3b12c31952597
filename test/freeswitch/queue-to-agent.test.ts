/**
 * The call a customer makes, on the production engines: the product
 * (startApp) behind a real drachtio-server with a real FreeSWITCH for media.
 * A caller from the operator network dials card blocking (straight to the
 * "kort" queue), hears the queue's music play through and start again, then
 * Erik's desk phone (baresip, registered through drachtio-server) comes in
 * and answers; caller and agent hear each other (cross-correlation of what
 * each sent with what the other heard), and keys the caller presses reach
 * the agent's phone as RFC 4733 events.
 *
 * Run with vitest.freeswitch.config.ts and the variables listed in
 * media-freeswitch.test.ts (FREESWITCH_HOST, DRACHTIO_HOST, ...), and:
 *   DRACHTIO_SIP_PORT: where drachtio-server takes SIP on DRACHTIO_HOST
 *     (its --contact; default 5060). Callers and phones run on this
 *     machine, so drachtio-server, FreeSWITCH's RTP and this machine must
 *     reach each other on the loopback or a LAN.
 * FreeSWITCH reads the product's prompts and writes its recordings at the
 * product's own paths: it runs on this machine, or sees them at the same
 * paths.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import { loadConfig } from '../../server/config/load.js';
import { loadPromptSet, musicFile } from '../../media/speech.js';
import { chirp, correlation, encodeWav, readWav, toPcm16 } from '../support/audio.js';
import { startBaresip, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { ERIK, setUpKort, CARD_NUMBER } from '../support/callbacks.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { level, to8k } from '../support/rtp-peer.js';
import { tempDir } from '../support/tmp.js';
import { TrunkCaller } from '../support/trunk-caller.js';
import { waitFor } from '../support/wait.js';

/** What each side says, over and over: two chirps that sound nothing alike. */
const CALLER_VOICE = chirp(2, { f0: 300, f1: 3000 });
const AGENT_VOICE = chirp(2, { f0: 3000, f1: 300 });

let product: RunningProduct | undefined;
let caller: TrunkCaller | undefined;
let talking = false;
let talk: Promise<void> = Promise.resolve();

afterAll(async () => {
  talking = false;
  await talk;
  await caller?.hangUp();
  await stopAllBaresip();
  await product?.stop();
});

/** The repo's flows with the card-blocking queue announcing only on entry, so the music runs on unbroken. */
function flowsWithMusicOnly(): string {
  const dir = tempDir('flows-');
  cpSync(flowDir(), dir, { recursive: true });
  const file = join(dir, 'kort-och-sparr.yaml');
  const text = readFileSync(file, 'utf8');
  if (!/announceEverySeconds: \d+/.test(text)) throw new Error(`${file} no longer sets announceEverySeconds`);
  writeFileSync(file, text.replace(/announceEverySeconds: \d+/, 'announceEverySeconds: 0'));
  return dir;
}

/** Where `sound` starts in `heard` at or after `from` (samples), searching `span` samples on, and how well it matches there. */
function find(sound: ArrayLike<number>, heard: Int16Array, from: number, span: number): { at: number; value: number } {
  const window = Float64Array.from(heard.subarray(from, from + span + sound.length), (v) => v / 32768);
  const c = correlation(sound, window, span, 0);
  return { at: from + c.lag, value: c.value };
}

/**
 * In how many of three turns of a voice said over and over (from 1 s into `heard`) its first half second is
 * heard, matched by cross-correlation. A loaded machine may drop a packet on the way now and then: two of three
 * turns heard clearly is a voice that gets through, noise or silence none.
 */
function timesHeard(voice: Float64Array, heard: Int16Array): number {
  const piece = voice.subarray(0, 4000);
  return [0, 1, 2].filter((turn) => find(piece, heard, 8000 + turn * voice.length, voice.length).value > 0.9).length;
}

describe('a caller queues for an agent, on drachtio-server and FreeSWITCH', () => {
  it('hears the music loop, then the agent answers: both hear each other, keys reach the agent', async () => {
    const env = loadConfig({ env: process.env });
    if (!env.freeswitch.host || !env.drachtio.host) throw new Error('FREESWITCH_HOST and DRACHTIO_HOST must be set');
    const sipPort = Number(process.env.DRACHTIO_SIP_PORT || 5060);
    product = await startProduct({
      flowDir: flowsWithMusicOnly(),
      tweak: (c) => {
        c.drachtio = env.drachtio;
        c.freeswitch = env.freeswitch;
        setUpKort(c);
      },
    });
    expect(product.app.sipd).toBeUndefined();

    // The caller talks all along, as a phone sends RTP all along (FreeSWITCH ends a silent leg: rtp.timeoutSeconds).
    const c = caller = await TrunkCaller.call(sipPort, CARD_NUMBER, '+46701740651');
    const calledAt = performance.now();
    talking = true;
    talk = (async () => {
      while (talking) await c.rtp.talk('PCMU', toPcm16(CALLER_VOICE));
    })();

    // The music, heard from its opening, then from its opening again one whole play later. Searched once the caller
    // has heard it all: a long search holds up this process, and with it the caller's RTP.
    const music = readWav(musicFile(loadPromptSet(), 'default'));
    const musicSamples = to8k(music.samples, music.sampleRate);
    const opening = musicSamples.subarray(0, 8000 * 1.5);
    const announcement = 8000 * 15; // the entry announcement (position, wait) is shorter than this
    await waitFor(() => c.rtp.audio(calledAt).length * 160 >= announcement + musicSamples.length + 8000 * 4, {
      what: 'the caller to hear the music through and start again', timeoutMs: (announcement + musicSamples.length) / 8 + 30_000,
    });
    const inQueue = c.rtp.heard(calledAt);
    const first = find(opening, inQueue, 0, announcement);
    expect(first.value, 'the music heard from its opening').toBeGreaterThan(0.8);
    // Within a second of one play later: a glitch on a loaded machine may shift what the caller hears by a packet or two.
    const second = find(opening, inQueue, first.at + musicSamples.length - 8000, 16000);
    expect(second.value, 'the music heard again from its opening, one play later').toBeGreaterThan(0.8);
    expect(c.hungUpOn).toBe(false);

    // Erik's phone comes in: it registers through drachtio-server, is offered the call and answers.
    const agentWav = join(tempDir('agent-'), 'agent.wav');
    writeFileSync(agentWav, encodeWav(Float64Array.from({ length: AGENT_VOICE.length * 30 }, (_, i) => AGENT_VOICE[i % AGENT_VOICE.length]!), 8000));
    const erik: BaresipPhone = await startBaresip({
      user: ERIK, password: 'demo-1002', autoAnswer: true, audioSource: agentWav,
      registrar: { host: env.drachtio.host, port: sipPort, transport: 'udp' },
    });
    await erik.waitEvent('CALL_ESTABLISHED', 20_000);
    const bridgedAt = performance.now();

    // The caller hears the agent.
    await waitFor(() => c.rtp.heard(bridgedAt).length >= 8000 * 8, { what: 'the caller to hear 8 s of the agent', timeoutMs: 20_000 });
    expect(timesHeard(AGENT_VOICE, c.rtp.heard(bridgedAt)), "the agent's voice at the caller").toBeGreaterThanOrEqual(2);

    // Keys the caller presses reach the agent's phone.
    await c.press('159#');
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) keys.push((await erik.waitEvent('CALL_DTMF_START', 5_000)).param ?? '');
    expect(keys.join('')).toBe('159#');

    // The caller hangs up; what the agent's phone received holds the caller's voice.
    talking = false;
    await talk;
    await c.hangUp();
    caller = undefined;
    await erik.waitEvent('CALL_CLOSED', 10_000);
    const received = readWav(erik.recordings().dec.at(-1)!);
    const atAgent = Int16Array.from(to8k(received.samples, received.sampleRate), (v) => Math.round(v * 32767));
    expect(level(atAgent)).toBeGreaterThan(0.05);
    expect(timesHeard(CALLER_VOICE, atAgent), "the caller's voice at the agent").toBeGreaterThanOrEqual(2);
  }, 150_000);
});
