/**
 * A bare fastify server for testing one API plugin alone, over inject or
 * real HTTP. It stands in for the API server around it: its onRequest hook
 * sets request.user to whoever the test says is calling (in place of the
 * auth plugin, which also enforces each route's roles: the route walker
 * covers those), and its error handler writes an ApiProblem as
 * application/problem+json, as the API server's does.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiProblem } from '../../server/api/problem.js';
import type { ApiUser, Role } from '../../server/api/roles.js';

export interface BareApi {
  app: FastifyInstance;
  /** The roles each route declares, by "METHOD url" (the auth plugin enforces them). */
  rolesOf: Map<string, readonly Role[]>;
}

export const SUPERVISOR: ApiUser = { name: 'sara', role: 'supervisor' };

export async function bareApi(
  plugin: FastifyPluginAsyncTypebox,
  userOf: (request: FastifyRequest) => ApiUser | null,
  prefix = '/api/v1',
): Promise<BareApi> {
  const app = Fastify();
  const rolesOf = new Map<string, readonly Role[]>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) rolesOf.set(`${method} ${route.url}`, route.config?.roles ?? []);
  });
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request) => { request.user = userOf(request); });
  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof ApiProblem) return reply.code(err.status).type('application/problem+json').send(err.body());
    return reply.send(err);
  });
  await app.register(plugin, { prefix });
  await app.ready();
  return { app, rolesOf };
}
