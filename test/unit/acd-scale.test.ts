/**
 * A large centre: 10,000 callers waiting, 2,000 agents, 50 skills. A routing
 * decision looks at the tops of a few heaps, never at every caller or every
 * agent, so it stays far below a millisecond however large the centre is.
 * (bench/ measures p50/p99 properly; this guards against an accidental scan.)
 */
import { describe, expect, it } from 'vitest';
import type { AgentProfile, QueueConfig, SkillLevel } from '../../server/acd/model.js';
import { agent, centre, queue } from './acd-fixtures.js';

const SKILLS = 50;
const AGENTS = 2_000;
const WAITING = 10_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('a decision in a large centre', () => {
  it('with 10,000 callers waiting, 2,000 agents and 50 skills, an agent coming free is matched in well under 1 ms', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const queues: QueueConfig[] = Array.from({ length: SKILLS }, (_, k) =>
      queue({
        id: `q${k}`,
        name: `Queue ${k}`,
        priority: k % 2 ? { kind: 'classes' } : { kind: 'head-start', secondsPerPoint: 30 },
        steps: [
          { afterSeconds: 0, eligible: { skill: `S${k}`, minLevel: 4 } },
          { afterSeconds: 60, eligible: { skill: `S${k}` } },
          { afterSeconds: 300, eligible: { everyone: true } },
        ],
      }),
    );
    const agents: AgentProfile[] = Array.from({ length: AGENTS }, (_, i) => {
      const skills: Record<string, SkillLevel> = {};
      for (let j = 0; j < 4; j++) skills[`S${Math.floor(rnd() * SKILLS)}`] = (1 + Math.floor(rnd() * 5)) as SkillLevel;
      return agent(`a${i}`, { skills, queues: Object.keys(skills).map((s) => `q${s.slice(1)}`) });
    });
    const c = await centre({ queues, agents });
    const now = c.clock.now();
    for (let i = 0; i < WAITING; i++) {
      await c.acd.enqueue(c.call(`e${i}`, {
        queueId: `q${Math.floor(rnd() * SKILLS)}`,
        enqueuedAt: now - Math.floor(rnd() * 600_000),
        priority: rnd() < 0.05 ? 1 : 0,
      }));
    }
    const took: number[] = [];
    for (const a of agents) {
      const t0 = performance.now();
      await c.acd.login(a.id);
      took.push(performance.now() - t0);
    }
    // every agent found a caller they may take (the longest-waiting are open to everyone by now)
    expect(c.offers()).toHaveLength(AGENTS);
    expect(new Set(c.offers().map(([e]) => e)).size).toBe(AGENTS);
    // a whole login-and-offer operation (store claim and events included), not just the decision
    expect(median(took)).toBeLessThan(1);

    // and the other way round: callers arriving while agents are free
    for (const q of c.acd.snapshot().queues) for (const e of q.entries) if (!e.offeredTo) await c.acd.abandon(e.id);
    for (const [entryId, agentId] of c.offers()) {
      await c.acd.offerAccepted(entryId, agentId);
      await c.acd.callEnded(entryId);
    }
    const arriving: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const t0 = performance.now();
      await c.acd.enqueue(c.call(`n${i}`, { queueId: `q${i % SKILLS}` }));
      arriving.push(performance.now() - t0);
    }
    expect(c.offers().length).toBeGreaterThan(AGENTS + 1_500); // most find a specialist free at once
    expect(median(arriving)).toBeLessThan(1);
  });
});
