/**
 * The opening-hours routes through fastify inject, over a real running
 * configuration and a clock set to Wednesday 2 December 2026, 10:00 in
 * Stockholm: a service's hours and whether it is open now, its exceptions
 * (add, change, delete, closed now), Swedish holidays; bad times, unknown
 * services, each role, no credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConfig } from '../../server/running/index.js';
import { buildTestApi, expectOnlyRolesAdmitted, type GuardedRoute, type TestApi } from '../support/api.js';
import { openRunning } from '../support/running-api.js';

let t: TestApi;
let running: RunningConfig;
let now = Date.parse('2026-12-02T10:00:00+01:00');
beforeAll(async () => {
  running = await openRunning();
  t = await buildTestApi({ running, now: () => now });
});
afterAll(async () => { await t?.close(); running?.close(); });

interface Problem { status: number; detail?: string; field?: string; code?: string; params?: Record<string, unknown> }
type Res = { statusCode: number; headers: Record<string, unknown>; json: <T>() => T; body: string };
interface OpenNow { open: boolean; reason: string; explanation: string }

function problem(res: Res, status: number): Problem {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

const VAXEL = `/api/v1/services/${encodeURIComponent('Växel')}/hours`;
const KUNDTJANST = `/api/v1/services/${encodeURIComponent('Kundtjänst')}/hours`;

async function openNow(url: string): Promise<OpenNow> {
  const res = await t.api.inject({ method: 'GET', url, headers: t.as.operator });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ openNow: OpenNow }>().openNow;
}

describe("a service's hours", () => {
  it('the weekly hours, holidays and exceptions of its flow, and open now with the reason', async () => {
    const res = await t.api.inject({ method: 'GET', url: VAXEL, headers: t.as.operator });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      service: 'Växel', flow: 'vaxel', timezone: 'Europe/Stockholm', today: '2026-12-02', exceptions: [],
      openNow: { open: true, reason: 'hours' },
      hoursNodes: [{
        node: 'oppettider', timezone: 'Europe/Stockholm', holidays: 'sweden',
        weekly: { mon: ['08:00-18:00'], fri: ['08:00-17:00'] },
        exceptions: { '2026-12-23': ['08:00-12:00'] },
      }],
    });
    expect(res.headers['etag']).toBe(`"${running.current.version}"`);
  });

  it('a flow without hours nodes has openNow null', async () => {
    const res = await t.api.inject({ method: 'GET', url: `/api/v1/services/${encodeURIComponent('Kort och spärr')}/hours`, headers: t.as.supervisor });
    expect(res.json()).toMatchObject({ flow: 'kort-och-sparr', openNow: null, hoursNodes: [] });
  });

  it('an unknown service is 404', async () => {
    expect(problem(await t.api.inject({ method: 'GET', url: '/api/v1/services/Saknas/hours', headers: t.as.operator }), 404).detail).toBe("no service 'Saknas'");
    problem(await t.api.inject({ method: 'PUT', url: '/api/v1/services/Saknas/hours/exceptions/2026-12-23', headers: t.as.operator, payload: { hours: 'closed' } }), 404);
  });
});

describe('exceptions', () => {
  it('an operator adds "closed from 09:30" today: closed now, audited, another service still open; then changes and deletes it', async () => {
    const url = `${VAXEL}/exceptions/2026-12-02`;
    const made = await t.api.inject({ method: 'PUT', url, headers: t.as.operator, payload: { hours: 'closed from 09:30', note: 'fire drill' } });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toEqual({ date: '2026-12-02', hours: 'closed from 09:30', note: 'fire drill' });
    expect(running.current.operational.hoursExceptions).toEqual({ 'Växel': [{ date: '2026-12-02', hours: 'closed from 09:30', note: 'fire drill' }] });
    const closed = await openNow(VAXEL);
    expect(closed).toMatchObject({ open: false, reason: 'service-exception' });
    expect(closed.explanation).toContain('"closed from 09:30" (fire drill)');
    expect(await openNow(KUNDTJANST)).toMatchObject({ open: true });
    const { records } = await running.auditPage({ limit: 1 });
    expect(records[0]).toMatchObject({ actor: 'olga', changes: [{ path: 'hoursExceptions.Växel', after: [{ date: '2026-12-02', hours: 'closed from 09:30' }] }] });

    const changed = await t.api.inject({ method: 'PUT', url, headers: t.as.supervisor, payload: { hours: 'closed from 11:00' } });
    expect(changed.statusCode).toBe(200);
    expect(await openNow(VAXEL)).toMatchObject({ open: true, reason: 'hours' });
    const list = await t.api.inject({ method: 'GET', url: `${VAXEL}/exceptions`, headers: t.as.operator });
    expect(list.json()).toEqual([{ date: '2026-12-02', hours: 'closed from 11:00' }]);

    expect((await t.api.inject({ method: 'DELETE', url, headers: t.as.operator })).statusCode).toBe(204);
    expect(running.current.operational.hoursExceptions).toEqual({});
    problem(await t.api.inject({ method: 'DELETE', url, headers: t.as.operator }), 404);
  });

  it('a range of days over Christmas, and "open until 13:00" on 23 December', async () => {
    const xmas = await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/2026-12-24`, headers: t.as.operator, payload: { until: '2026-12-26', hours: 'closed' } });
    expect(xmas.statusCode, xmas.body).toBe(201);
    const eve = await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/2026-12-23`, headers: t.as.operator, payload: { hours: 'open until 13:00' } });
    expect(eve.statusCode, eve.body).toBe(201);
    now = Date.parse('2026-12-23T12:30:00+01:00'); // the flow's own exception says 08:00-12:00; the service's comes first
    expect(await openNow(VAXEL)).toMatchObject({ open: true, reason: 'service-exception' });
    now = Date.parse('2026-12-23T13:00:00+01:00');
    expect(await openNow(VAXEL)).toMatchObject({ open: false, reason: 'service-exception' });
    const overlap = problem(await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/2026-12-25`, headers: t.as.operator, payload: { hours: 'open 10:00-12:00' } }), 422);
    expect(overlap.detail).toMatch(/overlaps the exception from 2026-12-24/);
    expect(overlap).toMatchObject({ code: 'overlaps', params: { date: '2026-12-24' } });
    now = Date.parse('2026-12-02T10:00:00+01:00');
    for (const date of ['2026-12-23', '2026-12-24']) await t.api.inject({ method: 'DELETE', url: `${VAXEL}/exceptions/${date}`, headers: t.as.operator });
    expect(running.current.operational.hoursExceptions).toEqual({});
  });

  it('closed now: "closed from" this minute, today; the next call to the service finds it closed', async () => {
    now = Date.parse('2026-12-02T10:17:40+01:00');
    const res = await t.api.inject({ method: 'POST', url: `${VAXEL}/closed-now`, headers: t.bearer.operator, payload: { note: 'switch broken' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ date: '2026-12-02', hours: 'closed from 10:17', note: 'switch broken' });
    expect(await openNow(VAXEL)).toMatchObject({ open: false, reason: 'service-exception' });
    // Again later the same day: today's exception is replaced, not doubled.
    now = Date.parse('2026-12-02T10:45:00+01:00');
    expect((await t.api.inject({ method: 'POST', url: `${VAXEL}/closed-now`, headers: t.as.operator, payload: {} })).statusCode).toBe(201);
    expect(running.current.operational.hoursExceptions['Växel']).toEqual([{ date: '2026-12-02', hours: 'closed from 10:45' }]);
    await t.api.inject({ method: 'DELETE', url: `${VAXEL}/exceptions/2026-12-02`, headers: t.as.operator });
    now = Date.parse('2026-12-02T10:00:00+01:00');
  });

  it('bad input: a bad time or date is 422 naming the place, a malformed date 400, an unknown field 400; nothing applied', async () => {
    const before = running.current;
    const badTime = problem(await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/2026-12-23`, headers: t.as.operator, payload: { hours: 'closed from 25:00' } }), 422);
    expect(badTime.field).toBe('/hoursExceptions/Växel/0/hours');
    expect(badTime.detail).toMatch(/"closed from 25:00" is not "closed", "closed from HH:MM"/);
    const badDate = problem(await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/2026-02-30`, headers: t.as.operator, payload: { hours: 'closed' } }), 422);
    expect(badDate.detail).toMatch(/not a date in the calendar/);
    const until = problem(await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/2026-12-23`, headers: t.as.operator, payload: { hours: 'closed', until: '2026-12-01' } }), 422);
    expect(until.field).toBe('/hoursExceptions/Växel/0/until');
    expect(problem(await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/tomorrow`, headers: t.as.operator, payload: { hours: 'closed' } }), 400).field).toBe('date');
    expect(problem(await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/2026-12-23`, headers: t.as.operator, payload: { hours: 'closed', why: 'x' } }), 400).field).toBe('/why');
    problem(await t.api.inject({ method: 'PUT', url: `${VAXEL}/exceptions/2026-12-23`, headers: { ...t.as.operator, 'content-type': 'application/json' }, payload: '{"hours":' }), 400);
    expect(running.current).toBe(before);
  });
});

describe('Swedish public holidays', () => {
  it('lists a year\'s, with their Swedish names', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/api/v1/holidays/2026', headers: t.as.operator });
    expect(res.statusCode).toBe(200);
    const days = res.json<Array<{ date: string; name: string }>>();
    expect(days).toContainEqual({ date: '2026-04-03', name: 'Långfredagen' });
    expect(days).toContainEqual({ date: '2026-06-19', name: 'Midsommarafton' });
    expect(days).toContainEqual({ date: '2026-12-24', name: 'Julafton' });
    expect(days).toHaveLength(16);
  });

  it('a year outside 1583-9999 or not a number is 400', async () => {
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/holidays/1200', headers: t.as.operator }), 400);
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/holidays/next', headers: t.as.operator }), 400);
  });
});

describe('who may', () => {
  const OPS = ['admin', 'supervisor', 'operator'] as const;
  const routes: GuardedRoute[] = ([
    { method: 'GET', url: VAXEL },
    { method: 'GET', url: `${VAXEL}/exceptions` },
    { method: 'PUT', url: `${VAXEL}/exceptions/2026-12-23`, payload: { hours: 'closed from 99:00' } },
    { method: 'DELETE', url: `${VAXEL}/exceptions/2026-12-23` },
    { method: 'POST', url: `/api/v1/services/Saknas/hours/closed-now`, payload: {} },
    { method: 'GET', url: '/api/v1/holidays/2026' },
  ] as const).map((r) => ({ ...r, roles: OPS }));

  it('admin, supervisor and operator get in; an agent is 403; no credentials is 401', async () => {
    const before = running.current.version;
    await expectOnlyRolesAdmitted(t, routes);
    expect(running.current.version).toBe(before);
  });
});
