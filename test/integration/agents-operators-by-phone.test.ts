/**
 * Agents and operators from their phones, with real SIP,
 * RTP and RFC 4733 digits on loopback (baresip desk phones):
 *
 * - feature codes: *22 logs the agent out of the ACD (and a registration
 *   refresh does not log them back in), *21 logs in, *23<digits> pauses with
 *   a reason, *24 ready; a logged-out agent still takes calls to their own
 *   extension;
 * - an operator dials *77, enters the PIN, picks a slot, records a tone
 *   after the beep, listens, saves: the next caller to a flow that plays the
 *   slot hears that tone; a second recording replaces it at once (the sound
 *   cache reloads); a wrong PIN is refused, and after too many in the hour
 *   even the right one, then *77 itself; an extension that is no
 *   operator's cannot dial *77;
 * - avalanche: *78<id> from an operator's extension switches a prepared
 *   message on for its services (the next caller hears it), and off again;
 *   the operator hears, whole, "on" the first time and "off" the second.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPromptSet, promptFile } from '../../media/speech.js';
import { flowDir } from '../../server/app.js';
import { tempDir } from '../support/tmp.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { heardFor, heardMore, recordingClosed, secondsHeard, startBaresip, stopAllBaresip, toneHeard, type BaresipPhone } from '../support/baresip.js';
import { dominantFrequency, readWav, rms, writeToneWav } from '../support/audio.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { Config } from '../../config/schema.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

const PIN = '246810';
const LISTEN_NUMBER = '+46313900609'; // Lantbruk: in these tests a flow that plays the kustbanken-reklam slot
const PASSWORDS: Record<string, string> = { '1001': 'demo-1001', '1002': 'demo-1002', '1004': 'demo-1004' };

let product: RunningProduct | undefined;
let callEvents: CallEvent[] = [];

afterEach(async () => {
  await stopAllBaresip();
  const running = product;
  product = undefined;
  await running?.stop();
});

/** The recording flow as shipped, and a flow that plays slot kustbanken-reklam (else a prompt) and the avalanche messages. */
function testFlows(): string {
  const dir = tempDir('flows-');
  copyFileSync(join(flowDir(), 'inspelning.yaml'), join(dir, 'inspelning.yaml'));
  writeFileSync(join(dir, 'lyssna.yaml'), [
    'flow: lyssna',
    `numbers: ["${LISTEN_NUMBER}"]`,
    'default: true',
    'language: sv',
    'nodes:',
    '  - id: lavin',
    '    type: avalanche',
    '    next: reklam',
    '  - id: reklam',
    '    type: play',
    '    announcement: kustbanken-reklam',
    '    prompts: [goodbye]',
    '    next: slut',
    '  - id: slut',
    '    type: hangup',
    '',
  ].join('\n'));
  return dir;
}

async function start(tweak?: (c: Config) => void): Promise<RunningProduct> {
  product = await startProduct({
    flowDir: testFlows(),
    tweak: (c) => {
      c.sip.registration.minExpires = 1;
      tweak?.(c);
    },
  });
  callEvents = [];
  product.app.center.on('event', (e) => callEvents.push(e));
  return product;
}

async function phone(extension: string, opts: { toneHz?: number; regint?: number; autoAnswer?: boolean } = {}): Promise<BaresipPhone> {
  return startBaresip({
    user: extension, password: PASSWORDS[extension]!, autoAnswer: opts.autoAnswer ?? false,
    audioSource: opts.toneHz ? { toneHz: opts.toneHz, seconds: 120 } : 'silence',
    registrar: { host: '127.0.0.1', port: product!.sipPort, transport: 'udp' },
    ...(opts.regint ? { regint: opts.regint } : {}),
  });
}

/** Dials a feature code and waits for the confirmation call to be over. */
async function dialCode(p: BaresipPhone, code: string): Promise<void> {
  p.clearEvents();
  await p.dial(code);
  await p.waitEvent('CALL_ESTABLISHED', 10_000);
  await p.waitEvent('CALL_CLOSED', 15_000);
}

const state = (agent: string): string | undefined => product!.app.acd.agent(agent)?.state;

/** The beep before the take. */
const BEEP_HZ = 1000;

/**
 * Resolves once the phone hears the next prompt of an IVR that went quiet
 * when a key stopped the last one: keys pressed from then on reach the
 * prompt that asks for them.
 */
const nextPrompt = (p: BaresipPhone): Promise<void> => heardMore(p, 0.1);

/** Makes an extension one of the demo operator's phones (in the demo only 1001 is). */
function operatorAt(extension: string): (c: Config) => void {
  return (c) => { c.operators[0]!.extensions = [extension]; };
}

/** A call to *77 that enters these PINs, one try each, and waits until the flow hangs up. */
async function tryPins(operator: BaresipPhone, pins: string[]): Promise<void> {
  operator.clearEvents();
  await operator.dial('*77');
  await operator.waitEvent('CALL_ESTABLISHED', 10_000);
  for (const pin of pins) {
    await nextPrompt(operator); // enter_pin, after wrong_pin from the second try on
    await operator.sendDtmf(`${pin}#`);
  }
  await operator.waitEvent('CALL_CLOSED', 30_000);
}

/** The operator's call to *77: PIN, slot 5, a recording of the phone's tone (`toneHz`), save. */
async function recordByPhone(operator: BaresipPhone, toneHz: number): Promise<void> {
  operator.clearEvents();
  await operator.dial('*77');
  await operator.waitEvent('CALL_ESTABLISHED', 10_000);
  await heardFor(operator, 0.1); // into enter_pin
  await operator.sendDtmf(`${PIN}#`);
  await nextPrompt(operator); // the slot menu: which key records which slot
  const menuFrom = secondsHeard(operator);
  await operator.sendDtmf('5'); // slot 5: kustbanken-reklam
  // record_after_beep (5.6 s), the beep, then the phone's tone is recorded; # ends the take.
  const recordBeep = await toneHeard(operator, BEEP_HZ, { fromSec: menuFrom });
  // The operator speaks for 2 s: the length of the take, what the test plays, not a wait.
  await new Promise((r) => setTimeout(r, 2_000));
  await operator.sendDtmf('#');
  await toneHeard(operator, toneHz, { fromSec: recordBeep }); // the take played back; then save
  await operator.sendDtmf('1');
  await expect.poll(() => callEvents.some((e) => e.type === 'announcement-saved'), { timeout: 10_000 }).toBe(true);
  await operator.waitEvent('CALL_CLOSED', 15_000); // recording_saved, goodbye, our BYE
}

/** A call to the listening flow from an extension; resolves with what the phone heard. */
async function listen(listener: BaresipPhone): Promise<string> {
  listener.clearEvents();
  await listener.dial(`sip:${LISTEN_NUMBER}@127.0.0.1:${product!.sipPort}`);
  await listener.waitEvent('CALL_ESTABLISHED', 10_000);
  await listener.waitEvent('CALL_CLOSED', 30_000);
  return recordingClosed(listener);
}

/** 8 kHz samples of a WAV (a phone's dump may be at a multiple of 8 kHz). */
function at8k(file: string): Float32Array {
  const wav = readWav(file);
  const factor = Math.max(1, Math.round(wav.sampleRate / 8000));
  const out = new Float32Array(Math.floor(wav.samples.length / factor));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let k = 0; k < factor; k++) sum += wav.samples[i * factor + k]!;
    out[i] = sum / factor;
  }
  return out;
}

/**
 * How well the whole speech of a prompt (without its tail of silence) is
 * found in what a phone heard: the best normalised correlation over every
 * place it fits in the recording (0 when the recording is shorter: cut).
 */
function heardWhole(heardFile: string, prompt: string): number {
  const heard = at8k(heardFile);
  const whole = at8k(prompt);
  let end = whole.length;
  while (end > 0 && Math.abs(whole[end - 1]!) < 0.01) end--;
  const p = whole.subarray(0, end);
  let pp = 0;
  for (const v of p) pp += v * v;
  let best = 0;
  for (let lag = 0; lag + p.length <= heard.length; lag += 2) {
    let hp = 0;
    let hh = 0;
    for (let i = 0; i < p.length; i++) {
      const h = heard[lag + i]!;
      hp += h * p[i]!;
      hh += h * h;
    }
    if (hh > 0) best = Math.max(best, hp / Math.sqrt(hh * pp));
  }
  return best;
}

/** The strongest frequency in the loud part of a recording. */
function heardTone(file: string): number {
  const wav = readWav(file);
  const s = wav.samples;
  // Take the loudest second: the recording, not the silence around it.
  let best = 0;
  let bestRms = 0;
  for (let i = 0; i + wav.sampleRate <= s.length; i += wav.sampleRate / 4) {
    const r = rms(s, i, i + wav.sampleRate);
    if (r > bestRms) { bestRms = r; best = i; }
  }
  return dominantFrequency(s, wav.sampleRate, { from: best, to: best + wav.sampleRate });
}

async function expectNoCallsLeft(): Promise<void> {
  await expect.poll(() => (product!.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => product!.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
}

describe('agents from their phones: feature codes', () => {
  it('*22 logs the agent out (a registration refresh keeps them out), *21 in, *23<reason> pauses, *24 ready; logged out, their own extension still rings', async () => {
    await start();
    const erik = await phone('1002', { regint: 2, autoAnswer: true });
    await expect.poll(() => state('1002'), { timeout: 5_000 }).toBe('ready'); // logged in by registering

    await dialCode(erik, '*22');
    expect(state('1002')).toBe('logged-out');
    erik.clearEvents();
    await erik.waitEvent('REGISTER_OK', 10_000); // a REGISTER refresh (every 2 s), handled before its 200 OK
    expect(state('1002')).toBe('logged-out');

    // Logged out of the ACD, still reachable on the extension itself.
    const anna = await phone('1001');
    await anna.dial('1002');
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await anna.waitEvent('CALL_ESTABLISHED', 10_000);
    await anna.hangup();
    await erik.waitEvent('CALL_CLOSED', 10_000);
    expect(state('1002')).toBe('logged-out');

    // Pausing while logged out is refused (answered, invalid_choice, nothing changes).
    await dialCode(erik, '*23');
    expect(state('1002')).toBe('logged-out');

    await dialCode(erik, '*21');
    expect(state('1002')).toBe('ready');

    await dialCode(erik, '*2305');
    expect(product!.app.acd.agent('1002')).toMatchObject({ state: 'paused', pauseReason: '05' });

    await dialCode(erik, '*24');
    expect(state('1002')).toBe('ready');
    await expectNoCallsLeft();
  }, 60_000);

  it('a code from an extension that is not an agent changes nothing; codes from the trunk are not feature codes', async () => {
    await start((c) => { delete c.extensions.find((e) => e.extension === '1004')!.agent; });
    const oskar = await phone('1004');
    await dialCode(oskar, '*22');
    expect(product!.app.acd.agent('1004')).toBeUndefined();
    expect(product!.app.router.target('*22', true)).toMatchObject({ kind: 'reject', status: 404 });
  }, 30_000);
});

describe('operators from their phones: announcements and avalanche messages', () => {
  it('an operator records an announcement by phone (PIN, slot, beep, listen, save) and the next caller hears it; a new recording replaces it at once', async () => {
    await start(operatorAt('1002'));
    const listener = await phone('1001');
    // Before any recording: the flow's fallback prompt, no 600 Hz tone.
    const first = heardTone(await listen(listener));
    expect(Math.abs(first - 600)).toBeGreaterThan(40);

    const operator = await phone('1002', { toneHz: 600 });
    await recordByPhone(operator, 600);
    const saved = join(product!.config.dataDir, 'announcements', 'kustbanken-reklam.wav');
    expect(existsSync(saved)).toBe(true);
    const savedWav = readWav(saved);
    expect(savedWav.samples.length / savedWav.sampleRate).toBeGreaterThan(1.5);
    expect(Math.abs(heardTone(saved) - 600)).toBeLessThan(40);
    // The draft became the slot's file: none left behind.
    expect(readdirSync(join(product!.config.dataDir, 'announcements', 'drafts'))).toEqual([]);

    expect(Math.abs(heardTone(await listen(listener)) - 600)).toBeLessThan(40);

    // Recorded again with another tone: the very next caller hears the new one.
    await operator.stop();
    const operator2 = await phone('1002', { toneHz: 1100 });
    callEvents = [];
    await recordByPhone(operator2, 1100);
    const again = heardTone(await listen(listener));
    expect(Math.abs(again - 1100)).toBeLessThan(50);
    await expectNoCallsLeft();
  }, 120_000);

  it('a wrong PIN is refused three times and nothing is recorded; after five in the hour even the right PIN is, then *77 itself', async () => {
    await start(operatorAt('1002'));
    const operator = await phone('1002', { toneHz: 600 });
    await tryPins(operator, ['111111', '222222', '333333']);
    // wrong_pin after the third, goodbye, and the flow hangs up.
    expect(callEvents.some((e) => e.type === 'announcement-saved')).toBe(false);
    expect(existsSync(join(product!.config.dataDir, 'announcements', 'kustbanken-reklam.wav'))).toBe(false);
    const ended = callEvents.find((e) => e.type === 'ivr-ended');
    expect(ended).toMatchObject({ dialled: '*77' });

    // Two more wrong PINs lock the extension for the hour: the right PIN after them is refused too.
    await tryPins(operator, ['444444', '555555', PIN]);
    expect(callEvents.some((e) => e.type === 'announcement-saved')).toBe(false);
    // Now *77 is refused at once (answered, invalid_choice, hung up), no recording flow runs.
    await dialCode(operator, '*77');
    expect(callEvents.filter((e) => e.type === 'call-started' && e.dialled === '*77')).toHaveLength(2);
    await expectNoCallsLeft();
  }, 120_000);

  it('*77 from an extension that is no operator\'s is refused: no recording flow runs', async () => {
    await start();
    const erik = await phone('1002');
    await dialCode(erik, '*77');
    expect(callEvents.some((e) => e.type === 'call-started' && e.dialled === '*77')).toBe(false);
    await expectNoCallsLeft();
  }, 30_000);

  it('*78<id> from an operator\'s extension switches a prepared avalanche message on for its services, and off again', async () => {
    await start((c) => {
      c.avalanche = [{ id: '1', services: ['Lantbruk'], slot: 'lavin-1' }, { id: '2', services: ['Växel'], slot: 'lavin-2' }];
    });
    const dir = join(product!.config.dataDir, 'announcements');
    mkdirSync(dir, { recursive: true });
    writeToneWav(join(dir, 'lavin-1.wav'), { hz: 1300, seconds: 2, amplitude: 0.5 });
    writeToneWav(join(dir, 'lavin-2.wav'), { hz: 400, seconds: 2, amplitude: 0.5 });
    const anna = await phone('1001'); // operator: true in the demo configuration
    const erik = await phone('1002'); // not an operator

    await dialCode(erik, '*781');
    expect(product!.app.avalanche.get('1')?.on, 'never switched on yet').toBeFalsy();

    const prompts = loadPromptSet();
    const onPrompt = promptFile(prompts, 'sv', 'avalanche_on');
    const offPrompt = promptFile(prompts, 'sv', 'avalanche_off');
    await dialCode(anna, '*781');
    expect(product!.app.avalanche.get('1')?.on).toBe(true);
    // Anna heard "on", all of it, before the call ended.
    const heardOn = await recordingClosed(anna);
    expect(heardWhole(heardOn, onPrompt)).toBeGreaterThan(0.95);
    expect(heardWhole(heardOn, onPrompt)).toBeGreaterThan(heardWhole(heardOn, offPrompt) + 0.05);
    // Kept in the running configuration (every instance sees it), audited as the operator's.
    expect(product!.app.running.current.operational.avalanche.find((m) => m.id === '1')?.on).toBe(true);
    const audit = await product!.app.running.auditPage({ limit: 1 });
    expect(audit.records[0]).toMatchObject({ actor: expect.stringMatching(/^phone:/), summary: 'avalanche message 1 switched on' });

    const heard = heardTone(await listen(erik));
    expect(Math.abs(heard - 1300)).toBeLessThan(50);
    expect(callEvents.some((e) => e.type === 'avalanche-played' && e.messageIds.includes('1') && !e.messageIds.includes('2'))).toBe(true);

    await dialCode(anna, '*781');
    expect(product!.app.avalanche.get('1')?.on).toBe(false);
    const heardOff = await recordingClosed(anna);
    expect(heardOff).not.toBe(heardOn);
    expect(heardWhole(heardOff, offPrompt)).toBeGreaterThan(0.95);
    expect(heardWhole(heardOff, offPrompt)).toBeGreaterThan(heardWhole(heardOff, onPrompt) + 0.05);
    callEvents = [];
    const after = heardTone(await listen(erik));
    expect(Math.abs(after - 1300)).toBeGreaterThan(50);
    expect(callEvents.some((e) => e.type === 'avalanche-played')).toBe(false);
    await expectNoCallsLeft();
  }, 90_000);
});
