import { describe, expect, it } from 'vitest';
import { agentsForTrafficErlangA, erlangA } from '../../server/stats/erlang-a.js';
import { agentsForTraffic, averageSpeedOfAnswer, probabilityOfWaiting, serviceLevel } from '../../server/stats/erlang-c.js';
import { Prng } from '../simulation/sim.js';

/**
 * The M/M/n+M queue simulated directly, call by call, first come first
 * served: each caller takes the agent that frees first, unless their patience
 * runs out before it does (then they leave and take no agent time). Nothing
 * here shares code with the module: it is the queue itself, not its formulas.
 */
function simulate(opts: { seed: number; calls: number; agents: number; trafficErlangs: number; ahtSeconds: number; patienceSeconds: number; targetSeconds: number }) {
  const rng = new Prng(opts.seed);
  const rate = opts.trafficErlangs / opts.ahtSeconds;
  const free = new Array<number>(opts.agents).fill(0);
  const warmup = Math.floor(opts.calls / 20);
  let t = 0;
  let counted = 0;
  let waited = 0;
  let abandoned = 0;
  let answeredWithin = 0;
  let totalWait = 0;
  let answeredWait = 0;
  for (let i = 0; i < opts.calls; i++) {
    t += rng.exponential(1 / rate);
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j]! < free[k]!) k = j;
    const offeredWait = Math.max(0, free[k]! - t);
    const patience = rng.exponential(opts.patienceSeconds);
    const service = rng.exponential(opts.ahtSeconds);
    const gaveUp = patience < offeredWait;
    if (!gaveUp) free[k] = t + offeredWait + service;
    if (i < warmup) continue;
    counted++;
    if (offeredWait > 0) waited++;
    if (gaveUp) {
      abandoned++;
      totalWait += patience;
    } else {
      totalWait += offeredWait;
      answeredWait += offeredWait;
      if (offeredWait <= opts.targetSeconds) answeredWithin++;
    }
  }
  return {
    probabilityOfWaiting: waited / counted,
    probabilityOfAbandoning: abandoned / counted,
    serviceLevel: answeredWithin / counted,
    averageWait: totalWait / counted,
    averageSpeedOfAnswer: answeredWait / (counted - abandoned),
  };
}

describe('Erlang A (M/M/n+M) against a direct simulation of the queue', () => {
  // A million callers: across 10 seeds each share came within 0.6 points of
  // the model (spread about 0.2), so a bound of 1 point is tight and holds.
  const cases = [
    { agents: 10, trafficErlangs: 10, ahtSeconds: 180, patienceSeconds: 120, targetSeconds: 20 },
    { agents: 5, trafficErlangs: 3.5, ahtSeconds: 180, patienceSeconds: 60, targetSeconds: 30 },
    { agents: 20, trafficErlangs: 24, ahtSeconds: 240, patienceSeconds: 300, targetSeconds: 60 },
  ];
  for (const c of cases) {
    it(`n=${c.agents}, A=${c.trafficErlangs} Erl, AHT ${c.ahtSeconds} s, patience ${c.patienceSeconds} s, T=${c.targetSeconds} s`, () => {
      const model = erlangA(c, c.targetSeconds);
      const sim = simulate({ seed: 4242 + c.agents, calls: 1_000_000, ...c });
      expect(Math.abs(model.probabilityOfWaiting - sim.probabilityOfWaiting)).toBeLessThan(0.01);
      expect(Math.abs(model.probabilityOfAbandoning - sim.probabilityOfAbandoning)).toBeLessThan(0.01);
      expect(Math.abs(model.serviceLevel - sim.serviceLevel)).toBeLessThan(0.01);
      expect(Math.abs(model.averageWait - sim.averageWait) / sim.averageWait).toBeLessThan(0.05);
      expect(Math.abs(model.averageSpeedOfAnswer - sim.averageSpeedOfAnswer) / sim.averageSpeedOfAnswer).toBeLessThan(0.05);
    });
  }

  it('an overloaded queue (24 Erlang on 20 agents) stays finite: the impatient leave', () => {
    const r = erlangA({ agents: 20, trafficErlangs: 24, ahtSeconds: 240, patienceSeconds: 300 }, 60);
    // At least the excess traffic must abandon: (24 - 20) / 24.
    expect(r.probabilityOfAbandoning).toBeGreaterThan(4 / 24);
    expect(r.occupancy).toBeLessThanOrEqual(1);
    expect(r.serviceLevel).toBeGreaterThan(0);
  });
});

describe('Erlang A becomes Erlang C as patience grows', () => {
  it('A = 10 Erlang on 12 agents, AHT 180 s, T = 20 s', () => {
    const c = { sl: serviceLevel({ agents: 12, trafficErlangs: 10, ahtSeconds: 180 }, 20), pw: probabilityOfWaiting(12, 10) };
    const asa = averageSpeedOfAnswer({ agents: 12, trafficErlangs: 10, ahtSeconds: 180 });
    let lastGap = Infinity;
    for (const patience of [60, 600, 6_000, 60_000, 600_000, 6_000_000]) {
      const a = erlangA({ agents: 12, trafficErlangs: 10, ahtSeconds: 180, patienceSeconds: patience }, 20);
      const gap = Math.abs(a.serviceLevel - c.sl) + Math.abs(a.probabilityOfWaiting - c.pw) + Math.abs(a.averageSpeedOfAnswer - asa) / asa;
      expect(gap).toBeLessThan(lastGap);
      lastGap = gap;
    }
    expect(lastGap).toBeLessThan(1e-3);
  });

  it('a large centre, where the Poisson weights of the answer-time chain underflow unless kept as logarithms', () => {
    // 2,000 agents, T = 80 s: the chain's rate × T is about 890, and e^-890 is 0 in a double.
    const c = { sl: serviceLevel({ agents: 2000, trafficErlangs: 1998, ahtSeconds: 180 }, 80), pw: probabilityOfWaiting(2000, 1998) };
    const a = erlangA({ agents: 2000, trafficErlangs: 1998, ahtSeconds: 180, patienceSeconds: 1e9 }, 80);
    expect(c.sl).toBeCloseTo(0.6113, 4);
    expect(Math.abs(a.serviceLevel - c.sl)).toBeLessThan(1e-3);
    expect(Math.abs(a.probabilityOfWaiting - c.pw)).toBeLessThan(1e-3);
  });

  it('impatience helps those who stay: a shorter patience, a higher level among the rest', () => {
    const q = { agents: 12, trafficErlangs: 10, ahtSeconds: 180 };
    const patient = erlangA({ ...q, patienceSeconds: 600 }, 20);
    const impatient = erlangA({ ...q, patienceSeconds: 60 }, 20);
    expect(impatient.probabilityOfAbandoning).toBeGreaterThan(patient.probabilityOfAbandoning);
    expect(impatient.probabilityOfWaiting).toBeLessThan(patient.probabilityOfWaiting);
  });
});

describe('agents needed by Erlang A', () => {
  const goal = { trafficErlangs: 20, ahtSeconds: 180, targetServiceLevel: 0.8, targetSeconds: 20 };

  it('is the smallest n meeting the level, and no more than Erlang C asks', () => {
    const a = agentsForTrafficErlangA({ ...goal, patienceSeconds: 120 });
    const c = agentsForTraffic(goal);
    expect(a.serviceLevel).toBeGreaterThanOrEqual(0.8);
    expect(erlangA({ agents: a.agents - 1, trafficErlangs: 20, ahtSeconds: 180, patienceSeconds: 120 }, 20).serviceLevel).toBeLessThan(0.8);
    expect(a.agents).toBeLessThanOrEqual(c.agents);
    // Very patient callers: the same answer as Erlang C.
    expect(agentsForTrafficErlangA({ ...goal, patienceSeconds: 1e7 }).agents).toBe(c.agents);
  });

  it('a cap on abandonment, a cap on occupancy and shrinkage each add what they should', () => {
    const free = agentsForTrafficErlangA({ ...goal, targetServiceLevel: 0.5, patienceSeconds: 60 });
    const capped = agentsForTrafficErlangA({ ...goal, targetServiceLevel: 0.5, patienceSeconds: 60, maxAbandonment: 0.01 });
    expect(capped.probabilityOfAbandoning).toBeLessThanOrEqual(0.01);
    expect(capped.agents).toBeGreaterThan(free.agents);
    expect(capped.limitedBy).toBe('abandonment');
    const occ = agentsForTrafficErlangA({ ...goal, targetServiceLevel: 0.5, patienceSeconds: 60, maxOccupancy: 0.7 });
    expect(occ.occupancy).toBeLessThanOrEqual(0.7);
    expect(occ.limitedBy).toBe('occupancy');
    const shrunk = agentsForTrafficErlangA({ ...goal, patienceSeconds: 120, shrinkage: 0.3 });
    expect(shrunk.scheduledAgents).toBe(Math.ceil(shrunk.agents / 0.7 - 1e-9));
  });

  it('rejects nonsense', () => {
    expect(() => erlangA({ agents: 3, trafficErlangs: 1, ahtSeconds: 180, patienceSeconds: 0 }, 20)).toThrow(RangeError);
    expect(() => erlangA({ agents: -1, trafficErlangs: 1, ahtSeconds: 180, patienceSeconds: 60 }, 20)).toThrow(RangeError);
    expect(() => agentsForTrafficErlangA({ ...goal, patienceSeconds: 60, maxAbandonment: 2 })).toThrow(RangeError);
  });
});
