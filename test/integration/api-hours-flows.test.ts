/**
 * Opening-hour exceptions and flows changed through the API, over real
 * HTTP, heard by callers with real SIP and RTP on loopback. The product
 * runs the demo company's flows on a clock moved to Wednesday 2 December
 * 2026, 10:00 in Stockholm (test/support/clock.ts): every service is open.
 *
 * - An operator closes Växel now (POST .../closed-now): the next caller to
 *   Växel hears its closed message (a tone recorded in the vaxel-stangt
 *   slot) and is hung up on, while a caller to Kundtjänst still reaches
 *   its queue. Deleting the exception opens Växel again for the next call.
 * - An admin replaces the Kort och spärr flow (PUT /flows/kort-och-sparr)
 *   while a caller is in it: that caller keeps the old version (a tone,
 *   then the queue), the next caller gets the new one (another tone, then
 *   goodbye). Each version's tone tells which one a caller heard.
 * - With a flow whose hours node comes after a 4 s play, an operator
 *   closes the service while a caller is in the play: that caller's hours
 *   node still finds it open (the call keeps the exceptions it started
 *   with), the next caller's finds it closed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';
import { readWav, toneRatio, writeToneWav } from '../support/audio.js';
import { recordingClosed, startBaresip, stopAllBaresip, toneHeard, type BaresipPhone } from '../support/baresip.js';
import { ShiftedClock } from '../support/clock.js';
import { startProduct, TEST_ADMIN_PASSWORD, type RunningProduct } from '../support/product.js';

const VAXEL = '+46313900600';
const KUNDTJANST = '+46313900601';
const CARDS = '+46313900603';
const CLOSED_HZ = 900;
const VERSION_1_HZ = 600;
const VERSION_2_HZ = 1400;

let product: RunningProduct;
let base: string;
let admin: Record<string, string>;
let operator: Record<string, string>;
const acdEvents: AcdEvent[] = [];
const callEvents: CallEvent[] = [];

async function signIn(name: string, password: string): Promise<Record<string, string>> {
  const res = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  expect(res.status).toBe(200);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]! };
}

function send(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  return fetch(`${base}/api/v1${path}`, {
    method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function phone(user: string): Promise<BaresipPhone> {
  return startBaresip({ user, password: `demo-${user}`, audioSource: 'silence', registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' } });
}

/** Dials a number; resolves with the call id once answered. */
async function dial(caller: BaresipPhone, number: string): Promise<string> {
  const started = callEvents.filter((e) => e.type === 'call-started').length;
  caller.clearEvents();
  await caller.dial(`sip:${number}@127.0.0.1:${product.sipPort}`);
  await caller.waitEvent('CALL_ESTABLISHED', 10_000);
  await expect.poll(() => callEvents.filter((e) => e.type === 'call-started').length, { timeout: 5_000 }).toBeGreaterThan(started);
  return callEvents.filter((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started').at(-1)!.callId;
}

const nodesOf = (callId: string): string[] => callEvents.flatMap((e) => (e.type === 'ivr-node' && e.callId === callId ? [e.node] : []));
const queued = (queueId: string): number => acdEvents.filter((e) => e.type === 'queued' && e.entry.queueId === queueId).length;

/** The share of the first `seconds` of the caller's latest call that is the tone. */
function heard(caller: BaresipPhone, hz: number, seconds: number): number {
  const wav = readWav(caller.recordings().dec.at(-1)!);
  return toneRatio(wav.samples, wav.sampleRate, hz, 0, Math.min(wav.samples.length, seconds * wav.sampleRate));
}

async function nothingLeft(): Promise<void> {
  await expect.poll(() => (product.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
}

beforeAll(async () => {
  product = await startProduct({ clock: new ShiftedClock('2026-12-02T10:00:00+01:00') });
  product.app.acd.on((e) => acdEvents.push(e));
  product.app.center.on('event', (e) => callEvents.push(e));
  const slots = join(product.config.dataDir, 'announcements');
  mkdirSync(slots, { recursive: true });
  writeToneWav(join(slots, 'vaxel-stangt.wav'), { hz: CLOSED_HZ, seconds: 2, amplitude: 0.5 });
  writeToneWav(join(slots, 'version-1.wav'), { hz: VERSION_1_HZ, seconds: 4, amplitude: 0.5 });
  writeToneWav(join(slots, 'version-2.wav'), { hz: VERSION_2_HZ, seconds: 2, amplitude: 0.5 });
  base = `http://127.0.0.1:${product.config.http.port}`;
  admin = await signIn('admin', TEST_ADMIN_PASSWORD);
  const made = await send('POST', '/users', admin, { name: 'olga', role: 'operator', password: 'operator-password-1' });
  expect(made.status).toBe(201);
  operator = await signIn('olga', 'operator-password-1');
}, 30_000);

afterAll(async () => {
  await stopAllBaresip();
  await product?.stop();
});

describe('an operator closes a service now through the API', () => {
  it('the next caller to Växel hears the closed message; Kundtjänst is still open; deleting the exception opens Växel again', async () => {
    const vaxel = `/services/${encodeURIComponent('Växel')}/hours`;
    const closed = await send('POST', `${vaxel}/closed-now`, operator, { note: 'the switchboard is down' });
    expect(closed.status).toBe(201);
    const exception = await closed.json() as { date: string; hours: string };
    expect(exception).toMatchObject({ date: '2026-12-02', hours: expect.stringMatching(/^closed from 10:0\d$/) });
    expect((await (await send('GET', vaxel, operator)).json() as { openNow: { open: boolean } }).openNow.open).toBe(false);

    const caller = await phone('1005');
    const closedCall = await dial(caller, VAXEL);
    await caller.waitEvent('CALL_CLOSED', 20_000); // we hang up, not the caller
    await recordingClosed(caller);
    expect(nodesOf(closedCall)).toEqual(['oppettider', 'stangt', 'hejda']);
    expect(heard(caller, CLOSED_HZ, 2)).toBeGreaterThan(0.3);
    expect(queued('vaxel')).toBe(0);

    const openCall = await dial(caller, KUNDTJANST);
    await expect.poll(() => queued('kundtjanst'), { timeout: 15_000 }).toBe(1);
    expect(nodesOf(openCall)).toEqual(['oppettider', 'lavin', 'halsning', 'ko']);
    await caller.hangup();
    await caller.waitEvent('CALL_CLOSED', 10_000);

    expect((await send('DELETE', `${vaxel}/exceptions/${exception.date}`, operator)).status).toBe(204);
    const reopened = await dial(caller, VAXEL);
    await expect.poll(() => nodesOf(reopened), { timeout: 10_000 }).toEqual(expect.arrayContaining(['oppettider', 'lavin']));
    expect(nodesOf(reopened)).not.toContain('stangt');
    await caller.hangup();
    await caller.waitEvent('CALL_CLOSED', 10_000);
    await caller.stop();
    await nothingLeft();
  }, 90_000);
});

const cardFlow = (lines: string[]): string => ['flow: kort-och-sparr', 'services: [Kort och spärr]', 'language: sv', 'nodes:', ...lines, ''].join('\n');

describe('an admin replaces a flow through the API while a call is in it', () => {
  const flow = cardFlow;
  const version1 = flow(['  - id: hej', '    type: play', '    announcement: version-1', '    next: ko',
    '  - id: ko', '    type: queue', '    queue: kort', '    music: default', '    announceEverySeconds: 0']);
  const version2 = flow(['  - id: hej', '    type: play', '    announcement: version-2', '    next: slut', '  - id: slut', '    type: hangup']);

  it('the call in progress keeps the old flow to its end; the next call runs the new one', async () => {
    expect((await send('PUT', '/flows/kort-och-sparr', admin, { yaml: version1 })).status).toBe(200);
    const first = await phone('1005');
    const firstCall = await dial(first, CARDS);
    await toneHeard(first, VERSION_1_HZ); // in version 1's 4 s play

    const replaced = await send('PUT', '/flows/kort-och-sparr', admin, { yaml: version2 });
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as { yaml: string }).yaml).toBe(version2);

    // The first call goes on in version 1: the rest of its play, then the queue.
    await expect.poll(() => queued('kort'), { timeout: 10_000 }).toBe(1);
    expect(nodesOf(firstCall)).toEqual(['hej', 'ko']);

    const second = await phone('1006');
    const secondCall = await dial(second, CARDS);
    await second.waitEvent('CALL_CLOSED', 15_000);
    await recordingClosed(second);
    expect(nodesOf(secondCall)).toEqual(['hej', 'slut']);
    expect(heard(second, VERSION_2_HZ, 2)).toBeGreaterThan(0.3);
    expect(heard(second, VERSION_1_HZ, 2)).toBeLessThan(0.05);
    expect(queued('kort')).toBe(1);
    await second.stop();

    expect(first.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);
    await first.hangup();
    await first.waitEvent('CALL_CLOSED', 10_000);
    await recordingClosed(first);
    expect(heard(first, VERSION_1_HZ, 3)).toBeGreaterThan(0.3);
    await expect.poll(() => acdEvents.some((e) => e.type === 'abandoned' && e.queueId === 'kort'), { timeout: 5_000 }).toBe(true);
    await first.stop();
    await nothingLeft();
  }, 90_000);
});

describe('an exception added while a call is in the flow', () => {
  const playThenHours = cardFlow([
    '  - id: hej', '    type: play', '    announcement: version-1', '    next: tider',
    '  - id: tider', '    type: hours', '    timezone: Europe/Stockholm', '    holidays: none',
    '    weekly: { mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00" }',
    '    branches: { open: ko, closed: slut }',
    '  - id: ko', '    type: queue', '    queue: kort', '    music: default', '    announceEverySeconds: 0',
    '  - id: slut', '    type: hangup',
  ]);

  it('the call in progress keeps the exceptions it started with; the next call sees the new one', async () => {
    const service = `/services/${encodeURIComponent('Kort och spärr')}/hours`;
    expect((await send('PUT', '/flows/kort-och-sparr', admin, { yaml: playThenHours })).status).toBe(200);
    const queuedBefore = queued('kort');
    const first = await phone('1005');
    const firstCall = await dial(first, CARDS);
    await toneHeard(first, VERSION_1_HZ); // in the 4 s play, before the hours node

    const closed = await send('POST', `${service}/closed-now`, operator, {});
    expect(closed.status).toBe(201);
    await expect.poll(() => queued('kort'), { timeout: 10_000 }).toBe(queuedBefore + 1);
    expect(nodesOf(firstCall)).toEqual(['hej', 'tider', 'ko']);

    const second = await phone('1006');
    const secondCall = await dial(second, CARDS);
    await second.waitEvent('CALL_CLOSED', 15_000);
    expect(nodesOf(secondCall)).toEqual(['hej', 'tider', 'slut']);
    expect(queued('kort')).toBe(queuedBefore + 1);
    await second.stop();

    await first.hangup();
    await first.waitEvent('CALL_CLOSED', 10_000);
    await first.stop();
    const { date } = await closed.json() as { date: string };
    expect((await send('DELETE', `${service}/exceptions/${date}`, operator)).status).toBe(204);
    await nothingLeft();
  }, 90_000);
});
