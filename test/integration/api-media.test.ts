/**
 * Avalanche messages and announcements through the API, on the wire: the
 * product as it runs, real HTTP to its API, and callers from the operator
 * network over real SIP with their RTP recorded (test/support/trunk-caller.ts).
 *
 * - An operator uploads a recording and switches an avalanche message on
 *   for Kundtjänst through the API: the next caller to Kundtjänst hears
 *   that recording; a caller to Växel does not.
 * - An uploaded MP3 becomes a queue's brand message: the next caller
 *   waiting in that queue hears it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../server/calls/events.js';
import { chirp, encodeWav, heardWhole, pcmWav, readWav, type Wav } from '../support/audio.js';
import { signInEachRole, type RoleCredentials } from '../support/api.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { tempDir } from '../support/tmp.js';
import { TrunkCaller } from '../support/trunk-caller.js';
import { waitFor } from '../support/wait.js';

const KUNDTJANST = '+46313900601';
const VAXEL = '+46313900600';
const FORETAG = '+46313900602';

let product: RunningProduct;
let credentials: RoleCredentials;
let base: string;
const events: CallEvent[] = [];

/** Every service but Företag: avalanche messages, then goodbye. Företag: its queue, with the brand message every second. */
function flows(): string {
  const dir = tempDir('flows-');
  writeFileSync(join(dir, 'lavin.yaml'), [
    'flow: lavin', 'default: true', 'language: sv', 'nodes:',
    '  - { id: lavin, type: avalanche, next: hejda }',
    '  - { id: hejda, type: play, prompts: [goodbye], next: slut }',
    '  - { id: slut, type: hangup }', '',
  ].join('\n'));
  writeFileSync(join(dir, 'foretag.yaml'), [
    'flow: foretag', `numbers: ["${FORETAG}"]`, 'language: sv', 'nodes:',
    '  - id: ko',
    '    type: queue',
    '    queue: foretag',
    '    announceEverySeconds: 0',
    '    brandMessages: [reklam-mp3]',
    '    brandMessageEverySeconds: 1', '',
  ].join('\n'));
  return dir;
}

beforeAll(async () => {
  product = await startProduct({
    flowDir: flows(),
    tweak: (c) => { c.avalanche = [{ id: '1', services: ['Kundtjänst'], slot: 'lavin-api' }]; },
  });
  product.app.center.on('event', (e) => events.push(e));
  credentials = await signInEachRole(product.app.api, 'test-admin-password');
  base = `http://127.0.0.1:${product.config.http.port}/api/v1`;
}, 30_000);
afterAll(async () => { await product?.stop(); });

/** PUT /announcements/{slot} over real HTTP, as the operator, a file as a browser's form sends it. */
async function upload(slot: string, filename: string, bytes: Buffer): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), filename);
  return fetch(`${base}/announcements/${slot}`, { method: 'PUT', headers: credentials.bearer.operator, body: form });
}

/** What the slot plays, as the API gives it to listen to. */
async function download(slot: string): Promise<Wav> {
  const res = await fetch(`${base}/announcements/${slot}/audio`, { headers: credentials.bearer.operator });
  expect(res.status).toBe(200);
  const file = join(tempDir('download-'), `${slot}.wav`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const wav = readWav(file);
  expect(wav.sampleRate).toBe(8000);
  return wav;
}

/** A call from the operator network that the flow ends: what the caller heard, and its call id. */
async function callUntilBye(number: string, caller: string): Promise<{ heard: Int16Array; callId: string }> {
  const call = await TrunkCaller.call(product.sipPort, number, caller);
  try {
    await call.waitForBye(20_000);
  } finally {
    await call.hangUp();
  }
  const started = events.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started' && e.caller.endsWith(caller.slice(1)));
  expect(started, `the product's call-started event for ${caller}`).toBeDefined();
  return { heard: call.rtp.heard(), callId: started!.callId };
}

describe('an avalanche message switched on through the API', () => {
  it('the next caller to its service hears the uploaded recording; a caller to another service does not', async () => {
    const recording = chirp(1.5, { rate: 16_000, f0: 400, f1: 2800 });
    expect((await upload('lavin-api', 'lavin.wav', encodeWav(recording, 16_000))).status).toBe(200);
    const on = await fetch(`${base}/avalanche/1/on`, { method: 'POST', headers: credentials.bearer.operator });
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({ id: '1', on: true, inForce: true, recorded: true });
    const plays = await download('lavin-api');

    const kund = await callUntilBye(KUNDTJANST, '+46701740661');
    expect(heardWhole(pcmWav(kund.heard), plays), 'the Kundtjänst caller heard the whole avalanche recording').toBeDefined();
    expect(events.some((e) => e.type === 'avalanche-played' && e.callId === kund.callId && e.messageIds.includes('1'))).toBe(true);

    const vaxel = await callUntilBye(VAXEL, '+46701740662');
    expect(vaxel.heard.length, 'the Växel caller heard the goodbye').toBeGreaterThan(4000);
    expect(heardWhole(pcmWav(vaxel.heard), plays)).toBeUndefined();
    expect(events.some((e) => e.type === 'avalanche-played' && e.callId === vaxel.callId)).toBe(false);

    const figures = await (await fetch(`${base}/avalanche/1`, { headers: credentials.bearer.supervisor })).json() as { played: number };
    expect(figures.played).toBe(1);
  }, 60_000);
});

describe('an uploaded MP3 as a brand message', () => {
  it('the next caller waiting in the queue hears it', async () => {
    const dir = tempDir('mp3-');
    const original = chirp(1.2, { rate: 16_000, f0: 500, f1: 2500 });
    writeFileSync(join(dir, 'reklam.wav'), encodeWav(original, 16_000));
    try {
      execFileSync('sox', [join(dir, 'reklam.wav'), join(dir, 'reklam.mp3')], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`sox cannot make an MP3 here: install libsox-fmt-mp3 (scripts/test-deps.sh does). ${(err as { stderr?: Buffer }).stderr?.toString() ?? ''}`);
    }
    const res = await upload('reklam-mp3', 'reklam.mp3', readFileSync(join(dir, 'reklam.mp3')));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ slot: 'reklam-mp3', recorded: true, uses: [{ kind: 'queue', flow: 'foretag', node: 'ko', queue: 'foretag' }] });
    const plays = await download('reklam-mp3');
    expect(plays.durationSec).toBeGreaterThan(1.1);

    const call = await TrunkCaller.call(product.sipPort, FORETAG, '+46701740663');
    try {
      await waitFor(() => events.some((e) => e.type === 'brand-message-played' && e.slot === 'reklam-mp3'), { what: 'the brand message played', timeoutMs: 10_000 });
      // All of it heard: 1.2 s after it started, and a little more.
      const started = call.rtp.heard().length;
      await waitFor(() => call.rtp.heard().length > started + 1.5 * 8000, { what: 'the brand message heard to its end', timeoutMs: 10_000 });
    } finally {
      await call.hangUp();
    }
    expect(heardWhole(pcmWav(call.rtp.heard()), plays), 'the waiting caller heard the whole MP3 brand message').toBeDefined();
  }, 60_000);
});
