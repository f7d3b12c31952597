/**
 * The contact records as staffing reads them: a queue's recorded intervals
 * as the forecast's history (civil date and "HH:MM" in the company's time
 * zone), its callers' mean patience for Erlang A, and the agents actually
 * staffed per interval from their state intervals.
 *
 * Definitions (README "Staffing"):
 * - calls: calls queued in the interval (callbacks booked by a flow are not);
 * - handling time: talk + hold + wrap-up of the calls answered; an interval
 *   whose calls were all lost takes the mean of the period read;
 * - mean patience = all waiting (answered and abandoned callers) / abandons,
 *   the usual estimate when callers hang up at a constant rate; none below
 *   MIN_ABANDONS_FOR_PATIENCE abandons, when Erlang C is used instead;
 * - ready: agents logged in and not paused (ready, ringing, on a call or in
 *   wrap-up) who may take the queue's calls, averaged over the interval.
 */
import type { AgentInterval } from '../history/records.js';
import type { QueueInterval } from '../history/staffing-reads.js';
import { localTime } from '../ivr/opening-hours.js';
import { clockLabel } from './civil-time.js';
import type { HistoryInterval } from './forecast.js';

/** Fewer abandons than this say too little about patience: the queue is staffed by Erlang C. */
export const MIN_ABANDONS_FOR_PATIENCE = 20;
/** Handling time assumed for a queue with no answered call in the period read, seconds. */
export const DEFAULT_AHT_SECONDS = 180;
/** Agent states that count as on the phones. */
export const STAFFED_STATES: ReadonlySet<string> = new Set(['ready', 'reserved', 'busy', 'wrap-up']);

/** Where an instant falls in the company's calendar: its civil date and "HH:MM". */
export function civilSlot(at: number, timezone: string): { date: string; start: string } {
  const local = localTime(at, timezone);
  return { date: local.date, start: clockLabel(local.minutes) };
}

export interface QueueHistory {
  /** The forecast's input, one row per recorded interval. */
  series: HistoryInterval[];
  /** Mean handling time over the period read, seconds. */
  meanAhtSeconds: number;
  /** Mean patience of the queue's callers, seconds; undefined with too few abandons. */
  patienceSeconds?: number;
  abandons: number;
}

/** One queue's recorded intervals turned into forecast history and its callers' patience. */
export function queueHistory(rows: readonly QueueInterval[], queue: string, timezone: string): QueueHistory {
  const own = rows.filter((r) => r.queue === queue);
  const answered = own.reduce((s, r) => s + r.answered, 0);
  const handledMs = own.reduce((s, r) => s + r.handledMs, 0);
  const abandons = own.reduce((s, r) => s + r.abandoned, 0);
  const waitedMs = own.reduce((s, r) => s + r.waitedMs, 0);
  const meanAhtSeconds = answered === 0 ? DEFAULT_AHT_SECONDS : handledMs / answered / 1000;
  const series = own.map((r) => ({
    ...civilSlot(r.intervalStart, timezone),
    calls: r.offered,
    ahtSeconds: r.answered === 0 ? meanAhtSeconds : r.handledMs / r.answered / 1000,
  }));
  return {
    series,
    meanAhtSeconds,
    abandons,
    ...(abandons >= MIN_ABANDONS_FOR_PATIENCE ? { patienceSeconds: waitedMs / abandons / 1000 } : {}),
  };
}

/**
 * Mean number of the given agents staffed in each interval of [from, to):
 * agent-time in STAFFED_STATES within the interval / the interval's length.
 * Keys are interval starts (ms); an interval without any staffed time is 0.
 */
export function staffedPerInterval(
  states: readonly AgentInterval[],
  agents: ReadonlySet<string>,
  range: { from: number; to: number; intervalMs: number; now: number },
): Map<number, number> {
  const { from, to, intervalMs, now } = range;
  const staffedMs = new Map<number, number>();
  for (let s = from; s < to; s += intervalMs) staffedMs.set(s, 0);
  for (const span of states) {
    if (!agents.has(span.agent) || !STAFFED_STATES.has(span.state)) continue;
    // An interval still open lasts until now.
    const end = Math.min(span.endedAt ?? now, to);
    for (let at = Math.max(span.startedAt, from); at < end; ) {
      const start = from + Math.floor((at - from) / intervalMs) * intervalMs;
      const until = Math.min(end, start + intervalMs);
      staffedMs.set(start, (staffedMs.get(start) ?? 0) + (until - at));
      at = until;
    }
  }
  return new Map([...staffedMs].map(([s, ms]) => [s, ms / intervalMs]));
}
