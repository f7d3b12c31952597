/**
 * A report's period and intervals in the company's time zone. An interval
 * is named by its start in local wall-clock time, written as milliseconds
 * as if that wall clock were UTC (a "local key"): 15, 30 and 60 minutes,
 * days and weeks are then plain arithmetic on `at + offset`, the same in
 * SQL (server/history/report-sql.ts) as here, and a day is a calendar day
 * even when summer time makes it 23 or 25 hours long. The offset is taken
 * from the spans of constant UTC offset that cover the period
 * (`offsetSpans`). A month is its days added together (`monthKey`).
 *
 * On the night summer time ends, the hour 02:00-03:00 happens twice: both
 * fall in the same local intervals.
 */
import type { OffsetSpan, ReportInterval } from '../history/records.js';
import { localTime } from '../ivr/opening-hours.js';
import { dayNumber } from './civil-time.js';

export const INTERVAL_SIZES = ['15m', '30m', '60m', 'day', 'week', 'month'] as const;
export type IntervalSize = (typeof INTERVAL_SIZES)[number];

/** The longest period, in days, a report by each interval size covers: a month of quarter hours, two years of weeks or months. */
export const MAX_PERIOD_DAYS: Record<IntervalSize, number> = { '15m': 31, '30m': 62, '60m': 92, day: 366, week: 731, month: 731 };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** The interval SQL groups by: a month is grouped by day, and the days folded into months after. */
export function sqlInterval(size: IntervalSize): ReportInterval {
  switch (size) {
    case '15m': return { kind: 'fixed', ms: 15 * MINUTE_MS };
    case '30m': return { kind: 'fixed', ms: 30 * MINUTE_MS };
    case '60m': return { kind: 'fixed', ms: 60 * MINUTE_MS };
    case 'day': case 'month': return { kind: 'fixed', ms: DAY_MS };
    case 'week': return { kind: 'week' };
  }
}

/**
 * The start of the interval a local key falls in. Weeks start on Monday:
 * day 0 (1970-01-01) was a Thursday, so a day's weekday from Monday is
 * (day + 3) mod 7.
 */
export function intervalKey(local: number, interval: ReportInterval): number {
  if (interval.kind === 'fixed') return local - (local % interval.ms);
  const day = local - (local % DAY_MS);
  return day - ((Math.floor(day / DAY_MS) + 3) % 7) * DAY_MS;
}

const intervalLength = (interval: ReportInterval): number => (interval.kind === 'fixed' ? interval.ms : WEEK_MS);

/** The first day of the month of a local key. */
export function monthKey(local: number): number {
  const d = new Date(local);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The UTC offset, in ms, of `timezone` at `at` (to the minute). */
export function offsetAt(at: number, timezone: string): number {
  const local = localTime(at, timezone);
  return dayNumber(local.date) * DAY_MS + local.minutes * MINUTE_MS - (at - (at % MINUTE_MS));
}

/** The instant a local key names (the later one, should summer time have skipped it). */
export function instantOf(local: number, timezone: string): number {
  const guess = local - offsetAt(local, timezone);
  return local - offsetAt(guess, timezone);
}

/**
 * A local key as an ISO time with its offset: 2026-12-02T08:15:00+01:00.
 * The offset is the period's span's, when the key falls in one (no time
 * zone lookup for each of a month's quarter hours).
 */
export function localIso(local: number, timezone: string, spans: readonly OffsetSpan[] = []): string {
  const span = spans.find((s) => local - s.offsetMs >= s.from && local - s.offsetMs < s.to);
  const offset = (span ? span.offsetMs : offsetAt(instantOf(local, timezone), timezone)) / MINUTE_MS;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${new Date(local).toISOString().slice(0, 19)}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The spans of constant UTC offset that cover [from, to), in order (a change is found to the minute). */
export function offsetSpans(from: number, to: number, timezone: string): OffsetSpan[] {
  const spans: OffsetSpan[] = [];
  let start = from;
  let offset = offsetAt(from, timezone);
  // Offsets change at most a few times a year and never twice within a week: look a week ahead, then narrow down.
  for (let probe = from; probe < to;) {
    const next = Math.min(probe + WEEK_MS, to);
    const ahead = offsetAt(next === to ? to - 1 : next, timezone);
    if (ahead !== offset) {
      let lo = probe;
      let hi = next;
      while (hi - lo > MINUTE_MS) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
        if (offsetAt(mid, timezone) === offset) lo = mid;
        else hi = mid;
      }
      spans.push({ from: start, to: hi, offsetMs: offset });
      start = hi;
      offset = ahead;
    }
    probe = next;
  }
  spans.push({ from: start, to, offsetMs: offset });
  return spans;
}

/** A report's period: the local days [fromDate, toDate) as instants, and its offset spans. */
export interface ReportPeriod {
  fromDate: string;
  toDate: string;
  from: number;
  to: number;
  timezone: string;
  spans: OffsetSpan[];
}

/** Why a period cannot be reported, and the request field at fault. */
export class PeriodError extends Error {
  constructor(message: string, readonly field: 'from' | 'to') {
    super(message);
    this.name = 'PeriodError';
  }
}

/** The period from the start of `fromDate` to the start of `toDate` in `timezone`; PeriodError when it is not one a report by `size` covers. */
export function reportPeriod(fromDate: string, toDate: string, size: IntervalSize, timezone: string): ReportPeriod {
  const fromDay = dayOf(fromDate, 'from');
  const toDay = dayOf(toDate, 'to');
  if (toDay <= fromDay) throw new PeriodError(`the period must end after it starts: to (${toDate}) is not after from (${fromDate})`, 'to');
  const max = MAX_PERIOD_DAYS[size];
  if (toDay - fromDay > max) {
    throw new PeriodError(`a report by ${size} covers at most ${max} days, this period has ${toDay - fromDay}: pick a shorter period or a larger interval`, 'to');
  }
  const from = instantOf(fromDay * DAY_MS, timezone);
  const to = instantOf(toDay * DAY_MS, timezone);
  return { fromDate, toDate, from, to, timezone, spans: offsetSpans(from, to, timezone) };
}

function dayOf(date: string, field: 'from' | 'to'): number {
  try {
    return dayNumber(date);
  } catch {
    throw new PeriodError(`${field} must be a date such as 2026-12-01, got ${JSON.stringify(date)}`, field);
  }
}

/**
 * [start, end) cut at the intervals' boundaries, each piece with the local
 * key of its interval: how time spent in a state is shared out between the
 * intervals it spans.
 */
export function* piecesOf(start: number, end: number, spans: readonly OffsetSpan[], interval: ReportInterval): Generator<{ key: number; ms: number }> {
  for (const span of spans) {
    let at = Math.max(start, span.from);
    const stop = Math.min(end, span.to);
    while (at < stop) {
      const local = at + span.offsetMs;
      const key = intervalKey(local, interval);
      const next = Math.min(stop, at + (key + intervalLength(interval) - local));
      yield { key, ms: next - at };
      at = next;
    }
  }
}
