/**
 * GET /api/v1/reports/contacts over real contact records (SQLite): the
 * figures as JSON and as CSV, the short-abandon limit from the
 * configuration, the refusals (a period that ends before it starts, an
 * unknown grouping, a period too long for the interval), and who may ask.
 */
import { describe, expect, it } from 'vitest';
import { reportsRoutes } from '../../server/api/reports-routes.js';
import { loadConfig } from '../../server/config/load.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { expectProblem } from '../support/api.js';
import { apiOverHistory, type HistoryTestApi } from '../support/history-api.js';

/** hh:mm on 2 December 2026 in Stockholm (UTC+1). */
const at = (hh: number, mm: number): number => Date.UTC(2026, 11, 2, hh - 1, mm);

const call = (id: string, queuedAt: number, outcome: string, waitS: number, more: Record<string, unknown> = {}): HistoryWrite[] => [
  { kind: 'contact', id, fields: { startedAt: queuedAt, service: 'Kundtjänst, privat', dialled: '+46313900601' } },
  { kind: 'segment', id: `e-${id}`, fields: { contactId: id, queue: 'kundtjanst', kind: 'call', enqueuedAt: queuedAt, outcome, waitMs: waitS * 1000, ...more } },
];

const MORNING: HistoryWrite[] = [
  ...call('a', at(8, 1), 'answered', 20, { agent: '1001', talkMs: 100_000, wrapUpMs: 20_000 }),
  ...call('b', at(8, 20), 'abandoned', 4),
  ...call('c', at(8, 40), 'abandoned', 8),
  ...call('d', at(9, 5), 'answered', 90, { agent: '1002', talkMs: 200_000 }),
];

const startApi = apiOverHistory(async ({ history, running }) => {
  await history.write(MORNING);
  return reportsRoutes({ history, running, now: () => at(12, 0) });
});

function start(shortAbandonSeconds = 5): Promise<HistoryTestApi> {
  return startApi({ ...loadConfig({ env: {} }), statistics: { shortAbandonSeconds } });
}

const URL = '/api/v1/reports/contacts?from=2026-12-02&to=2026-12-03&interval=60m&groupBy=service';

describe('GET /api/v1/reports/contacts', () => {
  it('reports each hour and service as JSON, the service level against the queue target, short abandons left out', async () => {
    const api = await start();
    const res = await api.api.inject({ method: 'GET', url: URL, headers: api.as.supervisor });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ rows: Array<Record<string, unknown>>; totals: unknown[]; shortAbandonSeconds: number; timezone: string }>();
    expect(body).toMatchObject({ timezone: 'Europe/Stockholm', shortAbandonSeconds: 5 });
    // The demo's kundtjanst queue has a target of 60 s: a answered in it, d not; b (4 s) is a short abandon, c (8 s) is not.
    expect(body.rows).toEqual([
      expect.objectContaining({
        start: '2026-12-02T08:00:00+01:00', group: 'Kundtjänst, privat', offered: 3, answered: 1, answeredInTarget: 1, abandoned: 2, shortAbandoned: 1,
        serviceLevel: 0.5, averageSpeedOfAnswerSeconds: 20, averageHandlingSeconds: 120, longestWaitSeconds: 20,
      }),
      expect.objectContaining({ start: '2026-12-02T09:00:00+01:00', offered: 1, answered: 1, answeredInTarget: 0, serviceLevel: 0, averageHandlingSeconds: 200 }),
    ]);
    expect(body.totals).toHaveLength(2);
  });

  it('counts short abandons by statistics.shortAbandonSeconds', async () => {
    const api = await start(10);
    const res = await api.api.inject({ method: 'GET', url: URL, headers: api.as.admin });
    expect(res.json<{ rows: Array<{ shortAbandoned: number; serviceLevel: number }> }>().rows[0]).toMatchObject({ shortAbandoned: 2, serviceLevel: 1 });
  });

  it('gives CSV for Accept: text/csv and for format=csv: a header row, one row per interval and group', async () => {
    const api = await start();
    for (const [url, headers] of [[URL, { ...api.as.supervisor, accept: 'text/csv' }], [`${URL}&format=csv`, api.as.supervisor]] as const) {
      const res = await api.api.inject({ method: 'GET', url, headers });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="report-2026-12-02-2026-12-03-60m-service.csv"');
      const lines = res.body.split('\r\n');
      expect(lines[0]).toBe('start,group,offered,answered,answeredInTarget,abandoned,shortAbandoned,serviceLevel,averageSpeedOfAnswerSeconds,'
        + 'averageWaitSeconds,longestWaitSeconds,averageHandlingSeconds,handlingSeconds,callbacksRequested,callbacksCompleted,deflections,transfers,overflows');
      // The service's comma is quoted; (20 + 4 + 8) / 3 s of wait.
      expect(lines[1]).toBe('2026-12-02T08:00:00+01:00,"Kundtjänst, privat",3,1,1,2,1,0.5,20,10.7,20,120,120,0,0,0,0,0');
      expect(lines[2]).toBe('2026-12-02T09:00:00+01:00,"Kundtjänst, privat",1,1,0,0,0,0,90,90,90,200,200,0,0,0,0,0');
      expect(lines.slice(3)).toEqual(['']);
    }
  });

  it('adds missed offers, occupancy and pauses by reason when grouped by agent, and columns for them in CSV', async () => {
    const api = await start();
    await api.history.write([
      { kind: 'agent-state', agent: '1001', at: at(8, 0), state: 'ready' },
      { kind: 'agent-state', agent: '1001', at: at(8, 1), state: 'busy' },
      { kind: 'agent-state', agent: '1001', at: at(8, 3), state: 'wrap-up' },
      { kind: 'agent-state', agent: '1001', at: at(8, 4), state: 'ready' },
      { kind: 'agent-state', agent: '1001', at: at(8, 30), state: 'paused', reason: 'möte' },
      { kind: 'agent-state', agent: '1001', at: at(8, 45), state: 'logged-out' },
    ]);
    const csv = await api.api.inject({ method: 'GET', url: '/api/v1/reports/contacts?from=2026-12-02&to=2026-12-03&interval=day&groupBy=agent&format=csv', headers: api.as.supervisor });
    const [header, ...rows] = csv.body.trimEnd().split('\r\n');
    expect(header).toMatch(/,overflows,missedOffers,occupancy,pauseSeconds:möte$/);
    // 1001: 3 minutes busy or in wrap-up of 30 logged in; 15 minutes in a meeting.
    expect(rows.find((r) => r.includes(',1001,'))).toMatch(/,0,0\.1,900$/);
    expect(rows.find((r) => r.includes(',1002,'))).toMatch(/,0,,0$/);

    const json = await api.api.inject({ method: 'GET', url: '/api/v1/reports/contacts?from=2026-12-02&to=2026-12-03&interval=day&groupBy=agent', headers: api.as.supervisor });
    expect(json.json<{ rows: unknown[] }>().rows).toContainEqual(expect.objectContaining({
      group: '1001', answered: 1, missedOffers: 0, occupancy: 0.1, pauseSecondsByReason: { möte: 900 },
    }));
  });

  it('writes a group a spreadsheet would run as a formula as text', async () => {
    const api = await start();
    await api.history.write([
      { kind: 'contact', id: 'f', fields: { startedAt: at(10, 0), service: '=HYPERLINK("x")', dialled: '+46313900601' } },
      { kind: 'segment', id: 'e-f', fields: { contactId: 'f', queue: 'kundtjanst', kind: 'call', enqueuedAt: at(10, 0), outcome: 'abandoned', waitMs: 9_000 } },
    ]);
    const csv = await api.api.inject({ method: 'GET', url: `${URL}&format=csv`, headers: api.as.supervisor });
    expect(csv.body).toContain('\r\n2026-12-02T10:00:00+01:00,"\'=HYPERLINK(""x"")",1,0,0,1,0,0,,9,9,,0,0,0,0,0,0\r\n');
  });

  it('refuses a period that ends before it starts, an unknown grouping, and a period too long for the interval, naming the field', async () => {
    const api = await start();
    const ask = (query: string) => api.api.inject({ method: 'GET', url: `/api/v1/reports/contacts?${query}`, headers: api.as.supervisor });
    const backwards = expectProblem(await ask('from=2026-12-03&to=2026-12-02'), 400);
    expect(backwards).toMatchObject({ field: 'to', detail: 'the period must end after it starts: to (2026-12-02) is not after from (2026-12-03)' });
    expect(expectProblem(await ask('from=2026-12-02&to=2026-12-03&groupBy=weather'), 400).field).toBe('groupBy');
    expect(expectProblem(await ask('from=2026-12-02&to=2026-12-03&interval=5m'), 400).field).toBe('interval');
    expect(expectProblem(await ask('from=2026-01-01&to=2026-03-01&interval=15m'), 400)).toMatchObject({
      field: 'to', detail: 'a report by 15m covers at most 31 days, this period has 59: pick a shorter period or a larger interval',
    });
    expect(expectProblem(await ask('from=2026-02-30&to=2026-03-02'), 400).field).toBe('from');
    expect(expectProblem(await ask('to=2026-03-02'), 400).field).toBe('from');
  });

  it('answers admins and supervisors, by session or token; operators and agents are refused, and nobody without credentials', async () => {
    const api = await start();
    for (const headers of [api.as.admin, api.as.supervisor, api.bearer.supervisor]) {
      expect((await api.api.inject({ method: 'GET', url: URL, headers })).statusCode).toBe(200);
    }
    for (const headers of [api.as.operator, api.as.agent, api.bearer.agent]) expectProblem(await api.api.inject({ method: 'GET', url: URL, headers }), 403);
    expectProblem(await api.api.inject({ method: 'GET', url: URL }), 401);
  });
});
