/**
 * Users and API tokens, for admins: /users (list, create, read, change role
 * or agent, reset password, delete) and /tokens (create: the secret is in
 * that answer only; list without secrets; revoke). Passwords go in and never
 * come out.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Users } from '../users/users.js';
import { ADMIN } from './roles.js';
import { AgentIdSchema, asProblem, NameParams, PasswordSchema, RoleSchema, TokenSchema, UserNameSchema, UserSchema, withIsoTime } from './user-schemas.js';

export interface UsersRoutesDeps {
  users: Users;
}

export function usersRoutes({ users }: UsersRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const config = { roles: ADMIN };

    app.get('/users', {
      config,
      schema: { summary: 'All users', response: { 200: Type.Array(UserSchema) } },
    }, async () => (await users.list()).map(withIsoTime));

    app.post('/users', {
      config,
      schema: {
        summary: 'Create a user',
        body: Type.Object({ name: UserNameSchema, role: RoleSchema, agentId: Type.Optional(AgentIdSchema), password: PasswordSchema }, { additionalProperties: false }),
        response: { 201: UserSchema },
      },
    }, async (request, reply) => {
      const user = await asProblem(users.create(request.body));
      request.log.info({ by: request.user!.name, user: user.name, role: user.role }, 'user created');
      return reply.code(201).send(withIsoTime(user));
    });

    app.get('/users/:name', {
      config,
      schema: { summary: 'One user', params: NameParams, response: { 200: UserSchema } },
    }, async (request) => withIsoTime(await asProblem(users.get(request.params.name))));

    app.patch('/users/:name', {
      config,
      schema: {
        summary: "Change a user's role or agent (agentId null: none)",
        params: NameParams,
        body: Type.Object({ role: Type.Optional(RoleSchema), agentId: Type.Optional(Type.Union([AgentIdSchema, Type.Null()])) }, { additionalProperties: false }),
        response: { 200: UserSchema },
      },
    }, async (request) => {
      const user = await asProblem(users.update(request.params.name, request.body));
      request.log.info({ by: request.user!.name, user: user.name, role: user.role }, 'user changed');
      return withIsoTime(user);
    });

    app.put('/users/:name/password', {
      config,
      schema: {
        summary: "Set a user's password; their sessions end",
        params: NameParams,
        body: Type.Object({ password: PasswordSchema }, { additionalProperties: false }),
        response: { 204: Type.Null() },
      },
    }, async (request, reply) => {
      await asProblem(users.resetPassword(request.params.name, request.body.password));
      request.log.info({ by: request.user!.name, user: request.params.name }, 'password reset');
      return reply.code(204).send(null);
    });

    app.delete('/users/:name', {
      config,
      schema: { summary: 'Delete a user (not the last admin)', params: NameParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      await asProblem(users.remove(request.params.name));
      request.log.info({ by: request.user!.name, user: request.params.name }, 'user deleted');
      return reply.code(204).send(null);
    });

    app.get('/tokens', {
      config,
      schema: { summary: 'All API tokens, without their secrets', response: { 200: Type.Array(TokenSchema) } },
    }, async () => (await users.listTokens()).map(withIsoTime));

    app.post('/tokens', {
      config,
      schema: {
        summary: 'Create an API token: its secret is in this answer only',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema }, { additionalProperties: false }),
        response: { 201: Type.Object({ token: TokenSchema, secret: Type.String({ description: 'Send as "Authorization: Bearer <secret>"; shown only now' }) }) },
      },
    }, async (request, reply) => {
      const { token, secret } = await users.createToken(request.body, request.user!.name);
      request.log.info({ by: request.user!.name, tokenId: token.id, name: token.name, role: token.role }, 'API token created');
      return reply.code(201).send({ token: withIsoTime(token), secret });
    });

    app.delete('/tokens/:id', {
      config,
      schema: { summary: 'Revoke an API token', params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) }), response: { 204: Type.Null() } },
    }, async (request, reply) => {
      await asProblem(users.revokeToken(request.params.id));
      request.log.info({ by: request.user!.name, tokenId: request.params.id }, 'API token revoked');
      return reply.code(204).send(null);
    });
  };
}
