/**
 * What a waiting caller hears, on the wire: a caller waits in a queue with
 * nobody logged in, and hears their place in line, then brand messages (the
 * operator's recordings, round robin) every 2 s of waiting with music on
 * hold between them. Real SIP and RTP on loopback: Sara's desk phone (1005,
 * baresip, in none of these queues) is the caller and records what she
 * hears; the brand messages are tones, so they can be told apart in it.
 *
 * The flows are the demo's queue nodes without opening hours (which would
 * make the file depend on the clock), written to a temp dir:
 * - Kundtjänst: brand messages kampanj-a and kampanj-b, both recorded;
 * - Växel: kustbanken-reklam (not recorded, as in a fresh installation)
 *   and kampanj-b;
 * - Kort och spärr: a maximum wait of 3 s, then the overflow branch plays
 *   kampanj-a and hangs up; the contact record has the stay as overflowed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProduct, type RunningProduct } from '../support/product.js';
import { heardFor, recordingClosed, startListeningPhone, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { waitFor } from '../support/wait.js';
import { readWav, rms, toneRatio, writeToneWav, type Wav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';
import { createLogger } from '../../server/log.js';
import { SQLITE_FILE } from '../../server/history/open.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

const KUNDTJANST = '+46313900601';
const VAXEL = '+46313900600';
const TONE_A = 1700;
const TONE_B = 2300;
const EVERY = 2;
const KORT = '+46313900603';
const MAX_WAIT = 3;

let product: RunningProduct;
let sara: BaresipPhone;
const callEvents: CallEvent[] = [];
const acdEvents: AcdEvent[] = [];
const logLines: Array<Record<string, unknown>> = [];

function flows(): string {
  const dir = tempDir('queue-experience-flows-');
  const flow = (name: string, service: string, queue: string, slots: string[], extra: string[] = []): string => [
    `flow: ${name}`, `services: [${service}]`, ...extra, 'language: sv', 'nodes:',
    '  - id: ko', '    type: queue', `    queue: ${queue}`, '    music: default', '    announceEverySeconds: 60',
    `    brandMessages: [${slots.join(', ')}]`, `    brandMessageEverySeconds: ${EVERY}`, '',
  ].join('\n');
  writeFileSync(join(dir, 'kundtjanst.yaml'), flow('kundtjanst', 'Kundtjänst', 'kundtjanst', ['kampanj-a', 'kampanj-b'], ['default: true']));
  writeFileSync(join(dir, 'vaxel.yaml'), flow('vaxel', 'Växel', 'vaxel', ['kustbanken-reklam', 'kampanj-b']));
  writeFileSync(join(dir, 'kort-och-sparr.yaml'), [
    'flow: kort-och-sparr', 'services: [Kort och spärr]', 'language: sv', 'nodes:',
    '  - id: ko', '    type: queue', '    queue: kort', '    music: default', '    announceEverySeconds: 60',
    `    maxWaitSeconds: ${MAX_WAIT}`, '    branches: { overflow: forbi }',
    '  - id: forbi', '    type: play', '    announcement: kampanj-a', '    next: slut',
    '  - id: slut', '    type: hangup', '',
  ].join('\n'));
  return dir;
}

/** Sara calls the number, stays `stayMs`, hangs up; returns what she heard and the call's id. */
async function waitInQueue(number: string, stayMs: number): Promise<{ heard: Wav; callId: string }> {
  const startedBefore = callEvents.filter((e) => e.type === 'call-started').length;
  sara.clearEvents();
  await sara.dial(`sip:${number}@127.0.0.1:${product.sipPort}`);
  await sara.waitEvent('CALL_ESTABLISHED', 10_000);
  await heardFor(sara, stayMs / 1000);
  await sara.hangup();
  await sara.waitEvent('CALL_CLOSED', 10_000);
  const heard = readWav(await recordingClosed(sara));
  const started = callEvents.filter((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started');
  expect(started).toHaveLength(startedBefore + 1);
  return { heard, callId: started.at(-1)!.callId };
}

const FRAME_SECONDS = 0.1;
type Sound = 'a' | 'b' | 'sound' | 'quiet';

/** What each 100 ms of the recording is: one of the two tones, some other sound (music, speech), or quiet. */
function listenTo(wav: Wav): Sound[] {
  const frame = Math.round(wav.sampleRate * FRAME_SECONDS);
  const out: Sound[] = [];
  for (let from = 0; from + frame <= wav.samples.length; from += frame) {
    const to = from + frame;
    if (toneRatio(wav.samples, wav.sampleRate, TONE_A, from, to) > 0.6) out.push('a');
    else if (toneRatio(wav.samples, wav.sampleRate, TONE_B, from, to) > 0.6) out.push('b');
    else out.push(rms(wav.samples, from, to) > 0.02 ? 'sound' : 'quiet');
  }
  return out;
}

/** The runs of a tone at least 0.6 s long: [start, end) in seconds. */
function runsOf(sounds: Sound[], tone: 'a' | 'b'): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start: number | undefined;
  sounds.forEach((s, i) => {
    if (s === tone && start === undefined) start = i;
    if (s !== tone && start !== undefined) {
      if (i - start >= 6) runs.push([start * FRAME_SECONDS, i * FRAME_SECONDS]);
      start = undefined;
    }
  });
  if (start !== undefined && sounds.length - start >= 6) runs.push([start * FRAME_SECONDS, sounds.length * FRAME_SECONDS]);
  return runs;
}

/** Share of the frames in [from, to) s that are music (or any sound that is not one of the tones). */
function musicBetween(sounds: Sound[], from: number, to: number): number {
  const part = sounds.slice(Math.ceil(from / FRAME_SECONDS) + 1, Math.floor(to / FRAME_SECONDS) - 1);
  return part.length === 0 ? 0 : part.filter((s) => s === 'sound').length / part.length;
}

/** Sara waits in line: what she heard, 100 ms at a time, and the runs of each brand tone in it (`where`: the same, for a failure's message). */
async function brandMessagesHeard(number: string, stayMs: number) {
  const { heard, callId } = await waitInQueue(number, stayMs);
  const sounds = listenTo(heard);
  const a = runsOf(sounds, 'a');
  const b = runsOf(sounds, 'b');
  return { callId, sounds, a, b, where: `a at ${JSON.stringify(a)}, b at ${JSON.stringify(b)}` };
}

const brandPlayed = (callId: string): Array<Extract<CallEvent, { type: 'brand-message-played' }>> =>
  callEvents.filter((e): e is Extract<CallEvent, { type: 'brand-message-played' }> => e.type === 'brand-message-played' && e.callId === callId);

async function expectNothingLeft(): Promise<void> {
  await expect.poll(() => (product.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => product.app.sipd!.stats.dialogs, { timeout: 5_000 }).toBeLessThanOrEqual(0);
  for (const q of product.app.acd.snapshot().queues) expect(q.entries, q.id).toEqual([]);
}

beforeAll(async () => {
  product = await startProduct({
    flowDir: flows(),
    logger: createLogger('warn', { write: (line: string) => { logLines.push(JSON.parse(line) as Record<string, unknown>); } }),
  });
  product.app.center.on('event', (e) => callEvents.push(e));
  product.app.acd.on((e) => acdEvents.push(e));
  const dir = join(product.config.dataDir, 'announcements');
  mkdirSync(dir, { recursive: true });
  writeToneWav(join(dir, 'kampanj-a.wav'), { hz: TONE_A, seconds: 1, amplitude: 0.5 });
  writeToneWav(join(dir, 'kampanj-b.wav'), { hz: TONE_B, seconds: 1, amplitude: 0.5 });
  sara = await startListeningPhone(product.sipPort);
}, 30_000);

afterAll(async () => {
  await stopAllBaresip();
  await product?.stop();
});

describe('what a waiting caller hears: place in line, brand messages, music on hold', () => {
  it('with nobody to answer, the caller hears their place, then the brand messages in turn every 2 s with music between them', async () => {
    const { callId, sounds, a, b, where } = await brandMessagesHeard(KUNDTJANST, 7_500);
    // kampanj-a at 2 s of waiting, kampanj-b at 4 s, kampanj-a again at 6 s; each its whole second.
    expect(a.length, where).toBeGreaterThanOrEqual(2);
    expect(b.length, where).toBeGreaterThanOrEqual(1);
    expect(a[0]![0], where).toBeGreaterThan(1.2);
    expect(a[0]![0], where).toBeLessThan(3.5);
    expect(b[0]![0] - a[0]![0], where).toBeCloseTo(EVERY, 0);
    expect(a[1]![0] - b[0]![0], where).toBeCloseTo(EVERY, 0);
    for (const [from, to] of [a[0]!, b[0]!]) expect(to - from, where).toBeGreaterThanOrEqual(0.8);
    // Music between them, and before the first one (after the place in line).
    expect(musicBetween(sounds, a[0]![1], b[0]![0]), where).toBeGreaterThan(0.8);
    expect(musicBetween(sounds, b[0]![1], a[1]![0]), where).toBeGreaterThan(0.8);
    expect(musicBetween(sounds, 0, a[0]![0]), where).toBeGreaterThan(0.8);

    // The events say the same: the place first, then the slots in turn, 2 s apart.
    const mine = callEvents.filter((e) => 'callId' in e && e.callId === callId);
    const firstAnnouncement = mine.findIndex((e) => e.type === 'queue-announcement');
    const firstBrand = mine.findIndex((e) => e.type === 'brand-message-played');
    expect(mine[firstAnnouncement]).toMatchObject({ position: 1, waitSeconds: -1 });
    expect(firstAnnouncement).toBeLessThan(firstBrand);
    const played = brandPlayed(callId);
    expect(played.map((e) => e.slot).slice(0, 3)).toEqual(['kampanj-a', 'kampanj-b', 'kampanj-a']);
    const entryId = (mine[firstAnnouncement] as Extract<CallEvent, { type: 'queue-announcement' }>).entryId;
    for (const e of played) expect(e.entryId).toBe(entryId);
    expect((played[1]!.at - played[0]!.at) / 1000).toBeCloseTo(EVERY, 0);
    // Nothing was played after the hang-up (the call's end is reported once the caller's BYE has been handled).
    await waitFor(() => callEvents.some((e) => e.type === 'call-ended' && e.callId === callId), { what: 'the call to end' });
    const ended = callEvents.find((e) => e.type === 'call-ended' && e.callId === callId)!;
    for (const e of brandPlayed(callId)) expect(e.at).toBeLessThanOrEqual(ended.at);

    // That no brand-message timer outlives the call is shown on the simulated clock (test/unit/calls-session.test.ts).
    await expectNothingLeft();
  }, 40_000);

  it('a slot nobody has recorded is passed over with a warning: the caller hears music and the recorded slot', async () => {
    const { callId, sounds, a, b, where } = await brandMessagesHeard(VAXEL, 5_500);
    expect(a, where).toEqual([]);
    expect(b.length, where).toBeGreaterThanOrEqual(2);
    expect(b[0]![0], where).toBeGreaterThan(1.2);
    expect(b[0]![0], where).toBeLessThan(3.5);
    expect(b[1]![0] - b[0]![0], where).toBeCloseTo(EVERY, 0);
    expect(musicBetween(sounds, b[0]![1], b[1]![0]), where).toBeGreaterThan(0.8);
    expect(musicBetween(sounds, 0, b[0]![0]), where).toBeGreaterThan(0.8);

    expect(brandPlayed(callId).map((e) => e.slot).slice(0, 2)).toEqual(['kampanj-b', 'kampanj-b']);
    // One warning for the call, on its own logger, though the slot came round twice.
    const warned = logLines.filter((l) => l['slot'] === 'kustbanken-reklam');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, callId });
    expect(String(warned[0]!['msg'])).toMatch(/no recording/);
    expect(logLines.filter((l) => (l['level'] as number) >= 50)).toEqual([]);

    await expectNothingLeft();
  }, 40_000);

  it('past the maximum wait the caller leaves the line (overflowed, not abandoned) and the flow goes on in its overflow branch', async () => {
    sara.clearEvents();
    await sara.dial(`sip:${KORT}@127.0.0.1:${product.sipPort}`);
    await sara.waitEvent('CALL_ESTABLISHED', 10_000);
    // Sara does nothing: the overflow branch plays its message and hangs up on her.
    await sara.waitEvent('CALL_CLOSED', 20_000);
    const callId = callEvents.filter((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started').at(-1)!.callId;
    const nodes = callEvents.flatMap((e) => (e.type === 'ivr-node' && e.callId === callId ? [e.node] : []));
    expect(nodes).toEqual(['ko', 'forbi', 'slut']);
    const queued = acdEvents.find((e): e is Extract<AcdEvent, { type: 'queued' }> => e.type === 'queued' && e.entry.queueId === 'kort')!;
    const overflowed = acdEvents.find((e): e is Extract<AcdEvent, { type: 'overflowed' }> => e.type === 'overflowed');
    expect(overflowed).toMatchObject({ entryId: queued.entry.id, queueId: 'kort' });
    expect(overflowed!.waitMs).toBeGreaterThanOrEqual(MAX_WAIT * 1000 - 100);
    expect(overflowed!.waitMs).toBeLessThan(MAX_WAIT * 1000 + 2_000);
    expect(acdEvents.some((e) => e.type === 'abandoned' && e.entryId === queued.entry.id)).toBe(false);
    expect(callEvents.find((e) => e.type === 'call-ended' && e.callId === callId)).toMatchObject({ by: 'local' });

    // The contact record: the overflow as its stay in the queue ended, and the flow's path on to its overflow branch.
    await product.app.contactRecords.flush();
    const history = SqliteHistory.open(join(product.config.dataDir, SQLITE_FILE));
    try {
      const record = (await history.contact(callId))!;
      expect(record.segments).toEqual([expect.objectContaining({
        id: queued.entry.id, queue: 'kort', kind: 'call', outcome: 'overflowed', waitMs: overflowed!.waitMs, endedAt: overflowed!.at,
      })]);
      expect(record.steps.map((step) => step.node)).toEqual(['ko', 'forbi', 'slut']);
      expect(record.fields).toMatchObject({ endedBy: 'local', service: 'Kort och spärr' });
    } finally {
      await history.close();
    }

    // Music while waiting, then the overflow branch's message.
    const sounds = listenTo(readWav(await recordingClosed(sara)));
    const a = runsOf(sounds, 'a');
    expect(a.length, JSON.stringify(a)).toBe(1);
    expect(a[0]![0]).toBeGreaterThan(MAX_WAIT - 0.5);
    expect(musicBetween(sounds, 0, a[0]![0])).toBeGreaterThan(0.8);
    await expectNothingLeft();
    expect(product.app.acd.pendingTimers()).toEqual({ steps: [], rings: [], wrapUps: [] });
  }, 40_000);
});
