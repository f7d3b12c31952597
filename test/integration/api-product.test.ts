/**
 * The API as the product runs it: started last by startApp on HTTP_PORT.
 *
 * - Every route in the OpenAPI document, walked with no credentials and
 *   with each role: a route is 401 without credentials unless public, 403
 *   for a role it does not admit, never 401 or 403 for one it does; a
 *   route about one agent (`x-own-agent`) admits an agent for their own id
 *   only, and no agent-role token, which is no agent. The walk
 *   reads whatever the product registered (server/api/features.ts), so a
 *   feature added later is covered without touching this test.
 * - End to end over real HTTP: the first admin signs in with the configured
 *   admin password and uses the session cookie.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../server/users/roles.js';
import { signInEachRole, TEST_USERS, type RoleCredentials } from '../support/api.js';
import { startProduct, TEST_ADMIN_PASSWORD, type RunningProduct } from '../support/product.js';

let product: RunningProduct;
let credentials: RoleCredentials;
beforeAll(async () => {
  product = await startProduct();
  credentials = await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
});
afterAll(async () => { await product?.stop(); });

interface Operation { security?: unknown[]; 'x-roles'?: string[]; 'x-own-agent'?: boolean; requestBody?: unknown }

describe('every route of the OpenAPI document, with each role and with none', () => {
  it('401 without credentials unless public; 403 for a role not admitted; never 401/403 for one admitted', async () => {
    const api = product.app.api;
    const doc = (await api.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
    const seen: string[] = [];
    const wrong: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        seen.push(name);
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        const roles = op['x-roles'];
        if (!isPublic && !roles) wrong.push(`${name}: the document names neither roles nor public`);
        // Sample values: enough to reach the role check, which comes before validation.
        const url = path.replace(/\{[^}]+\}/g, 'walk-1');
        const call = async (headers: Record<string, string>, to = url): Promise<number> => (await api.inject({
          method: method.toUpperCase() as 'GET', url: to, headers, ...(op.requestBody ? { payload: {} } : {}),
        })).statusCode;

        const anonymous = await call({});
        if (!isPublic && anonymous !== 401) wrong.push(`${name} without credentials: ${anonymous}, not 401`);
        if (isPublic && (anonymous === 401 || anonymous === 403)) wrong.push(`${name} is public but answered ${anonymous}`);
        for (const role of ROLES) {
          // API tokens: a walk over POST /logout must not end the session the walk uses.
          const status = await call(credentials.bearer[role]);
          const admitted = isPublic || roles!.includes(role);
          if (op['x-own-agent'] && role === 'agent' && admitted) {
            // About one agent: an agent for their own only, and a token of the agent role is no agent.
            if (status !== 403) wrong.push(`${name} as an agent token: ${status}, not 403`);
            const own = await call(credentials.as.agent, path.replace('{agentId}', TEST_USERS.agent.agentId!));
            if (own === 401 || own === 403) wrong.push(`${name} as the agent, for themselves: ${own}`);
            const other = await call(credentials.as.agent);
            if (other !== 403) wrong.push(`${name} as an agent, for another: ${other}, not 403`);
            continue;
          }
          if (admitted && (status === 401 || status === 403)) wrong.push(`${name} as ${role}: ${status}, though admitted`);
          if (!admitted && status !== 403) wrong.push(`${name} as ${role}: ${status}, not 403`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // The walk saw the routes of this foundation at least; features add theirs.
    expect(seen).toEqual(expect.arrayContaining([
      'POST /api/v1/login', 'POST /api/v1/logout', 'GET /api/v1/me', 'PUT /api/v1/me/password',
      'GET /api/v1/users', 'POST /api/v1/users', 'GET /api/v1/users/{name}', 'PATCH /api/v1/users/{name}',
      'PUT /api/v1/users/{name}/password', 'DELETE /api/v1/users/{name}',
      'GET /api/v1/tokens', 'POST /api/v1/tokens', 'DELETE /api/v1/tokens/{id}',
      'GET /api/v1/flows', 'PUT /api/v1/flows/{name}', 'POST /api/v1/flows/{name}/validate',
      'GET /api/v1/services/{service}/hours', 'PUT /api/v1/services/{service}/hours/exceptions/{date}',
      'POST /api/v1/services/{service}/hours/closed-now', 'GET /api/v1/holidays/{year}',
      'GET /api/v1/live', 'GET /api/v1/live/queues/{queueId}', 'GET /api/v1/live/agents/{agentId}',
      'GET /api/v1/events', 'GET /metrics',
    ]));
  });
});

describe('over real HTTP', () => {
  it('the first admin signs in with the admin password and the cookie works; the docs are served', async () => {
    const base = `http://127.0.0.1:${product.config.http.port}`;
    const login = await fetch(`${base}/api/v1/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^vaxel_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/);
    const cookie = setCookie.split(';')[0]!;
    const me = await fetch(`${base}/api/v1/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ name: 'admin', role: 'admin' });
    const anonymous = await fetch(`${base}/api/v1/me`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${base}/api/docs/`)).status).toBe(200);
    expect((await fetch(`${base}/api/openapi.json`)).status).toBe(200);
  });
});
