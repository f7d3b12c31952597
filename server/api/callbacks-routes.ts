/**
 * Callbacks, for admins and supervisors: those in line (from the ACD, in
 * the order they will be made), those recently done (completed, failed,
 * cancelled: server/calls/callbacks/finished.ts keeps the last 24 hours,
 * at most 1,000, in memory), one by id, and cancelling one.
 *
 * A callback can be cancelled while it waits, and while an agent's phone
 * rings for it (the ringing stops, the agent is ready again, not their
 * miss); the ACD reports `callback-done` `cancelled`. Once the agent
 * answered, the customer is being dialled or talking: 409, that call ends
 * as calls do.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { AcdError, type Acd, type QueueEntry } from '../acd/index.js';
import { callbackNumberOf } from '../calls/callbacks/dialogue.js';
import type { FinishedCallback, FinishedCallbacks } from '../calls/callbacks/finished.js';
import { conflict, notFound } from './problem.js';
import { SUPERVISION } from './roles.js';

export interface CallbacksRoutesDeps {
  acd: Pick<Acd, 'snapshot' | 'entry' | 'positionOf' | 'cancelCallback'>;
  finished: Pick<FinishedCallbacks, 'list' | 'get'>;
}

export const CallbackSchema = Type.Object({
  id: Type.String(),
  queueId: Type.String(),
  number: Type.String({ description: 'the number to call back' }),
  service: Type.Optional(Type.String({ description: 'the service the caller called' })),
  bookedAt: Type.String({ format: 'date-time', description: 'its place in line: when the call it came from entered the queue' }),
  attempts: Type.Integer({ description: 'dial attempts the customer did not answer' }),
  status: Type.Enum(['waiting', 'ringing-agent', 'dialling', 'completed', 'failed', 'cancelled'], {
    description: 'waiting in line; ringing-agent: offered, the agent is rung; dialling: the agent answered, the customer is dialled or talking; then how it ended',
  }),
  place: Type.Optional(Type.Integer({ minimum: 1, description: 'waiting: its place among those waiting in its queue' })),
  retryAfter: Type.Optional(Type.String({ format: 'date-time', description: 'waiting after an attempt: not offered before this' })),
  agentId: Type.Optional(Type.String({ description: 'ringing-agent, dialling: the agent' })),
  doneAt: Type.Optional(Type.String({ format: 'date-time' })),
}, { title: 'Callback' });
type CallbackBody = Static<typeof CallbackSchema>;

const IdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,100}$' }) });

const iso = (ms: number): string => new Date(ms).toISOString();

export function callbacksRoutes({ acd, finished }: CallbacksRoutesDeps): FastifyPluginAsyncTypebox {
  const inLine = (entry: QueueEntry): CallbackBody => {
    const place = acd.positionOf(entry.id);
    const status = entry.offeredTo === undefined ? 'waiting' : entry.answeredAt === undefined ? 'ringing-agent' : 'dialling';
    return {
      id: entry.id,
      queueId: entry.queueId,
      number: callbackNumberOf(entry) ?? '',
      ...(entry.data.service !== undefined ? { service: entry.data.service } : {}),
      bookedAt: iso(entry.enqueuedAt),
      attempts: entry.attempts ?? 0,
      status,
      ...(status === 'waiting' && place !== undefined ? { place } : {}),
      ...(status === 'waiting' && entry.notBefore !== undefined ? { retryAfter: iso(entry.notBefore) } : {}),
      ...(entry.offeredTo !== undefined ? { agentId: entry.offeredTo } : {}),
    };
  };
  const done = (c: FinishedCallback): CallbackBody => ({
    id: c.id, queueId: c.queueId, number: c.number, ...(c.service !== undefined ? { service: c.service } : {}),
    bookedAt: iso(c.bookedAt), attempts: c.attempts, status: c.outcome, doneAt: iso(c.doneAt),
  });
  const callback = (id: string): QueueEntry | undefined => {
    const entry = acd.entry(id);
    return entry?.kind === 'callback' ? entry : undefined;
  };

  return async (app) => {
    const config = { roles: SUPERVISION };

    app.get('/callbacks/waiting', {
      config,
      schema: { summary: 'Callbacks in line, queue by queue in the order they will be made', response: { 200: Type.Array(CallbackSchema) } },
    }, async () => acd.snapshot().queues.flatMap((q) => q.entries.filter((e) => e.kind === 'callback').map(inLine)));

    app.get('/callbacks/done', {
      config,
      schema: { summary: 'Callbacks done in the last 24 hours (at most 1,000), newest first', response: { 200: Type.Array(CallbackSchema) } },
    }, async () => finished.list().map(done));

    app.get('/callbacks/:id', {
      config,
      schema: { summary: 'One callback, in line or recently done', params: IdParams, response: { 200: CallbackSchema } },
    }, async (request) => {
      const { id } = request.params;
      const entry = callback(id);
      if (entry) return inLine(entry);
      const ended = finished.get(id);
      if (ended) return done(ended);
      throw notFound('callback', id);
    });

    app.delete('/callbacks/:id', {
      config,
      schema: { summary: 'Cancel a callback not yet answered by an agent: it leaves the line, never dialled', params: IdParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { id } = request.params;
      if (!callback(id)) {
        const ended = finished.get(id);
        throw ended ? conflict(`callback ${id} is already done (${ended.outcome})`) : notFound('callback', id);
      }
      try {
        await acd.cancelCallback(id);
      } catch (err) {
        if (!(err instanceof AcdError)) throw err;
        // Done or answered meanwhile.
        throw conflict(err.message);
      }
      request.log.info({ by: request.user!.name, entryId: id }, 'callback cancelled');
      return reply.code(204).send(null);
    });
  };
}
