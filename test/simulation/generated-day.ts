/**
 * A generated day of callers for the routing replay (server/stats/replay.ts):
 * Poisson arrivals, exponential handling times and, when asked for,
 * exponential patience, from a seeded PRNG, so the same plan gives the same
 * callers on every machine.
 *
 * Arrivals and handling times fall on even milliseconds and patience on odd
 * ones. With whole-second wrap-ups, an agent then never comes free in the
 * very millisecond a caller gives up: which of two things at one instant
 * goes first is decided by the order of the clock's timers, and no textbook
 * simulation to compare with can know that order.
 */
import type { ReplayArrival } from '../../server/stats/replay.js';
import { Prng } from './sim.js';

export interface DayPlan {
  seed: number;
  queueId: string;
  /** Clock time of the day's first possible arrival, ms. */
  start: number;
  calls: number;
  trafficErlangs: number;
  ahtSeconds: number;
  /** Mean patience in seconds; absent: callers wait until answered. */
  meanPatienceSeconds?: number;
  /** Id prefix, so several generated streams can share a day. */
  prefix?: string;
}

const even = (ms: number): number => 2 * Math.round(ms / 2);
const odd = (ms: number): number => 2 * Math.floor(ms / 2) + 1;

export function generateDay(plan: DayPlan): ReplayArrival[] {
  const rng = new Prng(plan.seed);
  const meanGapMs = (plan.ahtSeconds * 1000) / plan.trafficErlangs;
  const arrivals: ReplayArrival[] = [];
  let at = plan.start;
  for (let i = 0; i < plan.calls; i++) {
    at += even(rng.exponential(meanGapMs));
    const handleMs = Math.max(2, even(rng.exponential(plan.ahtSeconds * 1000)));
    arrivals.push({
      id: `${plan.prefix ?? plan.queueId}-${i}`,
      at,
      queueId: plan.queueId,
      handleSeconds: handleMs / 1000,
      ...(plan.meanPatienceSeconds !== undefined
        ? { patienceSeconds: odd(rng.exponential(plan.meanPatienceSeconds * 1000)) / 1000 }
        : {}),
    });
  }
  return arrivals;
}

/** Several streams merged into one day, in arrival order. */
export function mergeDays(...days: ReplayArrival[][]): ReplayArrival[] {
  return days.flat().sort((a, b) => a.at - b.at);
}
