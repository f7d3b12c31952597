/**
 * A scripted day counted twice: by the test, from what it did (DayTally,
 * test/support/day-tally.ts), and by the product's contact report
 * (GET /api/v1/reports/contacts over HTTP, JSON and once CSV), on SQLite
 * and on PostgreSQL. The two must agree per quarter hour and service,
 * queue, number dialled, agent and case type: the counts exactly, the
 * times within the test's measuring error.
 *
 * Real SIP and RTP on loopback: SIPp callers from the operator network on
 * Växel (+46313900600, a menu whose 1 sets the case type "1" before the
 * queue), Kundtjänst (+46313900601, an avalanche message switched on, then
 * the queue: one caller waits through it and is answered, one hangs up
 * during it, a deflection) and Kort och spärr (+46313900603, straight to
 * the queue); SIPp
 * desk phones for Anna (1001, Växel) and Erik (1002, cards), whose case
 * type is set after his call as the agent desktop does (PUT wrap-up; the
 * phone's *25 is test/integration/case-types-wire.test.ts). Then both pause and three
 * card callers give up after 3 s, 1.5 s and 0.3 s (a short abandon).
 *
 * A Växel caller who chooses nothing is put through to Maja's desk phone
 * (1003, SIPp) by the flow's transfer node.
 *
 * Last, with nobody free, a card caller asks to be called back (presses 1
 * and accepts their number); Erik is made ready, is rung first, then the
 * customer through the operator trunk (a SIPp callee on 127.0.0.3).
 *
 * Then part of the day on the product as its own process, killed with
 * SIGKILL while Erik talks to one card caller and another waits, started
 * again on the same data to finish the day: each call's contact is found
 * by the Call-ID the test gave it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import type { ContactRecord } from '../../server/history/records.js';
import { writeToneWav } from '../support/audio.js';
import { callbackFlows, takeCallback } from '../support/callbacks.js';
import { useHistoryBackends } from '../support/history-backends.js';
import { DayTally, TALLY_FIGURES, type TallyGrouping, type TallyRow, type TallyRules } from '../support/day-tally.js';
import { callFromOperatorNetwork, startTrunkFarEnd } from '../support/operator-network.js';
import { freePort, freePortRange } from '../support/ports.js';
import { signIn } from '../support/api.js';
import { startProduct, startProductProcess, TEST_ADMIN_PASSWORD, testConfig, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { assertSippOk, killAllSipp, runSipp, startRegisteredSippPhone } from '../support/sipp.js';

const VAXEL = '+46313900600';
const KUNDTJANST = '+46313900601';
const KORT = '+46313900603';
const ANNA = '1001';
const ERIK = '1002';
/** The switchboard's operator on duty, to whom a Växel caller who chooses nothing is put through. */
const MAJA = '1003';
const INTERVAL_MINUTES = 15;
/** Each queue's target, and the abandons too short to count against the service level. */
const RULES: TallyRules = { targetMs: 20_000, shortAbandonMs: 1_000 };
const WRAP_UP_MS = 1_000;
/** Kundtjänst's avalanche message, heard before the queue. */
const AVALANCHE_MS = 1_500;
/** Växel's menu waits this long for a key before putting the caller through to Maja. */
const MENU_TIMEOUT_MS = 2_000;
/** The DTMF caller presses 1 half a second after the answer and starts its talk half a second later (uac-dtmf-1.xml). */
const KEY_TO_QUEUE_MS = 500;
/** How far the product's measure of one call's time may be from the test's: call setup, SIPp's timing, RTP. */
const TIME_TOLERANCE_S = 0.7;
/** How long each caller who gives up stays in line. */
const PATIENCE_MS = [3_000, 1_500, 300];

const run = useHistoryBackends();

/**
 * The repo's flows with card blocking offering a callback after 1 s in line (callbackFlows), Växel's and
 * Kundtjänst's replaced by ones without hours: a menu whose 1 sets the case type "1" (no choice: put through to
 * Maja); the avalanche messages.
 */
function dayFlows(): string {
  const dir = callbackFlows();
  writeFileSync(join(dir, 'vaxel.yaml'), [
    'flow: vaxel', 'description: Switchboard, case type by menu', 'services: [Växel]', 'language: sv', 'nodes:',
    '  - id: meny', '    type: menu', '    prompts: [welcome]', '    timeoutSeconds: 2', '    retries: 0',
    '    branches: { "1": faktura, timeout: till-maja, invalid: ko }',
    `  - id: till-maja`, '    type: transfer', `    to: "${MAJA}"`, '    timeoutSeconds: 10', '    branches: { failed: ko }',
    '  - id: faktura', '    type: set', '    variables: { caseType: "1" }', '    next: ko',
    '  - id: ko', '    type: queue', '    queue: vaxel',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'kundtjanst.yaml'), [
    'flow: kundtjanst', 'description: Customer service, avalanche messages then the queue', 'services: [Kundtjänst]', 'language: sv', 'nodes:',
    '  - id: lavin', '    type: avalanche', '    next: ko',
    '  - id: ko', '    type: queue', '    queue: kundtjanst',
    '',
  ].join('\n'));
  return dir;
}

/** A caller from the operator network presses 1 in Växel's menu and talks `talkMs` once answered. */
async function callVaxelPressing1(sipPort: number, caller: string, talkMs: number): Promise<void> {
  assertSippOk(await runSipp({
    scenario: 'uac-dtmf-1.xml', remote: sipPort, service: VAXEL, keys: { caller }, durationMs: talkMs,
    mediaPort: await freePortRange(4, 'udp'), timeoutMs: 30_000, extraArgs: ['-i', TRUNK_SOURCE_IP],
  }), 1);
}

/** A number within `tolerance` of `expected` (null only for null): the product's measure of a time against the test's. */
function near(expected: number | null, tolerance: number): unknown {
  if (expected === null) return null;
  return {
    // Marks it as an asymmetric matcher for the failure's diff, which then prints toAsymmetricMatcher().
    $$typeof: Symbol.for('jest.asymmetricMatcher'),
    asymmetricMatch: (actual: unknown) => typeof actual === 'number' && Math.abs(actual - expected) <= tolerance,
    toString: () => `a number within ${tolerance} of ${expected}`,
    toAsymmetricMatcher: () => `${expected} ± ${tolerance}`,
  };
}

/** What the tally says a report row holds: the counts exactly, the times within the test's measuring error per call. */
const expectedRow = (row: TallyRow): Record<string, unknown> => ({
  ...row,
  serviceLevel: near(row.serviceLevel, 0.0001),
  averageSpeedOfAnswerSeconds: near(row.averageSpeedOfAnswerSeconds, TIME_TOLERANCE_S),
  averageWaitSeconds: near(row.averageWaitSeconds, TIME_TOLERANCE_S),
  longestWaitSeconds: near(row.longestWaitSeconds, TIME_TOLERANCE_S),
  averageHandlingSeconds: near(row.averageHandlingSeconds, TIME_TOLERANCE_S),
  handlingSeconds: near(row.handlingSeconds, TIME_TOLERANCE_S * Math.max(1, row.answered)),
});

/** A report row's figures, its start as an instant. */
const figuresOf = (row: Record<string, unknown>): Record<string, unknown> => ({
  start: Date.parse(String(row['start'])), group: row['group'], ...Object.fromEntries(TALLY_FIGURES.map((f) => [f, row[f]])),
});

/** The contact report by quarter hour over the days around today (whatever the company's time zone), over real HTTP. */
async function fetchReport(p: RunningProduct, session: Record<string, string>, groupBy: TallyGrouping, format: 'json' | 'csv' = 'json'): Promise<string> {
  const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const query = new URLSearchParams({ from: day(-1), to: day(2), interval: `${INTERVAL_MINUTES}m`, groupBy, format });
  const res = await fetch(`http://127.0.0.1:${p.config.http.port}/api/v1/reports/contacts?${query}`, { headers: session });
  const body = await res.text();
  expect(res.status, body).toBe(200);
  return body;
}

/** The report's rows: per agent only those with calls (the time agents spend in each state is the agent-state tests'). */
async function reportRows(p: RunningProduct, session: Record<string, string>, groupBy: TallyGrouping): Promise<Array<Record<string, unknown>>> {
  const rows = (JSON.parse(await fetchReport(p, session, groupBy)) as { rows: Array<Record<string, unknown>> }).rows;
  return rows.filter((r) => groupBy !== 'agent' || (r['offered'] as number) > 0).map(figuresOf);
}

/** A CSV report's rows as records of its header's names, numbers as numbers and an empty cell as null. */
function csvRows(csv: string): Array<Record<string, unknown>> {
  const [header, ...lines] = csv.trimEnd().split('\r\n').map((line) => line.split(','));
  return lines.map((cells) => figuresOf(Object.fromEntries(header!.map((name, i) => {
    const cell = cells[i]!;
    return [name, name === 'start' || name === 'group' ? cell : cell === '' ? null : Number(cell)];
  }))));
}

describe.each(run.backends)('a scripted day on $name', (backend) => {
  it('answered calls with case types by menu and by the agent\'s code, an avalanche deflection, a transfer, abandons at different waits and a short one, a callback: the same figures per interval and service, queue, number, agent and case type', async () => {
    const config = await testConfig();
    await backend.place(config);
    const trunkPort = await freePort('both');
    run.product = await startProduct({
      flowDir: dayFlows(), trunkPort,
      tweak: (c) => {
        c.dataDir = config.dataDir;
        c.databaseUrl = config.databaseUrl;
        for (const q of c.queues) {
          q.wrapUpSeconds = WRAP_UP_MS / 1000;
          q.targetSeconds = RULES.targetMs / 1000;
        }
        c.statistics.shortAbandonSeconds = RULES.shortAbandonMs / 1000;
        c.avalanche = [{ id: '1', services: ['Kundtjänst'], slot: 'lavin-1' }];
      },
    });
    const p = run.product;
    const announcements = join(p.config.dataDir, 'announcements');
    mkdirSync(announcements, { recursive: true });
    writeToneWav(join(announcements, 'lavin-1.wav'), { hz: 1700, seconds: AVALANCHE_MS / 1000, amplitude: 0.5 });
    await p.app.avalanche.switch('1', true, Date.now(), 'scripted day');
    // The phones last the whole day (SIPp's own timeout ends them otherwise).
    const allDay = { scenario: 'uas-answer.xml', timeoutMs: 110_000 };
    await startRegisteredSippPhone(p.sipPort, ANNA, allDay);
    await startRegisteredSippPhone(p.sipPort, ERIK, { ...allDay, calls: 3 });
    const majasPhone = await startRegisteredSippPhone(p.sipPort, MAJA, allDay);
    await expect.poll(() => [p.app.acd.agent(ANNA)?.state, p.app.acd.agent(ERIK)?.state], { timeout: 10_000 }).toEqual(['ready', 'ready']);
    const tally = new DayTally();
    const admin = await signIn(p.app.api, 'admin', TEST_ADMIN_PASSWORD);
    const card = { service: 'Kort och spärr', queue: 'kort', dialled: KORT };

    // Erik answers a card caller, then gives it the case type 2 (kort: "Nytt kort"), as the agent desktop does.
    let at = Date.now();
    assertSippOk(await callFromOperatorNetwork(p.sipPort, KORT, '+46701000001', { hangUpAfterMs: 1_500 }), 1);
    const setCode = await p.app.api.inject({
      method: 'PUT', url: `/api/v1/agents/${ERIK}/wrap-up`, headers: admin, payload: { caseType: '2', note: 'nytt kort beställt' },
    });
    expect(setCode.statusCode, setCode.body).toBe(200);
    tally.answered({ at, ...card, agent: ERIK, caseType: '2', handlingMs: 1_500 + WRAP_UP_MS });

    // Anna answers a Växel caller whose menu choice set the case type.
    at = Date.now();
    await callVaxelPressing1(p.sipPort, '+46701000002', 1_500);
    tally.answered({ at, service: 'Växel', queue: 'vaxel', dialled: VAXEL, agent: ANNA, caseType: '1', handlingMs: KEY_TO_QUEUE_MS + 1_500 + WRAP_UP_MS });

    // A Växel caller who chooses nothing is put through to Maja once the menu gives up.
    at = Date.now();
    assertSippOk(await callFromOperatorNetwork(p.sipPort, VAXEL, '+46701000005', { hangUpAfterMs: 7_000 }), 1);
    assertSippOk(await majasPhone.exited, 1);
    tally.transfer({ at: at + MENU_TIMEOUT_MS, service: 'Växel', dialled: VAXEL });

    // Kundtjänst: one caller waits through the avalanche message and Erik answers (hanging up within the message's
    // deflection window does not make an answered call a deflection); one hangs up during the message.
    at = Date.now();
    assertSippOk(await callFromOperatorNetwork(p.sipPort, KUNDTJANST, '+46701000003', { hangUpAfterMs: 3_000 }), 1);
    const kundtjanst = { service: 'Kundtjänst', queue: 'kundtjanst', dialled: KUNDTJANST };
    tally.answered({ at, ...kundtjanst, agent: ERIK, handlingMs: 3_000 - AVALANCHE_MS + WRAP_UP_MS });
    at = Date.now();
    assertSippOk(await callFromOperatorNetwork(p.sipPort, KUNDTJANST, '+46701000004', { hangUpAfterMs: 700 }), 1);
    tally.deflected({ at, service: 'Kundtjänst', dialled: KUNDTJANST });

    // Nobody takes card calls: three callers give up.
    await p.app.acd.pause(ANNA, 'lunch');
    await p.app.acd.pause(ERIK, 'lunch');
    await expect.poll(() => [p.app.acd.agent(ANNA)?.state, p.app.acd.agent(ERIK)?.state], { timeout: 10_000 }).toEqual(['paused', 'paused']);
    for (const [i, patience] of PATIENCE_MS.entries()) {
      at = Date.now();
      assertSippOk(await callFromOperatorNetwork(p.sipPort, KORT, `+4670100001${i}`, { hangUpAfterMs: patience }), 1);
      tally.abandoned({ at, ...card, waitMs: patience });
    }
    // Still nobody free: a card caller asks to be called back; once Erik is ready he is rung, then the customer.
    at = Date.now();
    await takeCallback(p.sipPort, KORT, '+46701000020');
    const customer = await startTrunkFarEnd(trunkPort, { scenario: 'uas-answer-then-bye.xml', durationMs: 1_000 });
    await p.app.acd.ready(ERIK);
    assertSippOk(await customer.exited, 1);
    tally.callback({ at, ...card, agent: ERIK, completed: true });

    await expect.poll(() => p.app.acd.snapshot().queues.every((q) => q.entries.length === 0), { timeout: 15_000 }).toBe(true);
    await p.app.contactRecords.flush();

    for (const groupBy of ['service', 'queue', 'dialled', 'agent', 'caseType'] as const) {
      expect(await reportRows(p, admin, groupBy), groupBy).toEqual(tally.report(INTERVAL_MINUTES, groupBy, RULES).map(expectedRow));
    }
    expect(csvRows(await fetchReport(p, admin, 'caseType', 'csv'))).toEqual(tally.report(INTERVAL_MINUTES, 'caseType', RULES).map(expectedRow));
  }, 120_000);

  it('kill -9 while Erik talks to one card caller and another waits, restart on the same data, finish the day: every call\'s contact there once, those that had ended as they were', async () => {
    const from = Date.now();
    const config = await testConfig();
    await backend.place(config);
    for (const q of config.queues) q.wrapUpSeconds = WRAP_UP_MS / 1000;
    run.child = await startProductProcess(config, flowDir());
    run.reader = await backend.open(config);
    const repo = run.reader;
    const contact = async (callId: string): Promise<ContactRecord | undefined> => repo.contact(callId);
    await startRegisteredSippPhone(config.sip.port, ERIK, { scenario: 'uas-answer.xml', timeoutMs: 60_000, calls: 2 });
    // The first call ends before the kill; with Erik busy on the second, the third waits in line.
    const [ended, talking, waiting, afterRestart] = ['ended', 'talking', 'waiting', 'after-restart'].map((name) => `${name}-${from}@scripted-day`);
    assertSippOk(await callFromOperatorNetwork(config.sip.port, KORT, '+46701000031', { hangUpAfterMs: 1_000, callId: ended }), 1);
    await expect.poll(async () => (await contact(ended))?.segments[0]?.wrapUpMs, { timeout: 10_000 }).toBeDefined();
    // Acknowledged: the answer of the call in talk, then the place in line of the one that waits behind it.
    const inTalk = callFromOperatorNetwork(config.sip.port, KORT, '+46701000032', { hangUpAfterMs: 30_000, callId: talking });
    await expect.poll(async () => (await contact(talking))?.segments[0]?.outcome, { timeout: 10_000 }).toBe('answered');
    const inLine = callFromOperatorNetwork(config.sip.port, KORT, '+46701000033', { callId: waiting });
    await expect.poll(async () => (await contact(waiting))?.segments.length, { timeout: 10_000 }).toBe(1);
    const before = await contact(ended);
    await run.killChild();
    // The calls in progress died with the product (no BYE will come), and so did Erik's registration.
    killAllSipp();
    await Promise.allSettled([inTalk, inLine]);

    run.product = await startProduct({
      tweak: (c) => {
        c.dataDir = config.dataDir;
        c.databaseUrl = config.databaseUrl;
        for (const q of c.queues) q.wrapUpSeconds = WRAP_UP_MS / 1000;
      },
    });
    const p = run.product;
    await startRegisteredSippPhone(p.sipPort, ERIK, { scenario: 'uas-answer.xml', timeoutMs: 60_000 });
    await expect.poll(() => p.app.acd.agent(ERIK)?.state, { timeout: 10_000 }).toBe('ready');
    assertSippOk(await callFromOperatorNetwork(p.sipPort, KORT, '+46701000034', { hangUpAfterMs: 1_000, callId: afterRestart }), 1);
    await expect.poll(() => p.app.acd.agent(ERIK)?.state, { timeout: 10_000 }).toBe('ready');
    await p.app.contactRecords.flush();

    expect((await repo.contactIds(from, Date.now() + 1)).sort()).toEqual([afterRestart, ended, talking, waiting].sort());
    for (const id of [ended, talking, waiting, afterRestart]) expect((await contact(id))!.segments, id).toHaveLength(1);
    expect(await contact(ended)).toEqual(before);
    // A call cut by the kill keeps what was written before it: no end, and a wait in line with no outcome.
    const cutInTalk = (await contact(talking))!;
    const cutInLine = (await contact(waiting))!;
    expect([cutInTalk.fields.endedAt, cutInTalk.segments[0]!.talkMs, cutInLine.fields.endedAt, cutInLine.segments[0]!.outcome]).toEqual([undefined, undefined, undefined, undefined]);
    expect(cutInTalk.segments[0]).toMatchObject({ outcome: 'answered', agent: ERIK });
    expect((await contact(afterRestart))!).toMatchObject({
      fields: { dialled: KORT, endedBy: 'caller' },
      segments: [{ queue: 'kort', outcome: 'answered', agent: ERIK, wrapUpMs: expect.any(Number) }],
    });
  }, 90_000);
});
