/**
 * The contact centre bench/acd-assign.ts routes: queues with widening skill
 * steps over S skills, agents with random skill sets and levels, from a
 * seeded PRNG (the same seed builds the same centre), and the latency
 * statistics the bench reports.
 *
 * Queue k (q0 .. q{S-1}) is served by skill Sk:
 *   0-60 s: Sk level 4+;  60-300 s: Sk any level;  from 300 s: every member.
 * Even queues give priority by head start (30 s a point), odd ones by class.
 * Each agent has 2-6 distinct skills at levels 1-5 (uniform) and is a member
 * of the queues of their skills plus 2 other queues, where they only take
 * calls in the last ("every member") step: the widening reaches further
 * than the skill.
 */
import type { AgentProfile, QueueConfig, SkillLevel } from '../../server/acd/model.js';

/** mulberry32: a small, fast, seeded PRNG; floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const STEP_SECONDS = [0, 60, 300] as const;
/** Wrap-up long enough never to end during a run: an agent comes back only when the bench says ready. */
export const WRAP_UP_SECONDS = 86_400;

export function buildQueues(skills: number): QueueConfig[] {
  return Array.from({ length: skills }, (_, k): QueueConfig => ({
    id: `q${k}`,
    name: `Queue ${k}`,
    steps: [
      { afterSeconds: STEP_SECONDS[0], eligible: { skill: `S${k}`, minLevel: 4 } },
      { afterSeconds: STEP_SECONDS[1], eligible: { skill: `S${k}` } },
      { afterSeconds: STEP_SECONDS[2], eligible: { everyone: true } },
    ],
    priority: k % 2 === 0 ? { kind: 'head-start', secondsPerPoint: 30 } : { kind: 'classes' },
    wrapUpSeconds: WRAP_UP_SECONDS,
    ringTimeoutSeconds: 20,
    maxMissedOffers: 3,
    personalOverflowSeconds: 60,
  }));
}

export function buildAgents(count: number, skills: number, rnd: () => number): AgentProfile[] {
  return Array.from({ length: count }, (_, i): AgentProfile => {
    const n = Math.min(skills, 2 + Math.floor(rnd() * 5));
    const own: Record<string, SkillLevel> = {};
    const queues = new Set<string>();
    while (Object.keys(own).length < n) {
      const k = Math.floor(rnd() * skills);
      if (own[`S${k}`] !== undefined) continue;
      own[`S${k}`] = (1 + Math.floor(rnd() * 5)) as SkillLevel;
      queues.add(`q${k}`);
    }
    const extra = Math.min(2, skills - n);
    for (let added = 0; added < extra;) {
      const q = `q${Math.floor(rnd() * skills)}`;
      if (queues.has(q)) continue;
      queues.add(q);
      added++;
    }
    return {
      id: `a${i}`,
      name: `Agent ${i}`,
      skills: own,
      groups: [],
      queues: [...queues],
      device: { kind: 'softphone', extension: String(10_000 + i) },
    };
  });
}

/** Skill levels of 4 or more, as queue indexes. */
export function expertQueues(agent: AgentProfile): number[] {
  return Object.entries(agent.skills)
    .filter(([, level]) => level >= 4)
    .map(([skill]) => Number(skill.slice(1)));
}

export interface LatencyStats {
  n: number;
  meanMs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Sum of the latencies, ms. */
  totalMs: number;
}

/** Nearest-rank percentiles of latencies in ms. */
export function latencyStats(values: ArrayLike<number>, n = values.length): LatencyStats {
  const s = Float64Array.from({ length: n }, (_, i) => values[i]!).sort();
  const at = (p: number): number => (n === 0 ? NaN : s[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!);
  let total = 0;
  for (let i = 0; i < n; i++) total += s[i]!;
  return { n, meanMs: n ? total / n : NaN, p50: at(50), p95: at(95), p99: at(99), max: n ? s[n - 1]! : NaN, totalMs: total };
}
