/**
 * Staffing (WFM-lite) on top of Erlang C (or Erlang A when callers hang up):
 * agents needed per interval of a day from volume and handling time, and
 * what pooling queues would gain.
 *
 * Inputs are the figures the statistics keep per 15/30-minute interval and
 * service (offered calls, average handling time), so a manager can run this
 * on their own data.
 */
import {
  agentsForTraffic,
  evaluate,
  trafficIntensity,
  type ServiceLevelGoal,
  type StaffingResult,
} from './erlang-c.js';
import { agentsForTrafficErlangA } from './erlang-a.js';
import { clockLabel, minuteOfDay } from './civil-time.js';

// ---------------------------------------------------------------------------
// Per-interval staffing

export interface IntervalVolume {
  /** A label for the interval, e.g. "08:00". */
  label: string;
  /** Calls offered in the interval. */
  calls: number;
  /** Mean handling time in this interval; the day's default when absent. */
  ahtSeconds?: number;
}

export interface DayStaffingInput extends ServiceLevelGoal {
  /** Interval length in minutes: 15 or 30 are usual, any positive length works. */
  intervalMinutes: number;
  intervals: IntervalVolume[];
  /** Default mean handling time in seconds for intervals without their own. */
  ahtSeconds: number;
  maxOccupancy?: number;
  /** Share of paid time not on the phones, 0..1; scheduled staff = ceil(N / (1 - shrinkage)). */
  shrinkage?: number;
  /**
   * Callers' mean patience in seconds: when given, staff by Erlang A (callers
   * hang up, which Erlang C ignores); the service level is then the share of
   * all offered calls answered within the target.
   */
  patienceSeconds?: number;
  /** With patienceSeconds: the largest share of callers allowed to hang up, 0..1. */
  maxAbandonment?: number;
}

export interface IntervalStaffing extends Omit<StaffingResult, 'limitedBy'> {
  label: string;
  calls: number;
  ahtSeconds: number;
  /** Share of callers expected to hang up: 0 by Erlang C, which assumes nobody does. */
  probabilityOfAbandoning: number;
  limitedBy: StaffingResult['limitedBy'] | 'abandonment';
}

function staffInterval(input: DayStaffingInput, a: number, aht: number): Omit<IntervalStaffing, 'label' | 'calls' | 'ahtSeconds'> {
  const goal = {
    trafficErlangs: a,
    ahtSeconds: aht,
    targetServiceLevel: input.targetServiceLevel,
    targetSeconds: input.targetSeconds,
    maxOccupancy: input.maxOccupancy,
    shrinkage: input.shrinkage,
  };
  if (input.patienceSeconds === undefined) return { ...agentsForTraffic(goal), probabilityOfAbandoning: 0 };
  const r = agentsForTrafficErlangA({ ...goal, patienceSeconds: input.patienceSeconds, maxAbandonment: input.maxAbandonment });
  return {
    agents: r.agents,
    scheduledAgents: r.scheduledAgents,
    trafficErlangs: r.trafficErlangs,
    probabilityOfWaiting: r.probabilityOfWaiting,
    serviceLevel: r.serviceLevel,
    averageSpeedOfAnswer: r.averageSpeedOfAnswer,
    occupancy: r.occupancy,
    probabilityOfAbandoning: r.probabilityOfAbandoning,
    limitedBy: r.limitedBy,
  };
}

export interface DayStaffing {
  intervals: IntervalStaffing[];
  totalCalls: number;
  /** Largest number of agents on the phones needed in any interval. */
  peakAgents: number;
  /** Largest scheduled staff (after shrinkage) in any interval. */
  peakScheduledAgents: number;
  /** Agent-hours on the phones: Σ agents × interval length. */
  agentHours: number;
  /** Paid agent-hours after shrinkage: Σ scheduledAgents × interval length. */
  scheduledHours: number;
  /** Expected service level over the day, weighted by calls. */
  serviceLevel: number;
  /** Expected average speed of answer over the day, weighted by calls, seconds. */
  averageSpeedOfAnswer: number;
}

/** Agents needed in each interval of a day, and the day's totals. */
export function staffDay(input: DayStaffingInput): DayStaffing {
  if (!Number.isFinite(input.intervalMinutes) || input.intervalMinutes <= 0) {
    throw new RangeError(`intervalMinutes must be > 0, got ${String(input.intervalMinutes)}`);
  }
  const intervalSeconds = input.intervalMinutes * 60;
  const hoursPerInterval = input.intervalMinutes / 60;
  const intervals: IntervalStaffing[] = input.intervals.map((iv) => {
    const aht = iv.ahtSeconds ?? input.ahtSeconds;
    const a = trafficIntensity(iv.calls, intervalSeconds, aht);
    return { label: iv.label, calls: iv.calls, ahtSeconds: aht, ...staffInterval(input, a, aht) };
  });
  const totalCalls = intervals.reduce((s, r) => s + r.calls, 0);
  const weighted = (f: (r: IntervalStaffing) => number): number =>
    totalCalls === 0 ? 0 : intervals.reduce((s, r) => s + r.calls * f(r), 0) / totalCalls;
  return {
    intervals,
    totalCalls,
    peakAgents: Math.max(0, ...intervals.map((r) => r.agents)),
    peakScheduledAgents: Math.max(0, ...intervals.map((r) => r.scheduledAgents)),
    agentHours: intervals.reduce((s, r) => s + r.agents, 0) * hoursPerInterval,
    scheduledHours: intervals.reduce((s, r) => s + r.scheduledAgents, 0) * hoursPerInterval,
    serviceLevel: totalCalls === 0 ? 1 : weighted((r) => r.serviceLevel),
    averageSpeedOfAnswer: weighted((r) => r.averageSpeedOfAnswer),
  };
}

/**
 * Spreads a day's calls over intervals in proportion to `weights` (an
 * intraday profile), rounding so the parts add up to `totalCalls` exactly
 * (largest remainder).
 */
export function distributeVolume(totalCalls: number, weights: number[]): number[] {
  if (!Number.isInteger(totalCalls) || totalCalls < 0) {
    throw new RangeError(`totalCalls must be a whole number >= 0, got ${String(totalCalls)}`);
  }
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new RangeError('weights must be finite and >= 0');
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum <= 0) throw new RangeError('weights must not all be 0');
  const exact = weights.map((w) => (totalCalls * w) / sum);
  const parts = exact.map(Math.floor);
  let left = totalCalls - parts.reduce((s, p) => s + p, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r || p.i - q.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    parts[i]! += 1;
    left--;
  }
  return parts;
}

/** Interval labels "HH:MM" from `from` (e.g. "08:00") for `count` intervals of `intervalMinutes`. */
export function intervalLabels(from: string, count: number, intervalMinutes: number): string[] {
  const start = minuteOfDay(from);
  return Array.from({ length: count }, (_, k) => clockLabel(start + k * intervalMinutes));
}

// ---------------------------------------------------------------------------
// Pooling

/** One queue as it is run today: its own agents, its own traffic. */
export interface PoolingQueue {
  id?: string;
  agents: number;
  /** Mean handling time of this queue's calls, seconds. */
  ahtSeconds: number;
  /** Offered traffic in Erlang; or give callsPerInterval with the input's intervalSeconds. */
  trafficErlangs?: number;
  callsPerInterval?: number;
}

export interface PoolingInput {
  queues: PoolingQueue[];
  /** The T of "answered within T seconds". */
  targetSeconds: number;
  /** Needed when queues give callsPerInterval. */
  intervalSeconds?: number;
}

export interface QueueOutcome {
  id?: string;
  agents: number;
  trafficErlangs: number;
  ahtSeconds: number;
  probabilityOfWaiting: number;
  serviceLevel: number;
  averageSpeedOfAnswer: number;
  occupancy: number;
}

export interface PoolingComparison {
  /** Each queue on its own. */
  separate: QueueOutcome[];
  /** All separate queues together: levels weighted by their calls. */
  separateTotal: { agents: number; trafficErlangs: number; serviceLevel: number; averageSpeedOfAnswer: number };
  /** One queue with all the traffic and the same total staff. */
  pooled: QueueOutcome;
  /** Fewest agents the pooled queue needs for the separate queues' combined level. */
  pooledAgentsForSameLevel: number;
  /** Figures of the pooled queue with that many agents. */
  pooledAtSameLevel: QueueOutcome;
  /** Agents the pooled queue saves at the same level, and as a fraction of today's staff. */
  agentsSaved: number;
  staffSavingFraction: number;
}

function outcome(id: string | undefined, agents: number, a: number, aht: number, targetSeconds: number): QueueOutcome {
  const e = evaluate({ agents, trafficErlangs: a, ahtSeconds: aht }, targetSeconds);
  return {
    ...(id === undefined ? {} : { id }),
    agents,
    trafficErlangs: a,
    ahtSeconds: aht,
    probabilityOfWaiting: e.probabilityOfWaiting,
    serviceLevel: e.serviceLevel,
    averageSpeedOfAnswer: e.averageSpeedOfAnswer,
    occupancy: e.occupancy,
  };
}

/**
 * k separate queues against one pooled queue with the same traffic: the
 * service level each way with the same staff, and how many agents the pooled
 * queue needs for the separate queues' level.
 *
 * The pooled queue's handling time is the call-weighted mean of the queues'
 * (exact for equal AHTs; with different AHTs the pooled queue is no longer
 * M/M/N and this is the usual Erlang C approximation).
 */
export function comparePooling(input: PoolingInput): PoolingComparison {
  if (input.queues.length === 0) throw new RangeError('queues must not be empty');
  const resolved = input.queues.map((q, i) => {
    let a: number;
    if (q.trafficErlangs !== undefined) {
      a = q.trafficErlangs;
    } else if (q.callsPerInterval !== undefined && input.intervalSeconds !== undefined) {
      a = trafficIntensity(q.callsPerInterval, input.intervalSeconds, q.ahtSeconds);
    } else {
      throw new RangeError(`queue ${q.id ?? i}: give trafficErlangs, or callsPerInterval with intervalSeconds`);
    }
    return outcome(q.id, q.agents, a, q.ahtSeconds, input.targetSeconds);
  });
  // Call rates (per second of AHT units): λ_i = A_i / AHT_i; weights for call-weighted levels.
  const rates = resolved.map((q) => (q.ahtSeconds > 0 ? q.trafficErlangs / q.ahtSeconds : 0));
  const totalRate = rates.reduce((s, r) => s + r, 0);
  const totalAgents = resolved.reduce((s, q) => s + q.agents, 0);
  const totalTraffic = resolved.reduce((s, q) => s + q.trafficErlangs, 0);
  const byCalls = (f: (q: QueueOutcome) => number, empty: number): number =>
    totalRate === 0 ? empty : resolved.reduce((s, q, i) => s + rates[i]! * f(q), 0) / totalRate;
  const separateLevel = byCalls((q) => q.serviceLevel, 1);
  const separateAsa = byCalls((q) => q.averageSpeedOfAnswer, 0);
  const pooledAht =
    totalRate === 0 ? resolved.reduce((s, q) => s + q.ahtSeconds, 0) / resolved.length : totalTraffic / totalRate;

  const pooled = outcome(undefined, totalAgents, totalTraffic, pooledAht, input.targetSeconds);
  let needed: number;
  if (totalTraffic === 0) {
    needed = 0;
  } else {
    needed = agentsForTraffic({
      trafficErlangs: totalTraffic,
      ahtSeconds: pooledAht,
      // A level of exactly 1 is only reached without traffic; 0 means "any stable queue".
      targetServiceLevel: Math.min(separateLevel, 1 - 1e-12),
      targetSeconds: input.targetSeconds,
    }).agents;
  }
  const saved = totalAgents - needed;
  return {
    separate: resolved,
    separateTotal: {
      agents: totalAgents,
      trafficErlangs: totalTraffic,
      serviceLevel: separateLevel,
      averageSpeedOfAnswer: separateAsa,
    },
    pooled,
    pooledAgentsForSameLevel: needed,
    pooledAtSameLevel: outcome(undefined, needed, totalTraffic, pooledAht, input.targetSeconds),
    agentsSaved: saved,
    staffSavingFraction: totalAgents === 0 ? 0 : saved / totalAgents,
  };
}

/** One queue's day as recorded or forecast: per interval its calls, handling time and staff. */
export interface PoolingQueueDay {
  id: string;
  intervals: { start: string; calls: number; ahtSeconds: number; agents: number }[];
}

export interface PoolingDayComparison {
  intervals: (PoolingComparison & { start: string })[];
  /** Over the day, weighted by calls: each queue apart, and pooled with the same staff. */
  separateServiceLevel: number;
  pooledServiceLevel: number;
  /** Agent-hours today, and what the pooled queue needs for each interval's old level. */
  agentHours: number;
  pooledAgentHoursForSameLevel: number;
}

/**
 * The pooling what-if on a day of several queues' own figures: every
 * interval compared as `comparePooling` does, and the day's totals. An
 * interval missing from a queue had no calls and no staff there.
 */
export function comparePoolingDay(input: { queues: PoolingQueueDay[]; intervalMinutes: number; targetSeconds: number }): PoolingDayComparison {
  if (!Number.isFinite(input.intervalMinutes) || input.intervalMinutes <= 0) {
    throw new RangeError(`intervalMinutes must be > 0, got ${String(input.intervalMinutes)}`);
  }
  const intervalSeconds = input.intervalMinutes * 60;
  const starts = [...new Set(input.queues.flatMap((q) => q.intervals.map((iv) => iv.start)))].sort(
    (x, y) => minuteOfDay(x) - minuteOfDay(y),
  );
  const intervals = starts.map((start) => {
    const queues = input.queues.map((q) => {
      const iv = q.intervals.find((i) => i.start === start);
      // Without calls the handling time weighs nothing; any positive value will do.
      return { id: q.id, agents: iv?.agents ?? 0, ahtSeconds: iv?.ahtSeconds ?? 1, callsPerInterval: iv?.calls ?? 0 };
    });
    return { start, ...comparePooling({ queues, targetSeconds: input.targetSeconds, intervalSeconds }) };
  });
  const calls = intervals.map((iv) => iv.separate.reduce((s, q) => s + (q.trafficErlangs * intervalSeconds) / q.ahtSeconds, 0));
  const totalCalls = calls.reduce((s, c) => s + c, 0);
  const byCalls = (f: (iv: (typeof intervals)[number]) => number): number =>
    totalCalls === 0 ? 1 : intervals.reduce((s, iv, i) => s + calls[i]! * f(iv), 0) / totalCalls;
  const hours = input.intervalMinutes / 60;
  return {
    intervals,
    separateServiceLevel: byCalls((iv) => iv.separateTotal.serviceLevel),
    pooledServiceLevel: byCalls((iv) => iv.pooled.serviceLevel),
    agentHours: intervals.reduce((s, iv) => s + iv.separateTotal.agents, 0) * hours,
    pooledAgentHoursForSameLevel: intervals.reduce((s, iv) => s + iv.pooledAgentsForSameLevel, 0) * hours,
  };
}
