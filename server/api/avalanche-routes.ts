/**
 * Avalanche messages ("lavinmeddelanden"), for admins, supervisors and
 * operators: /avalanche (list, create, read, change, delete) and
 * /avalanche/{id}/on, /avalanche/{id}/off (switch now, one call each).
 *
 * The messages are the running configuration's `avalanche` (changed only
 * through ./running-change.ts: checked whole, audited, 409 on a stale
 * If-Match, seen by every instance); what each plays is an announcement
 * slot (recorded by phone or uploaded at /announcements/{slot}). A message
 * is heard while on and between `start` and `end`; a read adds whether it
 * is in force now, whether its slot has a recording, the calls hearing it
 * now and the callers it turned away (server/calls/avalanche-audience.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { AvalancheConfig } from '../../config/schema.js';
import type { AvalancheAudience } from '../calls/avalanche-audience.js';
import { inForce, switched } from '../calls/avalanche.js';
import type { AnnouncementStore } from '../ivr/context.js';
import type { RunningConfig } from '../running/index.js';
import { conflict, notFound } from './problem.js';
import { OPERATIONS } from './roles.js';
import { changeRunning, entryOf, indexOf, tagCurrent } from './running-change.js';

export interface AvalancheRoutesDeps {
  running: RunningConfig;
  announcements: Pick<AnnouncementStore, 'current'>;
  audience: AvalancheAudience;
  /** The calls' clock (ms): what "now" is for switching and for `inForce`. */
  now: () => number;
}

const IdSchema = Type.String({ pattern: '^[0-9]{1,4}$', description: 'digits, dialled after *78 to switch it by phone' });
const SlotSchema = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'the announcement slot played (GET /announcements)' });
const ServicesSchema = Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'the services whose callers hear it' });
const LanguageSchema = Type.Enum(['sv', 'en'], { description: 'played to callers in this language; absent: to everyone' });
const TimeSchema = Type.String({ format: 'date-time' });
const Params = Type.Object({ id: IdSchema });

const AvalancheSchema = Type.Object({
  id: Type.String(),
  services: Type.Array(Type.String()),
  slot: Type.String(),
  language: Type.Optional(Type.String()),
  on: Type.Boolean(),
  start: Type.Optional(TimeSchema),
  end: Type.Optional(TimeSchema),
  inForce: Type.Boolean({ description: 'on, and now is between start and end' }),
  recorded: Type.Boolean({ description: 'its slot has a recording (without one nothing is played)' }),
  hearing: Type.Array(Type.String(), { description: 'call ids of the callers hearing it now (this instance)' }),
  played: Type.Integer({ description: 'callers it was played to (this instance, since it started)' }),
  deflected: Type.Integer({ description: 'callers who hung up during it or within the flow\'s deflectionSeconds after it (this instance, since it started)' }),
}, { title: 'AvalancheMessage' });

const CreateBody = Type.Object({
  id: IdSchema,
  services: ServicesSchema,
  slot: SlotSchema,
  language: Type.Optional(LanguageSchema),
  on: Type.Optional(Type.Boolean({ description: 'default: true when start or end is given, else false' })),
  start: Type.Optional(TimeSchema),
  end: Type.Optional(TimeSchema),
}, { additionalProperties: false });

const ChangeBody = Type.Object({
  services: Type.Optional(ServicesSchema),
  slot: Type.Optional(SlotSchema),
  language: Type.Optional(Type.Union([LanguageSchema, Type.Null()])),
  on: Type.Optional(Type.Boolean()),
  start: Type.Optional(Type.Union([TimeSchema, Type.Null()], { description: 'null: from any time' })),
  end: Type.Optional(Type.Union([TimeSchema, Type.Null()], { description: 'null: open-ended' })),
}, { additionalProperties: false });

const iso = (time: string): string => new Date(time).toISOString();

/** A change's fields applied to a message: null removes an optional one. */
function changed(m: AvalancheConfig, body: Static<typeof ChangeBody>): AvalancheConfig {
  const next: AvalancheConfig = { ...m };
  if (body.services) next.services = [...body.services];
  if (body.slot) next.slot = body.slot;
  if (body.on !== undefined) next.on = body.on;
  for (const key of ['language', 'start', 'end'] as const) {
    const value = body[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = key === 'language' ? value : iso(value);
  }
  return next;
}

export function avalancheRoutes({ running, announcements, audience, now }: AvalancheRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const config = { roles: OPERATIONS };
    const view = async (m: AvalancheConfig, at: number): Promise<Static<typeof AvalancheSchema>> => ({
      ...m, services: [...m.services], on: m.on ?? false,
      inForce: inForce(m, at),
      recorded: (await announcements.current(m.slot)) !== undefined,
      ...audience.figures(m.id),
    });
    const byId = (a: AvalancheConfig): string => a.id;
    const messageOf = (id: string): AvalancheConfig => entryOf(running.current.operational.avalanche, byId, 'avalanche message', id);
    const indexIn = (messages: AvalancheConfig[], id: string): number => indexOf(messages, byId, 'avalanche message', id);

    app.get('/avalanche', {
      config,
      schema: { summary: 'All avalanche messages, with who hears them now and how many callers they turned away', response: { 200: Type.Array(AvalancheSchema) } },
    }, async (_request, reply) => {
      tagCurrent(running, reply);
      const at = now();
      return Promise.all(running.current.operational.avalanche.map((m) => view(m, at)));
    });

    app.get('/avalanche/:id', {
      config,
      schema: { summary: 'One avalanche message', params: Params, response: { 200: AvalancheSchema } },
    }, async (request, reply) => {
      tagCurrent(running, reply);
      return view(messageOf(request.params.id), now());
    });

    app.post('/avalanche', {
      config,
      schema: { summary: 'Prepare an avalanche message (on between start and end when given)', body: CreateBody, response: { 201: AvalancheSchema } },
    }, async (request, reply) => {
      const { on, start, end, ...rest } = request.body;
      const message: AvalancheConfig = {
        ...rest, services: [...rest.services],
        on: on ?? (start !== undefined || end !== undefined),
        ...(start ? { start: iso(start) } : {}),
        ...(end ? { end: iso(end) } : {}),
      };
      await changeRunning(running, request, reply, `avalanche message ${message.id} added`, (draft) => {
        if (draft.avalanche.some((a) => a.id === message.id)) throw conflict(`avalanche message '${message.id}' exists already`, '/id', 'duplicate-id', { id: message.id });
        draft.avalanche.push(message);
      });
      request.log.info({ by: request.user!.name, avalanche: message.id, on: message.on }, 'avalanche message added');
      return reply.code(201).send(await view(messageOf(message.id), now()));
    });

    app.patch('/avalanche/:id', {
      config,
      schema: { summary: 'Change an avalanche message (null removes language, start or end)', params: Params, body: ChangeBody, response: { 200: AvalancheSchema } },
    }, async (request, reply) => {
      const { id } = request.params;
      await changeRunning(running, request, reply, `avalanche message ${id} changed`, (draft) => {
        const i = indexIn(draft.avalanche, id);
        draft.avalanche[i] = changed(draft.avalanche[i]!, request.body);
      });
      request.log.info({ by: request.user!.name, avalanche: id }, 'avalanche message changed');
      return view(messageOf(id), now());
    });

    app.delete('/avalanche/:id', {
      config,
      schema: { summary: 'Delete an avalanche message', params: Params, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { id } = request.params;
      await changeRunning(running, request, reply, `avalanche message ${id} deleted`, (draft) => {
        draft.avalanche.splice(indexIn(draft.avalanche, id), 1);
      });
      request.log.info({ by: request.user!.name, avalanche: id }, 'avalanche message deleted');
      return reply.code(204).send(null);
    });

    for (const on of [true, false]) {
      app.post(`/avalanche/:id/${on ? 'on' : 'off'}`, {
        config,
        schema: {
          summary: on ? 'Switch an avalanche message on now (open-ended)' : 'Switch an avalanche message off now',
          params: Params,
          response: { 200: AvalancheSchema },
        },
      }, async (request, reply) => {
        const { id } = request.params;
        const at = now();
        await changeRunning(running, request, reply, `avalanche message ${id} switched ${on ? 'on' : 'off'}`, (draft) => {
          const i = indexIn(draft.avalanche, id);
          draft.avalanche[i] = switched(draft.avalanche[i]!, on, at);
        });
        request.log.info({ by: request.user!.name, avalanche: id, on }, on ? 'avalanche message switched on' : 'avalanche message switched off');
        return view(messageOf(id), at);
      });
    }
  };
}
