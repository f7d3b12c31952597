/**
 * Opening hours: open or closed at an instant, in the time zone the hours
 * are written in. This file is the whole rule:
 *
 * 1. Take the wall-clock date, weekday and time at that instant in the time
 *    zone (Intl, so daylight saving time is the zone's own: 08:00 is 08:00
 *    local in winter and in summer).
 * 2. An exception for that date wins: its ranges, or closed.
 * 3. Else, with Swedish holidays on, a holiday (./holidays.ts) is closed.
 * 4. Else the weekday's ranges. A weekday not listed is closed.
 *
 * A range "08:00-17:00" is open from 08:00 up to but not including 17:00;
 * "24:00" may end a range. A range does not cross midnight: write
 * "22:00-24:00" on one day and "00:00-02:00" on the next.
 */
import { swedishHoliday } from './holidays.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Minutes after local midnight: open from `from` (inclusive) to `to` (exclusive). */
export interface TimeRange {
  from: number;
  to: number;
}

/** How hours are written in a flow: "08:00-17:00", a list of those, or "closed". */
export type RangeSpec = string | readonly string[];

export interface OpeningHours {
  /** IANA time zone, e.g. "Europe/Stockholm". */
  timezone: string;
  weekly: Partial<Record<Weekday, TimeRange[]>>;
  /** Swedish public holidays are closed (unless an exception says otherwise). */
  swedishHolidays: boolean;
  /** Civil date "YYYY-MM-DD" -> its hours that day ([] = closed). */
  exceptions: ReadonlyMap<string, TimeRange[]>;
}

export interface LocalTime {
  /** "YYYY-MM-DD" */
  date: string;
  weekday: Weekday;
  /** Minutes after local midnight. */
  minutes: number;
}

export type OpenState = { open: boolean; reason: 'hours' | 'exception' | 'holiday'; holiday?: string; local: LocalTime };

const RANGE = /^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** Parses a RangeSpec; a string result is what is wrong with it. */
export function parseRanges(spec: RangeSpec): TimeRange[] | string {
  const items = typeof spec === 'string' ? [spec] : spec;
  if (items.length === 1 && items[0]!.trim().toLowerCase() === 'closed') return [];
  const out: TimeRange[] = [];
  for (const raw of items) {
    const m = RANGE.exec(raw.replace(/\s+/g, ''));
    if (!m) return `"${raw}" is not a range such as "08:00-17:00" (or "closed")`;
    const from = Number(m[1]) * 60 + Number(m[2]);
    const to = Number(m[3]) * 60 + Number(m[4]);
    if (from > 24 * 60 || to > 24 * 60) return `"${raw}": no time is later than 24:00`;
    if (to <= from) return `"${raw}" must end after it starts (split a range over midnight into two days)`;
    out.push({ from, to });
  }
  out.sort((a, b) => a.from - b.from);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.from < out[i - 1]!.to) return `ranges ${items.join(', ')} overlap`;
  }
  return out;
}

/** Why a civil date "YYYY-MM-DD" is not one, or undefined. */
export function dateProblem(date: string): string | undefined {
  const m = DATE.exec(date);
  if (!m) return `"${date}" is not a date such as "2025-12-23"`;
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (t.toISOString().slice(0, 10) !== date) return `"${date}" is not a date in the calendar`;
  return undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** Whether Intl knows the time zone. */
export function isTimeZone(timezone: string): boolean {
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date, weekday and minutes at `at` (ms since the epoch) in `timezone`. */
export function localTime(at: number, timezone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(new Date(at))) parts[p.type] = p.value;
  const weekday = parts['weekday']!.toLowerCase().slice(0, 3) as Weekday;
  return {
    date: `${parts['year']}-${parts['month']}-${parts['day']}`,
    weekday,
    minutes: (Number(parts['hour']) % 24) * 60 + Number(parts['minute']),
  };
}

function within(ranges: readonly TimeRange[], minutes: number): boolean {
  return ranges.some((r) => minutes >= r.from && minutes < r.to);
}

/** Open or closed at `at` (ms since the epoch), and why. */
export function openState(hours: OpeningHours, at: number): OpenState {
  const local = localTime(at, hours.timezone);
  const exception = hours.exceptions.get(local.date);
  if (exception) return { open: within(exception, local.minutes), reason: 'exception', local };
  if (hours.swedishHolidays) {
    const holiday = swedishHoliday(local.date);
    if (holiday) return { open: false, reason: 'holiday', holiday: holiday.name, local };
  }
  return { open: within(hours.weekly[local.weekday] ?? [], local.minutes), reason: 'hours', local };
}

const DAY_NAMES: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

function clockTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function rangesText(ranges: readonly TimeRange[]): string {
  return ranges.length === 0 ? 'closed' : ranges.map((r) => `${clockTime(r.from)}–${clockTime(r.to)}`).join(', ');
}

/**
 * The weekly hours in a few words, neighbouring days with the same hours
 * joined: "Mon–Fri 08:00–17:00, Sat 10:00–14:00 Europe/Stockholm".
 */
export function describeWeeklyHours(hours: OpeningHours): string {
  const groups: Array<{ first: Weekday; last: Weekday; text: string }> = [];
  for (const day of WEEKDAYS) {
    const ranges = hours.weekly[day];
    if (!ranges || ranges.length === 0) continue;
    const text = rangesText(ranges);
    const prev = groups[groups.length - 1];
    if (prev && prev.text === text && WEEKDAYS.indexOf(prev.last) === WEEKDAYS.indexOf(day) - 1) prev.last = day;
    else groups.push({ first: day, last: day, text });
  }
  const days = groups.map((g) => `${DAY_NAMES[g.first]}${g.first === g.last ? '' : `–${DAY_NAMES[g.last]}`} ${g.text}`);
  return `${days.length ? days.join(', ') : 'never open'} ${hours.timezone}`;
}

/**
 * Why a call found the line open or closed, for the log, e.g.
 * "closed: outside opening hours (Mon–Fri 08:00–17:00 Europe/Stockholm; now Sat 21:14)".
 */
export function explainOpenState(hours: OpeningHours, state: OpenState): string {
  const now = `now ${DAY_NAMES[state.local.weekday]} ${state.local.date} ${clockTime(state.local.minutes)}`;
  if (state.reason === 'holiday') return `closed: public holiday, ${state.holiday} (${now})`;
  if (state.reason === 'exception') {
    const today = hours.exceptions.get(state.local.date) ?? [];
    return `${state.open ? 'open' : 'closed'}: the exception for ${state.local.date} says ${rangesText(today)} (${now})`;
  }
  return `${state.open ? 'open' : 'closed: outside opening hours'} (${describeWeeklyHours(hours)}; ${now})`;
}
