/**
 * The live state as REST resources: everything at once for the queue
 * monitor, one queue, one agent and the call they are rung for or on.
 * Supervision roles; an agent may read their own state and call and
 * nobody else's.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AgentLive, LiveState } from '../stats/live-state.js';
import { ApiProblem, notFound, ProblemSchema } from './problem.js';
import { SUPERVISION, type Role } from './roles.js';
import { AgentLiveSchema, CallLiveSchema, LiveViewSchema, QueueLiveSchema } from './live-schemas.js';

export interface LiveDeps {
  live: LiveState;
}

const SUPERVISION_OR_AGENT: readonly Role[] = [...SUPERVISION, 'agent'];
/** The problems every route here may answer with, besides its own. */
const REFUSED = { 401: ProblemSchema, 403: ProblemSchema };

export function liveRoutes(deps: LiveDeps): FastifyPluginAsyncTypebox {
  const agentFor = (request: FastifyRequest, agentId: string, read = deps.live.read()): AgentLive => {
    const agent = read.agent(agentId);
    // Unknown first: agents know each other's extensions, and the role check (auth) is then the only 403 for an unknown id.
    if (!agent) throw notFound('agent', agentId);
    const user = request.user;
    if (user?.role === 'agent' && user.agentId !== agentId) {
      throw new ApiProblem(403, 'Forbidden', 'an agent may read only their own state');
    }
    return agent;
  };

  return async (app) => {
    app.get('/live', {
      schema: {
        summary: 'Queues, agents and calls in progress, now',
        tags: ['live'],
        response: { 200: LiveViewSchema, ...REFUSED },
      },
      config: { roles: SUPERVISION },
    }, async () => deps.live.view());

    app.get('/live/queues/:queueId', {
      schema: {
        summary: "One queue's figures, now",
        tags: ['live'],
        params: Type.Object({ queueId: Type.String() }),
        response: { 200: QueueLiveSchema, ...REFUSED, 404: ProblemSchema },
      },
      config: { roles: SUPERVISION },
    }, async (request) => {
      const { queueId } = request.params;
      const queue = deps.live.read().queue(queueId);
      if (!queue) throw notFound('queue', queueId);
      return queue;
    });

    app.get('/live/agents/:agentId', {
      schema: {
        summary: "One agent's state and call, now (an agent: only their own)",
        tags: ['live'],
        params: Type.Object({ agentId: Type.String() }),
        response: { 200: AgentLiveSchema, ...REFUSED, 404: ProblemSchema },
      },
      config: { roles: SUPERVISION_OR_AGENT },
    }, async (request) => agentFor(request, request.params.agentId));

    // A page opened while a call already rings or is on learns from here what it would have heard on the events socket.
    app.get('/live/agents/:agentId/call', {
      schema: {
        summary: "The call an agent is rung for or on, now: number dialled, caller, wait (an agent: only their own)",
        tags: ['live'],
        params: Type.Object({ agentId: Type.String() }),
        response: { 200: Type.Union([CallLiveSchema, Type.Null()], { description: 'null: no call, or one the live state no longer follows' }), ...REFUSED, 404: ProblemSchema },
      },
      config: { roles: SUPERVISION_OR_AGENT },
    }, async (request) => {
      const read = deps.live.read();
      const callId = agentFor(request, request.params.agentId, read).call?.callId;
      return (callId !== undefined ? read.call(callId) : undefined) ?? null;
    });
  };
}
