/**
 * The ACD queues in the running configuration: /queues (list, read for
 * admins and supervisors; create, replace, delete for admins). A queue
 * still named by an agent, a number or a flow cannot be deleted: the whole
 * check says where it is used.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { QueueConfigEntry } from '../../config/schema.js';
import { QueueSchema, QueueSettingsSchema } from './config-schemas.js';
import { ADMIN, SUPERVISION } from './roles.js';
import { changeRunning, entryOf, indexOf, tagCurrent, type RunningRoutesDeps } from './running-change.js';

const QueueParams = Type.Object({ id: Type.String() });
const idOf = (q: QueueConfigEntry): string => q.id;

export function queuesRoutes({ running }: RunningRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/queues', {
      config: { roles: SUPERVISION },
      schema: { summary: 'Every queue with its routing steps and rules', response: { 200: Type.Array(QueueSchema) } },
    }, async (_request, reply) => {
      tagCurrent(running, reply);
      return running.current.operational.queues;
    });

    app.get('/queues/:id', {
      config: { roles: SUPERVISION },
      schema: { summary: 'One queue', params: QueueParams, response: { 200: QueueSchema } },
    }, async (request, reply) => {
      tagCurrent(running, reply);
      return entryOf(running.current.operational.queues, idOf, 'queue', request.params.id);
    });

    app.post('/queues', {
      config: { roles: ADMIN },
      schema: { summary: 'Add a queue; settings left out take their defaults', body: QueueSchema, response: { 201: QueueSchema } },
    }, async (request, reply) => {
      const next = await changeRunning(running, request, reply, `added queue ${request.body.id}`, (draft) => {
        draft.queues.push(request.body as QueueConfigEntry);
      });
      return reply.code(201).send(entryOf(next.operational.queues, idOf, 'queue', request.body.id));
    });

    app.put('/queues/:id', {
      config: { roles: ADMIN },
      schema: {
        summary: "Replace a queue's settings; those left out take their defaults",
        params: QueueParams, body: QueueSettingsSchema, response: { 200: QueueSchema },
      },
    }, async (request, reply) => {
      const { id } = request.params;
      const next = await changeRunning(running, request, reply, `changed queue ${id}`, (draft) => {
        draft.queues[indexOf(draft.queues, idOf, 'queue', id)] = { id, ...request.body } as QueueConfigEntry;
      });
      return entryOf(next.operational.queues, idOf, 'queue', id);
    });

    app.delete('/queues/:id', {
      config: { roles: ADMIN },
      schema: { summary: 'Remove a queue no agent, number or flow names', params: QueueParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { id } = request.params;
      await changeRunning(running, request, reply, `removed queue ${id}`, (draft) => {
        draft.queues.splice(indexOf(draft.queues, idOf, 'queue', id), 1);
      });
      return reply.code(204).send(null);
    });
  };
}
