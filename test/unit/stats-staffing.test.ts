import { describe, expect, it } from 'vitest';
import { comparePooling, comparePoolingDay, staffDay } from '../../server/stats/staffing.js';
import { averageDay, forecast, type HistoryInterval } from '../../server/stats/forecast.js';
import { parsePlanCsv, scheduleDeviation } from '../../server/stats/schedule.js';
import { Prng } from '../simulation/sim.js';

/**
 * A service's history: weekdays 08:00-16:00 in 30-minute intervals, Poisson
 * calls at `callsPerInterval`, each interval's AHT the mean of its calls'
 * exponential handling times.
 */
function generateHistory(rng: Prng, opts: { from: string; days: number; callsPerInterval: number; ahtSeconds: number }): HistoryInterval[] {
  const rows: HistoryInterval[] = [];
  for (let d = 0; d < opts.days; d++) {
    const t = new Date(`${opts.from}T00:00:00Z`);
    t.setUTCDate(t.getUTCDate() + d);
    if (t.getUTCDay() === 0 || t.getUTCDay() === 6) continue;
    const date = t.toISOString().slice(0, 10);
    for (let i = 0; i < 16; i++) {
      const calls = rng.poisson(opts.callsPerInterval);
      let handle = 0;
      for (let c = 0; c < calls; c++) handle += rng.exponential(opts.ahtSeconds);
      const start = `${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 === 0 ? '00' : '30'}`;
      rows.push({ date, start, calls, ...(calls > 0 ? { ahtSeconds: handle / calls } : {}) });
    }
  }
  return rows;
}

describe('pooling what-if on generated history (the average day of 8 weeks): three services of 5 agents, 3.5 Erlang each, AHT 180 s, goal 30 s', () => {
  // 3.5 Erlang at 180 s is 35 calls per half hour. Eight weeks of history per
  // service (January-February 2026); the what-if runs on their average day.
  const rng = new Prng(7_0_93);
  const services = ['north', 'south', 'west'];
  const days = services.map((id) => {
    const history = generateHistory(rng, { from: '2026-01-05', days: 56, callsPerInterval: 35, ahtSeconds: 180 });
    return { id, day: averageDay({ history, intervalMinutes: 30 }) };
  });
  const whatIf = comparePoolingDay({
    intervalMinutes: 30,
    targetSeconds: 30,
    queues: days.map(({ id, day }) => ({
      id,
      intervals: day.intervals.map((iv) => ({ start: iv.start, calls: iv.calls, ahtSeconds: iv.ahtSeconds!, agents: 5 })),
    })),
  });
  // Erlang C on the exact figures: 70.57 % apart, 93.33 % pooled, 13 agents for the old level.
  const exact = comparePooling({ targetSeconds: 30, queues: services.map((id) => ({ id, agents: 5, trafficErlangs: 3.5, ahtSeconds: 180 })) });

  it('about 70 % apart and about 93 % pooled with the same 15 agents, within 2 points of Erlang C', () => {
    console.log(
      `pooling what-if on the average day: apart ${(100 * whatIf.separateServiceLevel).toFixed(1)} %, pooled ${(100 * whatIf.pooledServiceLevel).toFixed(1)} %, ` +
        `agents for the old level per interval ${whatIf.intervals.map((iv) => iv.pooledAgentsForSameLevel).join(' ')}`,
    );
    expect(whatIf.intervals).toHaveLength(16);
    expect(exact.separateTotal.serviceLevel).toBeCloseTo(0.7057, 4);
    expect(exact.pooled.serviceLevel).toBeCloseTo(0.9333, 4);
    expect(Math.abs(whatIf.separateServiceLevel - exact.separateTotal.serviceLevel)).toBeLessThan(0.02);
    expect(Math.abs(whatIf.pooledServiceLevel - exact.pooled.serviceLevel)).toBeLessThan(0.02);
  });

  it('the pooled queue needs 13 agents for the old level, two fewer than today', () => {
    expect(exact.pooledAgentsForSameLevel).toBe(13);
    const needed = whatIf.intervals.map((iv) => iv.pooledAgentsForSameLevel);
    // 39 days of 35 calls put each interval's traffic within a few per cent
    // of 3.5 Erlang: 13 in most intervals, never beyond 12..14.
    expect(days[0]!.day.basedOn).toHaveLength(39); // 40 weekdays less Trettondedag jul
    expect(needed.filter((n) => n === 13).length).toBeGreaterThanOrEqual(13);
    for (const n of needed) expect(Math.abs(n - 13)).toBeLessThanOrEqual(1);
    expect(whatIf.agentHours).toBe(15 * 8);
    expect(Math.abs(whatIf.pooledAgentHoursForSameLevel - 13 * 8)).toBeLessThanOrEqual(2);
    for (const iv of whatIf.intervals) expect(iv.pooledAtSameLevel.serviceLevel).toBeGreaterThanOrEqual(iv.separateTotal.serviceLevel);
  });
});

describe('from forecast to need, plan and outcome', () => {
  const rng = new Prng(1_135);
  const history = generateHistory(rng, { from: '2026-01-05', days: 56, callsPerInterval: 168.75, ahtSeconds: 135 });
  const [monday] = forecast({ history, intervalMinutes: 30, from: '2026-03-02', days: 1 });
  const intervals = monday!.intervals.map((iv) => ({ label: iv.start, calls: iv.calls, ahtSeconds: iv.ahtSeconds! }));
  const goal = { intervalMinutes: 30, ahtSeconds: 135, targetServiceLevel: 0.85, targetSeconds: 60, intervals };

  it('agents needed per interval by Erlang C, and fewer by Erlang A when callers hang up', () => {
    const c = staffDay({ ...goal, shrinkage: 0.3 });
    const a = staffDay({ ...goal, shrinkage: 0.3, patienceSeconds: 90 });
    // About 12.7 Erlang: 16 agents by Erlang C (the flat day of the erlang-c
    // tests). The forecast of one interval is off by about 3 % (0.4 Erlang),
    // so give or take 2 agents.
    for (const iv of c.intervals) {
      expect(Math.abs(iv.agents - 16)).toBeLessThanOrEqual(2);
      expect(iv.probabilityOfAbandoning).toBe(0);
    }
    for (const [i, iv] of a.intervals.entries()) {
      expect(iv.agents).toBeLessThanOrEqual(c.intervals[i]!.agents);
      expect(iv.serviceLevel).toBeGreaterThanOrEqual(0.85);
      expect(iv.probabilityOfAbandoning).toBeGreaterThan(0);
      expect(iv.scheduledAgents).toBe(Math.ceil(iv.agents / 0.7 - 1e-9));
    }
    // A cap on hang-ups binds where the level alone would not.
    const capped = staffDay({ ...goal, patienceSeconds: 90, maxAbandonment: 0.005 });
    expect(capped.intervals.some((iv) => iv.limitedBy === 'abandonment')).toBe(true);
    for (const iv of capped.intervals) expect(iv.probabilityOfAbandoning).toBeLessThanOrEqual(0.005);
  });

  it('need from the forecast, plan from CSV and ready agents line up per interval', () => {
    const need = staffDay(goal).intervals.map((iv) => ({ date: monday!.date, start: iv.label, queue: 'support', agents: iv.agents }));
    const csv = ['date;interval start;queue;agents', ...need.map((n) => `${n.date};${n.start};support;${n.start === '12:00' ? n.agents - 2 : n.agents}`)].join('\n');
    const plan = parsePlanCsv(csv);
    if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
    const ready = need.map((n) => ({ ...n, agents: n.start === '12:00' ? n.agents - 3 : n.agents + 0.5 }));
    const rows = scheduleDeviation({ needed: need, planned: plan.plan, ready });
    expect(rows).toHaveLength(16);
    const short = rows.filter((r) => r.readyMinusNeeded! < 0);
    expect(short.map((r) => [r.start, r.readyMinusNeeded, r.readyMinusPlanned])).toEqual([['12:00', -3, -1]]);
  });
});
