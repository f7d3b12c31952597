/**
 * The agent desktop's wrap-up: the case type (ärendetyp) of the agent's
 * current or last call, picked from its queue's list (config
 * `queues[].caseTypes`), with a note. The same as keying the case type
 * feature code on the phone (server/calls/case-types.ts): it lands on the
 * call's contact record as the agent's, replacing the flow's. Admins and
 * supervisors may set it for any agent; an agent for themselves only.
 *
 * The form reads first what it offers: the call, its queue's case types,
 * and the wrap-up time left (the ACD's, counted by the server's clock so a
 * browser's own clock does not matter).
 *
 * A code the queue does not list is 422 naming `caseType` and the queue's
 * codes (`unknown-case-type`: the list may have changed since it was read);
 * an agent with no call answered on this instance is 409 (`no-call`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { CASE_TYPE_CODE_PATTERN, EXTENSION_PATTERN } from '../../config/json-schema.js';
import type { Acd } from '../acd/index.js';
import { codeList, type AgentCaseTypes } from '../calls/case-types.js';
import { CaseTypeSchema } from './config-schemas.js';
import { ApiProblem, conflict, notFound, ProblemSchema } from './problem.js';
import { SUPERVISION, type Role } from './roles.js';

/** The longest note an agent may leave with the case type. */
export const WRAP_UP_NOTE_MAX = 500;

export interface WrapUpRoutesDeps {
  caseTypes: Pick<AgentCaseTypes, 'set' | 'choice'>;
  acd: Pick<Acd, 'agent'>;
  now: () => number;
}

const AgentParams = Type.Object({ agentId: Type.String({ pattern: EXTENSION_PATTERN, description: "the agent's extension" }) });
const WrapUpBody = Type.Object({
  caseType: Type.String({ pattern: CASE_TYPE_CODE_PATTERN, description: "a code from the call's queue's caseTypes, e.g. \"1\"" }),
  note: Type.Optional(Type.String({ maxLength: WRAP_UP_NOTE_MAX, description: `free text, at most ${WRAP_UP_NOTE_MAX} characters` })),
}, { additionalProperties: false });
const WrapUpSchema = Type.Object({
  callId: Type.String({ description: 'the call (contact) the case type was set on' }),
  queue: Type.String({ description: 'the queue the call came through' }),
  caseType: CaseTypeSchema,
  note: Type.Optional(Type.String()),
}, { title: 'WrapUp' });

const WrapUpChoiceSchema = Type.Object({
  callId: Type.String({ description: 'the call (contact) a case type would be set on: the current one, else the last answered' }),
  queue: Type.String({ description: 'the queue the call came through' }),
  caseTypes: Type.Array(CaseTypeSchema, { description: "the queue's case types, as the running configuration says now" }),
  secondsLeft: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: "the wrap-up time left; null: the agent is not wrapping up" }),
}, { title: 'WrapUpChoice' });
export type WrapUpChoice = Static<typeof WrapUpChoiceSchema>;

const ACTING = { roles: [...SUPERVISION, 'agent'] as readonly Role[], ownAgent: true };

export function wrapUpRoutes({ caseTypes, acd, now }: WrapUpRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/agents/:agentId/wrap-up', {
      config: ACTING,
      schema: {
        summary: "The case types an agent may give their current or last call (its queue's), and the wrap-up time left",
        params: AgentParams,
        response: { 200: WrapUpChoiceSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    }, async (request): Promise<WrapUpChoice> => {
      const { agentId } = request.params;
      const choice = caseTypes.choice(agentId);
      if (!choice.ok) {
        if (choice.refused === 'unknown-agent') throw notFound('agent', agentId);
        throw conflict(choice.reason, undefined, 'no-call');
      }
      const until = acd.agent(agentId)?.wrapUpUntil;
      return {
        callId: choice.contactId, queue: choice.queue, caseTypes: choice.caseTypes,
        secondsLeft: until === undefined ? null : Math.max(0, Math.ceil((until - now()) / 1000)),
      };
    });

    app.put('/agents/:agentId/wrap-up', {
      config: ACTING,
      schema: {
        summary: "Set the case type (and a note) of an agent's current or last call, from its queue's case types",
        params: AgentParams, body: WrapUpBody,
        response: { 200: WrapUpSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    }, async (request) => {
      const { agentId } = request.params;
      const note = request.body.note?.trim() || undefined;
      const result = caseTypes.set(agentId, request.body.caseType, note);
      if (!result.ok) {
        if (result.refused === 'unknown-code') {
          throw new ApiProblem(422, 'Unprocessable Content', result.reason, '/caseType', 'unknown-case-type', { codes: codeList(result.caseTypes) });
        }
        throw result.refused === 'unknown-agent' ? notFound('agent', agentId) : conflict(result.reason, undefined, 'no-call');
      }
      request.log.info({ by: request.user!.name, agent: agentId, callId: result.contactId, caseType: result.caseType.code }, 'case type set');
      return { callId: result.contactId, queue: result.queue, caseType: result.caseType, ...(note !== undefined ? { note } : {}) };
    });
  };
}
