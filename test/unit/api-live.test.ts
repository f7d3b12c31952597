/**
 * The live-state routes (server/api/live.ts) alone, through fastify inject,
 * on a real ACD. The bare server's hook stands in for the auth plugin: it
 * makes the caller whoever the `x-test-user` header names; the role checks
 * of config.roles are the auth plugin's and the route walker's.
 */
import { Value } from 'typebox/value';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveRoutes } from '../../server/api/live.js';
import { AgentLiveSchema, LiveViewSchema, QueueLiveSchema } from '../../server/api/live-schemas.js';
import type { ApiUser } from '../../server/api/roles.js';
import { SUPERVISION } from '../../server/api/roles.js';
import { agent } from './acd-fixtures.js';
import { bareApi, SUPERVISOR, type BareApi } from '../support/api.js';
import { liveCentre, type LiveCentre } from '../support/live.js';

const USERS: Record<string, ApiUser> = {
  supervisor: SUPERVISOR,
  anna: { name: 'anna', role: 'agent', agentId: 'anna' },
};

let c: LiveCentre;
let api: BareApi;

beforeEach(async () => {
  c = await liveCentre({ agents: [agent('anna'), agent('bert')], loggedIn: ['anna'] });
  api = await bareApi(liveRoutes({ live: c.live }), (req) => USERS[String(req.headers['x-test-user'])] ?? null);
});

afterEach(async () => {
  await api.app.close();
  c.live.stop();
  await c.acd.stop();
});

const get = (url: string, user = 'supervisor') => api.app.inject({ method: 'GET', url, headers: { 'x-test-user': user } });

describe('GET /api/v1/live', () => {
  it('returns queues, agents and calls in progress, as the schema says', async () => {
    await c.arrive('call-1', '+46702222222');
    const res = await get('/api/v1/live');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Value.Check(LiveViewSchema, body)).toBe(true);
    expect(body.calls).toEqual([expect.objectContaining({ callId: 'call-1', caller: '+46702222222', service: 'Kundtjänst', stage: 'ringing', agentId: 'anna' })]);
    expect(body.agents.map((a: { id: string; state: string }) => [a.id, a.state])).toEqual([['anna', 'reserved'], ['bert', 'logged-out']]);
  });

  it('declares its roles: supervision for the whole and a queue; an agent too for one agent', () => {
    expect(api.rolesOf.get('GET /api/v1/live')).toEqual(SUPERVISION);
    expect(api.rolesOf.get('GET /api/v1/live/queues/:queueId')).toEqual(SUPERVISION);
    expect(api.rolesOf.get('GET /api/v1/live/agents/:agentId')).toEqual([...SUPERVISION, 'agent']);
  });
});

describe('GET /api/v1/live/queues/:queueId', () => {
  it('returns one queue; an unknown one is a 404 problem naming it', async () => {
    const ok = await get('/api/v1/live/queues/support');
    expect(ok.statusCode).toBe(200);
    expect(Value.Check(QueueLiveSchema, ok.json())).toBe(true);
    const missing = await get('/api/v1/live/queues/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toMatchObject({ status: 404, detail: "no queue 'nope'" });
  });
});

describe('GET /api/v1/live/agents/:agentId', () => {
  it('lets a supervisor read any agent', async () => {
    const res = await get('/api/v1/live/agents/bert');
    expect(res.statusCode).toBe(200);
    expect(Value.Check(AgentLiveSchema, res.json())).toBe(true);
    expect(res.json()).toMatchObject({ id: 'bert', state: 'logged-out', call: null });
  });

  it('lets an agent read their own state and nobody else\'s', async () => {
    expect((await get('/api/v1/live/agents/anna', 'anna')).json()).toMatchObject({ id: 'anna', state: 'ready' });
    const other = await get('/api/v1/live/agents/bert', 'anna');
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ status: 403, detail: 'an agent may read only their own state' });
  });

  it('says 404 for an unknown agent', async () => {
    expect((await get('/api/v1/live/agents/nobody')).statusCode).toBe(404);
  });
});
