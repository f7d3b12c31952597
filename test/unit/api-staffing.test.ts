/**
 * The staffing API (server/api/staffing-routes.ts) over real contact
 * records (SQLite) and a plan file in a temp DATA_DIR: the forecast from the
 * same weekday in the weeks before with holidays left out, the agents the
 * queue's goal needs, the plan entered and imported (and kept across a
 * reopening), the agents actually ready, each role, bad input.
 */
import { describe, expect, it } from 'vitest';
import { staffingRoutes } from '../../server/api/staffing-routes.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { StaffingPlanFile } from '../../server/stats/staffing-plan-file.js';
import { expectProblem } from '../support/api.js';
import { apiOverHistory } from '../support/history-api.js';

const MIN = 60_000;
/** 08:00 in Stockholm (UTC+1 in winter) on a date. */
const eight = (date: string): number => Date.parse(`${date}T07:00:00Z`);
// Thursday 7 January 2027, 10:00 in Stockholm.
const TODAY = '2027-01-07';
const NOW = eight(TODAY) + 2 * 60 * MIN;

/** `n` calls queued from `at`, one a minute, each answered after 10 s, 100 s talk and 20 s wrap-up. */
function calls(prefix: string, at: number, n: number, queue = 'kundtjanst'): HistoryWrite[] {
  return Array.from({ length: n }, (_, i): HistoryWrite[] => [
    { kind: 'contact', id: `${prefix}-${i}`, fields: { startedAt: at + i * MIN, service: 'Kundtjänst' } },
    {
      kind: 'segment', id: `${prefix}-e${i}`,
      fields: { contactId: `${prefix}-${i}`, queue, kind: 'call', enqueuedAt: at + i * MIN, outcome: 'answered', waitMs: 10_000, talkMs: 100_000, wrapUpMs: 20_000 },
    },
  ]).flat();
}

const start = apiOverHistory(async ({ history, running, dataDir }) => staffingRoutes({
  history, running, plan: await StaffingPlanFile.open(dataDir), shortfalls: { raised: () => [] }, now: () => NOW,
}));

interface Interval { start: string; forecastCalls: number; forecastAhtSeconds: number | null; needed: number; scheduled: number; planned: number | null; actualCalls: number | null; ready: number | null }
interface Staffing { method: string; serviceLevelGoal: number; days: Array<{ date: string; holiday: string | null; basedOn: string[]; accuracy: { wape: number; mape: number } | null; intervals: Interval[] }> }

describe('GET /api/v1/staffing/queues/{id}', () => {
  it('forecasts from the same weekday before, leaves the holidays out, and sets need, plan and outcome side by side', async () => {
    const api = await start();
    await api.history.write([
      ...calls('w1', eight('2026-12-17'), 8),
      ...calls('w2', eight('2026-12-10'), 8),
      // Julafton and nyårsafton are Thursdays too: not normal days.
      ...calls('jul', eight('2026-12-24'), 14),
      ...calls('nyar', eight('2026-12-31') + 15 * MIN, 14),
      // Another weekday, another queue: not in this forecast.
      ...calls('wed', eight('2027-01-06'), 12),
      ...calls('kort', eight('2026-12-17'), 5, 'kort'),
      // Today's outcome so far, and a caller who hung up at 08:45 before anyone answered.
      ...calls('today', eight(TODAY), 6),
      { kind: 'contact', id: 'gave-up', fields: { startedAt: eight(TODAY) + 45 * MIN } },
      { kind: 'segment', id: 'gave-up-e', fields: { contactId: 'gave-up', queue: 'kundtjanst', kind: 'call', enqueuedAt: eight(TODAY) + 45 * MIN, outcome: 'abandoned', waitMs: 30_000 } },
      // 1002 takes kundtjanst, 1003 does not; 1001 is paused.
      { kind: 'agent-state', agent: '1002', at: eight(TODAY), state: 'ready' },
      { kind: 'agent-state', agent: '1002', at: eight(TODAY) + 22.5 * MIN, state: 'logged-out' },
      { kind: 'agent-state', agent: '1003', at: eight(TODAY), state: 'ready' },
      { kind: 'agent-state', agent: '1001', at: eight(TODAY), state: 'paused', reason: 'möte' },
    ]);
    const put = await api.api.inject({
      method: 'PUT', url: '/api/v1/staffing/plan', headers: api.as.supervisor,
      payload: { rows: [{ date: TODAY, start: '08:00', queue: 'kundtjanst', agents: 4 }, { date: TODAY, start: '08:15', queue: 'kundtjanst', agents: 3 }] },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({ days: 1, intervals: 2 });

    const res = await api.api.inject({ method: 'GET', url: `/api/v1/staffing/queues/kundtjanst?from=${TODAY}`, headers: api.as.supervisor });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<Staffing>();
    expect(body.method).toBe('erlang-c');
    expect(body.serviceLevelGoal).toBe(0.85);
    const [day] = body.days;
    expect(day!.basedOn).toEqual(['2026-12-17', '2026-12-10']);
    expect(day!.holiday).toBeNull();
    const byStart = new Map(day!.intervals.map((iv) => [iv.start, iv]));
    // 8 calls of 120 s in 15 minutes: 1.07 Erlang. By Erlang C, 2 agents answer 77 % within 60 s, 3 answer 96 %:
    // 3 on the phones for 85 %, and 3 / (1 - 0.3 shrinkage) = 4.3, so 5 to schedule.
    expect(byStart.get('08:00')).toEqual({
      start: '08:00', forecastCalls: 8, forecastAhtSeconds: 120, needed: 3, scheduled: 5,
      expectedServiceLevel: expect.closeTo(0.9595, 3), expectedAbandonment: 0,
      planned: 4, actualCalls: 6, actualAhtSeconds: 120, ready: 1,
    });
    // 1002 was ready for 7.5 of the 15 minutes.
    expect(byStart.get('08:15')).toMatchObject({ forecastCalls: 0, needed: 0, planned: 3, actualCalls: 0, actualAhtSeconds: null, ready: 0.5 });
    expect(byStart.has('08:30')).toBe(false);
    // No call answered at 08:45: no handling time to show.
    expect(byStart.get('08:45')).toMatchObject({ actualCalls: 1, actualAhtSeconds: null, ready: 0 });
    // Today is not over: no verdict on the forecast yet.
    expect(day!.accuracy).toBeNull();

    // Forecast against outcome on days that are over: 17 December had the 8 calls of the week before; the
    // Wednesday 6 January had 12 calls where the Wednesdays before had none.
    const past = async (date: string) => (await api.api.inject({ method: 'GET', url: `/api/v1/staffing/queues/kundtjanst?from=${date}`, headers: api.as.supervisor })).json<Staffing>().days[0]!;
    expect((await past('2026-12-17')).accuracy).toEqual({ wape: 0, mape: 0 });
    expect((await past('2027-01-06')).accuracy).toEqual({ wape: 1, mape: 1 });
  });

  it('forecasts the coming days, naming a holiday among them', async () => {
    const api = await start();
    await api.history.write([...calls('w1', eight('2026-12-17'), 8)]);
    // Friday 1 January 2027 is nyårsdagen.
    const res = await api.api.inject({ method: 'GET', url: '/api/v1/staffing/queues/kundtjanst?from=2026-12-31&days=2', headers: api.as.admin });
    expect(res.statusCode, res.body).toBe(200);
    const days = res.json<Staffing>().days;
    expect(days.map((d) => [d.date, d.holiday])).toEqual([['2026-12-31', 'Nyårsafton'], ['2027-01-01', 'Nyårsdagen']]);
    // The Thursday before nyårsafton had its 8 calls; julafton, a week further back, had none recorded and is a holiday anyway.
    expect(days[0]!.basedOn).toEqual(['2026-12-17']);
  });

  it('refuses an unknown queue, a bad date, too many days, and users outside supervision', async () => {
    const api = await start();
    expectProblem(await api.api.inject({ method: 'GET', url: '/api/v1/staffing/queues/nosuch', headers: api.as.admin }), 404);
    expect(expectProblem(await api.api.inject({ method: 'GET', url: '/api/v1/staffing/queues/kundtjanst?from=2027-02-30', headers: api.as.admin }), 400).field).toBe('from');
    expectProblem(await api.api.inject({ method: 'GET', url: '/api/v1/staffing/queues/kundtjanst?days=32', headers: api.as.admin }), 400);
    for (const role of ['operator', 'agent'] as const) {
      expectProblem(await api.api.inject({ method: 'GET', url: '/api/v1/staffing/queues/kundtjanst', headers: api.as[role] }), 403);
      expectProblem(await api.api.inject({ method: 'PUT', url: '/api/v1/staffing/plan', headers: api.bearer[role], payload: { rows: [] } }), 403);
    }
    expectProblem(await api.api.inject({ method: 'GET', url: '/api/v1/staffing/queues/kundtjanst' }), 401);
    expect((await api.api.inject({ method: 'GET', url: '/api/v1/staffing/queues/kundtjanst', headers: api.bearer.supervisor })).statusCode).toBe(200);
  });
});

describe('the staffing plan', () => {
  it('imports a CSV, which replaces the day of the queue it names, and keeps the plan across a reopening', async () => {
    const api = await start();
    await api.api.inject({
      method: 'PUT', url: '/api/v1/staffing/plan', headers: api.as.supervisor,
      payload: { rows: [
        { date: TODAY, start: '08:00', queue: 'kundtjanst', agents: 4 },
        { date: TODAY, start: '08:15', queue: 'kundtjanst', agents: 3 },
        { date: TODAY, start: '08:00', queue: 'kort', agents: 2 },
      ] },
    });
    const csv = '\uFEFFdate;interval start;queue;agents\r\n2027-01-07;08:00;kundtjanst;5\r\n2027-01-08;"09:30";kundtjanst;6\r\n';
    const imported = await api.api.inject({ method: 'POST', url: '/api/v1/staffing/plan/import', headers: { ...api.as.admin, 'content-type': 'text/csv' }, payload: csv });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toEqual({ days: 2, intervals: 2 });
    const expected = [
      { date: TODAY, start: '08:00', queue: 'kort', agents: 2 },
      { date: TODAY, start: '08:00', queue: 'kundtjanst', agents: 5 },
      { date: '2027-01-08', start: '09:30', queue: 'kundtjanst', agents: 6 },
    ];
    const read = await api.api.inject({ method: 'GET', url: `/api/v1/staffing/plan?from=${TODAY}&to=2027-01-31`, headers: api.as.supervisor });
    expect(read.json()).toEqual({ rows: expected });
    expect((await StaffingPlanFile.open(api.dataDir)).rows(TODAY, '2027-01-31')).toEqual(expected);
  });

  it('refuses a bad file or a bad row whole, naming where', async () => {
    const api = await start();
    const post = (csv: string) => api.api.inject({ method: 'POST', url: '/api/v1/staffing/plan/import', headers: { ...api.as.admin, 'content-type': 'text/csv' }, payload: csv });
    const bad = expectProblem(await post('date,interval start,queue,agents\n2027-01-07,08:00,kundtjanst,5\n2027-01-07,8.15,kundtjanst,many\n'), 400);
    expect(bad).toMatchObject({ field: 'file' });
    expect(bad.detail).toMatch(/^line 3: .*8\.15.*agents must be a whole number/);
    expect(expectProblem(await post('date,interval start,queue,agents\n2027-01-07,08:00,nosuch,5\n'), 400).detail).toMatch(/row 1 of the file: nosuch is not a queue/);
    const put = (rows: unknown[]) => api.api.inject({ method: 'PUT', url: '/api/v1/staffing/plan', headers: api.as.admin, payload: { rows } });
    const row = { date: TODAY, start: '08:00', queue: 'kundtjanst', agents: 2 };
    expect(expectProblem(await put([row, { ...row, start: '08:10' }]), 400).field).toBe('/rows/1/start');
    expect(expectProblem(await put([row, row]), 400).detail).toMatch(/planned twice/);
    expect(expectProblem(await put([{ ...row, queue: 'nosuch' }]), 400).field).toBe('/rows/0/queue');
    expect(expectProblem(await put([{ ...row, agents: -1 }]), 400).field).toMatch(/agents/);
    expectProblem(await api.api.inject({ method: 'POST', url: '/api/v1/staffing/plan/import', headers: { ...api.as.admin, 'content-type': 'image/png' }, payload: 'x' }), 415);
    // Nothing of it was kept.
    const read = await api.api.inject({ method: 'GET', url: `/api/v1/staffing/plan?from=${TODAY}&to=${TODAY}`, headers: api.as.admin });
    expect(read.json()).toEqual({ rows: [] });
  });
});

describe('Erlang A when the callers hang up', () => {
  it("staffs by Erlang A with the callers' patience from the records once they show enough abandons", async () => {
    const api = await start();
    // 20 callers who hung up after 30 s and 20 answered after 10 s, on the Thursday a week before: patience (20·30 + 20·10) / 20 = 40 s.
    const writes = Array.from({ length: 40 }, (_, i): HistoryWrite[] => [
      { kind: 'contact', id: `k-${i}`, fields: { startedAt: eight('2026-12-17') + i * 20_000 } },
      {
        kind: 'segment', id: `k-e${i}`,
        fields: i < 20
          ? { contactId: `k-${i}`, queue: 'kort', kind: 'call', enqueuedAt: eight('2026-12-17') + i * 20_000, outcome: 'abandoned', waitMs: 30_000 }
          : { contactId: `k-${i}`, queue: 'kort', kind: 'call', enqueuedAt: eight('2026-12-17') + i * 20_000, outcome: 'answered', waitMs: 10_000, talkMs: 120_000 },
      },
    ]).flat();
    await api.history.write(writes);
    const res = await api.api.inject({ method: 'GET', url: `/api/v1/staffing/queues/kort?from=${TODAY}`, headers: api.as.supervisor });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<Staffing & { patienceSeconds: number | null }>();
    expect(body.method).toBe('erlang-a');
    expect(body.patienceSeconds).toBe(40);
    // 40 calls of 120 s in 08:00-08:15 (5.3 Erlang): Erlang C needs 8 agents for 85 % within 60 s at most 85 % busy;
    // callers who hang up take no agent time, so Erlang A needs fewer, and expects some to hang up.
    const eightOClock = body.days[0]!.intervals.find((iv) => iv.start === '08:00')!;
    expect(eightOClock).toMatchObject({ forecastCalls: 40, forecastAhtSeconds: 120 });
    expect(eightOClock.needed).toBeGreaterThan(5);
    expect(eightOClock.needed).toBeLessThan(8);
    expect((eightOClock as unknown as { expectedAbandonment: number }).expectedAbandonment).toBeGreaterThan(0);
  });
});
