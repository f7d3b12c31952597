/**
 * The what-ifs through the API (server/api/staffing-what-if-routes.ts) over
 * real contact records (SQLite): pooling queues on their own history (the
 * seed example of three units of 5 agents, 3.5 Erlang each, 180 s handling
 * time and a 30 s target: about 70 % apart, about 93 % pooled, 13 agents for
 * the old level), and a recorded day replayed through the ACD with one more
 * agent; each role, bad input.
 */
import { describe, expect, it } from 'vitest';
import { staffingWhatIfRoutes } from '../../server/api/staffing-what-if-routes.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { expectProblem, type TestApi } from '../support/api.js';
import { apiOverHistory, type HistoryTestApi } from '../support/history-api.js';

const MIN = 60_000;
/** 08:00 in Stockholm (UTC+1 in winter). */
const eight = (date: string): number => Date.parse(`${date}T07:00:00Z`);

function calls(prefix: string, queue: string, at: number, n: number, spacingMs: number, talkMs: number, wrapUpMs: number): HistoryWrite[] {
  return Array.from({ length: n }, (_, i): HistoryWrite[] => [
    { kind: 'contact', id: `${prefix}-${i}`, fields: { startedAt: at + i * spacingMs } },
    {
      kind: 'segment', id: `${prefix}-e${i}`,
      fields: { contactId: `${prefix}-${i}`, queue, kind: 'call', enqueuedAt: at + i * spacingMs, outcome: 'answered', waitMs: 5_000, talkMs, wrapUpMs },
    },
  ]).flat();
}

const start = apiOverHistory(({ history, running }) => staffingWhatIfRoutes({ history, running }));

async function setTarget(api: TestApi, queue: string, targetSeconds: number): Promise<void> {
  const current = await api.api.inject({ method: 'GET', url: `/api/v1/queues/${queue}`, headers: api.as.admin });
  const { id: _id, ...settings } = current.json<Record<string, unknown>>();
  const put = await api.api.inject({ method: 'PUT', url: `/api/v1/queues/${queue}`, headers: api.as.admin, payload: { ...settings, targetSeconds } });
  expect(put.statusCode, put.body).toBe(200);
}

describe('POST /api/v1/staffing/what-if/pooling', () => {
  it('shows the seed example on recorded history: about 70 % apart, about 93 % pooled, 13 agents for the old level', async () => {
    const api = await start();
    const queues = ['vaxel', 'kundtjanst', 'kort'];
    // 17 calls one day, 18 the next, in the 08:00 interval: 17.5 calls of 180 s in 15 minutes is 3.5 Erlang.
    const writes = queues.flatMap((q) => [
      ...calls(`${q}-a`, q, eight('2026-11-02'), 17, 50_000, 150_000, 30_000),
      ...calls(`${q}-b`, q, eight('2026-11-03'), 18, 50_000, 150_000, 30_000),
    ]);
    await api.history.write(writes);
    for (const q of queues) await setTarget(api, q, 30);
    const res = await api.api.inject({
      method: 'POST', url: '/api/v1/staffing/what-if/pooling', headers: api.as.supervisor,
      payload: { queues, from: '2026-11-02', to: '2026-11-03', agents: { vaxel: 5, kundtjanst: 5, kort: 5 } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ targetSeconds: number; basedOn: string[]; day: Record<string, number>; intervals: Array<Record<string, unknown>> }>();
    expect(body.targetSeconds).toBe(30);
    expect(body.basedOn).toEqual(['2026-11-02', '2026-11-03']);
    expect(body.intervals).toHaveLength(1);
    expect(body.intervals[0]).toMatchObject({ start: '08:00', calls: expect.closeTo(52.5, 6), agents: 15, pooledAgentsForSameLevel: 13 });
    expect(Math.abs(body.day.separateServiceLevel! - 0.70)).toBeLessThan(0.02);
    expect(Math.abs(body.day.pooledServiceLevel! - 0.93)).toBeLessThan(0.02);
  });

  it('staffs a queue without a number for its own goal', async () => {
    const api = await start();
    await api.history.write([
      ...calls('a', 'vaxel', eight('2026-11-02'), 18, 50_000, 150_000, 30_000),
      ...calls('b', 'kort', eight('2026-11-02'), 18, 50_000, 150_000, 30_000),
    ]);
    const res = await api.api.inject({
      method: 'POST', url: '/api/v1/staffing/what-if/pooling', headers: api.as.admin,
      payload: { queues: ['vaxel', 'kort'], from: '2026-11-02', to: '2026-11-02' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ day: Record<string, number> }>();
    // Each queue meets its 85 % goal apart; pooled, the same staff does better, and fewer would do.
    expect(body.day.separateServiceLevel).toBeGreaterThanOrEqual(0.85);
    expect(body.day.pooledServiceLevel).toBeGreaterThan(body.day.separateServiceLevel!);
    expect(body.day.pooledAgentsForSameLevel).toBeLessThan(body.day.agents!);
  });

  it('refuses an unknown queue, a period backwards, staff for a queue not pooled, and users outside supervision', async () => {
    const api = await start();
    const post = (payload: Record<string, unknown>, headers = api.as.admin) => api.api.inject({ method: 'POST', url: '/api/v1/staffing/what-if/pooling', headers, payload });
    const base = { queues: ['vaxel', 'kort'], from: '2026-11-02', to: '2026-11-03' };
    expect(expectProblem(await post({ ...base, queues: ['vaxel', 'nosuch'] }), 400).field).toBe('/queues/1');
    expect(expectProblem(await post({ ...base, to: '2026-11-01' }), 400).field).toBe('/to');
    expect(expectProblem(await post({ ...base, agents: { foretag: 3 } }), 400).field).toBe('/agents/foretag');
    expectProblem(await post({ ...base, queues: ['vaxel'] }), 400);
    expectProblem(await post(base, api.as.operator), 403);
    expectProblem(await post(base, api.as.agent), 403);
    expectProblem(await api.api.inject({ method: 'POST', url: '/api/v1/staffing/what-if/pooling', payload: base }), 401);
  });
});

describe('POST /api/v1/staffing/what-if/routing', () => {
  const DAY = '2026-12-17';
  async function recordedDay(): Promise<HistoryTestApi> {
    const api = await start();
    await api.history.write([
      // Eight callers a minute apart, 100 s of talk each; kundtjanst's wrap-up is 30 s.
      ...calls('c', 'kundtjanst', eight(DAY), 8, MIN, 100_000, 30_000),
      // One agent of kundtjanst at work the whole time.
      { kind: 'agent-state', agent: '1002', at: eight(DAY) - 5 * MIN, state: 'ready' },
      { kind: 'agent-state', agent: '1002', at: eight(DAY) + 60 * MIN, state: 'logged-out' },
      // Someone no longer configured.
      { kind: 'agent-state', agent: '1099', at: eight(DAY), state: 'ready' },
    ]);
    return api;
  }

  it('replays the day as it was and with one more agent, interval by interval', async () => {
    const api = await recordedDay();
    const res = await api.api.inject({
      method: 'POST', url: '/api/v1/staffing/what-if/routing', headers: api.as.supervisor,
      payload: {
        date: DAY,
        agents: [{ id: 'extra', skills: { kundtjanst: 5 }, queues: ['kundtjanst'] }],
        shifts: [{ agentId: 'extra', from: '07:55', to: '09:00' }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ left: unknown; day: { baseline: Record<string, unknown>; changed: Record<string, unknown> }; intervals: Array<{ start: string; baseline: Record<string, unknown>; changed: Record<string, unknown> }> }>();
    expect(body.left).toEqual({ calls: 0, agents: ['1099'] });
    // Alone, the agent answers a call every 130 s while one comes every 60 s: only the first waits at most 60 s.
    // Waits: 0, 70, 140, ... 490 s.
    expect(body.day.baseline).toMatchObject({ offered: 8, answered: 8, abandoned: 0, serviceLevel: 0.125, maxWaitSeconds: 490 });
    // Two agents: waits 0, 0, 10, 10, 20, 20, 30, 30 s: all within the 60 s target.
    expect(body.day.changed).toMatchObject({ offered: 8, answered: 8, abandoned: 0, serviceLevel: 1, maxWaitSeconds: 30 });
    const eightOClock = body.intervals.find((iv) => iv.start === '08:00');
    expect(eightOClock?.baseline).toMatchObject({ offered: 8, serviceLevel: 0.125 });
    expect(eightOClock?.changed).toMatchObject({ offered: 8, serviceLevel: 1 });
  });

  it('widens a queue for the replay: routing steps as a change', async () => {
    const api = await recordedDay();
    // 1004 (kundtjanst level 4) at work too: with steps from level 5 only, 1004 takes no call until the step widens.
    await api.history.write([{ kind: 'agent-state', agent: '1004', at: eight(DAY) - 5 * MIN, state: 'ready' }]);
    const res = await api.api.inject({
      method: 'POST', url: '/api/v1/staffing/what-if/routing', headers: api.as.admin,
      payload: { date: DAY, queues: { kundtjanst: { steps: [{ afterSeconds: 0, skill: 'kundtjanst', minLevel: 5 }, { afterSeconds: 600, skill: 'kundtjanst' }] } } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ day: { baseline: { serviceLevel: number }; changed: { serviceLevel: number } } }>();
    expect(body.day.baseline.serviceLevel).toBe(1);
    expect(body.day.changed.serviceLevel).toBe(0.125);
  });

  it('refuses a change naming what the day does not have, and users outside supervision', async () => {
    const api = await recordedDay();
    const post = (payload: Record<string, unknown>, headers = api.as.admin) => api.api.inject({ method: 'POST', url: '/api/v1/staffing/what-if/routing', headers, payload });
    expect(expectProblem(await post({ date: DAY, queues: { nosuch: { wrapUpSeconds: 5 } } }), 400).field).toBe('/queues/nosuch');
    expect(expectProblem(await post({ date: DAY, removeAgents: ['4711'] }), 400).detail).toMatch(/4711 is not an agent/);
    expect(expectProblem(await post({ date: DAY, shifts: [{ agentId: '1002', from: '10:00', to: '09:00' }] }), 400).field).toBe('/shifts/0/to');
    expect(expectProblem(await post({ date: '2026-13-01' }), 400).field).toMatch(/date/);
    expectProblem(await post({ date: DAY }, api.as.operator), 403);
    expectProblem(await api.api.inject({ method: 'POST', url: '/api/v1/staffing/what-if/routing', payload: { date: DAY } }), 401);
  });
});
