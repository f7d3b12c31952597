/**
 * What-ifs on the organisation's own data (README "Staffing" and "Routing
 * what-if"): pooling queues over a period of their history, and a recorded
 * day replayed through the real ACD with changed staffing, skills or
 * routing steps. Supervision roles.
 */
import type { FastifyPluginAsyncTypebox, Static } from '@fastify/type-provider-typebox';
import type { QueueConfigEntry } from '../../config/schema.js';
import { AcdError, type QueueConfig, type SkillLevel } from '../acd/index.js';
import { acdAgents, acdQueues } from '../config/acd.js';
import type { HistoryRepository } from '../history/repository.js';
import type { RunningConfig } from '../running/index.js';
import { minuteOfDay } from '../stats/civil-time.js';
import { poolingWhatIf } from '../stats/pooling-history.js';
import { companyDay } from '../stats/queue-today.js';
import { startOfDate } from '../stats/queue-staffing.js';
import type { QueueFigures } from '../stats/replay-figures.js';
import { recordedReplay } from '../stats/replay-history.js';
import { ReplayError } from '../stats/replay.js';
import { civilSlot } from '../stats/staffing-history.js';
import { whatIf, type ScenarioChange } from '../stats/what-if.js';
import { badRequest, ProblemSchema } from './problem.js';
import { SUPERVISION } from './roles.js';
import { checkedDate } from './staffing-routes.js';
import { PoolingRequestSchema, PoolingResultSchema, RoutingRequestSchema, RoutingResultSchema } from './staffing-schemas.js';

export interface StaffingWhatIfDeps {
  history: Pick<HistoryRepository, 'queueIntervals' | 'queuedCalls' | 'agentStates'>;
  running: RunningConfig;
}

/** The longest history a pooling what-if averages: a year. */
const MAX_POOLING_DAYS = 366;
const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema };

export function staffingWhatIfRoutes(deps: StaffingWhatIfDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/staffing/what-if/pooling', {
      schema: {
        summary: 'Pool queues: their service level separate and pooled with the same staff, and the staff pooled for the old level, on their history',
        tags: ['staffing'],
        body: PoolingRequestSchema,
        response: { 200: PoolingResultSchema, ...problems },
      },
      config: { roles: SUPERVISION },
    }, async (request) => {
      const { config, operational } = deps.running.current;
      const body = request.body;
      const queues = body.queues.map((id, i) => knownQueue(operational.queues, id, `/queues/${i}`));
      for (const id of Object.keys(body.agents ?? {})) {
        if (!body.queues.includes(id)) throw badRequest(`agents names ${id}, which is not one of the queues pooled`, `/agents/${id}`);
      }
      const first = checkedDate(body.from, '/from');
      const last = checkedDate(body.to, '/to');
      if (last < first || last - first >= MAX_POOLING_DAYS) throw badRequest(`to must be on or after from, at most ${MAX_POOLING_DAYS} days on`, '/to');
      const timezone = config.company.timezone;
      const rows = await deps.history.queueIntervals(config.staffing.intervalMinutes, startOfDate(body.from, timezone),
        companyDay(startOfDate(body.to, timezone), timezone).to);
      const result = poolingWhatIf(rows, {
        queues, ...(body.agents ? { agents: body.agents } : {}), ...(body.weekdays ? { weekdays: body.weekdays } : {}),
      }, { staffing: config.staffing, timezone });
      return {
        targetSeconds: result.targetSeconds,
        intervalMinutes: result.intervalMinutes,
        basedOn: result.basedOn,
        day: {
          separateServiceLevel: result.separateServiceLevel,
          pooledServiceLevel: result.pooledServiceLevel,
          agents: result.intervals.reduce((m, iv) => Math.max(m, iv.separateTotal.agents), 0),
          pooledAgentsForSameLevel: result.intervals.reduce((m, iv) => Math.max(m, iv.pooledAgentsForSameLevel), 0),
          agentHours: result.agentHours,
          pooledAgentHoursForSameLevel: result.pooledAgentHoursForSameLevel,
        },
        intervals: result.intervals.map((iv) => ({
          start: iv.start,
          calls: iv.separate.reduce((s, q) => s + (q.trafficErlangs * result.intervalMinutes * 60) / q.ahtSeconds, 0),
          separateServiceLevel: iv.separateTotal.serviceLevel,
          pooledServiceLevel: iv.pooled.serviceLevel,
          agents: iv.separateTotal.agents,
          pooledAgentsForSameLevel: iv.pooledAgentsForSameLevel,
        })),
      };
    });

    app.post('/staffing/what-if/routing', {
      schema: {
        summary: 'Replay a recorded day through the ACD as it was and with changed staffing, skills or routing steps: service level, waiting and abandons per interval',
        tags: ['staffing'],
        body: RoutingRequestSchema,
        response: { 200: RoutingResultSchema, ...problems },
      },
      config: { roles: SUPERVISION },
    }, async (request) => {
      const { config, operational } = deps.running.current;
      const body = request.body;
      const timezone = config.company.timezone;
      checkedDate(body.date, '/date');
      const { from, to } = companyDay(startOfDate(body.date, timezone), timezone);
      const [calls, states] = await Promise.all([deps.history.queuedCalls(from, to), deps.history.agentStates(from, to)]);
      const input = recordedReplay({ calls, states, from, to }, { queues: acdQueues(operational), agents: acdAgents(operational) });
      const change = scenarioChange(body, operational.queues, from);
      const intervalMinutes = config.staffing.intervalMinutes;
      let report;
      try {
        report = await whatIf(input.arrivals, input.scenario, change, {
          intervalMinutes,
          targetSeconds: Math.min(...operational.queues.map((q) => q.targetSeconds)),
          targetSecondsByQueue: Object.fromEntries(operational.queues.map((q) => [q.id, q.targetSeconds])),
          shortAbandonSeconds: config.statistics.shortAbandonSeconds,
        });
      } catch (err) {
        if (err instanceof ReplayError || err instanceof AcdError) throw badRequest(err.message);
        throw err;
      }
      const changedByStart = new Map(report.changed.intervals.map((iv) => [iv.start, iv.all]));
      const baselineByStart = new Map(report.baseline.intervals.map((iv) => [iv.start, iv.all]));
      const starts = [...new Set([...baselineByStart.keys(), ...changedByStart.keys()])].sort((x, y) => x - y);
      return {
        date: body.date,
        intervalMinutes,
        left: input.left,
        day: { baseline: figures(report.baseline.day.all), changed: figures(report.changed.day.all) },
        intervals: starts.map((start) => ({
          start: civilSlot(start, timezone).start,
          baseline: figures(baselineByStart.get(start)),
          changed: figures(changedByStart.get(start)),
        })),
      };
    });
  };
}

function knownQueue(queues: readonly QueueConfigEntry[], id: string, field: string): QueueConfigEntry {
  const queue = queues.find((q) => q.id === id);
  if (!queue) throw badRequest(`${id} is not a queue`, field);
  return queue;
}

type RoutingRequest = Static<typeof RoutingRequestSchema>;
type ReplayFigures = Static<typeof RoutingResultSchema>['day']['baseline'];

/** The request's change in the replay's terms: steps as the ACD reads them, shift times on the day's clock. */
function scenarioChange(body: RoutingRequest, queues: readonly QueueConfigEntry[], dayStart: number): ScenarioChange {
  const changedQueues: Record<string, { steps: QueueConfig['steps']; wrapUpSeconds: number }> = {};
  for (const [id, settings] of Object.entries(body.queues ?? {})) {
    const queue = knownQueue(queues, id, `/queues/${id}`);
    const [translated] = acdQueues({ queues: [{ ...queue, ...settings } as QueueConfigEntry] });
    changedQueues[id] = { steps: translated!.steps, wrapUpSeconds: translated!.wrapUpSeconds };
  }
  const at = (clock: string): number => dayStart + minuteOfDay(clock) * 60_000;
  return {
    queues: changedQueues,
    agents: (body.agents ?? []).map((a) => ({ id: a.id, skills: (a.skills ?? {}) as Record<string, SkillLevel>, groups: a.groups ?? [], queues: a.queues ?? [] })),
    removeAgents: body.removeAgents ?? [],
    shifts: (body.shifts ?? []).map((s, i) => {
      if (s.to <= s.from) throw badRequest(`shift of ${s.agentId}: to must be after from`, `/shifts/${i}/to`);
      return { agentId: s.agentId, from: at(s.from), to: at(s.to) };
    }),
  };
}

function figures(f: QueueFigures | undefined): ReplayFigures {
  return {
    offered: f?.offered ?? 0,
    answered: f?.answered ?? 0,
    abandoned: f?.abandoned ?? 0,
    unanswered: f?.unanswered ?? 0,
    serviceLevel: f?.serviceLevel ?? null,
    averageWaitSeconds: f?.averageWaitSeconds ?? null,
    maxWaitSeconds: f?.maxWaitSeconds ?? null,
  };
}
