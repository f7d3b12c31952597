/**
 * What the agent desktop reads about the signed-in agent (fastify inject,
 * a real ACD, real contact records in SQLite): the desk's settings, the
 * agent's own figures today, colleagues' presence without their callers;
 * agents only, each about themselves.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentDesktopRoutes } from '../../server/api/agent-desktop-routes.js';
import { API_PREFIX } from '../../server/api/features.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { ROLES } from '../../server/users/roles.js';
import { buildAcdApi, QUEUE, type AcdApi } from '../support/api-acd.js';
import type { Headers } from '../support/api.js';
import { openRunning } from '../support/running.js';
import { tempDir } from '../support/tmp.js';

let t: AcdApi;
let history: SqliteHistory;
beforeEach(async () => {
  history = SqliteHistory.open(join(tempDir('history-'), 'history.sqlite'));
  const running = await openRunning();
  t = await buildAcdApi((acd, clock, registrar) => [{
    prefix: API_PREFIX, plugin: agentDesktopRoutes({ acd, history, running, now: () => clock.now(), registrar }),
  }]);
});
afterEach(async () => {
  await t?.close();
  await history?.close();
});

const get = async (url: string, headers: Headers) => {
  const res = await t.api.inject({ method: 'GET', url: `${API_PREFIX}${url}`, headers });
  return { status: res.statusCode, body: res.json<unknown>(), text: res.body };
};

const gone = async (payload: unknown, headers: Headers) => {
  const res = await t.api.inject({ method: 'POST', url: `${API_PREFIX}/me/softphone/gone`, headers, payload: payload as object });
  return { status: res.statusCode, body: res.body ? res.json<Record<string, unknown>>() : {} };
};

const answered = (id: string, agent: string, answeredAt: number, seconds: { talk: number; wrapUp: number }): HistoryWrite[] => [
  { kind: 'contact', id, fields: { startedAt: answeredAt - 10_000, service: 'Kundtjänst' } },
  {
    kind: 'segment', id: `e-${id}`, fields: {
      contactId: id, queue: 'support', kind: 'call', enqueuedAt: answeredAt - 5_000, answeredAt, agent, outcome: 'answered',
      waitMs: 5_000, talkMs: seconds.talk * 1000, holdMs: 0, wrapUpMs: seconds.wrapUp * 1000,
    },
  },
];

describe('the desk', () => {
  it("gives the agent their name, the pause reasons, the CRM link and where the softphone registers", async () => {
    const desk = await get('/me/desk', t.as.agent);
    expect(desk).toMatchObject({ status: 200, body: {
      agentId: '1001', name: 'Anna', pauseReasons: ['Lunch', 'Möte', 'Utbildning', 'Administration'], crmUrl: null,
      softphone: { webSocketPort: 8088, secure: false, domain: 'kustbanken.local' },
    } });
    expect(desk.text).not.toMatch(/demo-1001|password/i);
  });

  it('is for agents alone, and an agent token linked to no agent has none', async () => {
    for (const role of ROLES.filter((r) => r !== 'agent')) {
      for (const url of ['/me/desk', '/me/today', '/me/colleagues']) expect((await get(url, t.as[role])).status, `${role} ${url}`).toBe(403);
      expect((await gone({ contact: 'sip:1001@127.0.0.1:5070' }, t.as[role])).status).toBe(403);
    }
    for (const url of ['/me/desk', '/me/today', '/me/colleagues']) {
      expect((await get(url, {})).status).toBe(401);
      expect(await get(url, t.bearer.agent)).toMatchObject({ status: 404, body: { detail: expect.stringMatching(/^no agent for/) } });
    }
  });
});

describe("the agent's figures today", () => {
  it("counts the agent's answered calls since the company's midnight and their average handling time", async () => {
    const now = t.clock.now();
    // 08:00 UTC is 09:00 in Stockholm: 10 hours ago was yesterday there.
    await history.write([
      ...answered('yesterday', '1001', now - 10 * 3_600_000, { talk: 600, wrapUp: 0 }),
      ...answered('a', '1001', now - 3_600_000, { talk: 100, wrapUp: 20 }),
      ...answered('b', '1001', now - 1_800_000, { talk: 200, wrapUp: 41 }),
      ...answered('c', '1002', now - 1_800_000, { talk: 900, wrapUp: 30 }),
    ]);
    expect(await get('/me/today', t.as.agent)).toMatchObject({ status: 200, body: { answered: 2, averageHandlingSeconds: 181, from: '2026-12-01T23:00:00.000Z' } });
  });

  it('has no average before the first call', async () => {
    expect((await get('/me/today', t.as.agent)).body).toMatchObject({ answered: 0, averageHandlingSeconds: null });
  });
});

describe("colleagues' presence", () => {
  it('says ready, busy, paused or logged out of each other agent, and nothing of their callers', async () => {
    t.registered.add('1002');
    await t.acd.login('1002');
    await t.acd.login('1003');
    await t.acd.pause('1003', 'Lunch');
    await t.acd.enqueue({ id: 'call-1', queueId: QUEUE.id, kind: 'call', enqueuedAt: t.clock.now(), priority: 0, data: { caller: '+46701111111', service: 'Kundtjänst' } });
    expect(t.acd.agent('1002')!.state).toBe('reserved');
    const colleagues = await get('/me/colleagues', t.as.agent);
    expect(colleagues).toMatchObject({ status: 200, body: [
      { agentId: '1002', name: 'Bo', presence: 'busy' },
      { agentId: '1003', name: 'Cilla', presence: 'paused' },
    ] });
    expect(colleagues.text).not.toContain('+46701111111');
    expect(colleagues.text).not.toContain('Lunch');
  });
});

describe("the page's softphone gone", () => {
  it("ends the agent's own registration over WebSocket, once", async () => {
    expect(await gone({ contact: 'sip:1001@127.0.0.1:5070' }, t.as.agent)).toMatchObject({ status: 204 });
    expect(t.registered.has('1001')).toBe(false);
    expect(await gone({ contact: 'sip:1001@127.0.0.1:5070' }, t.as.agent)).toMatchObject({ status: 404 });
  });

  it('leaves a contact that is not the softphone alone, and refuses bad input', async () => {
    expect(await gone({ contact: 'sip:someone@192.0.2.1' }, t.as.agent)).toMatchObject({ status: 404 });
    expect(await gone({}, t.as.agent)).toMatchObject({ status: 400 });
    expect(await gone({ contact: 'sip:1001@127.0.0.1:5070', extra: 1 }, t.as.agent)).toMatchObject({ status: 400 });
    expect(await gone({ contact: 'sip:1001@127.0.0.1:5070' }, {})).toMatchObject({ status: 401 });
    expect(t.registered.has('1001')).toBe(true);
  });
});
