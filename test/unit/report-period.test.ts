/**
 * A report's period and intervals in the company's time zone: the spans of
 * one UTC offset, days of 23 and 25 hours, weeks from Monday, and the
 * periods a report refuses.
 */
import { describe, expect, it } from 'vitest';
import { instantOf, intervalKey, localIso, offsetSpans, PeriodError, piecesOf, reportPeriod, sqlInterval } from '../../server/stats/report-period.js';

const TZ = 'Europe/Stockholm';
const HOUR = 3_600_000;

describe('reportPeriod', () => {
  it('runs from local midnight to local midnight, cut where summer time ends', () => {
    const p = reportPeriod('2026-10-25', '2026-10-26', '15m', TZ);
    expect(p.from).toBe(Date.UTC(2026, 9, 24, 22));
    expect(p.to).toBe(Date.UTC(2026, 9, 25, 23));
    expect(p.spans).toEqual([
      { from: p.from, to: Date.UTC(2026, 9, 25, 1), offsetMs: 2 * HOUR },
      { from: Date.UTC(2026, 9, 25, 1), to: p.to, offsetMs: HOUR },
    ]);
    expect(offsetSpans(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1), TZ).map((s) => s.offsetMs)).toEqual([HOUR, 2 * HOUR, HOUR]);
  });

  it('refuses a period that ends before it starts, a date that is none, and a period too long for the interval', () => {
    const refusal = (from: string, to: string, size: Parameters<typeof reportPeriod>[2]): PeriodError => {
      try {
        reportPeriod(from, to, size, TZ);
      } catch (err) {
        return err as PeriodError;
      }
      throw new Error('not refused');
    };
    expect(refusal('2026-12-02', '2026-12-02', 'day')).toMatchObject({ field: 'to', message: expect.stringContaining('must end after it starts') });
    expect(refusal('2026-02-30', '2026-03-02', 'day')).toMatchObject({ field: 'from', message: 'from must be a date such as 2026-12-01, got "2026-02-30"' });
    expect(refusal('2026-01-01', '2026-02-02', '15m')).toMatchObject({
      field: 'to', message: 'a report by 15m covers at most 31 days, this period has 32: pick a shorter period or a larger interval',
    });
    expect(reportPeriod('2026-01-01', '2026-02-01', '15m', TZ).to).toBe(Date.UTC(2026, 0, 31, 23));
  });
});

describe('intervals', () => {
  it('shares a 25-hour day out as one day, and its quarter hours by the wall clock', () => {
    const p = reportPeriod('2026-10-25', '2026-10-26', 'day', TZ);
    expect([...piecesOf(p.from, p.to, p.spans, sqlInterval('day'))]).toEqual([
      { key: Date.UTC(2026, 9, 25), ms: 3 * HOUR },
      { key: Date.UTC(2026, 9, 25), ms: 22 * HOUR },
    ]);
    // 02:50 summer time to 02:10 winter time: the same wall-clock quarter hours, twice.
    const quarters = [...piecesOf(Date.UTC(2026, 9, 25, 0, 50), Date.UTC(2026, 9, 25, 1, 10), p.spans, sqlInterval('15m'))];
    expect(quarters).toEqual([
      { key: Date.UTC(2026, 9, 25, 2, 45), ms: 10 * 60_000 },
      { key: Date.UTC(2026, 9, 25, 2, 0), ms: 10 * 60_000 },
    ]);
  });

  it('starts weeks on Monday and writes interval starts with their offset', () => {
    // Wednesday 2 December and Sunday 6 December: the week of Monday 30 November.
    expect(intervalKey(Date.UTC(2026, 11, 2, 10), sqlInterval('week'))).toBe(Date.UTC(2026, 10, 30));
    expect(intervalKey(Date.UTC(2026, 11, 6, 23, 59), sqlInterval('week'))).toBe(Date.UTC(2026, 10, 30));
    expect(intervalKey(Date.UTC(2026, 11, 7), sqlInterval('week'))).toBe(Date.UTC(2026, 11, 7));
    expect(localIso(Date.UTC(2026, 6, 1), TZ)).toBe('2026-07-01T00:00:00+02:00');
    expect(localIso(Date.UTC(2026, 11, 1, 8, 15), TZ)).toBe('2026-12-01T08:15:00+01:00');
    // Within a period the offset comes from its spans: 02:30 on the night summer time ends, the second time.
    const autumn = reportPeriod('2026-10-25', '2026-10-26', '15m', TZ);
    expect(localIso(Date.UTC(2026, 9, 25, 3, 30), TZ, autumn.spans)).toBe('2026-10-25T03:30:00+01:00');
    expect(localIso(Date.UTC(2026, 9, 25, 1, 30), TZ, autumn.spans)).toBe('2026-10-25T01:30:00+02:00');
    // 02:30 on the night summer time begins does not exist: the instant after the gap.
    expect(instantOf(Date.UTC(2026, 2, 29, 2, 30), TZ)).toBe(Date.UTC(2026, 2, 29, 1, 30));
  });
});
