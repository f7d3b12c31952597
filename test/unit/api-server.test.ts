/**
 * What every API route shares (server/api/server.ts, server/api/auth.ts):
 * problem+json errors that name the field at fault, a route without roles
 * refused at registration, the OpenAPI document and the docs pages, roles
 * on WebSocket upgrades, sign-in throttling, and logs without secrets.
 */
import { Writable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiProblem } from '../../server/api/problem.js';
import { ADMIN, EVERYONE, SUPERVISION } from '../../server/api/roles.js';
import { createLogger } from '../../server/log.js';
import { LoginThrottle } from '../../server/users/login-throttle.js';
import { buildTestApi, signIn, TEST_USERS, type TestApi } from '../support/api.js';

/** A feature of the kind other features are: a few routes showing what the shared parts do. */
const sample: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/things/:id', {
    config: { roles: SUPERVISION },
    schema: {
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      body: Type.Object({ name: Type.String(), steps: Type.Array(Type.Object({ seconds: Type.Integer() })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ id: Type.Integer(), name: Type.String() }) },
    },
  }, async (request) => ({ id: request.params.id, name: request.body.name }));
  app.get('/broken', { config: { roles: EVERYONE } }, async () => {
    throw new Error('secret internals: db password hunter2 at /srv/x');
  });
  app.get('/refused', { config: { roles: EVERYONE } }, async () => {
    throw new ApiProblem(409, 'Conflict', 'the thing is busy', '/thing');
  });
  app.get('/live', { config: { roles: SUPERVISION }, websocket: true }, (socket) => {
    socket.send('hello');
  });
};

let t: TestApi;
const lines: string[] = [];
const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
beforeAll(async () => {
  t = await buildTestApi({
    features: [{ prefix: '/api/v1', plugin: sample }],
    logger: createLogger('trace', sink),
    throttle: new LoginThrottle({ now: Date.now, maxPerNameAndAddress: 5 }),
  });
});
afterAll(async () => { await t?.close(); });

function problem(res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T }, status: number): { type: string; title: string; status: number; detail?: string; field?: string } {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<{ type: string; title: string; status: number; detail?: string; field?: string }>();
  expect(body).toMatchObject({ type: 'about:blank', status });
  return body;
}

describe('errors are application/problem+json', () => {
  const post = (url: string, payload: unknown, headers = t.as.supervisor) =>
    t.api.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

  it('good input passes', async () => {
    const res = await post('/api/v1/things/3', { name: 'a', steps: [{ seconds: 5 }] });
    expect(res.json()).toEqual({ id: 3, name: 'a' });
  });

  it('a wrong type deep in the body is named by its JSON pointer; nothing is converted', async () => {
    const wrongType = problem(await post('/api/v1/things/3', { name: 'a', steps: [{ seconds: 5 }, { seconds: '7' }] }), 400);
    expect(wrongType.field).toBe('/steps/1/seconds');
    // No code: nothing but the detail says what is wrong with it.
    expect(wrongType).not.toHaveProperty('code');
    expect(problem(await post('/api/v1/things/3', { name: 5, steps: [] }), 400).field).toBe('/name');
    expect(problem(await post('/api/v1/things/3', { steps: [] }), 400)).toMatchObject({ field: '/name', code: 'required' });
    const extra = problem(await post('/api/v1/things/3', { name: 'a', steps: [], colour: 'red' }), 400);
    expect(extra).toMatchObject({ field: '/colour', title: 'Bad Request', code: 'unknown-field' });
    expect(extra.detail).toMatch(/not a known field/);
  });

  it('a bad parameter is named by its name', async () => {
    expect(problem(await post('/api/v1/things/0', { name: 'a', steps: [] }), 400).field).toBe('id');
    expect(problem(await post('/api/v1/things/abc', { name: 'a', steps: [] }), 400).field).toBe('id');
  });

  it('malformed JSON, an empty body and a body over the limit', async () => {
    expect(problem(await post('/api/v1/things/3', '{"name": "a", '), 400).detail).toBe('the body is not valid JSON');
    expect(problem(await post('/api/v1/things/3', ''), 400).detail).toBe('the body is not valid JSON');
    const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), steps: [] });
    expect(problem(await post('/api/v1/things/3', huge), 413).detail).toBe('the body is larger than 1048576 bytes');
  });

  it('an unknown route is 404, with or without credentials', async () => {
    expect(problem(await t.api.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' }), 404).detail).toBe('no route GET /api/v1/nothing-here');
    problem(await t.api.inject({ method: 'DELETE', url: '/api/v1/me', headers: t.as.admin }), 404);
  });

  it('a problem a handler throws is written as it is', async () => {
    expect(problem(await t.api.inject({ method: 'GET', url: '/api/v1/refused', headers: t.as.agent }), 409)).toEqual({
      type: 'about:blank', title: 'Conflict', status: 409, detail: 'the thing is busy', field: '/thing',
    });
  });

  it('an unexpected failure is a 500 that says nothing of its cause; the cause is logged', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/api/v1/broken', headers: t.as.agent });
    const body = problem(res, 500);
    expect(body.title).toBe('Internal Server Error');
    expect(res.body).not.toMatch(/hunter2|internals|srv|stack|Error:/);
    expect(lines.join('')).toContain('secret internals');
  });
});

describe('every route declares who may call it', () => {
  it('a route with neither roles nor public stops the API from starting', async () => {
    const forgetful: FastifyPluginAsyncTypebox = async (app) => {
      app.get('/open-by-mistake', async () => 'oops');
    };
    await expect(buildTestApi({ features: [{ prefix: '/api/v1', plugin: forgetful }] }))
      .rejects.toThrow('API route GET /api/v1/open-by-mistake declares neither config.roles nor config.public');
  });

  it('a route for one agent only (ownAgent) must name the agent in its path', async () => {
    const nobodys: FastifyPluginAsyncTypebox = async (app) => {
      app.get('/whose-state', { config: { roles: ['agent'], ownAgent: true } }, async () => 'oops');
    };
    await expect(buildTestApi({ features: [{ prefix: '/api/v1', plugin: nobodys }] }))
      .rejects.toThrow('API route GET /api/v1/whose-state declares ownAgent without an :agentId parameter');
  });

  it('roles are checked before the body is: a refused caller learns nothing about the input', async () => {
    problem(await t.api.inject({ method: 'POST', url: '/api/v1/things/abc', payload: { wrong: true } }), 401);
    problem(await t.api.inject({ method: 'POST', url: '/api/v1/things/abc', headers: t.as.operator, payload: { wrong: true } }), 403);
  });
});

describe('the OpenAPI document and the docs', () => {
  it('GET /api/openapi.json is public and lists each route with its roles, or public', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { 'x-roles'?: string[]; security?: unknown[] }>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/v1/login']!['post']!.security).toEqual([]);
    expect(doc.paths['/api/v1/users/{name}']!['patch']!['x-roles']).toEqual(['admin']);
    expect(doc.paths['/api/v1/things/{id}']!['post']!['x-roles']).toEqual(['admin', 'supervisor']);
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/api/docs'))).toBe(false);
  });

  it('/api/docs serves Swagger UI from the package, pointing at nothing outside', async () => {
    const page = await t.api.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)[a-z]/i);
    const bundle = await t.api.inject({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
  });
});

describe('WebSocket upgrades go through the same roles', () => {
  let url: string;
  beforeAll(async () => {
    await t.api.listen({ host: '127.0.0.1', port: 0 });
    const address = t.api.server.address() as { port: number };
    url = `ws://127.0.0.1:${address.port}/api/v1/live`;
  });

  function connect(headers: Record<string, string>): Promise<{ opened: boolean; status?: number; message?: string }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { headers });
      ws.on('unexpected-response', (_req, res) => { resolve({ opened: false, status: res.statusCode }); ws.terminate(); });
      ws.on('message', (m) => { resolve({ opened: true, message: String(m) }); ws.close(); });
      ws.on('error', () => resolve({ opened: false }));
    });
  }

  it('no credentials: 401; a role not admitted: 403; an admitted one is connected', async () => {
    expect(await connect({})).toEqual({ opened: false, status: 401 });
    expect(await connect(t.as.agent)).toEqual({ opened: false, status: 403 });
    expect(await connect(t.bearer.operator)).toEqual({ opened: false, status: 403 });
    expect(await connect(t.as.supervisor)).toEqual({ opened: true, message: 'hello' });
    expect(await connect(t.bearer.admin)).toEqual({ opened: true, message: 'hello' });
  });
});

describe('sign-in throttling', () => {
  afterEach(() => { lines.length = 0; });

  it('twenty wrong passwords: 401s, then 429 with Retry-After, nothing leaked; the right password from another address still works', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 20; i++) {
      last = await t.api.inject({ method: 'POST', url: '/api/v1/login', remoteAddress: '192.0.2.66', payload: { name: 'admin', password: `guess-number-${i}` } });
      statuses.push(last.statusCode);
      expect(last.cookies).toEqual([]);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(15).fill(429));
    const body = problem(last!, 429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(body.detail).toMatch(/^too many failed sign-ins: try again in \d+ s$/);
    // Even the right password is refused from there meanwhile: the answer says nothing about it.
    problem(await t.api.inject({ method: 'POST', url: '/api/v1/login', remoteAddress: '192.0.2.66', payload: { name: 'admin', password: TEST_USERS.admin.password } }), 429);

    const elsewhere = await t.api.inject({ method: 'POST', url: '/api/v1/login', remoteAddress: '192.0.2.77', payload: { name: 'admin', password: TEST_USERS.admin.password } });
    expect(elsewhere.statusCode).toBe(200);
    // The process is up and serving.
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: t.as.admin })).statusCode).toBe(200);
    expect(lines.join('')).not.toMatch(/guess-number/);
  });
});

describe('secrets never reach the log', () => {
  it('a sign-in, a new user, a token, a password change and requests with credentials leave no password, token or cookie in the log', async () => {
    lines.length = 0;
    const admin = await signIn(t.api, 'admin', TEST_USERS.admin.password);
    const made = await t.api.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { name: 'lisa', role: 'operator', password: 'lisa-secret-pw-1' } });
    expect(made.statusCode).toBe(201);
    const lisa = await signIn(t.api, 'lisa', 'lisa-secret-pw-1');
    await t.api.inject({ method: 'PUT', url: '/api/v1/me/password', headers: lisa, payload: { oldPassword: 'lisa-secret-pw-1', newPassword: 'lisa-secret-pw-2' } });
    await t.api.inject({ method: 'POST', url: '/api/v1/login', payload: { name: 'lisa', password: 'lisa-wrong-pw-3' } });
    const { secret } = (await t.api.inject({ method: 'POST', url: '/api/v1/tokens', headers: admin, payload: { name: 'crm', role: 'supervisor' } })).json<{ secret: string }>();
    await t.api.inject({ method: 'GET', url: `/api/v1/me?token=${secret}`, headers: { authorization: `Bearer ${secret}` } });

    const log = lines.join('');
    expect(log).toContain('signed in');
    expect(log).toContain('API token created');
    expect(log).toContain('/api/v1/me');
    for (const s of ['lisa-secret-pw-1', 'lisa-secret-pw-2', 'lisa-wrong-pw-3', TEST_USERS.admin.password, secret, secret.slice(21), admin.cookie!.split('=')[1]!, lisa.cookie!.split('=')[1]!]) {
      expect(log).not.toContain(s);
    }
    expect(log).not.toMatch(/authorization|cookie|bearer/i);
  });
});
