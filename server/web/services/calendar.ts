/**
 * The coming days of a service as callers will find them: open when, and
 * why (the service's exception, a public holiday, the flow's own exception
 * or the weekly hours). It follows the product's rule
 * (server/ivr/opening-hours.ts): the service's exception first, then the
 * flow's hours node. Times are minutes after local midnight.
 */
import type { HoursException, HoursNode, Holiday } from './services-api.js';

export type Range = readonly [from: number, to: number];

export type DayReason =
  | { kind: 'exception'; exception: HoursException }
  | { kind: 'holiday'; name: string }
  | { kind: 'flow-exception' }
  | { kind: 'weekly' };

export interface DayPlan {
  date: string;
  /** 0 Monday … 6 Sunday. */
  weekday: number;
  open: Range[];
  reason: DayReason;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CLOCK = /([0-9]{1,2}):([0-9]{2})/g;

function minutesIn(text: string): number[] {
  return [...text.matchAll(CLOCK)].map((m) => Number(m[1]) * 60 + Number(m[2]));
}

function rangesOf(specs: readonly string[]): Range[] {
  return specs.flatMap((spec) => {
    const [from, to] = minutesIn(spec);
    return from !== undefined && to !== undefined && to > from ? [[from, to] as const] : [];
  });
}

const until = (ranges: readonly Range[], at: number): Range[] =>
  ranges.flatMap(([from, to]) => (from >= at ? [] : [[from, Math.min(to, at)] as const]));

/** The date `days` after the civil date `date` (both "YYYY-MM-DD"). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return (new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay() + 6) % 7;
}

/** Each of `count` days from `from`: when the service is open and why. */
export function plan(from: string, count: number, node: HoursNode, exceptions: readonly HoursException[], holidays: readonly Holiday[]): DayPlan[] {
  const holidayOn = new Map(holidays.map((h) => [h.date, h.name]));
  return Array.from({ length: count }, (_, i) => {
    const date = addDays(from, i);
    const weekday = weekdayOf(date);
    const weekly = rangesOf(node.weekly[WEEKDAYS[weekday]!] ?? []);
    const flowException = node.exceptions[date];
    const holiday = node.holidays === 'sweden' ? holidayOn.get(date) : undefined;
    const base: Omit<DayPlan, 'date' | 'weekday'> = flowException
      ? { open: rangesOf(flowException), reason: { kind: 'flow-exception' } }
      : holiday !== undefined ? { open: [], reason: { kind: 'holiday', name: holiday } } : { open: weekly, reason: { kind: 'weekly' } };
    const exception = exceptions.find((e) => e.date <= date && date <= (e.until ?? e.date));
    if (!exception) return { date, weekday, ...base };
    const spec = exception.hours.trim().toLowerCase();
    const [first, second] = minutesIn(spec);
    const reason: DayReason = { kind: 'exception', exception };
    if (spec.startsWith('closed from') && first !== undefined) return { date, weekday, open: until(base.open, first), reason };
    if (spec.startsWith('open until') && first !== undefined) return { date, weekday, open: until(weekly, first), reason };
    if (spec.startsWith('open') && first !== undefined && second !== undefined) return { date, weekday, open: [[first, second]], reason };
    return { date, weekday, open: [], reason };
  });
}

/** 540 → "09:00". */
export function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
