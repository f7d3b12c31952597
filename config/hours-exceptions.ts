/**
 * Opening-hour exceptions per service (config `hoursExceptions`): how one is
 * written and when a list of them is valid. What they do to a call is the
 * opening-hours rule (server/ivr/opening-hours.ts).
 *
 *   hoursExceptions:
 *     Kundtjänst:
 *       - date: "2026-12-23"
 *         hours: open until 13:00
 *       - date: "2026-12-27"
 *         until: "2026-12-30"
 *         hours: closed
 *         note: inventory
 *
 * `hours` is "closed", "closed from HH:MM", "open until HH:MM" or
 * "open HH:MM-HH:MM". A service's exceptions do not overlap, so the first
 * date names an exception among its service's.
 */
import type { HoursExceptionConfig } from './schema.js';
import { refusal, unknown } from './refusals.js';
import type { Issue } from './validation-kit.js';

/** An exception's `hours`, read: times are minutes after local midnight. */
export type ExceptionHours =
  | { kind: 'closed' }
  | { kind: 'closed-from'; at: number }
  | { kind: 'open-until'; at: number }
  | { kind: 'open'; from: number; to: number };

export const EXCEPTION_HOURS_FORMS = '"closed", "closed from HH:MM", "open until HH:MM" or "open HH:MM-HH:MM"';

const CLOCK = '([01][0-9]|2[0-4]):([0-5][0-9])';
const CLOSED_FROM = new RegExp(`^closed from ${CLOCK}$`);
const OPEN_UNTIL = new RegExp(`^open until ${CLOCK}$`);
const OPEN = new RegExp(`^open ${CLOCK}\\s*[-–]\\s*${CLOCK}$`);
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const DAY_MINUTES = 24 * 60;

function minutes(hour: string, minute: string): number {
  return Number(hour) * 60 + Number(minute);
}

/** What is wrong with an exception's `hours`, in English and by its kind. */
type HoursProblem = Omit<Issue, 'path'>;

/** Reads an exception's `hours`; a string result is what is wrong with it. */
export function parseExceptionHours(text: string): ExceptionHours | string {
  const read = readExceptionHours(text);
  return 'problem' in read ? read.problem : read;
}

function readExceptionHours(text: string): ExceptionHours | HoursProblem {
  const spec = text.trim().replace(/\s+/g, ' ').toLowerCase();
  const lateTime = { problem: `"${text}": no time is later than 24:00`, refusal: refusal('time-after-midnight') };
  if (spec === 'closed') return { kind: 'closed' };
  const one = CLOSED_FROM.exec(spec) ?? OPEN_UNTIL.exec(spec);
  if (one) {
    const at = minutes(one[1]!, one[2]!);
    if (at > DAY_MINUTES) return lateTime;
    return { kind: spec.startsWith('closed') ? 'closed-from' : 'open-until', at };
  }
  const range = OPEN.exec(spec);
  if (!range) return { problem: `"${text}" is not ${EXCEPTION_HOURS_FORMS}`, refusal: refusal('bad-hours') };
  const from = minutes(range[1]!, range[2]!);
  const to = minutes(range[3]!, range[4]!);
  if (from > DAY_MINUTES || to > DAY_MINUTES) return lateTime;
  if (to <= from) return { problem: `"${text}" must end after it starts`, refusal: refusal('ends-before-start') };
  return { kind: 'open', from, to };
}

/** Why a civil date "YYYY-MM-DD" is not one, or undefined. */
export function dateProblem(date: string): string | undefined {
  const m = DATE.exec(date);
  if (!m) return `"${date}" is not a date such as "2025-12-23"`;
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (t.toISOString().slice(0, 10) !== date) return `"${date}" is not a date in the calendar`;
  return undefined;
}

/** The last day an exception covers. */
export function lastDay(e: HoursExceptionConfig): string {
  return e.until ?? e.date;
}

/** The exception of `list` that covers the civil date `date`, if any. */
export function exceptionOn(list: readonly HoursExceptionConfig[], date: string): HoursExceptionConfig | undefined {
  return list.find((e) => e.date <= date && date <= lastDay(e));
}

/** The first problem with the exceptions of every service, given the services that exist. */
export function hoursExceptionsIssue(all: Record<string, HoursExceptionConfig[]>, services: ReadonlySet<string>): Issue | null {
  for (const [service, list] of Object.entries(all)) {
    if (!services.has(service)) {
      return { path: ['hoursExceptions', service], problem: `unknown service "${service}" (not a numbers[].service)`, refusal: unknown('service', service) };
    }
    for (const [i, e] of list.entries()) {
      const at = (field: string): Array<string | number> => ['hoursExceptions', service, i, field];
      const badDate = dateProblem(e.date);
      if (badDate) return { path: at('date'), problem: badDate, refusal: refusal('bad-date') };
      if (e.until !== undefined) {
        const badUntil = dateProblem(e.until);
        if (badUntil) return { path: at('until'), problem: badUntil, refusal: refusal('bad-date') };
        if (e.until < e.date) return { path: at('until'), problem: `must not be before date (${e.until} < ${e.date})`, refusal: refusal('ends-before-start') };
      }
      const hours = readExceptionHours(e.hours);
      if ('problem' in hours) return { path: at('hours'), ...hours };
      const other = list.slice(0, i).find((o) => o.date <= lastDay(e) && e.date <= lastDay(o));
      if (other) {
        return { path: at('date'), problem: `overlaps the exception from ${other.date}: a day has one exception at most`, refusal: refusal('overlaps', { date: other.date }) };
      }
    }
  }
  return null;
}
