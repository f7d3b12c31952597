/**
 * The users' routes through fastify inject: signing in and out, who am I,
 * changing one's own password, the admin's users and tokens; each with good
 * input, bad input, each role and no credentials.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../server/users/roles.js';
import { buildTestApi, sessionCookie, signIn, TEST_USERS, type TestApi } from '../support/api.js';

let t: TestApi;
beforeAll(async () => { t = await buildTestApi(); });
afterAll(async () => { await t?.close(); });

const NOT_ADMINS = ROLES.filter((r) => r !== 'admin');

function problem(res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T }, status: number): { title: string; detail?: string; field?: string; code?: string; params?: object } {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

describe('signing in', () => {
  it('the right password sets an HttpOnly, SameSite=Strict session cookie that is not Secure over plain HTTP', async () => {
    const res = await t.api.inject({ method: 'POST', url: '/api/v1/login', payload: { name: 'olga', password: TEST_USERS.operator.password } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'olga', role: 'operator' });
    const cookie = res.cookies.find((c) => c.name === 'vaxel_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy();
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a wrong password or an unknown user is 401 with the same words', async () => {
    const wrong = await t.api.inject({ method: 'POST', url: '/api/v1/login', payload: { name: 'sam', password: 'not-the-password' }, remoteAddress: '10.0.0.9' });
    const unknown = await t.api.inject({ method: 'POST', url: '/api/v1/login', payload: { name: 'nobody', password: 'whatever-1' }, remoteAddress: '10.0.0.9' });
    expect(problem(wrong, 401).detail).toBe('wrong user name or password');
    expect(problem(unknown, 401).detail).toBe('wrong user name or password');
    expect(wrong.cookies).toEqual([]);
  });

  it('a body without the password names the field; malformed JSON is a clear 400', async () => {
    const missing = await t.api.inject({ method: 'POST', url: '/api/v1/login', payload: { name: 'sam' } });
    expect(problem(missing, 400).field).toBe('/password');
    const wrongType = await t.api.inject({ method: 'POST', url: '/api/v1/login', payload: { name: 'sam', password: 12345678 } });
    expect(problem(wrongType, 400).field).toBe('/password');
    const malformed = await t.api.inject({ method: 'POST', url: '/api/v1/login', headers: { 'content-type': 'application/json' }, payload: '{"name": "sam", "password": ' });
    expect(problem(malformed, 400).detail).toBe('the body is not valid JSON');
  });

  it('GET /me says who is signed in, by cookie or by token; without credentials 401', async () => {
    for (const role of ROLES) {
      const me = await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: t.as[role] });
      expect(me.json()).toEqual({ name: TEST_USERS[role].name, role, ...(role === 'agent' ? { agentId: '1001' } : {}) });
      const byToken = await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: t.bearer[role] });
      expect(byToken.json()).toEqual({ name: `token:test ${role}`, role });
    }
    expect(problem(await t.api.inject({ method: 'GET', url: '/api/v1/me' }), 401).title).toBe('Unauthorized');
    const badCookie = await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: 'vaxel_session=forged' } });
    problem(badCookie, 401);
    const badToken = await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer vxt_0123456789abcdef_' + 'A'.repeat(43) } });
    problem(badToken, 401);
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Basic YWRtaW46eA==' } }), 401);
  });

  it('logout ends that session only', async () => {
    const first = await signIn(t.api, 'sam', TEST_USERS.supervisor.password);
    const second = await signIn(t.api, 'sam', TEST_USERS.supervisor.password);
    const out = await t.api.inject({ method: 'POST', url: '/api/v1/logout', headers: first });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'vaxel_session')?.value).toBe('');
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: first }), 401);
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: second })).statusCode).toBe(200);
    problem(await t.api.inject({ method: 'POST', url: '/api/v1/logout' }), 401);
  });
});

describe('changing one\'s own password', () => {
  it('needs the old password; then the old sessions end, this one goes on, and the new password signs in', async () => {
    await t.api.inject({ method: 'POST', url: '/api/v1/users', headers: t.as.admin, payload: { name: 'pelle', role: 'agent', agentId: '1002', password: 'pelle-password-1' } });
    const here = await signIn(t.api, 'pelle', 'pelle-password-1');
    const elsewhere = await signIn(t.api, 'pelle', 'pelle-password-1');

    const wrongOld = await t.api.inject({ method: 'PUT', url: '/api/v1/me/password', headers: here, payload: { oldPassword: 'guess-guess', newPassword: 'pelle-password-2' } });
    expect(problem(wrongOld, 400).field).toBe('/oldPassword');
    const tooShort = await t.api.inject({ method: 'PUT', url: '/api/v1/me/password', headers: here, payload: { oldPassword: 'pelle-password-1', newPassword: 'short' } });
    expect(problem(tooShort, 400)).toMatchObject({ field: '/newPassword', code: 'password-length', params: { min: 8, max: 256 } });
    problem(await t.api.inject({ method: 'PUT', url: '/api/v1/me/password', payload: { oldPassword: 'pelle-password-1', newPassword: 'pelle-password-2' } }), 401);

    const changed = await t.api.inject({ method: 'PUT', url: '/api/v1/me/password', headers: here, payload: { oldPassword: 'pelle-password-1', newPassword: 'pelle-password-2' } });
    expect(changed.statusCode).toBe(204);
    const renewed = sessionCookie(changed);
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: renewed })).json()).toMatchObject({ name: 'pelle' });
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: elsewhere }), 401);
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: here }), 401);
    await signIn(t.api, 'pelle', 'pelle-password-2');
  });
});

describe('users (admin)', () => {
  it('lists users without any password or hash', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/api/v1/users', headers: t.as.admin });
    expect(res.statusCode).toBe(200);
    const list = res.json<Array<Record<string, unknown>>>();
    expect(list.map((u) => u.name)).toEqual(expect.arrayContaining(['admin', 'sam', 'olga', 'agnes']));
    for (const u of list) expect(Object.keys(u).sort()).toEqual(expect.arrayContaining(['createdAt', 'name', 'role']));
    expect(res.body).not.toMatch(/password|scrypt|Hash/i);
  });

  it('creates, reads, changes, resets and deletes a user', async () => {
    const made = await t.api.inject({ method: 'POST', url: '/api/v1/users', headers: t.as.admin, payload: { name: 'kim', role: 'operator', password: 'kim-password-1' } });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ name: 'kim', role: 'operator' });
    expect(made.body).not.toContain('kim-password-1');

    const again = await t.api.inject({ method: 'POST', url: '/api/v1/users', headers: t.as.admin, payload: { name: 'kim', role: 'agent', password: 'kim-password-1' } });
    expect(problem(again, 409)).toMatchObject({ field: '/name', code: 'name-taken' });

    const kim = await signIn(t.api, 'kim', 'kim-password-1');
    const changed = await t.api.inject({ method: 'PATCH', url: '/api/v1/users/kim', headers: t.as.admin, payload: { role: 'agent', agentId: '1003' } });
    expect(changed.json()).toMatchObject({ name: 'kim', role: 'agent', agentId: '1003' });
    // The role is read at each request: the session now has the new one.
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: kim })).json()).toEqual({ name: 'kim', role: 'agent', agentId: '1003' });
    const noAgent = await t.api.inject({ method: 'PATCH', url: '/api/v1/users/kim', headers: t.as.admin, payload: { agentId: null } });
    expect(noAgent.json()).not.toHaveProperty('agentId');
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/users/kim', headers: t.as.admin })).json()).toMatchObject({ name: 'kim', role: 'agent' });

    const reset = await t.api.inject({ method: 'PUT', url: '/api/v1/users/kim/password', headers: t.as.admin, payload: { password: 'kim-password-2' } });
    expect(reset.statusCode).toBe(204);
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: kim }), 401);
    const kimAgain = await signIn(t.api, 'kim', 'kim-password-2');

    expect((await t.api.inject({ method: 'DELETE', url: '/api/v1/users/kim', headers: t.as.admin })).statusCode).toBe(204);
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: kimAgain }), 401);
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/users/kim', headers: t.as.admin }), 404);
    problem(await t.api.inject({ method: 'DELETE', url: '/api/v1/users/kim', headers: t.as.admin }), 404);
  });

  it('bad input names the field at fault', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/api/v1/users', { name: 'x y', role: 'agent', password: 'long-enough-1' }, '/name'],
      ['POST', '/api/v1/users', { name: 'xy', role: 'boss', password: 'long-enough-1' }, '/role'],
      ['POST', '/api/v1/users', { name: 'xy', role: 'agent', password: 'short' }, '/password'],
      ['POST', '/api/v1/users', { name: 'xy', role: 'agent', agentId: '1', password: 'long-enough-1' }, '/agentId'],
      ['POST', '/api/v1/users', { name: 'xy', role: 'agent', password: 'long-enough-1', admin: true }, '/admin'],
      ['POST', '/api/v1/users', { role: 'agent', password: 'long-enough-1' }, '/name'],
      ['PATCH', '/api/v1/users/sam', { role: 7 }, '/role'],
      ['PUT', '/api/v1/users/sam/password', { password: ['long-enough-1'] }, '/password'],
      ['GET', '/api/v1/users/bad%20name', undefined, 'name'],
    ];
    for (const [method, url, payload, field] of cases) {
      const res = await t.api.inject({ method: method as 'POST', url, headers: t.as.admin, ...(payload !== undefined ? { payload: payload as object } : {}) });
      expect({ url, payload, field: problem(res, 400).field }).toEqual({ url, payload, field });
    }
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/users', headers: t.as.admin })).json<Array<{ name: string }>>().map((u) => u.name)).not.toContain('xy');
  });

  it('the last admin can be neither demoted nor deleted', async () => {
    expect(problem(await t.api.inject({ method: 'PATCH', url: '/api/v1/users/admin', headers: t.as.admin, payload: { role: 'agent' } }), 409))
      .toMatchObject({ field: '/role', code: 'last-admin' });
    expect(problem(await t.api.inject({ method: 'DELETE', url: '/api/v1/users/admin', headers: t.as.admin }), 409).code).toBe('last-admin');
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: t.as.admin })).json()).toMatchObject({ role: 'admin' });
  });

  it.each(NOT_ADMINS)('refuses the %s role (403) and no credentials (401) on every users route', async (role: Role) => {
    const routes: Array<[string, string, object?]> = [
      ['GET', '/api/v1/users'], ['POST', '/api/v1/users', { name: 'zz', role: 'admin', password: 'zz-password-1' }],
      ['GET', '/api/v1/users/sam'], ['PATCH', '/api/v1/users/sam', { role: 'admin' }],
      ['PUT', '/api/v1/users/sam/password', { password: 'taken-over-1' }], ['DELETE', '/api/v1/users/sam'],
    ];
    for (const [method, url, payload] of routes) {
      const asRole = await t.api.inject({ method: method as 'GET', url, headers: t.as[role], ...(payload ? { payload } : {}) });
      expect({ method, url, status: asRole.statusCode }).toEqual({ method, url, status: 403 });
      expect(problem(await t.api.inject({ method: method as 'GET', url, headers: t.bearer[role], ...(payload ? { payload } : {}) }), 403).detail).toBe(`the role ${role} may not do this`);
      problem(await t.api.inject({ method: method as 'GET', url, ...(payload ? { payload } : {}) }), 401);
    }
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: t.as.supervisor })).json()).toMatchObject({ role: 'supervisor' });
    await signIn(t.api, 'sam', TEST_USERS.supervisor.password);
  });
});

describe('API tokens (admin)', () => {
  it('a token is shown once, works as a bearer token, is listed without its secret, and stops working when revoked', async () => {
    const made = await t.api.inject({ method: 'POST', url: '/api/v1/tokens', headers: t.as.admin, payload: { name: 'CRM', role: 'supervisor' } });
    expect(made.statusCode).toBe(201);
    const { token, secret } = made.json<{ token: { id: string }; secret: string }>();
    expect(secret).toMatch(/^vxt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const bearer = { authorization: `Bearer ${secret}` };
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).json()).toEqual({ name: 'token:CRM', role: 'supervisor' });

    const list = await t.api.inject({ method: 'GET', url: '/api/v1/tokens', headers: t.as.admin });
    expect(list.json()).toContainEqual(expect.objectContaining({ id: token.id, name: 'CRM', role: 'supervisor', createdBy: 'admin' }));
    expect(list.body).not.toContain(secret.slice(21));
    expect(list.body).not.toMatch(/secret/i);

    expect((await t.api.inject({ method: 'DELETE', url: `/api/v1/tokens/${token.id}`, headers: t.as.admin })).statusCode).toBe(204);
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: bearer }), 401);
    problem(await t.api.inject({ method: 'DELETE', url: `/api/v1/tokens/${token.id}`, headers: t.as.admin }), 404);
  });

  it('a token whose secret is altered is refused', async () => {
    const { secret } = (await t.api.inject({ method: 'POST', url: '/api/v1/tokens', headers: t.as.admin, payload: { name: 'x', role: 'admin' } })).json<{ secret: string }>();
    const altered = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${altered}` } }), 401);
  });

  it('bad input and other roles are refused', async () => {
    expect(problem(await t.api.inject({ method: 'POST', url: '/api/v1/tokens', headers: t.as.admin, payload: { name: '', role: 'admin' } }), 400).field).toBe('/name');
    expect(problem(await t.api.inject({ method: 'POST', url: '/api/v1/tokens', headers: t.as.admin, payload: { name: 'y', role: 'root' } }), 400).field).toBe('/role');
    expect(problem(await t.api.inject({ method: 'DELETE', url: '/api/v1/tokens/not-an-id', headers: t.as.admin }), 400).field).toBe('id');
    for (const role of NOT_ADMINS) {
      problem(await t.api.inject({ method: 'GET', url: '/api/v1/tokens', headers: t.as[role] }), 403);
      problem(await t.api.inject({ method: 'POST', url: '/api/v1/tokens', headers: t.bearer[role], payload: { name: 'mine', role: 'admin' } }), 403);
      problem(await t.api.inject({ method: 'DELETE', url: '/api/v1/tokens/0123456789abcdef', headers: t.as[role] }), 403);
    }
    problem(await t.api.inject({ method: 'GET', url: '/api/v1/tokens' }), 401);
    problem(await t.api.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'mine', role: 'admin' } }), 401);
  });
});

describe('secrets at rest', () => {
  it('the users file holds no password, token secret or session cookie in clear', async () => {
    const { secret } = (await t.api.inject({ method: 'POST', url: '/api/v1/tokens', headers: t.as.admin, payload: { name: 'at rest', role: 'agent' } })).json<{ secret: string }>();
    const file = readFileSync(t.file, 'utf8');
    for (const user of Object.values(TEST_USERS)) expect(file).not.toContain(user.password);
    expect(file).not.toContain(secret.slice(21));
    for (const headers of Object.values(t.as)) expect(file).not.toContain(headers.cookie!.split('=')[1]!);
    expect(file).toContain('"passwordHash": "scrypt$');
  });
});
