/**
 * Opening hours: open or closed at an instant, in the time zone the hours
 * are written in. This file is the whole rule:
 *
 * 1. Take the wall-clock date, weekday and time at that instant in the time
 *    zone (Intl, so daylight saving time is the zone's own: 08:00 is 08:00
 *    local in winter and in summer).
 * 2. The service's own exception for that date (config `hoursExceptions`,
 *    in the company's time zone; config/hours-exceptions.ts) comes first:
 *    - "closed": closed all day;
 *    - "open HH:MM-HH:MM": open then, whatever the rest says;
 *    - "closed from HH:MM": closed from then; before it, the steps below;
 *    - "open until HH:MM": closed from then; before it, the weekday's
 *      ranges (step 5), even on a holiday or a day the flow closes.
 * 3. Else an exception of the hours node for that date: its ranges, or closed.
 * 4. Else, with Swedish holidays on, a holiday (./holidays.ts) is closed.
 * 5. Else the weekday's ranges. A weekday not listed is closed.
 *
 * A range "08:00-17:00" is open from 08:00 up to but not including 17:00;
 * "24:00" may end a range. A range does not cross midnight: write
 * "22:00-24:00" on one day and "00:00-02:00" on the next.
 */
import { exceptionOn, parseExceptionHours } from '../../config/hours-exceptions.js';
import type { HoursExceptionConfig } from '../../config/schema.js';
import { swedishHoliday } from './holidays.js';

export { dateProblem } from '../../config/hours-exceptions.js';

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

/** A service's exceptions as a call sees them: written in `timezone` (config company.timezone). */
export interface ServiceExceptions {
  timezone: string;
  exceptions: readonly HoursExceptionConfig[];
}

export type OpenState = {
  open: boolean;
  /** exception: the hours node's own; service-exception: the service's (`exception`). */
  reason: 'hours' | 'exception' | 'holiday' | 'service-exception';
  holiday?: string;
  exception?: HoursExceptionConfig;
  local: LocalTime;
};

const RANGE = /^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$/;

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

/** Open or closed at `at` (ms since the epoch), and why: the service's exceptions first, then the hours. */
export function openState(hours: OpeningHours, at: number, service?: ServiceExceptions): OpenState {
  const local = localTime(at, hours.timezone);
  const serviceLocal = service && localTime(at, service.timezone);
  const exception = service && serviceLocal && exceptionOn(service.exceptions, serviceLocal.date);
  // The configuration's check has read every exception's hours; one it could not read is ignored.
  const rule = exception && parseExceptionHours(exception.hours);
  if (exception && serviceLocal && rule && typeof rule !== 'string') {
    const decided = (open: boolean): OpenState => ({ open, reason: 'service-exception', exception, local });
    const now = serviceLocal.minutes;
    switch (rule.kind) {
      case 'closed': return decided(false);
      case 'open': return decided(now >= rule.from && now < rule.to);
      case 'open-until': return decided(now < rule.at && within(hours.weekly[local.weekday] ?? [], local.minutes));
      case 'closed-from': if (now >= rule.at) return decided(false);
    }
  }
  return nodeOpenState(hours, local);
}

function nodeOpenState(hours: OpeningHours, local: LocalTime): OpenState {
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
  if (state.reason === 'service-exception' && state.exception) {
    const { date, until, hours: rule, note } = state.exception;
    return `${state.open ? 'open' : 'closed'}: the service's exception for ${date}${until ? ` to ${until}` : ''} says "${rule}"${note ? ` (${note})` : ''} (${now})`;
  }
  if (state.reason === 'exception') {
    const today = hours.exceptions.get(state.local.date) ?? [];
    return `${state.open ? 'open' : 'closed'}: the exception for ${state.local.date} says ${rangesText(today)} (${now})`;
  }
  return `${state.open ? 'open' : 'closed: outside opening hours'} (${describeWeeklyHours(hours)}; ${now})`;
}
