/**
 * Each queue's figures for today, from the contact records: "today" is the
 * company's day (company.timezone), the service level the share of calls
 * answered within the queue's target (targetSeconds) of those answered or
 * abandoned, short abandons (under statistics.shortAbandonSeconds) left out:
 * the service level as the reports define it (./report-figures.ts).
 */
import type { QueueConfigEntry } from '../../config/schema.js';
import type { QueueDay } from '../history/records.js';
import type { HistoryRepository } from '../history/repository.js';
import { localTime } from '../ivr/opening-hours.js';
import { serviceLevel } from './report-figures.js';

export { serviceLevel };

/** statistics.shortAbandonSeconds when the configuration leaves it out. */
export const SHORT_ABANDON_SECONDS = 5;

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;

/** The start of the local day `at` falls in, in `timezone` (a change to or from summer time included). */
export function startOfDay(at: number, timezone: string): number {
  const local = localTime(at, timezone);
  const guess = at - (at % MINUTE_MS) - local.minutes * MINUTE_MS;
  // Summer time began or ended since midnight: the guess is an hour off, into the day before or past midnight.
  const seen = localTime(guess, timezone);
  if (seen.date === local.date) return guess - seen.minutes * MINUTE_MS;
  return guess + (DAY_MINUTES - seen.minutes) * MINUTE_MS;
}

/** The company's day `at` falls in: [from, to). */
export function companyDay(at: number, timezone: string): { from: number; to: number } {
  const from = startOfDay(at, timezone);
  // 30 hours on is always within the next day, whatever summer time does.
  return { from, to: startOfDay(from + 30 * 60 * MINUTE_MS, timezone) };
}

export interface QueueToday extends Omit<QueueDay, 'queue'> {
  id: string;
  name: string;
  targetSeconds: number;
  /** Answered within the target / (answered + abandoned − short abandons), 0..1; null before any such call. */
  serviceLevel: number | null;
}

const NONE: Omit<QueueDay, 'queue'> = {
  offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0, shortAbandoned: 0, callbacksRequested: 0, callbacksCompleted: 0,
};

/** Today's start and the figures of each configured queue, in the configuration's order (a queue without calls today: zeros). */
export async function queuesToday(
  history: Pick<HistoryRepository, 'queueDays'>,
  queues: readonly QueueConfigEntry[],
  timezone: string,
  now: number,
  shortAbandonSeconds = SHORT_ABANDON_SECONDS,
): Promise<{ from: number; queues: QueueToday[] }> {
  const { from, to } = companyDay(now, timezone);
  const targetMs = new Map(queues.map((q) => [q.id, q.targetSeconds * 1000]));
  // Every queue shown has its own target; the records of a queue no longer configured are not shown.
  const days = await history.queueDays(from, to, { targetMs, defaultTargetMs: 0, shortAbandonMs: shortAbandonSeconds * 1000 });
  const byQueue = new Map(days.map(({ queue, ...day }) => [queue, day]));
  return {
    from,
    queues: queues.map((q) => {
      const day = byQueue.get(q.id) ?? NONE;
      return { id: q.id, name: q.name, targetSeconds: q.targetSeconds, ...day, serviceLevel: serviceLevel(day) };
    }),
  };
}
