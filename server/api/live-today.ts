/**
 * Today's figures per queue and per service for the queue monitor, from
 * the contact records (server/stats/queue-today.ts): offered, answered
 * (within the queue's target or not), abandoned, callbacks, service level.
 */
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { HistoryRepository } from '../history/repository.js';
import type { RunningConfig } from '../running/index.js';
import { figuresToday } from '../stats/queue-today.js';
import { ProblemSchema } from './problem.js';
import { SUPERVISION } from './roles.js';

export interface LiveTodayDeps {
  history: Pick<HistoryRepository, 'queueDays' | 'serviceDays'>;
  running: RunningConfig;
  now: () => number;
}

const Count = Type.Integer({ minimum: 0 });

const dayFigures = {
  offered: Type.Integer({ minimum: 0, description: 'calls queued today' }),
  answered: Count,
  answeredInTarget: Type.Integer({ minimum: 0, description: "answered after a wait of at most their queue's targetSeconds" }),
  abandoned: Type.Integer({ minimum: 0, description: 'callers who hung up while waiting, short abandons included' }),
  shortAbandoned: Type.Integer({ minimum: 0, description: 'hung up within statistics.shortAbandonSeconds: outside the service level' }),
  callbacksRequested: Count,
  callbacksCompleted: Count,
  serviceLevel: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
    description: 'answeredInTarget / (answered + abandoned - shortAbandoned); null before any such call',
  }),
};

export const QueueTodaySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  targetSeconds: Type.Integer({ minimum: 1, description: "the queue's target: answered within it counts as in time" }),
  ...dayFigures,
}, { title: 'QueueToday' });

export const ServiceTodaySchema = Type.Object({
  service: Type.String({ description: "the service's name (numbers[].service)" }),
  ...dayFigures,
}, { title: 'ServiceToday', description: "the calls to the service's numbers, each measured against the target of the queue it waited in" });

export const LiveTodaySchema = Type.Object({
  from: Type.String({ format: 'date-time', description: "the start of the company's day (company.timezone)" }),
  queues: Type.Array(QueueTodaySchema),
  services: Type.Array(ServiceTodaySchema, { description: 'each service whose numbers lead to a flow, in the configuration\'s order' }),
}, { title: 'LiveToday' });

export type LiveToday = Static<typeof LiveTodaySchema>;

export function liveTodayRoutes(deps: LiveTodayDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/live/today', {
      schema: {
        summary: "Each queue's and service's figures today: offered, answered within target, abandoned, callbacks, service level",
        tags: ['live'],
        response: { 200: LiveTodaySchema, 401: ProblemSchema, 403: ProblemSchema },
      },
      config: { roles: SUPERVISION },
    }, async (): Promise<LiveToday> => {
      const { config, operational } = deps.running.current;
      const today = await figuresToday(deps.history, operational, config.company.timezone, deps.now(), config.statistics.shortAbandonSeconds);
      return { from: new Date(today.from).toISOString(), queues: today.queues, services: today.services };
    });
  };
}
