/**
 * A scripted day at Kustbanken (issue 5, first "Done when" point), on one
 * product that runs the whole file, with real SIP and RTP on loopback:
 *
 * - SIPp callers from the operator network (127.0.0.2) on three local
 *   numbers of the demo configuration: Växel (+46313900600), Kundtjänst
 *   (+46313900601) and Kort och spärr (+46313900603);
 * - baresip desk phones on auto-answer for three agents with different
 *   skills (demo config): Anna 1001 (vaxel 5, kundtjanst 3), Erik 1002
 *   (kundtjanst 5, kort 4), Oskar 1004 (kort 5, kundtjanst 4). Each phone
 *   sends its own tone; the SIPp callers echo RTP (-rtp_echo), so an agent
 *   who hears their own tone back has heard it through the caller and back
 *   through our bridge;
 * - a small CRM (http node) that marks one caller VIP;
 * - an avalanche message switched on for Kundtjänst only.
 *
 * The demo flows start with opening hours, which would make the file
 * depend on the clock; the flows here are the same node types without the
 * hours node (written to a temp dir). Queues are shortened: wrap-up 1 s,
 * Kundtjänst widens from kundtjanst level 5 to any kundtjanst level after 3 s.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { startBaresip, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { assertSippOk, describeSippResult, killAllSipp, runSipp, type SippResult } from '../support/sipp.js';
import { freePortRange } from '../support/ports.js';
import { dominantFrequency, readWav, toneRatio, writeToneWav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

const VAXEL = '+46313900600';
const KUNDTJANST = '+46313900601';
const KORT = '+46313900603';
const VIP_CALLER = '+46701740699';
const AVALANCHE_HZ = 1700;
const TONES: Record<string, number> = { '1001': 700, '1002': 1000, '1004': 1300 };
const PASSWORDS: Record<string, string> = { '1001': 'demo-1001', '1002': 'demo-1002', '1004': 'demo-1004', '1005': 'demo-1005' };

let product: RunningProduct;
let crm: Server;
const crmAsked: string[] = [];
const acdEvents: AcdEvent[] = [];
const callEvents: CallEvent[] = [];
const agents: Record<string, BaresipPhone> = {};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The demo flows' node types without opening hours: avalanche, http (CRM), queue. */
function dayFlows(crmUrl: string): string {
  const dir = tempDir('day-flows-');
  const queueNode = (queue: string, every: number): string[] => [
    '  - id: ko', '    type: queue', `    queue: ${queue}`, '    music: default', `    announceEverySeconds: ${every}`,
  ];
  writeFileSync(join(dir, 'vaxel.yaml'), [
    'flow: vaxel', 'services: [Växel]', 'language: sv', 'nodes:',
    '  - id: lavin', '    type: avalanche', '    next: ko',
    ...queueNode('vaxel', 60), '',
  ].join('\n'));
  writeFileSync(join(dir, 'kundtjanst.yaml'), [
    'flow: kundtjanst', 'services: [Kundtjänst]', 'default: true', 'language: sv', 'nodes:',
    '  - id: lavin', '    type: avalanche', '    deflectionSeconds: 10', '    next: ko',
    ...queueNode('kundtjanst', 60), '',
  ].join('\n'));
  writeFileSync(join(dir, 'kort-och-sparr.yaml'), [
    'flow: kort-och-sparr', 'services: [Kort och spärr]', 'language: sv', 'nodes:',
    '  - id: crm', '    type: http', `    url: "${crmUrl}?caller={{caller}}&service={{service}}"`,
    '    timeoutMs: 1500', '    vipPriority: 10', '    next: lavin', '    branches: { fallback: lavin }',
    '  - id: lavin', '    type: avalanche', '    next: ko',
    ...queueNode('kort', 1), '',
  ].join('\n'));
  return dir;
}

/** A SIPp caller from the operator network; it echoes the audio it gets. Resolves when SIPp is done. */
async function sippCall(number: string, caller: string, opts: { hangUpAfterMs?: number } = {}): Promise<SippResult> {
  const mediaPort = await freePortRange(4, 'udp');
  return runSipp({
    scenario: opts.hangUpAfterMs === undefined ? 'uac-expect-bye.xml' : 'uac-basic.xml',
    remote: product.sipPort, service: number, keys: { caller },
    ...(opts.hangUpAfterMs !== undefined ? { durationMs: opts.hangUpAfterMs } : {}),
    rtpEcho: true, mediaPort, timeoutMs: 40_000,
    extraArgs: ['-i', TRUNK_SOURCE_IP],
  });
}

const queuedEntry = (caller: string): Extract<AcdEvent, { type: 'queued' }>['entry'] | undefined => {
  const e = acdEvents.find((x): x is Extract<AcdEvent, { type: 'queued' }> => x.type === 'queued' && x.entry.data['caller'] === caller);
  return e?.entry;
};

async function waitQueued(caller: string): Promise<string> {
  await expect.poll(() => queuedEntry(caller), { timeout: 10_000 }).toBeDefined();
  return queuedEntry(caller)!.id;
}

const offersOf = (entryId: string): string[] =>
  acdEvents.flatMap((e) => (e.type === 'offered-to-agent' && e.entryId === entryId ? [e.agentId] : []));

const answeredEvent = (entryId: string): Extract<AcdEvent, { type: 'answered' }> | undefined =>
  acdEvents.find((e): e is Extract<AcdEvent, { type: 'answered' }> => e.type === 'answered' && e.entryId === entryId);

async function waitAnswered(entryId: string, timeout = 10_000): Promise<Extract<AcdEvent, { type: 'answered' }>> {
  await expect.poll(() => answeredEvent(entryId), { timeout }).toBeDefined();
  return answeredEvent(entryId)!;
}

/** Talk a while, the agent hangs up; returns the dominant frequency of the end of what the agent heard. */
async function talkAndHangUp(agentId: string, caller: Promise<SippResult>): Promise<number> {
  const phone = agents[agentId]!;
  await sleep(2_500);
  await phone.hangup();
  await phone.waitEvent('CALL_CLOSED', 10_000);
  const r = await caller;
  assertSippOk(r, 1);
  await sleep(300); // the dump is closed with the call
  const heard = readWav(phone.recordings().dec.at(-1)!);
  const end = heard.samples.length;
  return dominantFrequency(heard.samples, heard.sampleRate, { from: Math.max(0, end - heard.sampleRate), to: end });
}

/** expect.poll only works inside a test: this is for beforeAll. */
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function allReady(ids: string[]): Promise<void> {
  for (const id of ids) {
    await expect.poll(() => product.app.acd.agent(id)?.state, { timeout: 5_000 }).toBe('ready');
  }
}

beforeAll(async () => {
  crm = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://crm');
    const caller = url.searchParams.get('caller') ?? '';
    crmAsked.push(caller);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(caller === VIP_CALLER ? { vip: true, variables: { kundnummer: '4711' } } : {}));
  });
  await new Promise<void>((r) => crm.listen(0, '127.0.0.1', r));
  const crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}/lookup`;

  product = await startProduct({
    flowDir: dayFlows(crmUrl),
    tweak: (c) => {
      const q = (id: string) => c.queues.find((x) => x.id === id)!;
      Object.assign(q('vaxel'), { wrapUpSeconds: 1, steps: [{ afterSeconds: 0, skill: 'vaxel', minLevel: 4 }] });
      Object.assign(q('kundtjanst'), {
        wrapUpSeconds: 1,
        steps: [{ afterSeconds: 0, skill: 'kundtjanst', minLevel: 5 }, { afterSeconds: 3, skill: 'kundtjanst' }],
      });
      Object.assign(q('kort'), { wrapUpSeconds: 1, priority: 'classes', steps: [{ afterSeconds: 0, skill: 'kort', minLevel: 3 }] });
      c.avalanche = [
        { id: '1', services: ['Kundtjänst'], slot: 'lavin-1' },
        { id: '2', services: ['Växel'], slot: 'lavin-2' }, // prepared, stays off
      ];
    },
  });
  product.app.acd.on((e) => acdEvents.push(e));
  product.app.center.on('event', (e) => callEvents.push(e));

  const dir = join(product.config.dataDir, 'announcements');
  mkdirSync(dir, { recursive: true });
  writeToneWav(join(dir, 'lavin-1.wav'), { hz: AVALANCHE_HZ, seconds: 1.5, amplitude: 0.5 });
  writeToneWav(join(dir, 'lavin-2.wav'), { hz: 400, seconds: 1.5, amplitude: 0.5 });
  await product.app.avalanche.switch('1', true, Date.now());

  for (const id of ['1001', '1002', '1004']) {
    agents[id] = await startBaresip({
      user: id, password: PASSWORDS[id]!, autoAnswer: true,
      audioSource: { toneHz: TONES[id]!, seconds: 120 },
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
    });
    await until(() => product.app.acd.agent(id)?.state === 'ready', 5_000, `agent ${id} ready`);
    await sleep(100); // idle times in ms: keep the agents' order beyond doubt
  }
}, 30_000);

afterAll(async () => {
  killAllSipp();
  await stopAllBaresip();
  await product?.stop();
  await new Promise<void>((r) => (crm ? crm.close(() => r()) : r()));
});

describe('a scripted day: three numbers, three agents with different skills', () => {
  it('callers on Växel, Kundtjänst and Kort och spärr reach the agents with the right skills, and the audio goes caller to agent and back', async () => {
    // Växel: only Anna has vaxel >= 4.
    const vaxelCall = sippCall(VAXEL, '+46701740651');
    const vaxelEntry = await waitQueued('+46701740651');
    await waitAnswered(vaxelEntry);
    const annaRang = await agents['1001']!.waitEvent('CALL_ESTABLISHED', 5_000);
    expect(annaRang.peerdisplayname).toBe('[Växel] +46701740651');
    // Kundtjänst: at first only kundtjanst level 5, Erik (Anna is busy anyway, Oskar has 4).
    const kundCall = sippCall(KUNDTJANST, '+46701740652');
    const kundEntry = await waitQueued('+46701740652');
    await waitAnswered(kundEntry);
    // Kort och spärr: Erik busy, Anna is in the queue without the skill: Oskar.
    const kortCall = sippCall(KORT, '+46701740653');
    const kortEntry = await waitQueued('+46701740653');
    await waitAnswered(kortEntry);

    expect(offersOf(vaxelEntry)).toEqual(['1001']);
    expect(offersOf(kundEntry)).toEqual(['1002']);
    expect(offersOf(kortEntry)).toEqual(['1004']);
    expect(queuedEntry('+46701740652')).toMatchObject({ queueId: 'kundtjanst', data: { dialled: KUNDTJANST, service: 'Kundtjänst' } });
    expect(queuedEntry('+46701740653')).toMatchObject({ queueId: 'kort', data: { dialled: KORT, service: 'Kort och spärr' } });
    // Nobody ran a widened step: all three were answered by their first step.
    expect(acdEvents.some((e) => e.type === 'step-changed')).toBe(false);

    // Three conversations at once; each agent hears their own tone back through the caller's echo.
    const [anna, erik, oskar] = await Promise.all([
      talkAndHangUp('1001', vaxelCall), talkAndHangUp('1002', kundCall), talkAndHangUp('1004', kortCall),
    ]);
    expect(Math.abs(anna - TONES['1001']!)).toBeLessThanOrEqual(15);
    expect(Math.abs(erik - TONES['1002']!)).toBeLessThanOrEqual(15);
    expect(Math.abs(oskar - TONES['1004']!)).toBeLessThanOrEqual(15);
    for (const id of ['1001', '1002', '1004']) {
      await expect.poll(() => acdEvents.some((e) => e.type === 'ended' && e.agentId === id), { timeout: 5_000 }).toBe(true);
    }
    await allReady(['1001', '1002', '1004']);
  }, 40_000);

  it('a VIP (marked by the CRM) overtakes a caller who was waiting first; the waiting caller hears their place go from 1 to 2', async () => {
    await product.app.acd.pause('1002', 'test');
    await product.app.acd.pause('1004', 'test');
    const normal = '+46701740654';
    const normalCall = sippCall(KORT, normal);
    const normalEntry = await waitQueued(normal);
    await expect.poll(() => callEvents.find((e) => e.type === 'queue-announcement' && e.entryId === normalEntry), { timeout: 5_000 })
      .toMatchObject({ position: 1 });

    const vipCall = sippCall(KORT, VIP_CALLER);
    const vipEntry = await waitQueued(VIP_CALLER);
    expect(queuedEntry(VIP_CALLER)).toMatchObject({ priority: 10, data: { vip: 'true', kundnummer: '4711' } });
    expect(queuedEntry(normal)!.priority).toBe(0);
    expect(crmAsked).toEqual(expect.arrayContaining([normal, VIP_CALLER]));
    expect(product.app.acd.positionOf(vipEntry)).toBe(1);
    expect(product.app.acd.positionOf(normalEntry)).toBe(2);
    // The next announcement (1 s after the last one ends) tells the first caller they are now second.
    const announced = (): number[] => callEvents.flatMap((e) => (e.type === 'queue-announcement' && e.entryId === normalEntry ? [e.position] : []));
    await expect.poll(() => announced().includes(2), { timeout: 12_000 }).toBe(true);
    expect(announced()[0]).toBe(1);

    // One agent becomes free: the VIP gets them, though the other caller waited longer.
    await product.app.acd.ready('1004');
    await waitAnswered(vipEntry);
    expect(offersOf(vipEntry)).toEqual(['1004']);
    expect(offersOf(normalEntry)).toEqual([]);
    await product.app.acd.ready('1002');
    await waitAnswered(normalEntry);
    expect(offersOf(normalEntry)).toEqual(['1002']);

    const [oskar, erik] = await Promise.all([talkAndHangUp('1004', vipCall), talkAndHangUp('1002', normalCall)]);
    expect(Math.abs(oskar - TONES['1004']!)).toBeLessThanOrEqual(15);
    expect(Math.abs(erik - TONES['1002']!)).toBeLessThanOrEqual(15);
    await allReady(['1001', '1002', '1004']);
  }, 40_000);

  it('a Kundtjänst call nobody at the first step can take widens to the next step after the (shortened) 3 s wait', async () => {
    await product.app.acd.pause('1002', 'test'); // the only kundtjanst level 5
    const caller = '+46701740655';
    const call = sippCall(KUNDTJANST, caller);
    const entry = await waitQueued(caller);
    const queuedAt = Date.now();
    // Anna (kundtjanst 3) and Oskar (4) are ready, but not offered the call before the wait is over.
    await sleep(2_000);
    expect(offersOf(entry)).toEqual([]);
    const answered = await waitAnswered(entry, 8_000);
    expect(Date.now() - queuedAt).toBeGreaterThanOrEqual(2_500);
    expect(answered.waitMs).toBeGreaterThanOrEqual(3_000);
    expect(acdEvents.find((e) => e.type === 'step-changed' && e.entryId === entry)).toMatchObject({ queueId: 'kundtjanst', step: 1 });
    const offers = offersOf(entry);
    expect(offers).toHaveLength(1);
    expect(['1001', '1004']).toContain(offers[0]);
    const heard = await talkAndHangUp(offers[0]!, call);
    expect(Math.abs(heard - TONES[offers[0]!]!)).toBeLessThanOrEqual(15);
    await product.app.acd.ready('1002');
    await allReady(['1001', '1002', '1004']);
  }, 30_000);

  it('the avalanche message is heard on Kundtjänst, not on Växel; callers who hang up while waiting are counted abandoned', async () => {
    for (const id of ['1001', '1002', '1004']) await product.app.acd.pause(id, 'test');
    const abandonedBefore = acdEvents.filter((e) => e.type === 'abandoned').length;
    // Sara's desk phone (1005, not in these queues) as a caller who records what she hears.
    const listener = await startBaresip({
      user: '1005', password: PASSWORDS['1005']!, autoAnswer: false, audioSource: 'silence',
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
    });
    const hear = async (number: string): Promise<string> => {
      const before = listener.recordings().dec.length;
      listener.clearEvents();
      await listener.dial(`sip:${number}@127.0.0.1:${product.sipPort}`);
      await listener.waitEvent('CALL_ESTABLISHED', 10_000);
      await sleep(3_000);
      await listener.hangup();
      await listener.waitEvent('CALL_CLOSED', 10_000);
      await expect.poll(() => listener.recordings().dec.length, { timeout: 5_000 }).toBeGreaterThan(before);
      await sleep(300);
      return listener.recordings().dec.at(-1)!;
    };
    const onKundtjanst = readWav(await hear(KUNDTJANST));
    const onVaxel = readWav(await hear(VAXEL));
    const rate = onKundtjanst.sampleRate;
    expect(toneRatio(onKundtjanst.samples, rate, AVALANCHE_HZ, 0, 2 * rate)).toBeGreaterThan(0.3);
    expect(toneRatio(onVaxel.samples, rate, AVALANCHE_HZ, 0, 3 * rate)).toBeLessThan(0.05);

    // And a SIPp caller on Kort och spärr who gives up after 2.5 s in the queue.
    const gaveUp = await sippCall(KORT, '+46701740656', { hangUpAfterMs: 2_500 });
    expect(gaveUp.code, describeSippResult(gaveUp)).toBe(0);
    await expect.poll(() => acdEvents.filter((e) => e.type === 'abandoned').length, { timeout: 5_000 }).toBe(abandonedBefore + 3);
    const abandoned = acdEvents.filter((e): e is Extract<AcdEvent, { type: 'abandoned' }> => e.type === 'abandoned').slice(abandonedBefore);
    expect(abandoned.map((e) => e.queueId)).toEqual(['kundtjanst', 'vaxel', 'kort']);
    for (const e of abandoned) expect(e.waitMs).toBeGreaterThan(500);
    // Nobody was offered these calls.
    for (const e of abandoned) expect(offersOf(e.entryId)).toEqual([]);
    for (const id of ['1001', '1002', '1004']) await product.app.acd.ready(id);
  }, 40_000);

  it('over the day: the avalanche message went to every Kundtjänst caller and to no other service; nothing is left behind', async () => {
    const started = callEvents.filter((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started');
    const played = callEvents.filter((e): e is Extract<CallEvent, { type: 'avalanche-played' }> => e.type === 'avalanche-played');
    const services = new Set(started.map((e) => e.service));
    expect(services).toEqual(new Set(['Växel', 'Kundtjänst', 'Kort och spärr']));
    const kundCalls = started.filter((e) => e.service === 'Kundtjänst').map((e) => e.callId).sort();
    expect(kundCalls.length).toBeGreaterThanOrEqual(3);
    expect(played.map((e) => e.callId).sort()).toEqual(kundCalls);
    for (const e of played) expect(e.messageIds).toEqual(['1']);
    // Every call that reached an agent was offered only to agents with the queue's skill.
    const queueOf = new Map(acdEvents.flatMap((e) => (e.type === 'queued' ? [[e.entry.id, e.entry.queueId] as const] : [])));
    for (const e of acdEvents) {
      if (e.type !== 'offered-to-agent') continue;
      const profile = product.app.acd.profile(e.agentId)!;
      const skill = queueOf.get(e.entryId)!;
      expect(profile.skills[skill], `${e.agentId} offered a ${skill} call`).toBeGreaterThan(0);
    }
    expect(acdEvents.filter((e) => e.type === 'answered')).toHaveLength(6);
    await expect.poll(() => (product.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => product.app.sipd!.stats.dialogs, { timeout: 5_000 }).toBeLessThanOrEqual(0);
    for (const q of product.app.acd.snapshot().queues) expect(q.entries, q.id).toEqual([]);
  }, 20_000);
});
