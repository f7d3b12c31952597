/**
 * What the agent desktop page (server/web/desktop) reads about the signed-in
 * agent, beside their state (./agent-state-routes.ts) and their own events
 * (./live-events.ts): the desk's settings, their figures today, and their
 * colleagues' presence. Agents only, each about themselves: a user of the
 * agent role linked to no agent gets 404.
 *
 * Colleagues' presence says ready, busy, paused or logged out and nothing
 * about the calls they are on: one agent never sees another's callers.
 *
 * A closing tab cannot finish a SIP un-REGISTER (the registrar challenges
 * it, and the page is gone before it can answer), and a WebSocket that
 * closes leaves its binding until a call finds it dead. So the page sends
 * its softphone's contact here as it closes (a beacon, which outlives the
 * page), and the binding goes at once: the ACD then treats the agent as
 * for any phone unregistering (server/calls/agent-control.ts).
 */
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Acd, AgentState } from '../acd/index.js';
import type { HistoryRepository } from '../history/repository.js';
import type { Registrar } from '../sip/registrar.js';
import type { RunningConfig } from '../running/index.js';
import { agentToday } from '../stats/agent-today.js';
import { notFound, ProblemSchema } from './problem.js';
import type { Role } from './roles.js';

export interface AgentDesktopDeps {
  acd: Pick<Acd, 'snapshot' | 'profile'>;
  history: Pick<HistoryRepository, 'caseTypeHandling'>;
  running: RunningConfig;
  now: () => number;
  registrar: Pick<Registrar, 'contactsOf' | 'remove'>;
}

export const DeskSchema = Type.Object({
  agentId: Type.String({ description: "the agent's extension" }),
  name: Type.String(),
  pauseReasons: Type.Array(Type.String(), { description: 'what the agent pauses for (agentDesktop.pauseReasons)' }),
  crmUrl: Type.Union([Type.String(), Type.Null()], {
    description: 'the CRM link of an offer: {caller}, {dialled} and {service} to be replaced by the call\'s values, URL-encoded; null: none',
  }),
  softphone: Type.Object({
    webSocketPort: Type.Integer({ description: 'SIP over WebSocket, on the host that served the page' }),
    secure: Type.Boolean({ description: 'wss:// (a certificate is configured), else ws://' }),
    domain: Type.String({ description: 'the SIP domain of the extensions (and the digest realm)' }),
  }),
}, { title: 'AgentDesk' });
export type AgentDesk = Static<typeof DeskSchema>;

export const AgentTodaySchema = Type.Object({
  from: Type.String({ format: 'date-time', description: "the start of the company's day" }),
  answered: Type.Integer({ minimum: 0 }),
  averageHandlingSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'talk, hold and wrap-up per answered call; null before the first',
  }),
}, { title: 'AgentToday' });
export type AgentTodayBody = Static<typeof AgentTodaySchema>;

const PRESENCES = ['ready', 'busy', 'paused', 'logged-out'] as const;
export type Presence = (typeof PRESENCES)[number];

export const ColleagueSchema = Type.Object({
  agentId: Type.String(),
  name: Type.String(),
  presence: Type.Enum([...PRESENCES], { description: 'busy: rung for, on or wrapping up after a call' }),
}, { title: 'Colleague' });
export type Colleague = Static<typeof ColleagueSchema>;

const AGENT_ONLY: readonly Role[] = ['agent'];
const WEBSOCKET_PROTOCOLS = new Set(['ws', 'wss']);

const SoftphoneGoneBody = Type.Object({
  contact: Type.String({ minLength: 1, maxLength: 512, description: "the Contact URI the page's softphone registered" }),
}, { additionalProperties: false });
const REFUSED = { 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };

/** What a colleague may know of an agent's state. */
export function presenceOf(state: AgentState): Presence {
  return state === 'reserved' || state === 'wrap-up' ? 'busy' : state;
}

export function agentDesktopRoutes(deps: AgentDesktopDeps): FastifyPluginAsyncTypebox {
  const ownAgent = (request: FastifyRequest): string => {
    const { agentId, name } = request.user!;
    if (agentId === undefined || !deps.acd.profile(agentId)) throw notFound('agent for', name);
    return agentId;
  };

  return async (app) => {
    app.get('/me/desk', {
      config: { roles: AGENT_ONLY },
      schema: { summary: "The agent desktop's settings for the signed-in agent", tags: ['agent desktop'], response: { 200: DeskSchema, ...REFUSED } },
    }, async (request): Promise<AgentDesk> => {
      const agentId = ownAgent(request);
      const { agentDesktop, sip, tls } = deps.running.current.config;
      return {
        agentId,
        name: deps.acd.profile(agentId)!.name,
        pauseReasons: agentDesktop.pauseReasons,
        crmUrl: agentDesktop.crmUrl,
        softphone: { webSocketPort: sip.wsPort, secure: tls.cert !== null && tls.key !== null, domain: sip.domain },
      };
    });

    app.get('/me/today', {
      config: { roles: AGENT_ONLY },
      schema: { summary: 'The signed-in agent\'s figures today: calls answered, average handling time', tags: ['agent desktop'], response: { 200: AgentTodaySchema, ...REFUSED } },
    }, async (request): Promise<AgentTodayBody> => {
      const agentId = ownAgent(request);
      const today = await agentToday(deps.history, agentId, deps.running.current.config.company.timezone, deps.now());
      return { from: new Date(today.from).toISOString(), answered: today.answered, averageHandlingSeconds: today.averageHandlingSeconds };
    });

    app.get('/me/colleagues', {
      config: { roles: AGENT_ONLY },
      schema: {
        summary: 'The other agents and whether they are ready, busy, paused or logged out (no calls, no callers)',
        tags: ['agent desktop'],
        response: { 200: Type.Array(ColleagueSchema), ...REFUSED },
      },
    }, async (request): Promise<Colleague[]> => {
      const me = ownAgent(request);
      return deps.acd.snapshot().agents
        .filter((a) => a.id !== me)
        .map((a) => ({ agentId: a.id, name: deps.acd.profile(a.id)?.name ?? a.id, presence: presenceOf(a.state) }));
    });

    app.post('/me/softphone/gone', {
      config: { roles: AGENT_ONLY },
      schema: {
        summary: "The page's softphone is gone (its tab closed): its registration over WebSocket ends now",
        tags: ['agent desktop'],
        body: SoftphoneGoneBody,
        response: { 204: Type.Null(), ...REFUSED },
      },
    }, async (request, reply) => {
      const agentId = ownAgent(request);
      const { contact } = request.body;
      // Only a softphone's binding: a desk phone registered for the extension stays.
      const binding = deps.registrar.contactsOf(agentId).find((b) => b.uri === contact && WEBSOCKET_PROTOCOLS.has(b.flow.protocol));
      if (!binding) throw notFound('softphone registration', contact);
      deps.registrar.remove(agentId, contact);
      request.log.info({ by: request.user!.name, agent: agentId }, 'softphone gone: its registration removed');
      return reply.code(204).send(null);
    });
  };
}
