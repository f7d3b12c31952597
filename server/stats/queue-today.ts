/**
 * Each queue's and each service's figures for today, from the contact
 * records: "today" is the company's day (company.timezone), the service
 * level the share of calls answered within their queue's target
 * (targetSeconds) of those answered or abandoned, short abandons (under
 * statistics.shortAbandonSeconds) left out: the service level as the
 * reports define it (./report-figures.ts).
 */
import type { NumberConfig, QueueConfigEntry } from '../../config/schema.js';
import type { DayFigures } from '../history/records.js';
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

export interface Today extends DayFigures {
  /** Answered within the target / (answered + abandoned − short abandons), 0..1; null before any such call. */
  serviceLevel: number | null;
}

export interface QueueToday extends Today {
  id: string;
  name: string;
  targetSeconds: number;
}

export interface ServiceToday extends Today {
  /** The service's name (numbers[].service). */
  service: string;
}

const NONE: DayFigures = {
  offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0, shortAbandoned: 0, callbacksRequested: 0, callbacksCompleted: 0,
};

const today = (day: DayFigures = NONE): Today => ({ ...day, serviceLevel: serviceLevel(day) });

/**
 * Today's start and the figures of each configured queue and of each
 * service whose numbers lead to a flow (a number straight to an extension
 * never queues), in the configuration's order; one without calls today has
 * zeros. The records of a queue or service no longer configured are not shown.
 */
export async function figuresToday(
  history: Pick<HistoryRepository, 'queueDays' | 'serviceDays'>,
  config: { queues: readonly QueueConfigEntry[]; numbers: readonly NumberConfig[] },
  timezone: string,
  now: number,
  shortAbandonSeconds = SHORT_ABANDON_SECONDS,
): Promise<{ from: number; queues: QueueToday[]; services: ServiceToday[] }> {
  const { from, to } = companyDay(now, timezone);
  // Every call waited in a configured queue or one gone since: the latter has no target to be within.
  const rules = { targetMs: new Map(config.queues.map((q) => [q.id, q.targetSeconds * 1000])), defaultTargetMs: 0, shortAbandonMs: shortAbandonSeconds * 1000 };
  const [queueDays, serviceDays] = await Promise.all([history.queueDays(from, to, rules), history.serviceDays(from, to, rules)]);
  const byQueue = new Map(queueDays.map(({ queue, ...day }) => [queue, day]));
  const byService = new Map(serviceDays.map(({ service, ...day }) => [service, day]));
  const services = [...new Set(config.numbers.filter((n) => n.target === undefined).map((n) => n.service))];
  return {
    from,
    queues: config.queues.map((q) => ({ id: q.id, name: q.name, targetSeconds: q.targetSeconds, ...today(byQueue.get(q.id)) })),
    services: services.map((service) => ({ service, ...today(byService.get(service)) })),
  };
}
