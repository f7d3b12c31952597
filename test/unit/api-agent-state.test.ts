/**
 * Agents' states through the API (fastify inject) over a real ACD: reading,
 * log in, log out, pause with a reason, ready; the ACD's and the phones'
 * rules as 409s with the reason; bad input; each role, no credentials, and
 * an agent acting for another agent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../server/users/roles.js';
import { buildAcdApi, type AcdApi } from '../support/api-acd.js';
import type { Headers } from '../support/api.js';

let t: AcdApi;
beforeEach(async () => { t = await buildAcdApi(); });
afterEach(async () => { await t?.close(); });

interface Problem { title: string; detail?: string; field?: string }
interface State { agentId: string; name: string; state: string; since: string; pauseReason?: string; after?: { state: string; reason?: string }; reachable: boolean }

async function call(method: 'GET' | 'POST', url: string, headers: Headers, payload?: unknown): Promise<{ status: number; body: State & Problem; type: string }> {
  const res = await t.api.inject({ method, url: `/api/v1${url}`, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: res.statusCode, body: res.body ? res.json<State & Problem>() : ({} as State & Problem), type: String(res.headers['content-type']) };
}

describe('reading an agent\'s state', () => {
  it('a supervisor reads any agent: state, since, whether anything rings for them', async () => {
    const anna = await call('GET', '/agents/1001/state', t.as.supervisor);
    expect(anna).toMatchObject({ status: 200, body: { agentId: '1001', name: 'Anna', state: 'logged-out', reachable: true } });
    expect(Date.parse(anna.body.since)).toBe(t.clock.now());
    expect((await call('GET', '/agents/1002/state', t.bearer.admin)).body).toMatchObject({ state: 'logged-out', reachable: false });
    expect((await call('GET', '/agents/1003/state', t.as.admin)).body).toMatchObject({ name: 'Cilla', reachable: true });
  });

  it('an unknown agent is 404; an id that is no extension is 400 naming it', async () => {
    const unknown = await call('GET', '/agents/1999/state', t.as.supervisor);
    expect(unknown).toMatchObject({ status: 404, body: { detail: "no agent '1999'" } });
    expect(unknown.type).toMatch(/^application\/problem\+json/);
    expect(await call('GET', '/agents/anna/state', t.as.supervisor)).toMatchObject({ status: 400, body: { field: 'agentId' } });
  });

  it('an agent reads their own, at /agents/<id>/state and /me/agent-state', async () => {
    await t.acd.login('1001');
    expect(await call('GET', '/agents/1001/state', t.as.agent)).toMatchObject({ status: 200, body: { state: 'ready' } });
    expect(await call('GET', '/me/agent-state', t.as.agent)).toMatchObject({ status: 200, body: { agentId: '1001', state: 'ready' } });
  });
});

describe('log in and log out', () => {
  it('an agent answering on a phone with none registered is not logged in: 409 with the reason; once one registers, ready', async () => {
    const refused = await call('POST', '/agents/1002/login', t.as.supervisor);
    expect(refused).toMatchObject({ status: 409, body: { detail: 'agent 1002 answers on a phone and none is registered for the extension', code: 'no-phone' } });
    expect(t.acd.agent('1002')!.state).toBe('logged-out');
    t.registered.add('1002');
    expect(await call('POST', '/agents/1002/login', t.as.supervisor)).toMatchObject({ status: 200, body: { state: 'ready', reachable: true } });
    expect(t.events).toContainEqual(expect.objectContaining({ type: 'agent-state', agentId: '1002', state: 'ready', previous: 'logged-out' }));
  });

  it('an agent answering on a mobile needs no registration', async () => {
    expect(await call('POST', '/agents/1003/login', t.as.supervisor)).toMatchObject({ status: 200, body: { state: 'ready' } });
  });

  it('a log-out by hand is remembered for the registration rule until a log-in by hand', async () => {
    await call('POST', '/agents/1001/login', t.as.agent);
    expect(await call('POST', '/agents/1001/logout', t.as.agent)).toMatchObject({ status: 200, body: { state: 'logged-out' } });
    expect(t.agents.loggedOutByHand.has('1001')).toBe(true);
    expect(await call('POST', '/agents/1001/login', t.as.supervisor)).toMatchObject({ status: 200, body: { state: 'ready' } });
    expect(t.agents.loggedOutByHand.has('1001')).toBe(false);
  });

  it('an unknown agent is 404, and nothing is remembered for it', async () => {
    expect(await call('POST', '/agents/1999/login', t.as.supervisor)).toMatchObject({ status: 404, body: { detail: "no agent '1999'" } });
    expect(await call('POST', '/agents/1999/logout', t.as.admin)).toMatchObject({ status: 404 });
    expect(t.agents.loggedOutByHand.has('1999')).toBe(false);
  });
});

describe('pause and ready', () => {
  it('a ready agent paused with a reason, then ready again', async () => {
    await t.acd.login('1001');
    const paused = await call('POST', '/agents/1001/pause', t.as.supervisor, { reason: '  lunch  ' });
    expect(paused).toMatchObject({ status: 200, body: { state: 'paused', pauseReason: 'lunch' } });
    expect(t.events.at(-1)).toMatchObject({ type: 'agent-state', agentId: '1001', state: 'paused', reason: 'lunch' });
    expect(await call('POST', '/agents/1001/ready', t.as.supervisor)).toMatchObject({ status: 200, body: { state: 'ready' } });
    expect((await call('POST', '/agents/1001/ready', t.as.supervisor)).body.pauseReason).toBeUndefined();
  });

  it('a pause needs a reason of 1 to 100 characters, not only spaces, and nothing else', async () => {
    await t.acd.login('1001');
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(101) }, { reason: 7 }]) {
      const res = await call('POST', '/agents/1001/pause', t.as.supervisor, body);
      expect(res, JSON.stringify(body)).toMatchObject({ status: 400, body: { field: '/reason' } });
    }
    expect(await call('POST', '/agents/1001/pause', t.as.supervisor, { reason: 'lunch', until: 'later' })).toMatchObject({ status: 400, body: { field: '/until' } });
    expect(await call('POST', '/agents/1001/pause', t.as.supervisor, { reason: 'x'.repeat(100) })).toMatchObject({ status: 200 });
    expect((await t.api.inject({ method: 'POST', url: '/api/v1/agents/1001/pause', headers: { ...t.as.supervisor, 'content-type': 'application/json' }, payload: '{"reason": ' })).statusCode).toBe(400);
  });

  it('a logged-out agent cannot pause or be made ready: 409 with the ACD\'s reason', async () => {
    expect(await call('POST', '/agents/1001/pause', t.as.supervisor, { reason: 'lunch' })).toMatchObject({ status: 409, body: { detail: 'agent 1001 is logged out and cannot pause' } });
    expect(await call('POST', '/agents/1001/ready', t.as.supervisor)).toMatchObject({ status: 409, body: { detail: 'agent 1001 is logged out: log in first' } });
    expect(t.acd.agent('1001')!.state).toBe('logged-out');
  });

  it('on a call: a pause or log-out waits for the call and its wrap-up; ready cancels it, the agent stays busy', async () => {
    await t.acd.login('1001');
    await t.acd.enqueue({ id: 'c1', queueId: 'support', kind: 'call', enqueuedAt: t.clock.now(), priority: 0, data: { caller: '+46701740605' } });
    await t.acd.offerAccepted('c1', '1001');
    expect(await call('POST', '/agents/1001/pause', t.as.supervisor, { reason: 'meeting' }))
      .toMatchObject({ status: 200, body: { state: 'busy', after: { state: 'paused', reason: 'meeting' } } });
    const readied = await call('POST', '/agents/1001/ready', t.as.supervisor);
    expect(readied).toMatchObject({ status: 200, body: { state: 'busy' } });
    expect(readied.body.after).toBeUndefined();
    expect(await call('POST', '/agents/1001/logout', t.as.supervisor)).toMatchObject({ status: 200, body: { state: 'busy', after: { state: 'logged-out' } } });
    await t.acd.callEnded('c1');
    expect(await call('GET', '/agents/1001/state', t.as.supervisor)).toMatchObject({ body: { state: 'wrap-up' } });
    await t.clock.advanceBy(30_000);
    expect(await call('GET', '/agents/1001/state', t.as.supervisor)).toMatchObject({ body: { state: 'logged-out' } });
  });
});

describe('who may', () => {
  const routes: Array<['GET' | 'POST', string, unknown?]> = [
    ['GET', '/state'], ['POST', '/login'], ['POST', '/logout'], ['POST', '/ready'], ['POST', '/pause', { reason: 'lunch' }],
  ];

  it('without credentials 401; an operator 403; admins and supervisors any agent, by session or token', async () => {
    for (const [method, path, body] of routes) {
      expect((await call(method, `/agents/1003${path}`, {}, body)).status, path).toBe(401);
      expect((await call(method, `/agents/1003${path}`, t.as.operator, body)).status, path).toBe(403);
      expect((await call(method, `/agents/1003${path}`, t.bearer.operator, body)).status, path).toBe(403);
      for (const role of ['admin', 'supervisor'] as Role[]) {
        for (const headers of [t.as[role], t.bearer[role]]) {
          expect([200, 409], `${role} ${method} ${path}`).toContain((await call(method, `/agents/1003${path}`, headers, body)).status);
        }
      }
    }
  });

  it('an agent acts for themselves only: another agent\'s state is 403, even to read, and with a bad body', async () => {
    await t.acd.login('1003');
    for (const [method, path, body] of routes) {
      const res = await call(method, `/agents/1003${path}`, t.as.agent, body);
      expect(res, `${method} ${path}`).toMatchObject({ status: 403, body: { detail: 'an agent acts for themselves only (you are agent 1001)' } });
      expect((await call(method, `/agents/1999${path}`, t.as.agent, body)).status, 'an unknown agent too').toBe(403);
    }
    expect((await call('POST', '/agents/1003/pause', t.as.agent, { reason: '' })).status).toBe(403);
    expect(t.acd.agent('1003')!.state).toBe('ready');
    for (const [method, path, body] of routes) {
      expect([200, 409], `own ${method} ${path}`).toContain((await call(method, `/agents/1001${path}`, t.as.agent, body)).status);
    }
  });

  it('an agent\'s API token is no agent: 403 on any agent, 404 for its own state', async () => {
    expect(await call('POST', '/agents/1001/login', t.bearer.agent)).toMatchObject({ status: 403, body: { detail: 'token:test agent is not linked to an agent' } });
    expect(await call('GET', '/me/agent-state', t.bearer.agent)).toMatchObject({ status: 404 });
  });

  it('/me/agent-state is for agents: others 403, no credentials 401', async () => {
    for (const role of ['admin', 'supervisor', 'operator'] as Role[]) expect((await call('GET', '/me/agent-state', t.as[role])).status).toBe(403);
    expect((await call('GET', '/me/agent-state', {})).status).toBe(401);
  });
});
