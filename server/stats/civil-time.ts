/**
 * Civil dates "YYYY-MM-DD" and times of day "HH:MM" as the statistics use
 * them: days in the calendar of wherever the centre is, no time zone.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a civil date; RangeError unless it is a real date. */
export function dayNumber(date: string): number {
  const m = DATE.exec(date);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || new Date(t).toISOString().slice(0, 10) !== date) throw new RangeError(`not a date YYYY-MM-DD: ${date}`);
  return t / DAY_MS;
}

/** The civil date of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Minutes after midnight of "HH:MM"; RangeError otherwise. */
export function minuteOfDay(time: string): number {
  const m = TIME.exec(time);
  if (!m) throw new RangeError(`not a time HH:MM: ${time}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** "HH:MM" of minutes after midnight (wrapping past midnight). */
export function clockLabel(minute: number): string {
  const t = ((minute % 1440) + 1440) % 1440;
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}
