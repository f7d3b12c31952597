/**
 * Signing in and out, and who am I: POST /login (public, throttled per
 * user name and address: server/users/login-throttle.ts), POST /logout,
 * GET /me, PUT /me/password.
 *
 * The session cookie is HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page sends it along) and Secure when the API serves
 * HTTPS; it lives as long as the session.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { LoginThrottle } from '../users/login-throttle.js';
import type { Users } from '../users/users.js';
import { SESSION_COOKIE } from './auth.js';
import { ApiProblem } from './problem.js';
import { EVERYONE } from './roles.js';
import { asProblem, PasswordSchema, RoleSchema, UserNameSchema } from './user-schemas.js';

export interface SessionRoutesDeps {
  users: Users;
  throttle: LoginThrottle;
  /** The API is served over HTTPS: the cookie is Secure. */
  secureCookies: boolean;
}

const Me = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  agentId: Type.Optional(Type.String()),
}, { title: 'Me' });

export function sessionRoutes({ users, throttle, secureCookies }: SessionRoutesDeps): FastifyPluginAsyncTypebox {
  const setSession = (reply: FastifyReply, session: { secret: string; expiresAt: number }): void => {
    reply.setCookie(SESSION_COOKIE, session.secret, {
      path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookies, expires: new Date(session.expiresAt),
    });
  };

  return async (app) => {
    app.post('/login', {
      config: { public: true },
      schema: {
        summary: 'Sign in: sets the session cookie',
        body: Type.Object({ name: UserNameSchema, password: Type.String({ minLength: 1, maxLength: 1024, format: 'password' }) }, { additionalProperties: false }),
        response: { 200: Me },
      },
    }, async (request, reply) => {
      const { name, password } = request.body;
      const wait = throttle.retryAfter(name, request.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new ApiProblem(429, 'Too Many Requests', `too many failed sign-ins: try again in ${wait} s`);
      }
      const user = await users.checkPassword(name, password);
      if (!user) {
        throttle.failed(name, request.ip);
        request.log.info({ user: name }, 'sign-in refused');
        throw new ApiProblem(401, 'Unauthorized', 'wrong user name or password');
      }
      throttle.succeeded(name, request.ip);
      setSession(reply, await users.startSession(user.name));
      request.log.info({ user: user.name, role: user.role }, 'signed in');
      return { name: user.name, role: user.role, ...(user.agentId !== undefined ? { agentId: user.agentId } : {}) };
    });

    app.post('/logout', {
      config: { roles: EVERYONE },
      schema: { summary: 'Sign out: ends this session', response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const secret = request.cookies[SESSION_COOKIE];
      if (secret !== undefined) await users.endSession(secret);
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookies });
      return reply.code(204).send(null);
    });

    app.get('/me', {
      config: { roles: EVERYONE },
      schema: { summary: 'Who is signed in (or whose token this is)', response: { 200: Me } },
    }, async (request) => request.user!);

    app.put('/me/password', {
      config: { roles: EVERYONE },
      schema: {
        summary: 'Change your own password, giving the old one; your other sessions end',
        body: Type.Object({ oldPassword: Type.String({ maxLength: 1024, format: 'password' }), newPassword: PasswordSchema }, { additionalProperties: false }),
        response: { 204: Type.Null() },
      },
    }, async (request, reply) => {
      const me = request.user!;
      await asProblem(users.changeOwnPassword(me.name, request.body.oldPassword, request.body.newPassword));
      // The sessions begun before the change end; this one goes on as a new one.
      const old = request.cookies[SESSION_COOKIE];
      if (old !== undefined) {
        await users.endSession(old);
        setSession(reply, await users.startSession(me.name));
      }
      return reply.code(204).send(null);
    });
  };
}
