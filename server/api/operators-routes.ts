/**
 * Operators in the running configuration, for admins: /operators (list,
 * read, create, replace, delete). An operator is named by their name in
 * the path. The PIN (recording announcements by phone) goes in and never
 * comes out: an operator shows only `pinSet`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { OperatorConfig } from '../../config/schema.js';
import type { RunningSnapshot } from '../running/index.js';
import { NewOperatorSchema, OperatorSchema, OperatorSettingsSchema } from './config-schemas.js';
import { ADMIN } from './roles.js';
import { changeRunning, entryOf, indexOf, tagCurrent, type RunningRoutesDeps } from './running-change.js';

const OperatorParams = Type.Object({ name: Type.String() });
const nameOf = (o: OperatorConfig): string => o.name;

function shown({ pin, ...rest }: OperatorConfig): Static<typeof OperatorSchema> {
  return { ...rest, pinSet: pin.length > 0 };
}

function shownOf(snapshot: RunningSnapshot, name: string): Static<typeof OperatorSchema> {
  return shown(entryOf(snapshot.operational.operators, nameOf, 'operator', name));
}

export function operatorsRoutes({ running }: RunningRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const config = { roles: ADMIN };

    app.get('/operators', {
      config,
      schema: { summary: 'Every operator and their extensions (no PINs)', response: { 200: Type.Array(OperatorSchema) } },
    }, async (_request, reply) => {
      tagCurrent(running, reply);
      return running.current.operational.operators.map(shown);
    });

    app.get('/operators/:name', {
      config,
      schema: { summary: 'One operator (no PIN)', params: OperatorParams, response: { 200: OperatorSchema } },
    }, async (request, reply) => {
      tagCurrent(running, reply);
      return shownOf(running.current, request.params.name);
    });

    app.post('/operators', {
      config,
      schema: { summary: 'Add an operator', body: NewOperatorSchema, response: { 201: OperatorSchema } },
    }, async (request, reply) => {
      const { name } = request.body;
      const next = await changeRunning(running, request, reply, `added operator ${name}`, (draft) => {
        draft.operators.push(request.body as OperatorConfig);
      });
      return reply.code(201).send(shownOf(next, name));
    });

    app.put('/operators/:name', {
      config,
      schema: {
        summary: "Replace an operator's extensions, and their PIN when given", params: OperatorParams,
        body: OperatorSettingsSchema, response: { 200: OperatorSchema },
      },
    }, async (request, reply) => {
      const { name } = request.params;
      const next = await changeRunning(running, request, reply, `changed operator ${name}`, (draft) => {
        const i = indexOf(draft.operators, nameOf, 'operator', name);
        draft.operators[i] = { name, pin: request.body.pin ?? draft.operators[i]!.pin, extensions: request.body.extensions };
      });
      return shownOf(next, name);
    });

    app.delete('/operators/:name', {
      config,
      schema: { summary: 'Remove an operator', params: OperatorParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { name } = request.params;
      await changeRunning(running, request, reply, `removed operator ${name}`, (draft) => {
        draft.operators.splice(indexOf(draft.operators, nameOf, 'operator', name), 1);
      });
      return reply.code(204).send(null);
    });
  };
}
