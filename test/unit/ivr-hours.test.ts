import { describe, expect, it } from 'vitest';
import { localTime, openState, parseRanges, type OpeningHours, type TimeRange } from '../../server/ivr/opening-hours.js';

const STOCKHOLM = 'Europe/Stockholm';

function ranges(spec: string | string[]): TimeRange[] {
  const r = parseRanges(spec);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

function hours(over: Partial<OpeningHours> = {}): OpeningHours {
  const day = ranges('08:00-17:00');
  return {
    timezone: STOCKHOLM,
    weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
    swedishHolidays: true,
    exceptions: new Map(),
    ...over,
  };
}

const at = (iso: string): number => Date.parse(iso);
const open = (h: OpeningHours, iso: string): boolean => openState(h, at(iso)).open;

describe('opening hours are local wall-clock time in Europe/Stockholm, in winter and in summer', () => {
  it('in winter (CET, UTC+1) 08:00-17:00 local is 07:00-16:00 UTC', () => {
    const h = hours();
    expect(open(h, '2026-03-27T06:59:00Z')).toBe(false); // Friday 07:59 local
    expect(open(h, '2026-03-27T07:00:00Z')).toBe(true); //  08:00
    expect(open(h, '2026-03-27T15:59:00Z')).toBe(true); //  16:59
    expect(open(h, '2026-03-27T16:00:00Z')).toBe(false); // 17:00: closing time is closed
  });

  it('after the clocks go forward (29 March 2026) 08:00-17:00 local is 06:00-15:00 UTC', () => {
    const h = hours();
    expect(open(h, '2026-03-30T05:59:00Z')).toBe(false); // Monday 07:59 CEST
    expect(open(h, '2026-03-30T06:00:00Z')).toBe(true); //  08:00 CEST (would be 07:00 in winter)
    expect(open(h, '2026-03-30T14:59:00Z')).toBe(true); //  16:59
    expect(open(h, '2026-03-30T15:00:00Z')).toBe(false); // 17:00 CEST (would be 16:00 in winter)
  });

  it('after the clocks go back (25 October 2026) it is UTC+1 again', () => {
    const h = hours();
    expect(open(h, '2026-10-23T06:00:00Z')).toBe(true); //  Friday 08:00 CEST
    expect(open(h, '2026-10-26T06:00:00Z')).toBe(false); // Monday 07:00 CET
    expect(open(h, '2026-10-26T07:00:00Z')).toBe(true); //  08:00 CET
    expect(open(h, '2026-10-26T15:30:00Z')).toBe(true); //  16:30 CET
  });

  it('on the night the clocks go forward, an hour between 02:00 and 03:00 never comes', () => {
    const h = hours({ weekly: { sun: ranges('02:00-03:00') } });
    expect(localTime(at('2026-03-29T00:59:00Z'), STOCKHOLM)).toEqual({ date: '2026-03-29', weekday: 'sun', minutes: 1 * 60 + 59 });
    expect(localTime(at('2026-03-29T01:00:00Z'), STOCKHOLM)).toEqual({ date: '2026-03-29', weekday: 'sun', minutes: 3 * 60 });
    expect(open(h, '2026-03-29T00:59:00Z')).toBe(false);
    expect(open(h, '2026-03-29T01:00:00Z')).toBe(false);
    expect(open(h, '2026-03-22T01:30:00Z')).toBe(true); // the Sunday before: 02:30 CET exists
  });

  it('on the night the clocks go back, 02:00-03:00 is open twice', () => {
    const h = hours({ weekly: { sun: ranges('02:00-03:00') } });
    expect(open(h, '2026-10-25T00:30:00Z')).toBe(true); // 02:30 CEST
    expect(open(h, '2026-10-25T01:30:00Z')).toBe(true); // 02:30 CET, the second time
    expect(open(h, '2026-10-25T02:00:00Z')).toBe(false); // 03:00 CET
  });

  it('the day a holiday falls on is the local day: Julafton starts at local midnight, 23:00 UTC', () => {
    const h = hours({ weekly: { wed: ranges('00:00-24:00'), thu: ranges('00:00-24:00') } });
    expect(open(h, '2026-12-23T22:59:00Z')).toBe(true); // Wednesday 23:59 local
    expect(openState(h, at('2026-12-23T23:00:00Z'))).toMatchObject({ open: false, reason: 'holiday', holiday: 'Julafton' });
  });
});

describe('holidays and exceptions', () => {
  it('a weekday that is a holiday is closed: Långfredagen, Kristi himmelsfärdsdag and Midsommarafton 2026', () => {
    const h = hours();
    for (const iso of ['2026-04-03T09:00:00Z', '2026-05-14T09:00:00Z', '2026-06-19T09:00:00Z']) {
      expect(openState(h, at(iso)), iso).toMatchObject({ open: false, reason: 'holiday' });
    }
    expect(open(h, '2026-06-18T09:00:00Z')).toBe(true); // the Thursday before Midsommarafton
  });

  it('with holidays: none, a holiday is an ordinary weekday', () => {
    expect(open(hours({ swedishHolidays: false }), '2026-04-03T09:00:00Z')).toBe(true);
  });

  it('an exception by date wins over the week and over holidays', () => {
    const h = hours({
      exceptions: new Map([
        ['2026-12-23', ranges('08:00-12:00')], // half day before Julafton
        ['2026-12-24', ranges('09:00-11:00')], // open a little on Julafton
        ['2026-11-27', []], // closed for a staff day
      ]),
    });
    expect(open(h, '2026-12-23T10:59:00Z')).toBe(true); // 11:59 local
    expect(openState(h, at('2026-12-23T11:00:00Z'))).toMatchObject({ open: false, reason: 'exception' });
    expect(openState(h, at('2026-12-24T08:30:00Z'))).toMatchObject({ open: true, reason: 'exception' });
    expect(openState(h, at('2026-11-27T09:00:00Z'))).toMatchObject({ open: false, reason: 'exception' });
  });

  it('a weekday not listed is closed, and a day may have several ranges', () => {
    const h = hours({ weekly: { fri: ranges(['08:00-12:00', '13:00-16:00']) } });
    expect(open(h, '2026-11-27T10:00:00Z')).toBe(true); //  Friday 11:00
    expect(open(h, '2026-11-27T11:30:00Z')).toBe(false); // lunch
    expect(open(h, '2026-11-27T12:00:00Z')).toBe(true); //  13:00
    expect(open(h, '2026-11-28T10:00:00Z')).toBe(false); // Saturday
  });
});

describe('how hours are written', () => {
  it.each([
    ['08:00-17:00', [{ from: 480, to: 1020 }]],
    ['closed', []],
    ['00:00-24:00', [{ from: 0, to: 1440 }]],
  ])('%s', (spec, expected) => {
    expect(parseRanges(spec)).toEqual(expected);
  });

  it.each([
    ['17:00-08:00', '"17:00-08:00" must end after it starts (split a range over midnight into two days)'],
    ['8-17', '"8-17" is not a range such as "08:00-17:00" (or "closed")'],
    ['24:30-24:45', '"24:30-24:45": no time is later than 24:00'],
  ])('%s is refused', (spec, problem) => {
    expect(parseRanges(spec)).toBe(problem);
  });

  it('overlapping ranges are refused', () => {
    expect(parseRanges(['08:00-12:00', '11:00-13:00'])).toBe('ranges 08:00-12:00, 11:00-13:00 overlap');
  });
});
