import { describe, expect, it } from 'vitest';
import { averageDay, forecast, forecastAccuracy, type HistoryInterval } from '../../server/stats/forecast.js';
import { Prng } from '../simulation/sim.js';

/**
 * Generated history: weekdays 08:00-16:00 in 15-minute intervals, a weekly
 * pattern (Monday busiest, Friday quietest), a daily one (morning peak,
 * lunch dip, afternoon peak), Poisson noise on the calls and noise on the
 * handling time. On Swedish holidays the centre gets 5 % of a normal day.
 */
const DAY_TOTAL = [0, 3200, 2800, 2700, 2600, 2200, 0]; // by getUTCDay(): Sunday 0
const INTERVALS = 32;
const HOLIDAYS = new Set(['2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14']);
const PROFILE = Array.from({ length: INTERVALS }, (_, i) => {
  const h = 8 + i / 4;
  return 1 + 0.8 * Math.exp(-((h - 9.75) ** 2) / 1.5) + 0.5 * Math.exp(-((h - 13.5) ** 2) / 2) - 0.3 * Math.exp(-((h - 12) ** 2) / 0.3);
});
const PROFILE_SUM = PROFILE.reduce((s, p) => s + p, 0);

function rate(date: string, i: number): number {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return (DAY_TOTAL[weekday]! * PROFILE[i]!) / PROFILE_SUM * (HOLIDAYS.has(date) ? 0.05 : 1);
}

function trueAht(i: number): number {
  return 160 + 30 * Math.sin((i / INTERVALS) * Math.PI);
}

function addDays(date: string, n: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

function generate(rng: Prng, from: string, days: number): HistoryInterval[] {
  const rows: HistoryInterval[] = [];
  for (let d = 0; d < days; d++) {
    const date = addDays(from, d);
    if (DAY_TOTAL[new Date(`${date}T00:00:00Z`).getUTCDay()] === 0) continue;
    for (let i = 0; i < INTERVALS; i++) {
      const calls = rng.poisson(rate(date, i));
      const minute = 8 * 60 + 15 * i;
      const start = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
      // The mean of `calls` exponential handling times: about normal, spread AHT/√calls.
      const aht = calls === 0 ? undefined : Math.max(1, trueAht(i) * (1 + rng.normal() / Math.sqrt(calls)));
      rows.push({ date, start, calls, ...(aht === undefined ? {} : { ahtSeconds: aht }) });
    }
  }
  return rows;
}

const rng = new Prng(20_260_316);
// Eight weeks from Monday 16 March 2026: Långfredagen, Annandag påsk and Första maj fall in them.
const history = generate(rng, '2026-03-16', 56);
// The week after: Kristi himmelsfärdsdag on Thursday 14 May.
const nextWeek = generate(rng, '2026-05-11', 7);

describe('forecast on 8 generated weeks', () => {
  const days = forecast({ history, intervalMinutes: 15, from: '2026-05-11', days: 7 });

  it("the next week's error per interval is reported and is as small as the noise allows", () => {
    const acc = forecastAccuracy(days, nextWeek, { skipHolidays: true });
    const scored = acc.intervals.filter((iv) => iv.actual > 0);
    expect(scored.length).toBe(4 * INTERVALS); // four working days, Thursday is a holiday
    for (const iv of scored) expect(iv.absolutePercentageError).toBeCloseTo(Math.abs(iv.forecast - iv.actual) / iv.actual, 12);

    // The floor no forecast can beat: even the true mean is off by the
    // Poisson noise of the outcome, E|X - λ| ≈ √(2λ/π), so WAPE ≈ Σ√(2λ/π) / Σλ
    // (about 8.6 % at these volumes). Averaging weeks with weights w adds the
    // noise of the history, a factor √(1 + Σw²/(Σw)²) ≈ 1.08 for six to
    // eight weeks at decay 0.8. One week's WAPE over 128 intervals itself
    // varies by about 7 % (the spread of |error| over √128), so the bound is
    // 1.08 plus four of those: 1.35 (across 20 seeds the ratio ran 0.91-1.29).
    const lambdas = scored.map((iv) => rate(iv.date, (Number(iv.start.slice(0, 2)) * 60 + Number(iv.start.slice(3)) - 480) / 15));
    const floor = lambdas.reduce((s, l) => s + Math.sqrt((2 * l) / Math.PI), 0) / lambdas.reduce((s, l) => s + l, 0);
    console.log(`forecast of the week of 2026-05-11 (15-min intervals): WAPE ${(100 * acc.wape).toFixed(2)} %, MAPE ${(100 * acc.mape).toFixed(2)} %, noise floor ${(100 * floor).toFixed(2)} %`);
    expect(floor).toBeGreaterThan(0.07);
    expect(floor).toBeLessThan(0.1);
    expect(acc.wape).toBeLessThan(1.35 * floor);
    expect(acc.mape).toBeLessThan(1.45 * floor);

    // Last week alone carries its own noise in full (factor √2): worse.
    const lastWeekOnly = forecastAccuracy(forecast({ history, intervalMinutes: 15, from: '2026-05-11', days: 7, weeks: 1 }), nextWeek, { skipHolidays: true });
    expect(lastWeekOnly.wape).toBeGreaterThan(acc.wape * 1.1);
  });

  it('the weekly pattern holds: each weekday forecast near its own level', () => {
    for (const day of days) {
      const total = day.intervals.reduce((s, iv) => s + iv.calls, 0);
      const weekday = new Date(`${day.date}T00:00:00Z`).getUTCDay();
      if (DAY_TOTAL[weekday] === 0) {
        expect(day.intervals).toEqual([]);
        continue;
      }
      expect(Math.abs(total - DAY_TOTAL[weekday]!) / DAY_TOTAL[weekday]!).toBeLessThan(0.04);
    }
  });

  it('handling time is forecast per interval too', () => {
    // Each week's interval AHT is off by about 1/√calls; seven weeks of calls,
    // unevenly weighted (worth (Σw)²/Σw² ≈ 5.5 equal weeks), bring that to
    // about 1/√(5.5·calls): within four and a half spreads.
    const monday = days[0]!;
    for (const [i, iv] of monday.intervals.entries()) {
      const spread = 1 / Math.sqrt(5.5 * rate(monday.date, i));
      expect(Math.abs(iv.ahtSeconds! - trueAht(i)) / trueAht(i)).toBeLessThan(4.5 * spread);
    }
    const dayAht = monday.intervals.reduce((s, iv) => s + iv.calls * iv.ahtSeconds!, 0) / monday.intervals.reduce((s, iv) => s + iv.calls, 0);
    const trueDayAht = PROFILE.reduce((s, p, i) => s + p * trueAht(i), 0) / PROFILE_SUM;
    // The day's AHT rests on all its calls: spread 1/√(5.5 · 3200) ≈ 0.75 %; four spreads.
    expect(Math.abs(dayAht - trueDayAht) / trueDayAht).toBeLessThan(4 / Math.sqrt(5.5 * DAY_TOTAL[1]!));
  });

  it('holidays in the history are not used as normal days', () => {
    const friday = days.find((d) => d.date === '2026-05-15')!;
    const monday = days.find((d) => d.date === '2026-05-11')!;
    expect(friday.basedOn).not.toContain('2026-05-01');
    expect(friday.basedOn).not.toContain('2026-04-03');
    expect(friday.basedOn).toHaveLength(6);
    expect(monday.basedOn).not.toContain('2026-04-06');
    expect(monday.basedOn).toHaveLength(7);
    // Two near-empty Fridays of eight would pull the forecast down by about a quarter.
    const fridayTotal = friday.intervals.reduce((s, iv) => s + iv.calls, 0);
    expect(Math.abs(fridayTotal - 2200) / 2200).toBeLessThan(0.04);
  });

  it('a holiday in the horizon is flagged with its name', () => {
    expect(days.filter((d) => d.holiday !== undefined).map((d) => [d.date, d.holiday])).toEqual([['2026-05-14', 'Kristi himmelsfärdsdag']]);
  });
});

describe('forecast mechanics', () => {
  it('weights recent weeks more and weights handling time by calls', () => {
    const rows: HistoryInterval[] = [
      { date: '2026-01-12', start: '08:00', calls: 10, ahtSeconds: 100 },
      { date: '2026-01-19', start: '08:00', calls: 30, ahtSeconds: 200 },
    ];
    const [monday] = forecast({ history: rows, intervalMinutes: 15, from: '2026-01-26', days: 1, decay: 0.5 });
    // Last week weight 1, the week before 0.5: (30 + 0.5·10) / 1.5.
    expect(monday!.intervals[0]!.calls).toBeCloseTo(35 / 1.5, 12);
    expect(monday!.intervals[0]!.ahtSeconds).toBeCloseTo((30 * 200 + 0.5 * 10 * 100) / 35, 12);
    expect(monday!.basedOn).toEqual(['2026-01-19', '2026-01-12']);
  });

  it('an interval missing on a day present in the history counts as no calls; history in 15 minutes sums into hours', () => {
    const rows: HistoryInterval[] = [
      { date: '2026-01-12', start: '08:00', calls: 8, ahtSeconds: 100 },
      { date: '2026-01-12', start: '08:45', calls: 4, ahtSeconds: 160 },
      { date: '2026-01-19', start: '09:00', calls: 6, ahtSeconds: 120 },
    ];
    const [monday] = forecast({ history: rows, intervalMinutes: 60, from: '2026-01-26', days: 1, decay: 1 });
    expect(monday!.intervals.map((iv) => [iv.start, iv.calls])).toEqual([
      ['08:00', 6],
      ['09:00', 3],
    ]);
    expect(monday!.intervals[0]!.ahtSeconds).toBeCloseTo((8 * 100 + 4 * 160) / 12, 12);
  });

  it('the average day of a period leaves holidays out and can keep to some weekdays', () => {
    const all = averageDay({ history, intervalMinutes: 60 });
    expect(all.basedOn).toHaveLength(40 - 3); // eight weeks of weekdays less Långfredagen, Annandag påsk and Första maj
    expect(all.basedOn).not.toContain('2026-04-06');
    const mondays = averageDay({ history, intervalMinutes: 60, weekdays: [1] });
    expect(mondays.basedOn).toHaveLength(7);
    const total = (d: typeof all): number => d.intervals.reduce((s, iv) => s + iv.calls, 0);
    expect(Math.abs(total(mondays) - DAY_TOTAL[1]!) / DAY_TOTAL[1]!).toBeLessThan(0.03);
    // Over all weekdays: the day levels mixed as the 37 days are (7 Mondays, 6 Fridays, 8 of the rest).
    const meanDay = (3200 * 7 + 2800 * 8 + 2700 * 8 + 2600 * 8 + 2200 * 6) / 37;
    expect(Math.abs(total(all) - meanDay) / meanDay).toBeLessThan(0.02);
    expect(all.intervals.map((iv) => iv.start)).toEqual(['08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00']);
  });

  it('rejects bad input with a clear message', () => {
    const ok = { history: [], intervalMinutes: 15 as const, from: '2026-01-26', days: 1 };
    expect(() => forecast({ ...ok, from: '2026-02-30' })).toThrow(/not a date/);
    expect(() => forecast({ ...ok, days: 0 })).toThrow(/days/);
    expect(() => forecast({ ...ok, intervalMinutes: 20 as 15 })).toThrow(/intervalMinutes/);
    expect(() => forecast({ ...ok, history: [{ date: '2026-01-19', start: '8:00', calls: 1, ahtSeconds: 1 }] })).toThrow(/HH:MM/);
    expect(() => forecast({ ...ok, history: [{ date: '2026-01-19', start: '08:00', calls: -1 }] })).toThrow(/history\[0\]\.calls/);
    expect(() => forecast({ ...ok, history: [{ date: '2026-01-19', start: '08:00', calls: 3 }] })).toThrow(/history\[0\]\.ahtSeconds/);
  });
});
