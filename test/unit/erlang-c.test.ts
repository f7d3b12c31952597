import { describe, expect, it } from 'vitest';
import {
  agentsForTraffic,
  agentsNeeded,
  averageSpeedOfAnswer,
  averageWaitOfDelayed,
  erlangB,
  occupancy,
  probabilityOfWaiting,
  scheduledStaff,
  serviceLevel,
  trafficIntensity,
} from '../../server/stats/erlang-c.js';
import { comparePooling, distributeVolume, intervalLabels, staffDay } from '../../server/stats/staffing.js';

/**
 * Reference Erlang C by a different method than the module's Erlang B
 * recursion: the textbook formula summed term by term, every term
 * A^k / k! kept as a logarithm (k·ln A - ln k!) and the sum taken with
 * log-sum-exp, so it neither overflows nor shares code with the module.
 *
 *   C(N, A) = [A^N/N! · N/(N-A)] / [Σ_{k<N} A^k/k! + A^N/N! · N/(N-A)]
 */
function referenceErlangC(n: number, a: number): number {
  const logTerms: number[] = [];
  let logFact = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0) logFact += Math.log(k);
    logTerms.push(k * Math.log(a) - logFact);
  }
  const logFactN = logFact + Math.log(n);
  const logWaitTerm = n * Math.log(a) - logFactN + Math.log(n / (n - a));
  const max = Math.max(logWaitTerm, ...logTerms);
  const denom = logTerms.reduce((s, t) => s + Math.exp(t - max), 0) + Math.exp(logWaitTerm - max);
  return Math.exp(logWaitTerm - max) / denom;
}

/** Reference Erlang B the same way: (A^N/N!) / Σ_{k<=N} A^k/k!. */
function referenceErlangB(n: number, a: number): number {
  const logTerms: number[] = [];
  let logFact = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logFact += Math.log(k);
    logTerms.push(k * Math.log(a) - logFact);
  }
  const max = Math.max(...logTerms);
  const denom = logTerms.reduce((s, t) => s + Math.exp(t - max), 0);
  return Math.exp(logTerms[n]! - max) / denom;
}

describe('Erlang B and C against a reference computed another way', () => {
  it('Erlang B: 10 Erlang on 10 lines blocks about 21.5 % (the classic table value)', () => {
    expect(erlangB(10, 10)).toBeCloseTo(0.2146, 4);
    expect(erlangB(10, 10)).toBeCloseTo(referenceErlangB(10, 10), 12);
    for (const [n, a] of [[1, 0.5], [5, 3.5], [30, 20], [200, 180]] as const) {
      expect(erlangB(n, a)).toBeCloseTo(referenceErlangB(n, a), 12);
    }
  });

  it('A = 10 Erlang, N = 11..14, AHT 180 s, T = 20 s', () => {
    // Pw, SL and ASA to four places (also pinned as plain numbers, so a change
    // in both the module and the reference would not go unnoticed).
    const table = [
      { n: 11, pw: 0.6821, sl: 0.3896, asa: 122.78 },
      { n: 12, pw: 0.4494, sl: 0.6402, asa: 40.44 },
      { n: 13, pw: 0.2853, sl: 0.7956, asa: 17.12 },
      { n: 14, pw: 0.1741, sl: 0.8884, asa: 7.84 },
    ];
    for (const row of table) {
      const q = { agents: row.n, trafficErlangs: 10, ahtSeconds: 180 };
      const ref = referenceErlangC(row.n, 10);
      expect(probabilityOfWaiting(row.n, 10)).toBeCloseTo(ref, 12);
      expect(probabilityOfWaiting(row.n, 10)).toBeCloseTo(row.pw, 4);
      const refSl = 1 - ref * Math.exp((-(row.n - 10) * 20) / 180);
      expect(serviceLevel(q, 20)).toBeCloseTo(refSl, 12);
      expect(serviceLevel(q, 20)).toBeCloseTo(row.sl, 4);
      expect(averageSpeedOfAnswer(q)).toBeCloseTo((ref * 180) / (row.n - 10), 9);
      expect(averageSpeedOfAnswer(q)).toBeCloseTo(row.asa, 2);
    }
  });

  it('agrees with the reference across a grid, including large centres', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 21, 50, 110, 300, 1000]) {
      for (const load of [0.1, 0.5, 0.8, 0.95, 0.999]) {
        const a = n * load;
        expect(probabilityOfWaiting(n, a)).toBeCloseTo(referenceErlangC(n, a), 10);
      }
    }
  });

  it('stays finite and exact where factorials would overflow (A = 2,000 Erlang)', () => {
    // 2000! overflows a double; the recursion never forms it.
    const pw = probabilityOfWaiting(2050, 2000);
    expect(Number.isFinite(pw)).toBe(true);
    expect(pw).toBeCloseTo(referenceErlangC(2050, 2000), 10);
    expect(pw).toBeGreaterThan(0);
    expect(pw).toBeLessThan(1);
  });

  it('one agent is M/M/1: Pw = ρ, SL = 1 - ρ·e^{-(1-ρ)T/AHT}', () => {
    for (const rho of [0.2, 0.5, 0.9]) {
      expect(probabilityOfWaiting(1, rho)).toBeCloseTo(rho, 12);
      expect(serviceLevel({ agents: 1, trafficErlangs: rho, ahtSeconds: 100 }, 30)).toBeCloseTo(
        1 - rho * Math.exp((-(1 - rho) * 30) / 100),
        12,
      );
      expect(averageSpeedOfAnswer({ agents: 1, trafficErlangs: rho, ahtSeconds: 100 })).toBeCloseTo((rho * 100) / (1 - rho), 9);
    }
  });
});

describe('monotonicity', () => {
  it('more agents: less waiting, higher service level, faster answer, lower occupancy', () => {
    const a = 37.3;
    let last = { pw: 2, sl: -1, asa: Infinity, occ: 2 };
    for (let n = 38; n <= 70; n++) {
      const q = { agents: n, trafficErlangs: a, ahtSeconds: 240 };
      const now = { pw: probabilityOfWaiting(n, a), sl: serviceLevel(q, 20), asa: averageSpeedOfAnswer(q), occ: occupancy(n, a) };
      expect(now.pw).toBeLessThan(last.pw);
      expect(now.sl).toBeGreaterThan(last.sl);
      expect(now.asa).toBeLessThan(last.asa);
      expect(now.occ).toBeLessThan(last.occ);
      last = now;
    }
  });

  it('more traffic: more waiting, lower service level', () => {
    let last = { pw: -1, sl: 2 };
    for (let a = 5; a < 20; a += 0.5) {
      const now = { pw: probabilityOfWaiting(20, a), sl: serviceLevel({ agents: 20, trafficErlangs: a, ahtSeconds: 180 }, 20) };
      expect(now.pw).toBeGreaterThan(last.pw);
      expect(now.sl).toBeLessThan(last.sl);
      last = now;
    }
  });

  it('a longer target gives a higher service level; T = 0 gives 1 - Pw', () => {
    const q = { agents: 12, trafficErlangs: 10, ahtSeconds: 180 };
    expect(serviceLevel(q, 0)).toBeCloseTo(1 - probabilityOfWaiting(12, 10), 12);
    let last = -1;
    for (const t of [0, 5, 10, 20, 30, 60, 120, 600]) {
      const sl = serviceLevel(q, t);
      expect(sl).toBeGreaterThan(last);
      last = sl;
    }
    expect(serviceLevel(q, 1e6)).toBeCloseTo(1, 12);
  });
});

describe('edge cases', () => {
  it('no traffic: nobody waits', () => {
    expect(probabilityOfWaiting(5, 0)).toBe(0);
    expect(serviceLevel({ agents: 5, trafficErlangs: 0, ahtSeconds: 180 }, 20)).toBe(1);
    expect(averageSpeedOfAnswer({ agents: 5, trafficErlangs: 0, ahtSeconds: 180 })).toBe(0);
    expect(occupancy(5, 0)).toBe(0);
    expect(erlangB(0, 0)).toBe(1);
  });

  it('traffic at or above the staff: an infinite queue, service level 0', () => {
    for (const [n, a] of [[10, 10], [10, 12.5], [0, 1], [1, 1]] as const) {
      const q = { agents: n, trafficErlangs: a, ahtSeconds: 180 };
      expect(probabilityOfWaiting(n, a)).toBe(1);
      expect(serviceLevel(q, 20)).toBe(0);
      expect(averageSpeedOfAnswer(q)).toBe(Infinity);
      expect(averageWaitOfDelayed(q)).toBe(Infinity);
      expect(occupancy(n, a)).toBe(1);
    }
  });

  it('just below the edge the figures stay in range', () => {
    const a = 10 - 1e-9;
    expect(probabilityOfWaiting(10, a)).toBeLessThanOrEqual(1);
    expect(probabilityOfWaiting(10, a)).toBeGreaterThan(0.999);
    const sl = serviceLevel({ agents: 10, trafficErlangs: a, ahtSeconds: 180 }, 20);
    expect(sl).toBeGreaterThanOrEqual(0);
    expect(sl).toBeLessThan(0.001);
  });

  it('rejects nonsense', () => {
    expect(() => probabilityOfWaiting(-1, 1)).toThrow(RangeError);
    expect(() => probabilityOfWaiting(2.5, 1)).toThrow(RangeError);
    expect(() => probabilityOfWaiting(3, -1)).toThrow(RangeError);
    expect(() => probabilityOfWaiting(3, Number.NaN)).toThrow(RangeError);
    expect(() => trafficIntensity(10, 0, 180)).toThrow(RangeError);
    expect(() => serviceLevel({ agents: 3, trafficErlangs: 1, ahtSeconds: 0 }, 20)).toThrow(RangeError);
    expect(() => serviceLevel({ agents: 3, trafficErlangs: 1, ahtSeconds: 180 }, -1)).toThrow(RangeError);
    const base = { callsPerInterval: 100, intervalSeconds: 1800, ahtSeconds: 180, targetSeconds: 20 };
    expect(() => agentsNeeded({ ...base, targetServiceLevel: 1 })).toThrow(RangeError);
    expect(() => agentsNeeded({ ...base, targetServiceLevel: 1.2 })).toThrow(RangeError);
    expect(() => agentsNeeded({ ...base, targetServiceLevel: 0.8, maxOccupancy: 0 })).toThrow(RangeError);
    expect(() => agentsNeeded({ ...base, targetServiceLevel: 0.8, shrinkage: 1 })).toThrow(RangeError);
  });
});

describe('agentsNeeded', () => {
  it('finds the smallest N meeting the goal and reports what it achieves', () => {
    // 200 calls in 30 min at 180 s = 20 Erlang; 80 % in 20 s.
    const r = agentsNeeded({ callsPerInterval: 200, intervalSeconds: 1800, ahtSeconds: 180, targetServiceLevel: 0.8, targetSeconds: 20 });
    expect(r.trafficErlangs).toBeCloseTo(20, 12);
    expect(r.serviceLevel).toBeGreaterThanOrEqual(0.8);
    expect(serviceLevel({ agents: r.agents - 1, trafficErlangs: 20, ahtSeconds: 180 }, 20)).toBeLessThan(0.8);
    expect(r.agents).toBe(24);
    expect(r.occupancy).toBeCloseTo(20 / 24, 12);
    expect(r.averageSpeedOfAnswer).toBeCloseTo(averageSpeedOfAnswer({ agents: 24, trafficErlangs: 20, ahtSeconds: 180 }), 12);
    expect(r.probabilityOfWaiting).toBeCloseTo(referenceErlangC(24, 20), 10);
    expect(r.limitedBy).toBe('service-level');
    expect(r.scheduledAgents).toBe(24);
  });

  it('a maximum occupancy adds agents when it binds', () => {
    // Large centres reach the level at high occupancy; a cap of 85 % binds.
    const free = agentsForTraffic({ trafficErlangs: 200, ahtSeconds: 300, targetServiceLevel: 0.8, targetSeconds: 20 });
    expect(free.occupancy).toBeGreaterThan(0.85);
    const capped = agentsForTraffic({ trafficErlangs: 200, ahtSeconds: 300, targetServiceLevel: 0.8, targetSeconds: 20, maxOccupancy: 0.85 });
    expect(capped.agents).toBe(Math.ceil(200 / 0.85));
    expect(capped.occupancy).toBeLessThanOrEqual(0.85);
    expect(capped.limitedBy).toBe('occupancy');
    expect(capped.serviceLevel).toBeGreaterThan(free.serviceLevel);
  });

  it('shrinkage turns agents on the phones into scheduled staff', () => {
    const r = agentsNeeded({
      callsPerInterval: 200,
      intervalSeconds: 1800,
      ahtSeconds: 180,
      targetServiceLevel: 0.8,
      targetSeconds: 20,
      shrinkage: 0.3,
    });
    expect(r.agents).toBe(24);
    expect(r.scheduledAgents).toBe(35); // 24 / 0.7 = 34.3
    expect(scheduledStaff(10, 0.2)).toBe(13); // 12.5 -> 13
    expect(scheduledStaff(8, 0.2)).toBe(10); // exactly 10, no float creep to 11
    expect(scheduledStaff(0, 0.5)).toBe(0);
  });

  it('no calls need no agents', () => {
    const r = agentsNeeded({ callsPerInterval: 0, intervalSeconds: 900, ahtSeconds: 180, targetServiceLevel: 0.8, targetSeconds: 20 });
    expect(r.agents).toBe(0);
    expect(r.serviceLevel).toBe(1);
  });
});

describe("the authority from PRODUCT.md: 2,700 calls a day, AHT 2 min 15 s, 85 % within 60 s", () => {
  const goal = { targetServiceLevel: 0.85, targetSeconds: 60 };
  // Open 08:00-16:00: sixteen 30-minute intervals.
  const labels = intervalLabels('08:00', 16, 30);

  it('a flat day: 168.75 calls per half hour = 12.66 Erlang needs 16 agents (15 reach only 84.8 %)', () => {
    const r = agentsNeeded({ callsPerInterval: 2700 / 16, intervalSeconds: 1800, ahtSeconds: 135, ...goal });
    expect(r.trafficErlangs).toBeCloseTo(12.656, 3);
    expect(r.agents).toBe(16);
    expect(r.serviceLevel).toBeCloseTo(0.9356, 3);
    expect(serviceLevel({ agents: 15, trafficErlangs: r.trafficErlangs, ahtSeconds: 135 }, 60)).toBeCloseTo(0.8485, 3);
    const day = staffDay({ intervalMinutes: 30, ahtSeconds: 135, ...goal, intervals: labels.map((label) => ({ label, calls: 2700 / 16 })) });
    expect(day.peakAgents).toBe(16);
    expect(day.agentHours).toBe(16 * 8);
  });

  it('a realistic day (morning peak, lunch dip, second peak) staffs every interval to the goal and no more', () => {
    const profile = [4, 7, 9, 9.5, 8.5, 7.5, 6, 5, 5.5, 7, 7.5, 7, 6, 5, 3.5, 2];
    const calls = distributeVolume(2700, profile);
    expect(calls.reduce((s, c) => s + c, 0)).toBe(2700);
    const day = staffDay({
      intervalMinutes: 30,
      ahtSeconds: 135,
      ...goal,
      shrinkage: 0.35,
      intervals: labels.map((label, i) => ({ label, calls: calls[i]! })),
    });
    expect(day.intervals.map((r) => r.label)).toEqual(labels);
    expect(day.totalCalls).toBe(2700);
    for (const r of day.intervals) {
      expect(r.serviceLevel).toBeGreaterThanOrEqual(0.85);
      if (r.agents > 0) {
        expect(serviceLevel({ agents: r.agents - 1, trafficErlangs: r.trafficErlangs, ahtSeconds: 135 }, 60)).toBeLessThan(0.85);
      }
      expect(r.scheduledAgents).toBe(Math.ceil(r.agents / 0.65 - 1e-9));
    }
    // The peaks need more than a flat day's 16, the edges of the day fewer.
    expect(day.peakAgents).toBeGreaterThan(16);
    expect(day.intervals[15]!.agents).toBeLessThan(16);
    expect(day.serviceLevel).toBeGreaterThanOrEqual(0.85);
    // Far fewer than the 110 front-office staff are on the phones at once.
    expect(day.peakScheduledAgents).toBeLessThan(110);
    // 256.5 calls (19.2 Erlang) in 09:30-10:00 need 22; 54 calls at 15:30 need 6.
    expect(day.peakAgents).toBe(22);
    expect(day.intervals[3]!.agents).toBe(22);
    expect(day.intervals[15]!.agents).toBe(6);
  });

  it('15-minute intervals work the same way', () => {
    const day = staffDay({
      intervalMinutes: 15,
      ahtSeconds: 135,
      ...goal,
      intervals: intervalLabels('08:00', 32, 15).map((label) => ({ label, calls: 2700 / 32 })),
    });
    expect(day.intervals[1]!.label).toBe('08:15');
    // Same traffic in Erlang as the flat half hours.
    expect(day.intervals[0]!.trafficErlangs).toBeCloseTo(12.656, 3);
    expect(day.peakAgents).toBe(16);
  });
});

describe('pooling', () => {
  it('three queues of 5 agents and 3.5 Erlang (AHT 180 s, 30 s goal) pooled: about 70 % -> about 93 %, or 13 agents for the old level', () => {
    const cmp = comparePooling({
      targetSeconds: 30,
      queues: ['a', 'b', 'c'].map((id) => ({ id, agents: 5, trafficErlangs: 3.5, ahtSeconds: 180 })),
    });
    for (const q of cmp.separate) expect(q.serviceLevel).toBeCloseTo(0.7057, 4);
    expect(cmp.separateTotal.serviceLevel).toBeCloseTo(0.7057, 4);
    expect(cmp.separateTotal.agents).toBe(15);
    expect(cmp.pooled.agents).toBe(15);
    expect(cmp.pooled.trafficErlangs).toBeCloseTo(10.5, 12);
    expect(cmp.pooled.serviceLevel).toBeCloseTo(0.9333, 4);
    expect(cmp.pooled.averageSpeedOfAnswer).toBeLessThan(cmp.separateTotal.averageSpeedOfAnswer);
    // The old level with 13 agents (12 reach only 56 %): 2 of 15 fewer, about 13-14 %.
    expect(cmp.pooledAgentsForSameLevel).toBe(13);
    expect(cmp.pooledAtSameLevel.serviceLevel).toBeGreaterThanOrEqual(cmp.separateTotal.serviceLevel);
    expect(serviceLevel({ agents: 12, trafficErlangs: 10.5, ahtSeconds: 180 }, 30)).toBeLessThan(0.7057);
    expect(cmp.agentsSaved).toBe(2);
    expect(cmp.staffSavingFraction).toBeCloseTo(2 / 15, 12);
  });

  it('takes volumes per interval and unequal queues', () => {
    // 70 calls per 30 min at 180 s = 7 Erlang on 9 agents; 35 calls = 3.5 Erlang on 5.
    const cmp = comparePooling({
      targetSeconds: 30,
      intervalSeconds: 1800,
      queues: [
        { id: 'big', agents: 9, callsPerInterval: 70, ahtSeconds: 180 },
        { id: 'small', agents: 5, callsPerInterval: 35, ahtSeconds: 180 },
      ],
    });
    expect(cmp.separate[0]!.trafficErlangs).toBeCloseTo(7, 12);
    const slBig = serviceLevel({ agents: 9, trafficErlangs: 7, ahtSeconds: 180 }, 30);
    const slSmall = serviceLevel({ agents: 5, trafficErlangs: 3.5, ahtSeconds: 180 }, 30);
    expect(cmp.separateTotal.serviceLevel).toBeCloseTo((70 * slBig + 35 * slSmall) / 105, 12);
    expect(cmp.pooled.serviceLevel).toBeGreaterThan(cmp.separateTotal.serviceLevel);
    expect(cmp.pooledAgentsForSameLevel).toBeLessThanOrEqual(14);
  });

  it('an overloaded queue counts with service level 0', () => {
    const cmp = comparePooling({
      targetSeconds: 30,
      queues: [
        { agents: 3, trafficErlangs: 4, ahtSeconds: 180 },
        { agents: 5, trafficErlangs: 2, ahtSeconds: 180 },
      ],
    });
    expect(cmp.separate[0]!.serviceLevel).toBe(0);
    expect(cmp.separateTotal.averageSpeedOfAnswer).toBe(Infinity);
    expect(cmp.pooled.serviceLevel).toBeGreaterThan(0.5);
    expect(() => comparePooling({ targetSeconds: 30, queues: [{ agents: 1, ahtSeconds: 180, callsPerInterval: 3 }] })).toThrow(RangeError);
  });
});
