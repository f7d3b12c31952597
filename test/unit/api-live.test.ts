/**
 * The live-state routes (server/api/live.ts) through fastify inject, on a
 * real ACD, in the API with its sign-in and roles (test/support/api.ts):
 * supervision sees everything, an operator nothing, an agent their own
 * state only.
 */
import { Value } from 'typebox/value';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../server/api/features.js';
import { liveRoutes } from '../../server/api/live.js';
import { AgentLiveSchema, CallLiveSchema, LiveViewSchema, QueueLiveSchema } from '../../server/api/live-schemas.js';
import { agent } from './acd-fixtures.js';
import { buildTestApi, TEST_USERS, type Headers, type TestApi } from '../support/api.js';
import { liveCentre, type LiveCentre } from '../support/live.js';

/** The test agent user's own agent, and another. */
const ANNA = TEST_USERS.agent.agentId!;
const BERT = '1002';

let c: LiveCentre;
let t: TestApi;

beforeEach(async () => {
  c = await liveCentre({ agents: [agent(ANNA, { name: 'Anna' }), agent(BERT, { name: 'Bert' })], loggedIn: [ANNA] });
  t = await buildTestApi({ features: [{ prefix: API_PREFIX, plugin: liveRoutes({ live: c.live }) }] });
});

afterEach(async () => {
  await t.close();
  c.live.stop();
  await c.acd.stop();
});

const get = (url: string, headers: Headers) => t.api.inject({ method: 'GET', url: `${API_PREFIX}${url}`, headers });

function expectProblem(res: Awaited<ReturnType<typeof get>>, status: number): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status });
}

describe('GET /api/v1/live', () => {
  it('returns queues, agents and calls in progress, as the schema says', async () => {
    await c.arrive('call-1', '+46702222222');
    const res = await get('/live', t.as.supervisor);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Value.Check(LiveViewSchema, body)).toBe(true);
    expect(body.calls).toEqual([expect.objectContaining({ callId: 'call-1', caller: '+46702222222', service: 'Kundtjänst', stage: 'ringing', agentId: ANNA })]);
    expect(body.agents.map((a: { id: string; state: string }) => [a.id, a.state])).toEqual([[ANNA, 'reserved'], [BERT, 'logged-out']]);
  });

  it('admits admins and supervisors, by session or API token; refuses operators, agents and strangers', async () => {
    for (const headers of [t.as.admin, t.as.supervisor, t.bearer.admin, t.bearer.supervisor]) {
      expect((await get('/live', headers)).statusCode).toBe(200);
    }
    for (const role of ['operator', 'agent'] as const) {
      expectProblem(await get('/live', t.as[role]), 403);
      expectProblem(await get('/live', t.bearer[role]), 403);
    }
    expectProblem(await get('/live', {}), 401);
    expectProblem(await get('/live', { authorization: 'Bearer not-a-token' }), 401);
  });
});

describe('the OpenAPI document', () => {
  it('describes the problems each live route answers with', async () => {
    const doc = (await t.api.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { title?: string } }> }> } }>;
    }>();
    const answers = (path: string) => Object.fromEntries(Object.entries(doc.paths[`${API_PREFIX}${path}`]!.get.responses)
      .map(([code, r]) => [code, Object.values(r.content)[0]?.schema.title]));
    expect(answers('/live')).toMatchObject({ 401: 'Problem', 403: 'Problem' });
    expect(answers('/live/queues/{queueId}')).toMatchObject({ 401: 'Problem', 403: 'Problem', 404: 'Problem' });
    expect(answers('/live/agents/{agentId}')).toMatchObject({ 401: 'Problem', 403: 'Problem', 404: 'Problem' });
    expect(answers('/live/agents/{agentId}/call')).toMatchObject({ 401: 'Problem', 403: 'Problem', 404: 'Problem' });
  });
});

describe('GET /api/v1/live/queues/:queueId', () => {
  it('returns one queue; an unknown one is a 404 problem naming it', async () => {
    const ok = await get('/live/queues/support', t.as.supervisor);
    expect(ok.statusCode).toBe(200);
    expect(Value.Check(QueueLiveSchema, ok.json())).toBe(true);
    const missing = await get('/live/queues/nope', t.as.supervisor);
    expectProblem(missing, 404);
    expect(missing.json()).toMatchObject({ detail: "no queue 'nope'" });
  });

  it('admits admins and supervisors only', async () => {
    expect((await get('/live/queues/support', t.as.admin)).statusCode).toBe(200);
    expectProblem(await get('/live/queues/support', t.as.operator), 403);
    expectProblem(await get('/live/queues/support', t.as.agent), 403);
    expectProblem(await get('/live/queues/support', {}), 401);
  });
});

describe('GET /api/v1/live/agents/:agentId', () => {
  it('lets admins and supervisors read any agent', async () => {
    for (const headers of [t.as.supervisor, t.bearer.admin]) {
      const res = await get(`/live/agents/${BERT}`, headers);
      expect(res.statusCode).toBe(200);
      expect(Value.Check(AgentLiveSchema, res.json())).toBe(true);
      expect(res.json()).toMatchObject({ id: BERT, name: 'Bert', state: 'logged-out', call: null });
    }
  });

  it("lets an agent read their own state and nobody else's; an operator none", async () => {
    expect((await get(`/live/agents/${ANNA}`, t.as.agent)).json()).toMatchObject({ id: ANNA, state: 'ready' });
    const other = await get(`/live/agents/${BERT}`, t.as.agent);
    expectProblem(other, 403);
    expect(other.json()).toMatchObject({ detail: 'an agent may read only their own state' });
    // An agent-role token is no particular agent.
    expectProblem(await get(`/live/agents/${ANNA}`, t.bearer.agent), 403);
    expectProblem(await get(`/live/agents/${ANNA}`, t.as.operator), 403);
    expectProblem(await get(`/live/agents/${ANNA}`, {}), 401);
  });

  it('says 404 for an unknown agent, to an agent too', async () => {
    expectProblem(await get('/live/agents/nobody', t.as.supervisor), 404);
    expectProblem(await get('/live/agents/nobody', t.as.agent), 404);
  });
});

describe('GET /api/v1/live/agents/:agentId/call', () => {
  it("gives the call ringing for the agent with the number dialled and the wait so far; null when none", async () => {
    expect((await get(`/live/agents/${ANNA}/call`, t.as.agent)).json()).toBeNull();
    await c.arrive('call-1', '+46702222222');
    await c.clock.advanceBy(7_000);
    const res = await get(`/live/agents/${ANNA}/call`, t.as.agent);
    expect(res.statusCode, res.body).toBe(200);
    expect(Value.Check(CallLiveSchema, res.json())).toBe(true);
    expect(res.json()).toMatchObject({ callId: 'call-1', caller: '+46702222222', dialled: '+46313900601', stage: 'ringing', agentId: ANNA, waitSeconds: 7 });
    await c.hangUp('call-1');
    expect((await get(`/live/agents/${ANNA}/call`, t.as.supervisor)).json()).toBeNull();
  });

  it("is the agent's own only; unknown agents are 404", async () => {
    expectProblem(await get(`/live/agents/${BERT}/call`, t.as.agent), 403);
    expectProblem(await get(`/live/agents/${ANNA}/call`, t.as.operator), 403);
    expectProblem(await get(`/live/agents/${ANNA}/call`, {}), 401);
    expectProblem(await get('/live/agents/nobody/call', t.as.agent), 404);
    expect((await get(`/live/agents/${BERT}/call`, t.as.supervisor)).statusCode).toBe(200);
  });
});
