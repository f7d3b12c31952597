/**
 * The reports on the contact records (server/stats/report.ts): for a
 * period of days in the company's time zone, per interval and group, as
 * JSON, or as CSV (`Accept: text/csv` or `?format=csv`, ./report-csv.ts).
 * What each figure means: docs/statistics.md.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { REPORT_GROUPINGS } from '../history/records.js';
import type { HistoryRepository } from '../history/repository.js';
import type { RunningConfig } from '../running/index.js';
import { contactReport } from '../stats/report.js';
import { INTERVAL_SIZES, MAX_PERIOD_DAYS, PeriodError } from '../stats/report-period.js';
import { ProblemSchema, badRequest } from './problem.js';
import { reportCsv } from './report-csv.js';
import { SUPERVISION } from './roles.js';

export interface ReportsDeps {
  history: Pick<HistoryRepository, 'report'>;
  running: RunningConfig;
  now: () => number;
}

const Count = Type.Integer({ minimum: 0 });
const Seconds = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);
const Share = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);
const ByContact = Type.Union([Count, Type.Null()], { description: 'null when grouped by queue or agent: a contact-level figure' });

const LineFields = {
  start: Type.String({ description: "the interval's start in the company's time zone, ISO with offset: 2026-12-02T08:15:00+01:00" }),
  offered: Type.Integer({ minimum: 0, description: 'calls that joined a queue in the interval' }),
  answered: Count,
  answeredInTarget: Type.Integer({ minimum: 0, description: "answered within the queue's targetSeconds" }),
  abandoned: Type.Integer({ minimum: 0, description: 'hung up while waiting, short abandons included' }),
  shortAbandoned: Type.Integer({ minimum: 0, description: 'hung up within statistics.shortAbandonSeconds: outside the service level' }),
  serviceLevel: { ...Share, description: 'answeredInTarget / (answered + abandoned - shortAbandoned), 0..1; null without such calls' },
  averageSpeedOfAnswerSeconds: Seconds,
  averageWaitSeconds: Seconds,
  longestWaitSeconds: Type.Number({ minimum: 0 }),
  averageHandlingSeconds: { ...Seconds, description: '(talk + hold + wrap-up) / answered' },
  handlingSeconds: Type.Number({ minimum: 0 }),
  callbacksRequested: Count,
  callbacksCompleted: Count,
  deflections: ByContact,
  transfers: ByContact,
  overflows: Count,
  missedOffers: Type.Optional(Type.Integer({ minimum: 0, description: 'grouped by agent: offers that rang out unanswered' })),
  occupancy: Type.Optional({ ...Share, description: 'grouped by agent: (busy + wrap-up) / time logged in and not paused' }),
  pauseSecondsByReason: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0 }), { description: 'grouped by agent' })),
};

const ReportSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  timezone: Type.String(),
  interval: Type.Enum([...INTERVAL_SIZES]),
  groupBy: Type.Enum([...REPORT_GROUPINGS]),
  shortAbandonSeconds: Count,
  rows: Type.Array(Type.Object({ ...LineFields, group: Type.String({ description: "'' for calls without one" }) }, { title: 'ReportRow' })),
  totals: Type.Array(Type.Object(LineFields, { title: 'ReportTotal' })),
}, { title: 'Report' });

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a date, YYYY-MM-DD' });

const ReportQuerySchema = Type.Object({
  from: { ...Day, description: 'the first day of the period' },
  to: { ...Day, description: 'the day after the last: the period is [from, to)' },
  interval: Type.Optional(Type.Enum([...INTERVAL_SIZES], {
    description: `60m unless given: 15m, 30m, 60m, day, week (from Monday) or month; the longest period in days: ${Object.entries(MAX_PERIOD_DAYS).map(([s, d]) => `${s} ${d}`).join(', ')}`,
  })),
  groupBy: Type.Optional(Type.Enum([...REPORT_GROUPINGS], { description: 'service unless given' })),
  format: Type.Optional(Type.Enum(['json', 'csv'], { description: 'csv: the same as Accept: text/csv' })),
}, { additionalProperties: false });

export function reportsRoutes(deps: ReportsDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/reports/contacts', {
      schema: {
        summary: 'Offered, answered, abandoned, service level, waits, handling time, callbacks, deflections, transfers and overflows per interval and group; per agent also occupancy, pauses and missed offers',
        tags: ['reports'],
        querystring: ReportQuerySchema,
        response: {
          200: { content: { 'application/json': { schema: ReportSchema }, 'text/csv': { schema: Type.String() } } },
          400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema,
        },
      },
      config: { roles: SUPERVISION },
    }, async (request, reply) => {
      const { from, to, interval = '60m', groupBy = 'service', format } = request.query;
      const { config, operational } = deps.running.current;
      const report = await contactReport(deps.history, { from, to, interval, groupBy }, {
        timezone: config.company.timezone, queues: operational.queues,
        shortAbandonSeconds: config.statistics.shortAbandonSeconds, now: deps.now(),
      }).catch((err: unknown) => {
        throw err instanceof PeriodError ? badRequest(err.message, err.field) : err;
      });
      const csv = format === 'csv' || (format === undefined && (request.headers.accept ?? '').includes('text/csv'));
      if (!csv) return reply.type('application/json').send(report);
      return reply.type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="report-${from}-${to}-${interval}-${groupBy}.csv"`)
        .send(reportCsv(report));
    });
  };
}
