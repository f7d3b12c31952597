/**
 * Agents' states as actions: log in, log out, pause with a reason, ready;
 * and reading an agent's state. Admins and supervisors act for any agent;
 * an agent for themselves only (`ownAgent`: another agent's id is 403,
 * before anything is checked or looked up), and reads their own state at
 * /me/agent-state.
 *
 * The ACD's rules decide (server/acd/agents.ts), with the contact center's
 * rules about phones (server/calls/agent-control.ts, the same the feature
 * codes follow): logging in an agent who answers on a phone with none
 * registered, pausing or readying a logged-out agent are 409 with the
 * reason. During a call a pause or log-out is remembered and happens after
 * the call and its wrap-up (`after` in the answer), and ready cancels it:
 * the agent stays busy.
 *
 * Pause reasons are free text (1 to 100 characters): a supervisor may
 * give any; the agent desktop offers the configured list
 * (agentDesktop.pauseReasons).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { EXTENSION_PATTERN } from '../../config/json-schema.js';
import type { Acd, AgentStatus } from '../acd/index.js';
import type { AgentAction, AgentControl } from '../calls/agent-control.js';
import { conflict, notFound } from './problem.js';
import { SUPERVISION, type Role } from './roles.js';

export const PAUSE_REASON_MAX = 100;

export interface AgentStateRoutesDeps {
  acd: Pick<Acd, 'agent' | 'profile'>;
  agents: Pick<AgentControl, 'apply' | 'canBeRung'>;
}

const AGENT_STATES = ['logged-out', 'ready', 'reserved', 'busy', 'wrap-up', 'paused'] as const;

export const AgentStateSchema = Type.Object({
  agentId: Type.String(),
  name: Type.String(),
  state: Type.Enum([...AGENT_STATES], { description: 'reserved: a call rings them; busy: on a call' }),
  since: Type.String({ format: 'date-time', description: 'when the agent entered this state' }),
  pauseReason: Type.Optional(Type.String()),
  wrapUpUntil: Type.Optional(Type.String({ format: 'date-time' })),
  after: Type.Optional(Type.Object({
    state: Type.Enum(['paused', 'logged-out']),
    reason: Type.Optional(Type.String()),
  }, { description: 'asked for during a call: where the agent goes once the call and its wrap-up are over' })),
  reachable: Type.Boolean({ description: 'a phone is registered for the extension, or the agent answers on a mobile' }),
}, { title: 'AgentState' });
export type AgentStateBody = Static<typeof AgentStateSchema>;

const AgentParams = Type.Object({ agentId: Type.String({ pattern: EXTENSION_PATTERN, description: "the agent's extension" }) });
const PauseBody = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: PAUSE_REASON_MAX, pattern: '\\S', description: `free text, 1 to ${PAUSE_REASON_MAX} characters` }),
}, { additionalProperties: false });

/** Admins and supervisors for any agent, an agent for themselves (server/api/auth.ts). */
const ACTING = { roles: [...SUPERVISION, 'agent'] as readonly Role[], ownAgent: true };

const iso = (ms: number): string => new Date(ms).toISOString();

export function agentStateRoutes({ acd, agents }: AgentStateRoutesDeps): FastifyPluginAsyncTypebox {
  const view = (agentId: string, status: AgentStatus): AgentStateBody => ({
    agentId,
    name: acd.profile(agentId)?.name ?? agentId,
    state: status.state,
    since: iso(status.since),
    ...(status.pauseReason !== undefined ? { pauseReason: status.pauseReason } : {}),
    ...(status.wrapUpUntil !== undefined ? { wrapUpUntil: iso(status.wrapUpUntil) } : {}),
    ...(status.next ? { after: { state: status.next.state, ...(status.next.reason !== undefined ? { reason: status.next.reason } : {}) } } : {}),
    reachable: agents.canBeRung(agentId),
  });

  const stateOf = (agentId: string): AgentStateBody => {
    const status = acd.profile(agentId) ? acd.agent(agentId) : undefined;
    if (!status) throw notFound('agent', agentId);
    return view(agentId, status);
  };

  const act = async (agentId: string, action: AgentAction): Promise<AgentStateBody> => {
    const result = await agents.apply(agentId, action);
    if (!result.ok) {
      throw result.refused === 'unknown-agent' ? notFound('agent', agentId) : conflict(result.reason, undefined, result.refused === 'no-phone' ? 'no-phone' : undefined);
    }
    return view(agentId, result.status);
  };

  return async (app) => {
    app.get('/agents/:agentId/state', {
      config: ACTING,
      schema: { summary: "An agent's state", params: AgentParams, response: { 200: AgentStateSchema } },
    }, async (request) => stateOf(request.params.agentId));

    const actions: Array<{ path: string; summary: string; action: AgentAction }> = [
      { path: 'login', summary: 'Log an agent in to the ACD: ready for calls (answering on a phone: one must be registered)', action: { kind: 'login' } },
      { path: 'logout', summary: 'Log an agent out of the ACD (after the call in progress and its wrap-up); calls to the extension still ring', action: { kind: 'logout' } },
      { path: 'ready', summary: 'Make a paused or wrapping-up agent ready; during a call, cancel a pause or log-out asked for', action: { kind: 'ready' } },
    ];
    for (const { path, summary, action } of actions) {
      app.post(`/agents/:agentId/${path}`, {
        config: ACTING,
        schema: { summary, params: AgentParams, response: { 200: AgentStateSchema } },
      }, async (request) => {
        const state = await act(request.params.agentId, action);
        request.log.info({ by: request.user!.name, agent: request.params.agentId, action: action.kind, state: state.state }, 'agent state changed');
        return state;
      });
    }

    app.post('/agents/:agentId/pause', {
      config: ACTING,
      schema: {
        summary: 'Pause an agent with a reason (during a call: after it and its wrap-up)',
        params: AgentParams, body: PauseBody, response: { 200: AgentStateSchema },
      },
    }, async (request) => {
      const reason = request.body.reason.trim();
      const state = await act(request.params.agentId, { kind: 'pause', reason });
      request.log.info({ by: request.user!.name, agent: request.params.agentId, action: 'pause', state: state.state }, 'agent state changed');
      return state;
    });

    app.get('/me/agent-state', {
      config: { roles: ['agent'] },
      schema: { summary: 'Your own state as an agent', response: { 200: AgentStateSchema } },
    }, async (request) => {
      const { agentId } = request.user!;
      if (agentId === undefined) throw notFound('agent for', request.user!.name);
      return stateOf(agentId);
    });
  };
}
