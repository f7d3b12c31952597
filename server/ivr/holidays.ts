/**
 * Swedish public holidays ("helgdagar", lag (1989:253) om allmänna
 * helgdagar) for any year, plus the eves that workplaces treat as closed
 * (Midsommarafton, Julafton, Nyårsafton).
 *
 * Fixed dates: Nyårsdagen 1 Jan, Trettondedag jul 6 Jan, Första maj 1 May,
 * Nationaldagen 6 Jun, Julafton 24 Dec, Juldagen 25 Dec, Annandag jul 26 Dec,
 * Nyårsafton 31 Dec.
 * From Easter Sunday: Långfredagen -2, Påskdagen 0, Annandag påsk +1,
 * Kristi himmelsfärdsdag +39 (a Thursday), Pingstdagen +49 (a Sunday).
 * Moving by weekday: Midsommarafton is the Friday 19-25 June, Midsommardagen
 * the Saturday 20-26 June, Alla helgons dag the Saturday 31 Oct - 6 Nov.
 *
 * Dates are civil dates "YYYY-MM-DD" (no time zone: a holiday is a day in
 * the calendar of wherever the opening hours are).
 */

export interface Holiday {
  /** "YYYY-MM-DD" */
  date: string;
  /** The Swedish name, e.g. "Långfredagen". */
  name: string;
}

/** Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return civil(year, month, day);
}

function civil(year: number, month: number, day: number): string {
  const t = new Date(Date.UTC(year, month - 1, day));
  return t.toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return t.toISOString().slice(0, 10);
}

/** The first date from `year-month-fromDay` that falls on `weekday` (0 = Sunday ... 6 = Saturday). */
function firstWeekdayFrom(year: number, month: number, fromDay: number, weekday: number): string {
  const start = new Date(Date.UTC(year, month - 1, fromDay));
  return addDays(civil(year, month, fromDay), (weekday - start.getUTCDay() + 7) % 7);
}

const FRIDAY = 5;
const SATURDAY = 6;

/** Every Swedish holiday (and closed eve) of a year, in date order. */
export function swedishHolidays(year: number): Holiday[] {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new RangeError(`cannot compute Swedish holidays for ${year}: only Gregorian years 1583-9999`);
  }
  const easter = easterSunday(year);
  const list: Holiday[] = [
    { date: civil(year, 1, 1), name: 'Nyårsdagen' },
    { date: civil(year, 1, 6), name: 'Trettondedag jul' },
    { date: addDays(easter, -2), name: 'Långfredagen' },
    { date: easter, name: 'Påskdagen' },
    { date: addDays(easter, 1), name: 'Annandag påsk' },
    { date: civil(year, 5, 1), name: 'Första maj' },
    { date: addDays(easter, 39), name: 'Kristi himmelsfärdsdag' },
    { date: addDays(easter, 49), name: 'Pingstdagen' },
    { date: civil(year, 6, 6), name: 'Nationaldagen' },
    { date: firstWeekdayFrom(year, 6, 19, FRIDAY), name: 'Midsommarafton' },
    { date: firstWeekdayFrom(year, 6, 20, SATURDAY), name: 'Midsommardagen' },
    { date: firstWeekdayFrom(year, 10, 31, SATURDAY), name: 'Alla helgons dag' },
    { date: civil(year, 12, 24), name: 'Julafton' },
    { date: civil(year, 12, 25), name: 'Juldagen' },
    { date: civil(year, 12, 26), name: 'Annandag jul' },
    { date: civil(year, 12, 31), name: 'Nyårsafton' },
  ];
  // Two can fall on one day (Kristi himmelsfärdsdag on Första maj in 2008,
  // Pingstdagen on Nationaldagen in 2049): one entry, both names.
  const byDate = new Map<string, Holiday>();
  for (const h of list) {
    const same = byDate.get(h.date);
    byDate.set(h.date, same ? { date: h.date, name: `${same.name} / ${h.name}` } : h);
  }
  return [...byDate.values()].sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

const cache = new Map<number, ReadonlyMap<string, Holiday>>();

/** The holiday on a civil date "YYYY-MM-DD", or undefined on an ordinary day. */
export function swedishHoliday(date: string): Holiday | undefined {
  const year = Number(date.slice(0, 4));
  let days = cache.get(year);
  if (!days) {
    days = new Map(swedishHolidays(year).map((h) => [h.date, h]));
    cache.set(year, days);
  }
  return days.get(date);
}
