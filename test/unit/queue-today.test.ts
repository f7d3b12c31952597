/**
 * The company's day (server/stats/queue-today.ts): from local midnight to
 * the next, also on the days summer time begins and ends (23 and 25 hours);
 * the service level leaves short abandons out.
 */
import { describe, expect, it } from 'vitest';
import { companyDay, serviceLevel } from '../../server/stats/queue-today.js';

const H = 3_600_000;
const TZ = 'Europe/Stockholm';

describe('companyDay', () => {
  it('runs from local midnight to the next on an ordinary day', () => {
    expect(companyDay(Date.UTC(2026, 11, 2, 9, 30, 12, 345), TZ)).toEqual({ from: Date.UTC(2026, 11, 1, 23), to: Date.UTC(2026, 11, 2, 23) });
  });

  it('is 23 hours long the day summer time begins, and 25 the day it ends', () => {
    const spring = companyDay(Date.UTC(2026, 2, 29, 20), TZ);
    expect(spring).toEqual({ from: Date.UTC(2026, 2, 28, 23), to: Date.UTC(2026, 2, 29, 22) });
    expect(spring.to - spring.from).toBe(23 * H);
    const autumn = companyDay(Date.UTC(2026, 9, 25, 20), TZ);
    expect(autumn).toEqual({ from: Date.UTC(2026, 9, 24, 22), to: Date.UTC(2026, 9, 25, 23) });
    expect(autumn.to - autumn.from).toBe(25 * H);
  });

  it('starts the day at midnight itself', () => {
    expect(companyDay(Date.UTC(2026, 11, 1, 23), TZ).from).toBe(Date.UTC(2026, 11, 1, 23));
  });
});

describe('serviceLevel', () => {
  const day = { offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0, shortAbandoned: 0, callbacksRequested: 0, callbacksCompleted: 0 };
  it('is answered in target over answered and abandoned, short abandons left out', () => {
    expect(serviceLevel({ ...day, answered: 8, answeredInTarget: 6, abandoned: 3, shortAbandoned: 1 })).toBe(0.6);
  });
  it('is null before any call counts', () => {
    expect(serviceLevel({ ...day, abandoned: 2, shortAbandoned: 2 })).toBeNull();
  });
});
