/**
 * Extensions and the agents on them, in the running configuration:
 * /extensions (list, read for admins and supervisors; create, replace,
 * delete and set the SIP password for admins) and PATCH
 * /extensions/:extension/agent, the agent's skills, groups and queues,
 * for admins and supervisors, who staff their queues.
 *
 * The password goes in (on creation, or PUT .../password) and never comes
 * out: an extension shows only `passwordSet`. The audit masks it, and no
 * log line holds it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { AgentConfig, ExtensionConfig } from '../../config/schema.js';
import type { RunningSnapshot } from '../running/index.js';
import { ExtensionSchema, ExtensionSettingsSchema, NewExtensionSchema, PasswordBody, StaffingSchema } from './config-schemas.js';
import { notFound } from './problem.js';
import { ADMIN, SUPERVISION } from './roles.js';
import { changeRunning, entryOf, indexOf, tagCurrent, type RunningRoutesDeps } from './running-change.js';

const ExtensionParams = Type.Object({ extension: Type.String() });
const extensionOf = (e: ExtensionConfig): string => e.extension;

/** An extension as the API shows it: without its password. */
function shown({ password, ...rest }: ExtensionConfig): Static<typeof ExtensionSchema> {
  return { ...rest, passwordSet: password.length > 0 };
}

function shownOf(snapshot: RunningSnapshot, extension: string): Static<typeof ExtensionSchema> {
  return shown(entryOf(snapshot.operational.extensions, extensionOf, 'extension', extension));
}

export function extensionsRoutes({ running }: RunningRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/extensions', {
      config: { roles: SUPERVISION },
      schema: { summary: 'Every extension, with its agent profile where it has one (no passwords)', response: { 200: Type.Array(ExtensionSchema) } },
    }, async (_request, reply) => {
      tagCurrent(running, reply);
      return running.current.operational.extensions.map(shown);
    });

    app.get('/extensions/:extension', {
      config: { roles: SUPERVISION },
      schema: { summary: 'One extension (no password)', params: ExtensionParams, response: { 200: ExtensionSchema } },
    }, async (request, reply) => {
      tagCurrent(running, reply);
      return shownOf(running.current, request.params.extension);
    });

    app.post('/extensions', {
      config: { roles: ADMIN },
      schema: { summary: 'Add an extension, with an agent profile to make it an agent', body: NewExtensionSchema, response: { 201: ExtensionSchema } },
    }, async (request, reply) => {
      const next = await changeRunning(running, request, reply, `added extension ${request.body.extension}`, (draft) => {
        draft.extensions.push(request.body as ExtensionConfig);
      });
      return reply.code(201).send(shownOf(next, request.body.extension));
    });

    app.put('/extensions/:extension', {
      config: { roles: ADMIN },
      schema: {
        summary: "Replace an extension's name, mobile, operator flag and agent profile (left out: none); the password stays",
        params: ExtensionParams, body: ExtensionSettingsSchema, response: { 200: ExtensionSchema },
      },
    }, async (request, reply) => {
      const { extension } = request.params;
      const next = await changeRunning(running, request, reply, `changed extension ${extension}`, (draft) => {
        const i = indexOf(draft.extensions, extensionOf, 'extension', extension);
        draft.extensions[i] = { extension, password: draft.extensions[i]!.password, ...request.body } as ExtensionConfig;
      });
      return shownOf(next, extension);
    });

    app.put('/extensions/:extension/password', {
      config: { roles: ADMIN },
      schema: { summary: "Set an extension's SIP password; phones register with it from now on", params: ExtensionParams, body: PasswordBody, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { extension } = request.params;
      await changeRunning(running, request, reply, `set the password of extension ${extension}`, (draft) => {
        entryOf(draft.extensions, extensionOf, 'extension', extension).password = request.body.password;
      });
      return reply.code(204).send(null);
    });

    app.patch('/extensions/:extension/agent', {
      config: { roles: SUPERVISION },
      schema: {
        summary: "Change an agent's skills, groups or queues (those left out stay)",
        params: ExtensionParams, body: StaffingSchema, response: { 200: ExtensionSchema },
      },
    }, async (request, reply) => {
      const { extension } = request.params;
      const next = await changeRunning(running, request, reply, `changed the skills, groups or queues of agent ${extension}`, (draft) => {
        const agent = entryOf(draft.extensions, extensionOf, 'extension', extension).agent;
        if (!agent) throw notFound('agent', extension);
        Object.assign(agent, request.body as Partial<AgentConfig>);
      });
      return shownOf(next, extension);
    });

    app.delete('/extensions/:extension', {
      config: { roles: ADMIN },
      schema: { summary: 'Remove an extension no number, operator or dial-out rule names', params: ExtensionParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { extension } = request.params;
      await changeRunning(running, request, reply, `removed extension ${extension}`, (draft) => {
        draft.extensions.splice(indexOf(draft.extensions, extensionOf, 'extension', extension), 1);
      });
      return reply.code(204).send(null);
    });
  };
}
