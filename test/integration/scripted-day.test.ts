/**
 * A scripted day at Kustbanken, on one product that runs the whole file,
 * with real SIP and RTP on loopback:
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
 * - a mobile agent: Johan 1006 (vaxel 4, kundtjanst 3) answers on his
 *   mobile, which the ACD rings through the operator trunk. He is paused
 *   until his own call, so the other calls go where the desk agents'
 *   skills send them;
 * - the operator network behind the trunk (127.0.0.3): a SIPp callee that
 *   answers what we dial out (Johan's mobile, a customer called back) and
 *   echoes the audio;
 * - Sara's desk phone (1005, an agent of other queues) as a caller who
 *   records what she hears;
 * - a small CRM (http node) that marks one caller VIP;
 * - an avalanche message switched on for Kundtjänst only;
 * - a Växel caller who presses 1 to be called back, and is.
 *
 * The demo flows start with opening hours, which would make the file
 * depend on the clock; the flows here are the same node types without the
 * hours node (written to a temp dir). Shortened: wrap-up 1 s, Kundtjänst
 * widens from kundtjanst level 5 to any kundtjanst level after 3 s, Växel
 * offers a callback after 1 s in the queue.
 *
 * Every test leaves the agents as it found them and counts only the events
 * of its own calls, so each one also runs alone (-t).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProduct, TRUNK_HOST_IP, type RunningProduct } from '../support/product.js';
import { establishedSince, heardFor, heardMore, lastSecondHeard, recordingClosed, startBaresip, stopAllBaresip, TALK_SECONDS, type BaresipPhone } from '../support/baresip.js';
import { assertSippOk, describeSippResult, killAllSipp, type SippResult, type SippUas } from '../support/sipp.js';
import { callFromOperatorNetwork, startTrunkFarEnd } from '../support/operator-network.js';
import { takeCallback } from '../support/callbacks.js';
import { freePort } from '../support/ports.js';
import { readWav, toneRatio, writeToneWav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

const VAXEL = '+46313900600';
const KUNDTJANST = '+46313900601';
const KORT = '+46313900603';
const VIP_CALLER = '+46701740699';
const JOHANS_MOBILE = '+46701740608';
const AVALANCHE_HZ = 1700;
const TONES: Record<string, number> = { '1001': 700, '1002': 1000, '1004': 1300, '1005': 1150 };
const PASSWORDS: Record<string, string> = { '1001': 'demo-1001', '1002': 'demo-1002', '1004': 'demo-1004', '1005': 'demo-1005' };

let product: RunningProduct;
/** Where the trunk's far end (the operator network) listens, on TRUNK_HOST_IP. */
let trunkPort: number;
let operatorNetwork: SippUas | undefined;
let crm: Server;
const crmAsked: string[] = [];
const acdEvents: AcdEvent[] = [];
const callEvents: CallEvent[] = [];
const agents: Record<string, BaresipPhone> = {};

/** The demo flows' node types without opening hours: avalanche, http (CRM), queue. */
function dayFlows(crmUrl: string): string {
  const dir = tempDir('day-flows-');
  const queueNode = (queue: string, every: number, more: string[] = []): string[] => [
    '  - id: ko', '    type: queue', `    queue: ${queue}`, '    music: default', `    announceEverySeconds: ${every}`, ...more,
  ];
  writeFileSync(join(dir, 'vaxel.yaml'), [
    'flow: vaxel', 'services: [Växel]', 'language: sv', 'nodes:',
    '  - id: lavin', '    type: avalanche', '    next: ko',
    ...queueNode('vaxel', 60, ['    offerCallbackAfterSeconds: 1']), '',
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

/** The first entry queued for this caller, among the ACD events from index `since` on. */
const queuedEntry = (caller: string, since = 0): Extract<AcdEvent, { type: 'queued' }>['entry'] | undefined => {
  const e = acdEvents.slice(since)
    .find((x): x is Extract<AcdEvent, { type: 'queued' }> => x.type === 'queued' && x.entry.data['caller'] === caller);
  return e?.entry;
};

async function waitQueued(caller: string, since = 0): Promise<string> {
  await expect.poll(() => queuedEntry(caller, since), { timeout: 10_000 }).toBeDefined();
  return queuedEntry(caller, since)!.id;
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
  const offered = acdEvents.filter((e) => e.type === 'offered-to-agent' && e.agentId === agentId).at(-1)!;
  await establishedSince(phone, offered.at);
  await heardMore(phone, TALK_SECONDS);
  await phone.hangup();
  await phone.waitEvent('CALL_CLOSED', 10_000);
  const r = await caller;
  assertSippOk(r, 1);
  await recordingClosed(phone);
  return lastSecondHeard(phone);
}

/** The head of the first INVITE in a SIPp message trace (request line and headers), lines without CR. */
function firstInvite(messages: string): string {
  const from = messages.indexOf('INVITE sip:');
  expect(from, 'an INVITE in the trace').toBeGreaterThanOrEqual(0);
  return messages.slice(from).replace(/\r/g, '').split('\n\n')[0]!;
}

/**
 * The operator network behind the trunk, for one call: answers on
 * TRUNK_HOST_IP:trunkPort, echoes the audio it gets, and waits for our BYE.
 */
async function startOperatorNetwork(): Promise<SippUas> {
  operatorNetwork = await startTrunkFarEnd(trunkPort, { scenario: 'uas-answer.xml', echo: true, timeoutMs: 60_000 });
  return operatorNetwork;
}

/**
 * Talk a while, then the phone hangs up, which ends the operator network's
 * call too (our BYE); the head of the INVITE the network got.
 */
async function talkAndHangUpOnTrunk(phone: BaresipPhone, network: SippUas): Promise<string> {
  await heardMore(phone, TALK_SECONDS);
  await phone.hangup();
  await phone.waitEvent('CALL_CLOSED', 10_000);
  const result = await operatorNetworkDone(network);
  assertSippOk(result, 1);
  return firstInvite(result.messages);
}

/** The operator network's call is over: its result (stopped after a while if it hangs on). */
async function operatorNetworkDone(uas: SippUas): Promise<SippResult> {
  const stop = setTimeout(() => void uas.stop(1_000), 10_000);
  try {
    return await uas.exited;
  } finally {
    clearTimeout(stop);
    if (operatorNetwork === uas) operatorNetwork = undefined;
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

  trunkPort = await freePort('both');
  product = await startProduct({
    flowDir: dayFlows(crmUrl),
    trunkPort,
    tweak: (c) => {
      // Johan answers on his mobile; vaxel 4 makes him one of the Växel queue's first step.
      const johan = c.extensions.find((e) => e.extension === '1006')!;
      johan.mobile = JOHANS_MOBILE;
      Object.assign(johan.agent!, { answerOn: 'mobile', skills: { vaxel: 4, kundtjanst: 3 } });
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
  await product.app.avalanche.switch('1', true, Date.now(), 'scripted day');
  // A mobile agent is logged in from the start; Johan takes a break until his own call.
  await waitFor(() => product.app.acd.agent('1006')?.state === 'ready', { what: 'mobile agent 1006 logged in' });
  await product.app.acd.pause('1006', 'later');

  for (const id of ['1001', '1002', '1004']) {
    agents[id] = await startBaresip({
      user: id, password: PASSWORDS[id]!, autoAnswer: true,
      audioSource: { toneHz: TONES[id]!, seconds: 120 },
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
    });
    await waitFor(() => product.app.acd.agent(id)?.state === 'ready', { what: `agent ${id} ready` });
  }
}, 30_000);

afterEach(async () => {
  // A failed test must not leave the operator network holding the trunk's port.
  await operatorNetwork?.stop(1_000);
  operatorNetwork = undefined;
});

afterAll(async () => {
  killAllSipp();
  await stopAllBaresip();
  await product?.stop();
  await new Promise<void>((r) => (crm ? crm.close(() => r()) : r()));
});

describe('a scripted day: three numbers, agents with different skills on desk phones and a mobile, the operator network behind the trunk', () => {
  it('callers on Växel, Kundtjänst and Kort och spärr reach the agents with the right skills, and the audio goes caller to agent and back', async () => {
    const since = acdEvents.length;
    // Växel: only Anna has vaxel >= 4.
    const vaxelCall = callFromOperatorNetwork(product.sipPort, VAXEL, '+46701740651');
    const vaxelEntry = await waitQueued('+46701740651');
    await waitAnswered(vaxelEntry);
    const annaRang = await agents['1001']!.waitEvent('CALL_ESTABLISHED', 5_000);
    expect(annaRang.peerdisplayname).toBe('[Växel] +46701740651');
    // Kundtjänst: at first only kundtjanst level 5, Erik (Anna is busy anyway, Oskar has 4).
    const kundCall = callFromOperatorNetwork(product.sipPort, KUNDTJANST, '+46701740652');
    const kundEntry = await waitQueued('+46701740652');
    await waitAnswered(kundEntry);
    // Kort och spärr: Erik busy, Anna is in the queue without the skill: Oskar.
    const kortCall = callFromOperatorNetwork(product.sipPort, KORT, '+46701740653');
    const kortEntry = await waitQueued('+46701740653');
    await waitAnswered(kortEntry);

    expect(offersOf(vaxelEntry)).toEqual(['1001']);
    expect(offersOf(kundEntry)).toEqual(['1002']);
    expect(offersOf(kortEntry)).toEqual(['1004']);
    expect(queuedEntry('+46701740652')).toMatchObject({ queueId: 'kundtjanst', data: { dialled: KUNDTJANST, service: 'Kundtjänst' } });
    expect(queuedEntry('+46701740653')).toMatchObject({ queueId: 'kort', data: { dialled: KORT, service: 'Kort och spärr' } });
    // Nobody ran a widened step: all three were answered by their first step.
    expect(acdEvents.slice(since).some((e) => e.type === 'step-changed')).toBe(false);

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
    const normalCall = callFromOperatorNetwork(product.sipPort, KORT, normal);
    const normalEntry = await waitQueued(normal);
    await expect.poll(() => callEvents.find((e) => e.type === 'queue-announcement' && e.entryId === normalEntry), { timeout: 5_000 })
      .toMatchObject({ position: 1 });

    const vipCall = callFromOperatorNetwork(product.sipPort, KORT, VIP_CALLER);
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
    const call = callFromOperatorNetwork(product.sipPort, KUNDTJANST, caller);
    const entry = await waitQueued(caller);
    const queuedAt = Date.now();
    // Anna (kundtjanst 3) and Oskar (4) are ready, but not offered the call before the wait is over.
    const answered = await waitAnswered(entry, 15_000);
    expect(Date.now() - queuedAt).toBeGreaterThanOrEqual(2_500);
    expect(answered.waitMs).toBeGreaterThanOrEqual(3_000);
    const widened = acdEvents.findIndex((e) => e.type === 'step-changed' && e.entryId === entry);
    expect(acdEvents[widened]).toMatchObject({ queueId: 'kundtjanst', step: 1 });
    const firstOffer = acdEvents.findIndex((e) => e.type === 'offered-to-agent' && e.entryId === entry);
    expect(firstOffer, 'offered only once the queue widened').toBeGreaterThan(widened);
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
      listener.clearEvents();
      await listener.dial(`sip:${number}@127.0.0.1:${product.sipPort}`);
      await listener.waitEvent('CALL_ESTABLISHED', 10_000);
      await heardFor(listener, 3); // what is read below: the first 3 s of the call
      await listener.hangup();
      await listener.waitEvent('CALL_CLOSED', 10_000);
      return recordingClosed(listener);
    };
    const onKundtjanst = readWav(await hear(KUNDTJANST));
    const onVaxel = readWav(await hear(VAXEL));
    const rate = onKundtjanst.sampleRate;
    expect(toneRatio(onKundtjanst.samples, rate, AVALANCHE_HZ, 0, 2 * rate)).toBeGreaterThan(0.3);
    expect(toneRatio(onVaxel.samples, rate, AVALANCHE_HZ, 0, 3 * rate)).toBeLessThan(0.05);

    // And a SIPp caller on Kort och spärr who gives up after 2.5 s in the queue.
    const gaveUp = await callFromOperatorNetwork(product.sipPort, KORT, '+46701740656', { hangUpAfterMs: 2_500 });
    expect(gaveUp.code, describeSippResult(gaveUp)).toBe(0);
    await expect.poll(() => acdEvents.filter((e) => e.type === 'abandoned').length, { timeout: 5_000 }).toBe(abandonedBefore + 3);
    const abandoned = acdEvents.filter((e): e is Extract<AcdEvent, { type: 'abandoned' }> => e.type === 'abandoned').slice(abandonedBefore);
    expect(abandoned.map((e) => e.queueId)).toEqual(['kundtjanst', 'vaxel', 'kort']);
    for (const e of abandoned) expect(e.waitMs).toBeGreaterThan(500);
    // Nobody was offered these calls.
    for (const e of abandoned) expect(offersOf(e.entryId)).toEqual([]);
    await listener.stop();
    for (const id of ['1001', '1002', '1004']) await product.app.acd.ready(id);
  }, 40_000);

  it('a mobile agent: a Växel call rings Johan\'s mobile through the operator trunk with the service and wait in the INVITE; the caller hears their own voice back from the mobile', async () => {
    await product.app.acd.pause('1001', 'test'); // Johan's only colleague in the Växel queue's first step
    const network = await startOperatorNetwork();
    // Sara's desk phone calls Växel and sends a tone the mobile echoes.
    const sara = await startBaresip({
      user: '1005', password: PASSWORDS['1005']!, autoAnswer: false, audioSource: { toneHz: TONES['1005']!, seconds: 60 },
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
    });
    await product.app.acd.ready('1006');
    const since = acdEvents.length;
    await sara.dial(`sip:${VAXEL}@127.0.0.1:${product.sipPort}`);
    await sara.waitEvent('CALL_ESTABLISHED', 10_000); // our entrance answers at once
    const entry = await waitQueued('1005', since);
    const answered = await waitAnswered(entry);
    expect(answered).toMatchObject({ agentId: '1006', queueId: 'vaxel' });
    expect(offersOf(entry)).toEqual(['1006']);
    expect(callEvents.find((e) => e.type === 'agent-ringing' && e.entryId === entry))
      .toMatchObject({ agentId: '1006', uris: [`sip:${JOHANS_MOBILE}@${TRUNK_HOST_IP}:${trunkPort};transport=udp`] });

    // The caller's hang-up reaches the mobile: the operator network's call ends with our BYE.
    const invite = await talkAndHangUpOnTrunk(sara, network);
    expect(invite).toMatch(new RegExp(`^INVITE sip:\\${JOHANS_MOBILE}@${TRUNK_HOST_IP.replace(/\./g, '\\.')}:${trunkPort}`));
    // The display name tells Johan which service was called, and by whom; the trunk presents the company's number.
    expect(invite).toMatch(new RegExp(`From: "\\[Växel\\] 1005" <sip:\\${VAXEL}@`));
    expect(invite).toMatch(/^X-Service: Växel$/m);
    expect(invite).toMatch(new RegExp(`^X-Dialled-Number: \\${VAXEL}$`, 'm'));
    expect(invite).toMatch(/^X-Wait-Seconds: [0-9]+$/m);
    await expect.poll(() => acdEvents.find((e) => e.type === 'ended' && e.entryId === entry), { timeout: 5_000 })
      .toMatchObject({ agentId: '1006' });

    await recordingClosed(sara);
    expect(Math.abs(lastSecondHeard(sara) - TONES['1005']!)).toBeLessThanOrEqual(15);
    await sara.stop();
    await product.app.acd.ready('1001');
    await allReady(['1001', '1006']);
    await product.app.acd.pause('1006', 'off his mobile');
  }, 40_000);

  it('a Växel caller presses 1 and keeps their place as a callback; when Anna is free she is rung first, then the customer through the trunk; bridged, she hears her own voice back from the customer\'s phone', async () => {
    await product.app.acd.pause('1001', 'test'); // the Växel queue's only ready agent (Johan is paused)
    const customer = '+46701740657';
    const since = acdEvents.length;
    await takeCallback(product.sipPort, VAXEL, customer);
    const entry = queuedEntry(customer, since)!.id;
    expect(acdEvents.find((e) => e.type === 'callback-requested' && e.entryId === entry)).toMatchObject({ queueId: 'vaxel' });
    expect(acdEvents.some((e) => e.type === 'abandoned' && e.entryId === entry)).toBe(false);
    expect(product.app.acd.snapshot().queues.find((q) => q.id === 'vaxel')!.entries).toMatchObject([
      { id: entry, kind: 'callback', data: { caller: customer, callbackNumber: customer, service: 'Växel', dialled: VAXEL } },
    ]);

    const network = await startOperatorNetwork();
    const anna = agents['1001']!;
    anna.clearEvents();
    await product.app.acd.ready('1001');
    const rang = await anna.waitEvent('CALL_ESTABLISHED', 10_000);
    expect(rang.peerdisplayname).toBe(`[Växel] callback ${customer}`);
    // The whisper to Anna first, then the customer is dialled and answers.
    await expect.poll(() => callEvents.some((e) => e.type === 'callback-connected' && e.entryId === entry), { timeout: 20_000 }).toBe(true);
    const steps = callEvents.flatMap((e) => (e.type.startsWith('callback-') && 'entryId' in e && e.entryId === entry ? [e.type] : []));
    expect(steps).toEqual(['callback-booked', 'callback-agent-ringing', 'callback-agent-answered', 'callback-dialling', 'callback-connected']);
    expect(offersOf(entry)).toEqual(['1001']);

    const invite = await talkAndHangUpOnTrunk(anna, network);
    expect(invite).toMatch(new RegExp(`^INVITE sip:\\${customer}@${TRUNK_HOST_IP.replace(/\./g, '\\.')}:${trunkPort}`));
    expect(invite).toMatch(new RegExp(`^From: <sip:\\${VAXEL}@`, 'm'));
    await expect.poll(() => acdEvents.find((e) => e.type === 'callback-done' && e.entryId === entry), { timeout: 5_000 })
      .toMatchObject({ outcome: 'completed' });
    // Counted as a call Anna answered and ended, not as one abandoned.
    expect(answeredEvent(entry)).toMatchObject({ agentId: '1001', queueId: 'vaxel' });
    await expect.poll(() => acdEvents.filter((e) => e.type === 'ended' && e.entryId === entry).length, { timeout: 5_000 }).toBe(1);
    expect(acdEvents.some((e) => e.type === 'abandoned' && e.entryId === entry)).toBe(false);
    await recordingClosed(anna);
    expect(Math.abs(lastSecondHeard(anna) - TONES['1001']!)).toBeLessThanOrEqual(15);
    await allReady(['1001']);
  }, 60_000);

  it('over a stretch of the day: the avalanche message goes to every Kundtjänst caller and to no other service; answered and abandoned add up; nothing is left behind', async () => {
    const acdSince = acdEvents.length;
    const callSince = callEvents.length;
    // Answered: a Växel caller (Anna) and a Kundtjänst caller (Erik, the only kundtjanst 5) at once.
    const vaxelCall = callFromOperatorNetwork(product.sipPort, VAXEL, '+46701740661');
    const kundCall = callFromOperatorNetwork(product.sipPort, KUNDTJANST, '+46701740662');
    await waitAnswered(await waitQueued('+46701740661', acdSince));
    await waitAnswered(await waitQueued('+46701740662', acdSince));
    await Promise.all([talkAndHangUp('1001', vaxelCall), talkAndHangUp('1002', kundCall)]);
    await allReady(['1001', '1002']);
    // Abandoned: a Kort och spärr caller gives up while both card agents are away.
    await product.app.acd.pause('1002', 'test');
    await product.app.acd.pause('1004', 'test');
    const gaveUp = await callFromOperatorNetwork(product.sipPort, KORT, '+46701740663', { hangUpAfterMs: 1_500 });
    expect(gaveUp.code, describeSippResult(gaveUp)).toBe(0);
    await product.app.acd.ready('1002');
    await product.app.acd.ready('1004');

    const day = acdEvents.slice(acdSince);
    const calls = callEvents.slice(callSince);
    const started = calls.filter((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started');
    const played = calls.filter((e): e is Extract<CallEvent, { type: 'avalanche-played' }> => e.type === 'avalanche-played');
    expect(new Set(started.map((e) => e.service))).toEqual(new Set(['Växel', 'Kundtjänst', 'Kort och spärr']));
    const kundCalls = started.filter((e) => e.service === 'Kundtjänst').map((e) => e.callId);
    expect(kundCalls).toHaveLength(1);
    expect(played.map((e) => e.callId)).toEqual(kundCalls);
    for (const e of played) expect(e.messageIds).toEqual(['1']);
    // Every call that reached an agent was offered only to agents with the queue's skill.
    const queueOf = new Map(day.flatMap((e) => (e.type === 'queued' ? [[e.entry.id, e.entry.queueId] as const] : [])));
    for (const e of day) {
      if (e.type !== 'offered-to-agent') continue;
      const profile = product.app.acd.profile(e.agentId)!;
      const skill = queueOf.get(e.entryId)!;
      expect(profile.skills[skill], `${e.agentId} offered a ${skill} call`).toBeGreaterThan(0);
    }
    // Answered: the Växel and Kundtjänst callers.
    const answered = day.filter((e): e is Extract<AcdEvent, { type: 'answered' }> => e.type === 'answered');
    expect(answered.map((e) => e.queueId).sort()).toEqual(['kundtjanst', 'vaxel']);
    // Every answered call has ended, once.
    await expect.poll(() => acdEvents.slice(acdSince).flatMap((e) => (e.type === 'ended' ? [e.entryId] : [])).sort(), { timeout: 5_000 })
      .toEqual(answered.map((e) => e.entryId).sort());
    // Abandoned: the caller who gave up.
    expect(day.flatMap((e) => (e.type === 'abandoned' ? [e.queueId] : []))).toEqual(['kort']);
    await expect.poll(() => (product.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => product.app.sipd!.stats.dialogs, { timeout: 5_000 }).toBeLessThanOrEqual(0);
    for (const q of product.app.acd.snapshot().queues) expect(q.entries, q.id).toEqual([]);
  }, 60_000);
});
