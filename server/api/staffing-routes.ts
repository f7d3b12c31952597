/**
 * Staffing (README "Staffing"): each queue's forecast, the agents its goal
 * needs, the plan and the outcome per interval; the plan entered as rows or
 * imported as CSV. Supervision roles: planning staff is their work.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { HistoryRepository } from '../history/repository.js';
import type { RunningConfig } from '../running/index.js';
import { dayNumber, minuteOfDay } from '../stats/civil-time.js';
import { queueAgents } from '../stats/queue-agents.js';
import { queueStaffing } from '../stats/queue-staffing.js';
import { parsePlanCsv, type PlannedStaff } from '../stats/schedule.js';
import { civilSlot } from '../stats/staffing-history.js';
import type { ShortfallMonitor } from '../stats/shortfall-monitor.js';
import type { StaffingPlanFile } from '../stats/staffing-plan-file.js';
import { ShortfallLiveSchema } from './live-schemas.js';
import { badRequest, notFound, ProblemSchema } from './problem.js';
import { SUPERVISION } from './roles.js';
import { DateText, PlanChangeSchema, PlannedStaffSchema, PlanSavedSchema, QueueStaffingSchema } from './staffing-schemas.js';

export interface StaffingDeps {
  history: Pick<HistoryRepository, 'queueIntervals' | 'agentStates'>;
  running: RunningConfig;
  plan: StaffingPlanFile;
  /** The shortfall alarms raised now. */
  shortfalls: Pick<ShortfallMonitor, 'raised'>;
  now: () => number;
}

/** At most this many days in one answer: a month's plan at a glance. */
export const MAX_DAYS = 31;
const CSV_TYPES = ['text/csv', 'application/csv'];
const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema };

export function staffingRoutes(deps: StaffingDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addContentTypeParser(CSV_TYPES, { parseAs: 'string' }, (_request, body, done) => { done(null, body); });
    const today = (): string => civilSlot(deps.now(), deps.running.current.config.company.timezone).date;

    app.get('/staffing/queues/:id', {
      schema: {
        summary: "A queue's forecast, agents needed, plan and outcome per interval, day by day",
        tags: ['staffing'],
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object({
          from: Type.Optional({ ...DateText, description: 'the first day (default today)' }),
          days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DAYS, default: 1 })),
        }),
        response: { 200: QueueStaffingSchema, ...problems, 404: ProblemSchema },
      },
      config: { roles: SUPERVISION },
    }, async (request) => {
      const { config, operational } = deps.running.current;
      const queue = operational.queues.find((q) => q.id === request.params.id);
      if (!queue) throw notFound('queue', request.params.id);
      const fromDate = request.query.from ?? today();
      checkedDate(fromDate, 'from');
      return queueStaffing({ history: deps.history, plan: deps.plan }, {
        queue,
        agents: queueAgents(operational).get(queue.id) ?? new Set(),
        staffing: config.staffing,
        timezone: config.company.timezone,
      }, { fromDate, days: request.query.days ?? 1, now: deps.now() });
    });

    app.get('/staffing/shortfalls', {
      schema: {
        summary: 'The queues whose agents on the phones have stayed below need or plan for the configured minutes, now',
        tags: ['staffing'],
        response: { 200: Type.Object({ shortfalls: Type.Array(ShortfallLiveSchema) }), 401: ProblemSchema, 403: ProblemSchema },
      },
      config: { roles: SUPERVISION },
    }, async () => ({ shortfalls: deps.shortfalls.raised() }));

    app.get('/staffing/plan', {
      schema: {
        summary: 'The staffing plan of a period: agents planned per date, interval and queue',
        tags: ['staffing'],
        querystring: Type.Object({ from: DateText, to: DateText, queue: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ rows: Type.Array(PlannedStaffSchema) }), ...problems },
      },
      config: { roles: SUPERVISION },
    }, async (request) => {
      const { from, to, queue } = request.query;
      checkedDate(from, 'from');
      checkedDate(to, 'to');
      return { rows: deps.plan.rows(from, to, queue) };
    });

    app.put('/staffing/plan', {
      schema: {
        summary: 'Plan staff: the rows replace the plan of each date and queue they name',
        tags: ['staffing'],
        body: PlanChangeSchema,
        response: { 200: PlanSavedSchema, ...problems },
      },
      config: { roles: SUPERVISION },
    }, async (request) => deps.plan.replace(checkedPlan(request.body.rows, deps.running, (i, name) => ({ field: `/rows/${i}/${name}`, row: `rows[${i}]` }))));

    app.post('/staffing/plan/import', {
      schema: {
        summary: 'Import a staffing plan as CSV: "date,interval start,queue,agents" (comma or semicolon); refused whole on any bad row',
        tags: ['staffing'],
        consumes: CSV_TYPES,
        body: Type.String({ description: 'the CSV file' }),
        response: { 200: PlanSavedSchema, ...problems, 415: ProblemSchema },
      },
      config: { roles: SUPERVISION },
    }, async (request) => {
      const parsed = parsePlanCsv(request.body);
      if (!parsed.ok) {
        throw badRequest(parsed.problems.map((p) => `line ${p.line}: ${p.message}`).join('; '), 'file');
      }
      return deps.plan.replace(checkedPlan(parsed.plan, deps.running, (i) => ({ field: 'file', row: `row ${i + 1} of the file` })));
    });
  };
}

/** The day number of a date parameter; 400 naming the field when it is no real date (2027-02-30). */
export function checkedDate(date: string, field: string): number {
  try {
    return dayNumber(date);
  } catch {
    throw badRequest(`not a date: ${date}`, field);
  }
}

/**
 * Every row names a configured queue and starts an interval of the
 * configured length (08:00, 08:15 ... for 15 minutes); otherwise the whole
 * plan is refused, naming the first row at fault.
 */
function checkedPlan(
  rows: readonly PlannedStaff[],
  running: RunningConfig,
  where: (i: number, name: string) => { field: string; row: string },
): PlannedStaff[] {
  const { config, operational } = running.current;
  const queues = new Set(operational.queues.map((q) => q.id));
  const length = config.staffing.intervalMinutes;
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const at = (name: string): { field: string; row: string } => where(i, name);
    try {
      dayNumber(row.date);
    } catch {
      throw badRequest(`${at('date').row}: not a date: ${row.date}`, at('date').field);
    }
    if (!queues.has(row.queue)) throw badRequest(`${at('queue').row}: ${row.queue} is not a queue`, at('queue').field);
    if (minuteOfDay(row.start) % length !== 0) {
      throw badRequest(`${at('start').row}: ${row.start} does not start a ${length}-minute interval`, at('start').field);
    }
    const key = `${row.date} ${row.start} ${row.queue}`;
    if (seen.has(key)) throw badRequest(`${at('start').row}: ${row.queue} at ${row.date} ${row.start} is planned twice`, at('start').field);
    seen.add(key);
  });
  return [...rows];
}
