/**
 * The API with a signed-in user of each role, for route tests (fastify
 * inject, no port):
 *
 *   const t = await buildTestApi();
 *   await t.api.inject({ method: 'GET', url: '/api/v1/queues', headers: t.as.supervisor });
 *   await t.close();
 *
 * The product's features (server/api/features.ts) are always there, over
 * `t.running`: a running configuration of the test's own (./running.ts)
 * unless one is given; `features` adds others.
 *
 * `as[role]` is the session cookie of a user of that role (the agent is
 * agent 1001); `bearer[role]` an API token of that role. The users are made
 * through the API itself, as an admin would (`signInEachRole`), which also
 * works on a whole product (app.api). `expectOnlyRolesAdmitted` checks who
 * a list of routes lets in.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { expect } from 'vitest';
import { accessFeatures, configurationFeatures } from '../../server/api/features.js';
import type { ProblemBody } from '../../server/api/problem.js';
import { buildApi, type Api, type ApiFeature } from '../../server/api/server.js';
import { createLogger } from '../../server/log.js';
import { FileUserStore } from '../../server/users/file-store.js';
import { LoginThrottle } from '../../server/users/login-throttle.js';
import { ROLES, type Role } from '../../server/users/roles.js';
import { Users } from '../../server/users/users.js';
import type { RunningConfig } from '../../server/running/index.js';
import { openRunning } from './running.js';
import { tempDir } from './tmp.js';

export const TEST_USERS: Record<Role, { name: string; password: string; agentId?: string }> = {
  admin: { name: 'admin', password: 'admin-password-1' },
  supervisor: { name: 'sam', password: 'supervisor-password-1' },
  operator: { name: 'olga', password: 'operator-password-1' },
  agent: { name: 'agnes', password: 'agent-password-1', agentId: '1001' },
};

export type Headers = Record<string, string>;

export interface RoleCredentials {
  /** Request headers with the session cookie of a user of each role. */
  as: Record<Role, Headers>;
  /** Request headers with an API token of each role. */
  bearer: Record<Role, Headers>;
}

export interface TestApi extends RoleCredentials {
  api: Api;
  users: Users;
  /** The running configuration the product's resources read and change. */
  running: RunningConfig;
  /** Where the users are kept (users.json). */
  file: string;
  close(): Promise<void>;
}

/** The session cookie a sign-in answer sets, as a Cookie request header. */
export function sessionCookie(res: { cookies: Array<{ name: string; value: string }> }): Headers {
  const c = res.cookies.find((x) => x.name === 'vaxel_session');
  if (!c) throw new Error('no session cookie in the answer');
  return { cookie: `${c.name}=${c.value}` };
}

export async function signIn(api: Api, name: string, password: string): Promise<Headers> {
  const res = await api.inject({ method: 'POST', url: '/api/v1/login', payload: { name, password } });
  expect(res.statusCode, res.body).toBe(200);
  return sessionCookie(res);
}

/** Signs in as the admin, makes a user and a token of each other role through the API, and signs each in. */
export async function signInEachRole(api: Api, adminPassword: string): Promise<RoleCredentials> {
  const admin = await signIn(api, TEST_USERS.admin.name, adminPassword);
  const as = { admin } as Record<Role, Headers>;
  const bearer = {} as Record<Role, Headers>;
  for (const [role, user] of Object.entries(TEST_USERS) as Array<[Role, (typeof TEST_USERS)[Role]]>) {
    if (role !== 'admin') {
      const made = await api.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { ...user, role } });
      expect(made.statusCode, made.body).toBe(201);
      as[role] = await signIn(api, user.name, user.password);
    }
    const token = await api.inject({ method: 'POST', url: '/api/v1/tokens', headers: admin, payload: { name: `test ${role}`, role } });
    expect(token.statusCode, token.body).toBe(201);
    bearer[role] = { authorization: `Bearer ${token.json<{ secret: string }>().secret}` };
  }
  return { as, bearer };
}

export async function buildTestApi(
  opts: { features?: readonly ApiFeature[]; logger?: Logger; throttle?: LoginThrottle; running?: RunningConfig; now?: () => number } = {},
): Promise<TestApi> {
  const file = join(tempDir('api-users-'), 'users.json');
  const store = FileUserStore.open(file);
  const users = new Users({ store });
  await users.ensureFirstAdmin(TEST_USERS.admin.password);
  const running = opts.running ?? await openRunning();
  const api = await buildApi({
    logger: opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    users,
    features: [
      ...accessFeatures({ users, throttle: opts.throttle ?? new LoginThrottle({ now: Date.now }), secureCookies: false }),
      ...configurationFeatures({ running, ...(opts.now ? { now: opts.now } : {}) }),
      ...(opts.features ?? []),
    ],
  });
  await api.ready();
  const credentials = await signInEachRole(api, TEST_USERS.admin.password);
  return {
    api, users, running, file, ...credentials,
    close: async () => { await api.close(); await store.close(); running.close(); },
  };
}

/** The problem an answer carries, after checking its status and that it is application/problem+json. */
export function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; body: string; json: <T>() => T }, status: number,
): ProblemBody {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

/** A route and the roles it admits; a payload for the methods that carry one. */
export interface GuardedRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: unknown;
  roles: readonly Role[];
}

/**
 * Each route without credentials is 401; with each role's API token, a role
 * outside its `roles` is 403 and one inside gets past the check (any answer
 * but 401 and 403: the request itself may still be refused).
 */
export async function expectOnlyRolesAdmitted(t: TestApi, routes: readonly GuardedRoute[]): Promise<void> {
  for (const r of routes) {
    const send = (headers: Headers) => t.api.inject({ method: r.method, url: r.url, headers, ...(r.payload === undefined ? {} : { payload: r.payload as object }) });
    expect((await send({})).statusCode, `${r.method} ${r.url}`).toBe(401);
    for (const role of ROLES) {
      const status = (await send(t.bearer[role])).statusCode;
      if (r.roles.includes(role)) expect([401, 403], `${r.method} ${r.url} as ${role}`).not.toContain(status);
      else expect(status, `${r.method} ${r.url} as ${role}`).toBe(403);
    }
  }
}
