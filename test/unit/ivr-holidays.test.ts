import { describe, expect, it } from 'vitest';
import { easterSunday, swedishHoliday, swedishHolidays } from '../../server/ivr/holidays.js';

/** Weekday of a civil date: 0 = Sunday ... 6 = Saturday. */
function weekday(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay();
}

function daysBetween(a: string, b: string): number {
  return (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
}

function holidayNamed(year: number, name: string): string {
  const h = swedishHolidays(year).find((x) => x.name.split(' / ').includes(name));
  if (!h) throw new Error(`no ${name} in ${year}`);
  return h.date;
}

describe('Easter, and the holidays that move with it, fall on the right days', () => {
  // Easter Sunday as published (e.g. by Svenska kyrkan's almanac).
  it.each([
    [2019, '2019-04-21'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2028, '2028-04-16'],
    [2029, '2029-04-01'],
    [2030, '2030-04-21'],
    [2038, '2038-04-25'], // the latest possible date
    [2285, '2285-03-22'], // the earliest possible date
  ])('Påskdagen %i is %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
    expect(holidayNamed(year, 'Påskdagen')).toBe(date);
  });

  it.each([
    // year, Långfredagen, Annandag påsk, Kristi himmelsfärdsdag, Pingstdagen
    [2024, '2024-03-29', '2024-04-01', '2024-05-09', '2024-05-19'],
    [2025, '2025-04-18', '2025-04-21', '2025-05-29', '2025-06-08'],
    [2026, '2026-04-03', '2026-04-06', '2026-05-14', '2026-05-24'],
    [2027, '2027-03-26', '2027-03-29', '2027-05-06', '2027-05-16'],
    [2028, '2028-04-14', '2028-04-17', '2028-05-25', '2028-06-04'],
    [2029, '2029-03-30', '2029-04-02', '2029-05-10', '2029-05-20'],
    [2030, '2030-04-19', '2030-04-22', '2030-05-30', '2030-06-09'],
  ])('in %i Långfredagen is %s, Annandag påsk %s, Kristi himmelsfärdsdag %s, Pingstdagen %s', (year, goodFriday, easterMonday, ascension, pentecost) => {
    expect(holidayNamed(year, 'Långfredagen')).toBe(goodFriday);
    expect(holidayNamed(year, 'Annandag påsk')).toBe(easterMonday);
    expect(holidayNamed(year, 'Kristi himmelsfärdsdag')).toBe(ascension);
    expect(holidayNamed(year, 'Pingstdagen')).toBe(pentecost);
  });
});

describe('Midsommar and Alla helgons dag fall on their weekday in their window', () => {
  it.each([
    [2024, '2024-06-21', '2024-06-22', '2024-11-02'],
    [2025, '2025-06-20', '2025-06-21', '2025-11-01'],
    [2026, '2026-06-19', '2026-06-20', '2026-10-31'],
    [2027, '2027-06-25', '2027-06-26', '2027-11-06'],
    [2028, '2028-06-23', '2028-06-24', '2028-11-04'],
    [2029, '2029-06-22', '2029-06-23', '2029-11-03'],
    [2030, '2030-06-21', '2030-06-22', '2030-11-02'],
  ])('in %i Midsommarafton is %s, Midsommardagen %s, Alla helgons dag %s', (year, eve, day, allSaints) => {
    expect(holidayNamed(year, 'Midsommarafton')).toBe(eve);
    expect(holidayNamed(year, 'Midsommardagen')).toBe(day);
    expect(holidayNamed(year, 'Alla helgons dag')).toBe(allSaints);
  });

  it('for every year 1900-2200: Midsommarafton is the Friday 19-25 June, Alla helgons dag the Saturday 31 Oct - 6 Nov', () => {
    for (let year = 1900; year <= 2200; year++) {
      const eve = holidayNamed(year, 'Midsommarafton');
      expect(weekday(eve), `${year}`).toBe(5);
      expect(daysBetween(`${year}-06-19`, eve)).toBeGreaterThanOrEqual(0);
      expect(daysBetween(eve, `${year}-06-25`)).toBeGreaterThanOrEqual(0);
      expect(daysBetween(eve, holidayNamed(year, 'Midsommardagen'))).toBe(1);

      const allSaints = holidayNamed(year, 'Alla helgons dag');
      expect(weekday(allSaints), `${year}`).toBe(6);
      expect(daysBetween(`${year}-10-31`, allSaints)).toBeGreaterThanOrEqual(0);
      expect(daysBetween(allSaints, `${year}-11-06`)).toBeGreaterThanOrEqual(0);
    }
  });

  it('for every year 1900-2200: Easter is a Sunday 22 March - 25 April and Kristi himmelsfärdsdag a Thursday', () => {
    for (let year = 1900; year <= 2200; year++) {
      const easter = easterSunday(year);
      expect(weekday(easter), `${year}`).toBe(0);
      expect(daysBetween(`${year}-03-22`, easter)).toBeGreaterThanOrEqual(0);
      expect(daysBetween(easter, `${year}-04-25`)).toBeGreaterThanOrEqual(0);
      expect(weekday(holidayNamed(year, 'Kristi himmelsfärdsdag'))).toBe(4);
    }
  });
});

describe('the fixed-date holidays and the closed eves', () => {
  it('2026 has every Swedish holiday, with the eves that are treated as closed, in date order', () => {
    expect(swedishHolidays(2026)).toEqual([
      { date: '2026-01-01', name: 'Nyårsdagen' },
      { date: '2026-01-06', name: 'Trettondedag jul' },
      { date: '2026-04-03', name: 'Långfredagen' },
      { date: '2026-04-05', name: 'Påskdagen' },
      { date: '2026-04-06', name: 'Annandag påsk' },
      { date: '2026-05-01', name: 'Första maj' },
      { date: '2026-05-14', name: 'Kristi himmelsfärdsdag' },
      { date: '2026-05-24', name: 'Pingstdagen' },
      { date: '2026-06-06', name: 'Nationaldagen' },
      { date: '2026-06-19', name: 'Midsommarafton' },
      { date: '2026-06-20', name: 'Midsommardagen' },
      { date: '2026-10-31', name: 'Alla helgons dag' },
      { date: '2026-12-24', name: 'Julafton' },
      { date: '2026-12-25', name: 'Juldagen' },
      { date: '2026-12-26', name: 'Annandag jul' },
      { date: '2026-12-31', name: 'Nyårsafton' },
    ]);
  });

  it('two holidays on one day are one entry with both names (Kristi himmelsfärdsdag on Första maj in 2008)', () => {
    expect(swedishHoliday('2008-05-01')?.name).toBe('Första maj / Kristi himmelsfärdsdag');
    expect(swedishHolidays(2008)).toHaveLength(15);
  });

  it('an ordinary working day is no holiday, and the lookup works for any year', () => {
    expect(swedishHoliday('2026-11-23')).toBeUndefined();
    expect(swedishHoliday('2099-12-24')?.name).toBe('Julafton');
    expect(swedishHoliday('2031-06-06')?.name).toBe('Nationaldagen');
  });

  it('refuses years outside the Gregorian calendar', () => {
    expect(() => swedishHolidays(1500)).toThrow(RangeError);
  });
});
