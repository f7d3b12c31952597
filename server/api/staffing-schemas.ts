/** The staffing API's request and response shapes (./staffing-routes.ts, ./staffing-what-if-routes.ts). */
import { Type } from '@fastify/type-provider-typebox';
import { QueueStepSchema } from './config-schemas.js';

export const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a date YYYY-MM-DD in the company calendar' });
export const ClockText = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'a time of day HH:MM, company time' });
const Agents = Type.Number({ minimum: 0 });
const Share = Type.Number({ minimum: 0, maximum: 1 });
const NullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

export const StaffingIntervalSchema = Type.Object({
  start: ClockText,
  forecastCalls: Type.Number({ minimum: 0, description: 'calls forecast from the same weekday in the weeks before' }),
  forecastAhtSeconds: NullableNumber('handling time forecast (talk + hold + wrap-up), seconds; null without calls to rest on'),
  needed: Type.Integer({ minimum: 0, description: "agents on the phones the queue's goal needs" }),
  scheduled: Type.Integer({ minimum: 0, description: 'paid staff to schedule for that: needed / (1 - shrinkage), rounded up' }),
  expectedServiceLevel: Type.Number({ minimum: 0, maximum: 1, description: 'answered within the target with `needed` agents' }),
  expectedAbandonment: Type.Number({ minimum: 0, maximum: 1, description: 'callers expected to hang up with `needed` agents (0 by Erlang C)' }),
  planned: NullableNumber('agents planned on the phones; null: no plan'),
  actualCalls: NullableNumber('calls offered; null for intervals still to come'),
  actualAhtSeconds: NullableNumber('handling time of the calls answered, seconds; null when none was'),
  ready: NullableNumber('mean number of agents logged in and not paused who may take the queue; null for intervals to come'),
}, { title: 'StaffingInterval' });

export const QueueStaffingSchema = Type.Object({
  queue: Type.String(),
  intervalMinutes: Type.Integer(),
  targetSeconds: Type.Integer(),
  serviceLevelGoal: Share,
  method: Type.Enum(['erlang-c', 'erlang-a'], { description: 'erlang-a when the history shows the callers\' patience' }),
  patienceSeconds: NullableNumber("the callers' mean patience from the history (all waiting / abandons)"),
  days: Type.Array(Type.Object({
    date: DateText,
    holiday: Type.Union([Type.String(), Type.Null()], { description: 'a Swedish public holiday: forecast as its weekday, adjust the plan by hand' }),
    basedOn: Type.Array(DateText, { description: 'the history days the forecast rests on, most recent first' }),
    accuracy: Type.Union([Type.Object({
      wape: Type.Number({ minimum: 0, description: 'Σ|forecast − calls| / Σ calls over the day' }),
      mape: Type.Number({ minimum: 0, description: 'mean of |forecast − calls| / calls over the intervals with calls' }),
    }), Type.Null()], { description: 'forecast against outcome, for a day that is over and had calls' }),
    intervals: Type.Array(StaffingIntervalSchema),
  })),
}, { title: 'QueueStaffing' });

export const PlannedStaffSchema = Type.Object({
  date: DateText,
  start: ClockText,
  queue: Type.String({ minLength: 1 }),
  agents: Type.Integer({ minimum: 0, maximum: 10_000, description: 'agents planned on the phones in the interval' }),
}, { additionalProperties: false, title: 'PlannedStaff' });

export const PlanChangeSchema = Type.Object({
  rows: Type.Array(PlannedStaffSchema, { description: 'the plan of every date and queue named here is replaced by these rows' }),
}, { additionalProperties: false });

export const PlanSavedSchema = Type.Object({
  days: Type.Integer({ minimum: 0, description: 'dates × queues replaced' }),
  intervals: Type.Integer({ minimum: 0 }),
});

export const PoolingRequestSchema = Type.Object({
  queues: Type.Array(Type.String(), { minItems: 2, uniqueItems: true, description: 'the queues to pool' }),
  from: DateText,
  to: DateText,
  weekdays: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, uniqueItems: true, description: '0 = Sunday ... 6 = Saturday' })),
  agents: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 10_000 }), {
    description: 'agents on the phones per queue id in every interval; a queue left out is staffed for its own goal',
  })),
}, { additionalProperties: false });

const PoolingTotals = {
  separateServiceLevel: Share,
  pooledServiceLevel: Share,
  agents: Agents,
  pooledAgentsForSameLevel: Agents,
};

export const PoolingResultSchema = Type.Object({
  targetSeconds: Type.Integer({ description: 'the shortest target of the queues: the promise the pooled queue keeps' }),
  intervalMinutes: Type.Integer(),
  basedOn: Type.Array(DateText),
  day: Type.Object({ ...PoolingTotals, agentHours: Agents, pooledAgentHoursForSameLevel: Agents }),
  intervals: Type.Array(Type.Object({ start: ClockText, calls: Agents, ...PoolingTotals })),
}, { title: 'PoolingWhatIf' });

export const RoutingRequestSchema = Type.Object({
  date: DateText,
  queues: Type.Optional(Type.Record(Type.String(), Type.Object({
    steps: Type.Optional(Type.Array(QueueStepSchema, { minItems: 1 })),
    wrapUpSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
  }, { additionalProperties: false }), { description: "queue id -> its changed routing steps or wrap-up" })),
  agents: Type.Optional(Type.Array(Type.Object({
    id: Type.String({ minLength: 1 }),
    skills: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 5 }))),
    groups: Type.Optional(Type.Array(Type.String())),
    queues: Type.Optional(Type.Array(Type.String())),
  }, { additionalProperties: false }), { description: 'agents added, or an agent of that id with other skills, groups or queues' })),
  removeAgents: Type.Optional(Type.Array(Type.String(), { description: 'agents taken out for the day' })),
  shifts: Type.Optional(Type.Array(Type.Object({ agentId: Type.String(), from: ClockText, to: ClockText }, { additionalProperties: false }), {
    description: 'an agent named here works exactly these hours instead (a new agent needs some)',
  })),
}, { additionalProperties: false });

const ReplayFiguresSchema = Type.Object({
  offered: Type.Integer(), answered: Type.Integer(), abandoned: Type.Integer(), unanswered: Type.Integer(),
  serviceLevel: NullableNumber('answered within the target / (answered + abandoned - short abandons)'),
  averageWaitSeconds: NullableNumber('mean wait of the callers answered or abandoned'),
  maxWaitSeconds: NullableNumber('longest wait'),
});

export const RoutingResultSchema = Type.Object({
  date: DateText,
  intervalMinutes: Type.Integer(),
  left: Type.Object({ calls: Type.Integer({ description: 'calls of queues no longer configured' }), agents: Type.Array(Type.String()) }),
  day: Type.Object({ baseline: ReplayFiguresSchema, changed: ReplayFiguresSchema }),
  intervals: Type.Array(Type.Object({ start: ClockText, baseline: ReplayFiguresSchema, changed: ReplayFiguresSchema })),
}, { title: 'RoutingWhatIf' });
