/**
 * A service's opening-hour exceptions (config hoursExceptions) before the
 * hours of its flow's hours node: Christmas, 23 December until 13:00,
 * closed from 15:00 today, ranges of days; and how the configuration's
 * check refuses bad ones. Times are instants given to the rule, as a
 * call's clock would give them.
 */
import { describe, expect, it } from 'vitest';
import { hoursExceptionsIssue, parseExceptionHours } from '../../config/hours-exceptions.js';
import type { HoursExceptionConfig } from '../../config/schema.js';
import { explainOpenState, openState, parseRanges, type OpeningHours, type TimeRange } from '../../server/ivr/opening-hours.js';

const STOCKHOLM = 'Europe/Stockholm';

function ranges(spec: string): TimeRange[] {
  const r = parseRanges(spec);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

/** Weekdays 08:00-17:00, Swedish holidays closed, and the node's own exception: 2026-12-30 10:00-12:00. */
const day = ranges('08:00-17:00');
const flowHours: OpeningHours = {
  timezone: STOCKHOLM,
  weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
  swedishHolidays: true,
  exceptions: new Map([['2026-12-30', ranges('10:00-12:00')]]),
};

/** Open at a local Stockholm time (winter: UTC+1) with these service exceptions. */
function openAt(local: string, exceptions: HoursExceptionConfig[]): boolean {
  return openState(flowHours, Date.parse(`${local}+01:00`), { timezone: STOCKHOLM, exceptions }).open;
}

describe('a service exception comes before the flow\'s hours', () => {
  it('"open until 13:00" on Wednesday 23 December: the weekday\'s hours, cut at 13:00', () => {
    const ex = [{ date: '2026-12-23', hours: 'open until 13:00' }];
    expect(openAt('2026-12-23T07:59:00', ex)).toBe(false);
    expect(openAt('2026-12-23T08:00:00', ex)).toBe(true);
    expect(openAt('2026-12-23T12:59:00', ex)).toBe(true);
    expect(openAt('2026-12-23T13:00:00', ex)).toBe(false);
    expect(openAt('2026-12-23T15:00:00', [])).toBe(true); // without it: an ordinary Wednesday
    expect(openAt('2026-12-22T15:00:00', ex)).toBe(true); // the day before is untouched
  });

  it('"open until 13:00" on Julafton opens a day the holidays close', () => {
    expect(openAt('2026-12-24T10:00:00', [])).toBe(false);
    const ex = [{ date: '2026-12-24', hours: 'open until 13:00' }];
    expect(openAt('2026-12-24T10:00:00', ex)).toBe(true);
    expect(openAt('2026-12-24T13:00:00', ex)).toBe(false);
  });

  it('"closed" over Christmas, a range of days, says why', () => {
    const ex = [{ date: '2026-12-28', until: '2026-12-30', hours: 'closed', note: 'inventory' }];
    expect(openAt('2026-12-28T10:00:00', [])).toBe(true);
    expect(openAt('2026-12-28T10:00:00', ex)).toBe(false);
    expect(openAt('2026-12-29T10:00:00', ex)).toBe(false);
    // The flow's own exception for the 30th (10:00-12:00) gives way to the service's.
    expect(openAt('2026-12-30T11:00:00', [])).toBe(true);
    expect(openAt('2026-12-30T11:00:00', ex)).toBe(false);
    expect(openAt('2026-12-31T11:00:00', ex)).toBe(false); // Nyårsafton: the holidays again
    const state = openState(flowHours, Date.parse('2026-12-29T10:00:00+01:00'), { timezone: STOCKHOLM, exceptions: ex });
    expect(state).toMatchObject({ open: false, reason: 'service-exception', exception: ex[0] });
    expect(explainOpenState(flowHours, state)).toBe(
      'closed: the service\'s exception for 2026-12-28 to 2026-12-30 says "closed" (inventory) (now Tue 2026-12-29 10:00)');
  });

  it('"closed from 15:00" today: the flow\'s hours until then, closed after', () => {
    const ex = [{ date: '2026-12-02', hours: 'closed from 15:00' }];
    expect(openAt('2026-12-02T07:30:00', ex)).toBe(false); // before opening: the flow says closed
    expect(openState(flowHours, Date.parse('2026-12-02T14:59:00+01:00'), { timezone: STOCKHOLM, exceptions: ex }))
      .toMatchObject({ open: true, reason: 'hours' });
    expect(openAt('2026-12-02T15:00:00', ex)).toBe(false);
    expect(openAt('2026-12-02T16:59:00', ex)).toBe(false);
    expect(openAt('2026-12-03T15:00:00', ex)).toBe(true); // tomorrow is an ordinary day
  });

  it('"open 10:00-14:00" on a Saturday the flow keeps closed', () => {
    const ex = [{ date: '2026-12-05', hours: 'open 10:00-14:00' }];
    expect(openAt('2026-12-05T11:00:00', [])).toBe(false);
    expect(openAt('2026-12-05T09:59:00', ex)).toBe(false);
    expect(openAt('2026-12-05T10:00:00', ex)).toBe(true);
    expect(openAt('2026-12-05T14:00:00', ex)).toBe(false);
  });

  it('dates and times are the company\'s: 23:30 UTC on 1 December is already 2 December in Stockholm', () => {
    const ex = [{ date: '2026-12-02', hours: 'closed' }];
    const utcMidnightish = Date.parse('2026-12-01T23:30:00Z');
    expect(openState({ ...flowHours, weekly: { tue: ranges('00:00-24:00'), wed: ranges('00:00-24:00') } }, utcMidnightish,
      { timezone: STOCKHOLM, exceptions: ex })).toMatchObject({ open: false, reason: 'service-exception' });
  });
});

describe('how an exception is written', () => {
  it('reads the four forms, with any case and spacing', () => {
    expect(parseExceptionHours('closed')).toEqual({ kind: 'closed' });
    expect(parseExceptionHours('Closed from 15:00')).toEqual({ kind: 'closed-from', at: 15 * 60 });
    expect(parseExceptionHours(' open  until 13:00 ')).toEqual({ kind: 'open-until', at: 13 * 60 });
    expect(parseExceptionHours('open 10:00 - 14:30')).toEqual({ kind: 'open', from: 10 * 60, to: 14 * 60 + 30 });
  });

  it('refuses a bad time or a range that ends before it starts', () => {
    expect(parseExceptionHours('closed from 25:00')).toMatch(/is not "closed"/);
    expect(parseExceptionHours('open until 24:30')).toMatch(/no time is later than 24:00/);
    expect(parseExceptionHours('open 14:00-10:00')).toMatch(/must end after it starts/);
    expect(parseExceptionHours('shut')).toMatch(/is not "closed", "closed from HH:MM"/);
  });

  it('the configuration\'s check names the place and the kind: unknown service, bad date, until before date, bad hours, overlap', () => {
    const services = new Set(['Kundtjänst']);
    expect(hoursExceptionsIssue({ Okänd: [] }, services)).toEqual({
      path: ['hoursExceptions', 'Okänd'], problem: 'unknown service "Okänd" (not a numbers[].service)',
      refusal: { code: 'unknown-reference', params: { kind: 'service', id: 'Okänd' } },
    });
    expect(hoursExceptionsIssue({ Kundtjänst: [{ date: '2026-02-30', hours: 'closed' }] }, services)).toEqual({
      path: ['hoursExceptions', 'Kundtjänst', 0, 'date'], problem: '"2026-02-30" is not a date in the calendar', refusal: { code: 'bad-date', params: {} },
    });
    expect(hoursExceptionsIssue({ Kundtjänst: [{ date: '2026-12-27', until: '2026-12-26', hours: 'closed' }] }, services))
      .toMatchObject({ path: ['hoursExceptions', 'Kundtjänst', 0, 'until'], refusal: { code: 'ends-before-start' } });
    expect(hoursExceptionsIssue({ Kundtjänst: [{ date: '2026-12-23', hours: 'closed from 15:60' }] }, services))
      .toMatchObject({ path: ['hoursExceptions', 'Kundtjänst', 0, 'hours'], refusal: { code: 'bad-hours' } });
    expect(hoursExceptionsIssue({ Kundtjänst: [{ date: '2026-12-23', hours: 'open until 24:30' }] }, services)?.refusal).toEqual({ code: 'time-after-midnight', params: {} });
    expect(hoursExceptionsIssue({ Kundtjänst: [{ date: '2026-12-23', hours: 'open 14:00-10:00' }] }, services)?.refusal).toEqual({ code: 'ends-before-start', params: {} });
    expect(hoursExceptionsIssue({ Kundtjänst: [{ date: '2026-12-27', until: '2026-12-30', hours: 'closed' }, { date: '2026-12-29', hours: 'closed' }] }, services)).toEqual({
      path: ['hoursExceptions', 'Kundtjänst', 1, 'date'], problem: 'overlaps the exception from 2026-12-27: a day has one exception at most',
      refusal: { code: 'overlaps', params: { date: '2026-12-27' } },
    });
    expect(hoursExceptionsIssue({ Kundtjänst: [{ date: '2026-12-23', hours: 'open until 13:00' }, { date: '2026-12-24', hours: 'closed' }] }, services)).toBeNull();
  });
});
