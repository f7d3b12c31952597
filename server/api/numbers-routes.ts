/**
 * Services and their numbers, in the running configuration: GET /services
 * (each service with its numbers, its queue and the flow each number runs;
 * for everyone who picks services, as for an avalanche message), and
 * /numbers for admins (list, read, create, replace, delete). A number is
 * named by its E.164 form in the path, e.g. /numbers/+46313900601.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { NumberConfig } from '../../config/schema.js';
import type { RunningSnapshot } from '../running/index.js';
import { NumberSchema, ServiceSchema, type Service } from './config-schemas.js';
import { ADMIN, OPERATIONS } from './roles.js';
import { changeRunning, entryOf, indexOf, tagCurrent, type RunningRoutesDeps } from './running-change.js';

const NumberParams = Type.Object({ number: Type.String() });
const numberOf = (n: NumberConfig): string => n.number;

export function numbersRoutes({ running }: RunningRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/services', {
      config: { roles: OPERATIONS },
      schema: { summary: 'Every service with its numbers, its queue and the flow each number runs', response: { 200: Type.Array(ServiceSchema) } },
    }, async (_request, reply) => {
      tagCurrent(running, reply);
      return servicesOf(running.current);
    });

    app.get('/numbers', {
      config: { roles: ADMIN },
      schema: { summary: 'Every number callers dial', response: { 200: Type.Array(NumberSchema) } },
    }, async (_request, reply) => {
      tagCurrent(running, reply);
      return running.current.operational.numbers;
    });

    app.get('/numbers/:number', {
      config: { roles: ADMIN },
      schema: { summary: 'One number', params: NumberParams, response: { 200: NumberSchema } },
    }, async (request, reply) => {
      tagCurrent(running, reply);
      return entryOf(running.current.operational.numbers, numberOf, 'number', request.params.number);
    });

    app.post('/numbers', {
      config: { roles: ADMIN },
      schema: { summary: 'Add a number', body: NumberSchema, response: { 201: NumberSchema } },
    }, async (request, reply) => {
      const next = await changeRunning(running, request, reply, `added number ${request.body.number}`, (draft) => {
        draft.numbers.push(request.body);
      });
      return reply.code(201).send(entryOf(next.operational.numbers, numberOf, 'number', request.body.number));
    });

    app.put('/numbers/:number', {
      config: { roles: ADMIN },
      schema: {
        summary: "Replace a number's settings", params: NumberParams,
        body: Type.Omit(NumberSchema, ['number'], { additionalProperties: false }), response: { 200: NumberSchema },
      },
    }, async (request, reply) => {
      const { number } = request.params;
      const next = await changeRunning(running, request, reply, `changed number ${number}`, (draft) => {
        draft.numbers[indexOf(draft.numbers, numberOf, 'number', number)] = { number, ...request.body };
      });
      return entryOf(next.operational.numbers, numberOf, 'number', number);
    });

    app.delete('/numbers/:number', {
      config: { roles: ADMIN },
      schema: { summary: 'Remove a number', params: NumberParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { number } = request.params;
      await changeRunning(running, request, reply, `removed number ${number}`, (draft) => {
        draft.numbers.splice(indexOf(draft.numbers, numberOf, 'number', number), 1);
      });
      return reply.code(204).send(null);
    });
  };
}

function servicesOf(snapshot: RunningSnapshot): Array<Service> {
  const services = new Map<string, Service>();
  for (const n of snapshot.operational.numbers) {
    let entry = services.get(n.service);
    if (!entry) services.set(n.service, entry = { service: n.service, numbers: [] });
    if (n.queue !== undefined) entry.queue = n.queue;
    const flow = n.target === undefined ? snapshot.flows.forCall({ dialled: n.number, service: n.service })?.name : undefined;
    entry.numbers.push({ number: n.number, ...(flow !== undefined ? { flow } : {}), ...(n.target !== undefined ? { target: n.target } : {}) });
  }
  return [...services.values()];
}
