/**
 * A scripted day counted twice: by the test, from what it did (DayTally,
 * test/support/day-tally.ts), and by the contact records the product wrote
 * (read back through the repository), on SQLite and on PostgreSQL. The
 * two must agree per interval and service, per case type and agent, and
 * per queue; each abandoned call's wait is the caller's patience.
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
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/schema.js';
import { SQLITE_FILE } from '../../server/history/open.js';
import { PostgresHistory } from '../../server/history/postgres.js';
import type { HistoryRepository } from '../../server/history/repository.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { writeToneWav } from '../support/audio.js';
import { callbackFlows, takeCallback } from '../support/callbacks.js';
import { DayTally } from '../support/day-tally.js';
import { callFromOperatorNetwork, startTrunkFarEnd } from '../support/operator-network.js';
import { freePort, freePortRange } from '../support/ports.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { signIn } from '../support/api.js';
import { startProduct, TEST_ADMIN_PASSWORD, testConfig, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { assertSippOk, killAllSipp, runSipp, startRegisteredSippPhone } from '../support/sipp.js';

const VAXEL = '+46313900600';
const KUNDTJANST = '+46313900601';
const KORT = '+46313900603';
const ANNA = '1001';
const ERIK = '1002';
/** The switchboard's operator on duty, to whom a Växel caller who chooses nothing is put through. */
const MAJA = '1003';
const INTERVAL_MINUTES = 15;
const SHORT_ABANDON_MS = 1_000;
/** How long each caller who gives up stays in line. */
const PATIENCE_MS = [3_000, 1_500, 300];

let postgres: PostgresServer | undefined;
beforeAll(async () => { postgres = await startPostgres(); }, 60_000);
afterAll(async () => { await postgres?.stop(); });

let product: RunningProduct | undefined;
let reader: HistoryRepository | undefined;
afterEach(async () => {
  killAllSipp();
  await product?.stop();
  product = undefined;
  await reader?.close();
  reader = undefined;
});

const backends = [
  {
    name: 'SQLite',
    place: async () => {},
    open: async (c: Config): Promise<HistoryRepository> => SqliteHistory.open(join(c.dataDir, SQLITE_FILE)),
  },
  {
    name: 'PostgreSQL',
    place: async (c: Config) => { c.databaseUrl = await postgres!.database(); },
    open: (c: Config): Promise<HistoryRepository> => PostgresHistory.open(c.databaseUrl!, { onError: () => {} }),
  },
];

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
    '  - id: lavin', '    type: avalanche', '    deflectionSeconds: 2', '    next: ko',
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

describe.each(backends)('a scripted day, counted by the test and by the contact records on $name', (backend) => {
  it('answered calls with case types by menu and by the agent\'s code, an avalanche deflection, a transfer, abandons at different waits and a short one, a callback: the same figures', async () => {
    const from = Date.now();
    const config = await testConfig();
    await backend.place(config);
    const trunkPort = await freePort('both');
    product = await startProduct({
      flowDir: dayFlows(), trunkPort,
      tweak: (c) => {
        c.dataDir = config.dataDir;
        c.databaseUrl = config.databaseUrl;
        for (const q of c.queues) q.wrapUpSeconds = 1;
        c.avalanche = [{ id: '1', services: ['Kundtjänst'], slot: 'lavin-1' }];
      },
    });
    const p = product;
    const announcements = join(p.config.dataDir, 'announcements');
    mkdirSync(announcements, { recursive: true });
    writeToneWav(join(announcements, 'lavin-1.wav'), { hz: 1700, seconds: 1.5, amplitude: 0.5 });
    await p.app.avalanche.switch('1', true, Date.now(), 'scripted day');
    // The phones last the whole day (SIPp's own timeout ends them otherwise).
    const allDay = { scenario: 'uas-answer.xml', timeoutMs: 110_000 };
    await startRegisteredSippPhone(p.sipPort, ANNA, allDay);
    await startRegisteredSippPhone(p.sipPort, ERIK, { ...allDay, calls: 3 });
    const majasPhone = await startRegisteredSippPhone(p.sipPort, MAJA, allDay);
    await expect.poll(() => [p.app.acd.agent(ANNA)?.state, p.app.acd.agent(ERIK)?.state], { timeout: 10_000 }).toEqual(['ready', 'ready']);
    const tally = new DayTally();
    const admin = await signIn(p.app.api, 'admin', TEST_ADMIN_PASSWORD);

    // Erik answers a card caller, then gives it the case type 2 (kort: "Nytt kort").
    let at = Date.now();
    assertSippOk(await callFromOperatorNetwork(p.sipPort, KORT, '+46701000001', { hangUpAfterMs: 1_500 }), 1);
    const setCode = await p.app.api.inject({
      method: 'PUT', url: `/api/v1/agents/${ERIK}/wrap-up`, headers: admin, payload: { caseType: '2', note: 'nytt kort beställt' },
    });
    expect(setCode.statusCode, setCode.body).toBe(200);
    tally.answered({ at, service: 'Kort och spärr', queue: 'kort', agent: ERIK, caseType: '2' });

    // Anna answers a Växel caller whose menu choice set the case type.
    at = Date.now();
    await callVaxelPressing1(p.sipPort, '+46701000002', 1_500);
    tally.answered({ at, service: 'Växel', queue: 'vaxel', agent: ANNA, caseType: '1' });

    // A Växel caller who chooses nothing is put through to Maja.
    assertSippOk(await callFromOperatorNetwork(p.sipPort, VAXEL, '+46701000005', { hangUpAfterMs: 7_000 }), 1);
    assertSippOk(await majasPhone.exited, 1);
    tally.transfer({ service: 'Växel', target: MAJA, outcome: 'connected' });

    // Kundtjänst: one caller waits through the avalanche message and Erik answers (they talk past the 2 s after the
    // message in which a hang-up still counts as turned away by it); one hangs up during it.
    at = Date.now();
    assertSippOk(await callFromOperatorNetwork(p.sipPort, KUNDTJANST, '+46701000003', { hangUpAfterMs: 5_000 }), 1);
    tally.answered({ at, service: 'Kundtjänst', queue: 'kundtjanst', agent: ERIK });
    assertSippOk(await callFromOperatorNetwork(p.sipPort, KUNDTJANST, '+46701000004', { hangUpAfterMs: 700 }), 1);
    tally.deflected({ service: 'Kundtjänst' });

    // Nobody takes card calls: three callers give up.
    await p.app.acd.pause(ANNA, 'lunch');
    await p.app.acd.pause(ERIK, 'lunch');
    await expect.poll(() => [p.app.acd.agent(ANNA)?.state, p.app.acd.agent(ERIK)?.state], { timeout: 10_000 }).toEqual(['paused', 'paused']);
    for (const [i, patience] of PATIENCE_MS.entries()) {
      at = Date.now();
      assertSippOk(await callFromOperatorNetwork(p.sipPort, KORT, `+4670100001${i}`, { hangUpAfterMs: patience }), 1);
      tally.abandoned({ at, service: 'Kort och spärr', queue: 'kort', waitMs: patience });
    }
    // Still nobody free: a card caller asks to be called back; once Erik is ready he is rung, then the customer.
    at = Date.now();
    await takeCallback(p.sipPort, KORT, '+46701000020');
    const customer = await startTrunkFarEnd(trunkPort, { scenario: 'uas-answer-then-bye.xml', durationMs: 1_000 });
    await p.app.acd.ready(ERIK);
    assertSippOk(await customer.exited, 1);
    tally.callback({ at, service: 'Kort och spärr', queue: 'kort', completed: true });

    await expect.poll(() => p.app.acd.snapshot().queues.every((q) => q.entries.length === 0), { timeout: 15_000 }).toBe(true);
    await p.app.contactRecords.flush();

    reader = await backend.open(p.config);
    const to = Date.now() + 1;
    expect(await reader.intervalCounts(INTERVAL_MINUTES, from - INTERVAL_MINUTES * 60_000, to)).toEqual(tally.intervals(INTERVAL_MINUTES));
    expect((await reader.caseTypeHandling(from, to)).map(({ caseType, agent, answered }) => ({ caseType, agent, answered })))
      .toEqual(tally.caseTypes());
    const days = await reader.queueDays(from, to, { targetMs: new Map(), defaultTargetMs: 60_000, shortAbandonMs: SHORT_ABANDON_MS });
    expect(days.map(({ answeredInTarget: _, ...counted }) => counted)).toEqual(tally.queues(SHORT_ABANDON_MS));

    // Each abandon's recorded wait is its caller's patience (SIPp's timing, plus the call's setup).
    const waits: number[] = [];
    const deflected = new Map<string, { service: string; deflected: number }>();
    const transfers = new Map<string, { service: string; target: string; outcome: string; transfers: number }>();
    for (const id of await reader.contactIds(from, to)) {
      const { fields, segments, transfers: putThrough } = (await reader.contact(id))!;
      for (const { target, outcome } of putThrough) {
        const row = transfers.get(`${target}|${outcome}`) ?? { service: fields.service!, target, outcome, transfers: 0 };
        row.transfers += 1;
        transfers.set(`${target}|${outcome}`, row);
      }
      for (const s of segments) if (s.outcome === 'abandoned') waits.push(s.waitMs!);
      if (fields.deflected === 1) {
        const row = deflected.get(fields.service!) ?? { service: fields.service!, deflected: 0 };
        row.deflected += 1;
        deflected.set(fields.service!, row);
      }
    }
    expect([...deflected.values()]).toEqual(tally.deflections());
    expect([...transfers.values()]).toEqual(tally.transfers());
    expect(waits).toHaveLength(PATIENCE_MS.length);
    for (const [i, patience] of PATIENCE_MS.entries()) {
      expect(waits[i]).toBeGreaterThanOrEqual(patience - 100);
      expect(waits[i]).toBeLessThan(patience + 700);
    }
  }, 120_000);
});
