/**
 * GET /api/v1/live/today over real contact records (SQLite): each queue's
 * and each service's figures for the company's day (Europe/Stockholm in the
 * test configuration), the service level against the queue's own target as
 * set through the queues API, short abandons left out; supervision roles only.
 */
import { describe, expect, it } from 'vitest';
import { liveTodayRoutes } from '../../server/api/live-today.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { expectProblem } from '../support/api.js';
import { apiOverHistory } from '../support/history-api.js';

// 10:00 in Stockholm (UTC+1 in December).
const NOW = Date.UTC(2026, 11, 2, 9, 0, 0);
const MIDNIGHT = Date.UTC(2026, 11, 1, 23, 0, 0);

const call = (id: string, queuedAt: number, outcome: string, waitMs: number): HistoryWrite[] => [
  { kind: 'contact', id, fields: { startedAt: queuedAt, service: 'Kundtjänst' } },
  { kind: 'segment', id: `e-${id}`, fields: { contactId: id, queue: 'kundtjanst', kind: 'call', enqueuedAt: queuedAt, outcome, waitMs } },
];

const start = apiOverHistory(({ history, running }) => liveTodayRoutes({ history, running, now: () => NOW }));

describe('GET /api/v1/live/today', () => {
  it("counts each queue's calls since the company's midnight against the queue's target", async () => {
    const api = await start();
    await api.history.write([
      // 23:59 yesterday in Stockholm, 22:59 UTC: not today.
      ...call('yesterday', MIDNIGHT - 60_000, 'answered', 1_000),
      // 00:30 in Stockholm, still the 1st in UTC: today.
      ...call('a', MIDNIGHT + 30 * 60_000, 'answered', 15_000),
      ...call('b', NOW - 3_600_000, 'answered', 16_000),
      ...call('c', NOW - 1_800_000, 'abandoned', 2_000),
      ...call('d', NOW - 900_000, 'abandoned', 40_000),
    ]);
    const queue = await api.api.inject({ method: 'GET', url: '/api/v1/queues/kundtjanst', headers: api.as.admin });
    const { id: _id, ...settings } = queue.json<Record<string, unknown>>();
    const put = await api.api.inject({ method: 'PUT', url: '/api/v1/queues/kundtjanst', headers: api.as.admin, payload: { ...settings, targetSeconds: 15 } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json<{ targetSeconds: number }>().targetSeconds).toBe(15);

    const res = await api.api.inject({ method: 'GET', url: '/api/v1/live/today', headers: api.as.supervisor });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ from: string; queues: Array<Record<string, unknown>> }>();
    expect(body.from).toBe(new Date(MIDNIGHT).toISOString());
    expect(body.queues.find((q) => q.id === 'kundtjanst')).toEqual({
      id: 'kundtjanst', name: 'Kundtjänst', targetSeconds: 15,
      offered: 4, answered: 2, answeredInTarget: 1, abandoned: 2, shortAbandoned: 1,
      callbacksRequested: 0, callbacksCompleted: 0,
      // 1 in target of 2 answered + 2 abandoned - 1 short.
      serviceLevel: 1 / 3,
    });
    // A queue without calls today: zeros, the default target, no service level yet.
    expect(body.queues.find((q) => q.id === 'vaxel')).toMatchObject({ offered: 0, answered: 0, abandoned: 0, targetSeconds: 60, serviceLevel: null });
  });

  it("counts each service's calls today, in the configuration's order, leaving out numbers straight to an extension", async () => {
    const api = await start();
    await api.running.change('admin', 'a personal number', (d) => {
      d.numbers.push({ number: '+46313900699', service: 'Direkt till Erik', target: '1001' });
    });
    await api.history.write([
      ...call('a', NOW - 3_600_000, 'answered', 15_000),
      ...call('b', NOW - 1_800_000, 'answered', 61_000),
      ...call('c', NOW - 900_000, 'abandoned', 3_000),
    ]);
    const res = await api.api.inject({ method: 'GET', url: '/api/v1/live/today', headers: api.as.supervisor });
    expect(res.statusCode, res.body).toBe(200);
    const { services } = res.json<{ services: Array<Record<string, unknown>> }>();
    const { numbers } = api.running.current.operational;
    const flowServices = [...new Set(numbers.filter((n) => n.target === undefined).map((n) => n.service))];
    expect(services.map((s) => s.service)).toEqual(flowServices);
    expect(flowServices).not.toContain('Direkt till Erik');
    expect(services.find((s) => s.service === 'Kundtjänst')).toEqual({
      service: 'Kundtjänst', offered: 3, answered: 2, answeredInTarget: 1, abandoned: 1, shortAbandoned: 1,
      callbacksRequested: 0, callbacksCompleted: 0, serviceLevel: 1 / 2,
    });
    expect(services.find((s) => s.service !== 'Kundtjänst')).toMatchObject({ offered: 0, serviceLevel: null });
  });

  it('refuses a target outside 1 to 3600 seconds, naming the field', async () => {
    const api = await start();
    const queue = await api.api.inject({ method: 'GET', url: '/api/v1/queues/kundtjanst', headers: api.as.admin });
    const { id: _id, ...settings } = queue.json<Record<string, unknown>>();
    for (const targetSeconds of [0, 3601]) {
      const res = await api.api.inject({ method: 'PUT', url: '/api/v1/queues/kundtjanst', headers: api.as.admin, payload: { ...settings, targetSeconds } });
      expect(expectProblem(res, 422)).toMatchObject({ field: '/queues/1/targetSeconds', code: 'integer-between', params: { min: 1, max: 3600 } });
    }
  });

  it('answers admins and supervisors only', async () => {
    const api = await start();
    for (const role of ['admin', 'supervisor'] as const) {
      expect((await api.api.inject({ method: 'GET', url: '/api/v1/live/today', headers: api.bearer[role] })).statusCode).toBe(200);
    }
    for (const role of ['operator', 'agent'] as const) {
      expectProblem(await api.api.inject({ method: 'GET', url: '/api/v1/live/today', headers: api.as[role] }), 403);
    }
    expectProblem(await api.api.inject({ method: 'GET', url: '/api/v1/live/today' }), 401);
  });
});
