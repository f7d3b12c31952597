/**
 * Whatever happens, in whatever order: no caller waits while an agent who
 * may take them is free, and every offer pairs the right caller with the
 * right agent. A seeded random day of logins, pauses, calls, VIPs, personal
 * calls, callbacks, hang-ups, misses and wrap-ups, checked against the rules
 * written out plainly (brute force over every entry and agent).
 */
import { describe, expect, it } from 'vitest';
import { matchesStep, phaseAt, sortedSteps } from '../../server/acd/eligibility.js';
import type { AcdEvent, AgentProfile, AgentStatus, QueueConfig, QueueEntry, SkillLevel } from '../../server/acd/model.js';
import { orderKey, servedBefore } from '../../server/acd/ordering.js';
import { levelIn, offeredBefore, tieBreakSkill } from '../../server/acd/selection.js';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

function rng(seed: number) {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T | undefined => xs[Math.floor(next() * xs.length)] };
}

const queues: QueueConfig[] = [
  queue({
    id: 'support', wrapUpSeconds: 15, maxMissedOffers: 2, personalOverflowSeconds: 40,
    steps: [
      { afterSeconds: 0, eligible: { skill: 'A', minLevel: 4 } },
      { afterSeconds: 60, eligible: { skill: 'A' } },
      { afterSeconds: 180, eligible: { group: 'front' } },
    ],
  }),
  queue({
    id: 'sales', name: 'Sälj', priority: { kind: 'head-start', secondsPerPoint: 45 }, wrapUpSeconds: 0,
    steps: [
      { afterSeconds: 0, eligible: { skill: 'B', minLevel: 3 } },
      { afterSeconds: 90, eligible: { everyone: true } },
    ],
  }),
  queue({ id: 'claims', name: 'Skador', ringTimeoutSeconds: 12, steps: [{ afterSeconds: 20, eligible: { group: 'back' } }] }),
  queue({ id: 'switch', name: 'Växel', callbackRetrySeconds: 30, steps: [{ afterSeconds: 0, eligible: { everyone: true } }] }),
];

function people(r: ReturnType<typeof rng>): AgentProfile[] {
  return Array.from({ length: 24 }, (_, i) => {
    const skills: Record<string, SkillLevel> = {};
    if (r.next() < 0.6) skills.A = (1 + r.int(5)) as SkillLevel;
    if (r.next() < 0.5) skills.B = (1 + r.int(5)) as SkillLevel;
    const groups = [r.next() < 0.7 ? 'front' : 'back'];
    const qs = queues.map((q) => q.id).filter(() => r.next() < 0.6);
    return agent(`agent-${String(i).padStart(2, '0')}`, { skills, groups, queues: qs.length ? qs : ['switch'] });
  });
}

describe('routing holds its rules through a random day', () => {
  it.each([1, 2, 3])('seed %i: nobody waits while an eligible agent is free; every offer is the best pair', async (seed) => {
    const r = rng(seed);
    const profiles = people(r);
    const byId = new Map(profiles.map((p) => [p.id, p]));
    const qById = new Map(queues.map((q) => [q.id, { q, steps: sortedSteps(q) }]));
    const c = await centre({ queues, agents: profiles });
    const seq = new Map<string, number>();
    const problems: string[] = [];

    const mayTake = (a: AgentProfile, e: QueueEntry, now: number): boolean => {
      const { q, steps } = qById.get(e.queueId)!;
      const ph = phaseAt(q, steps, e, now).phase;
      if (ph.kind === 'deferred' || ph.kind === 'none') return false;
      if (e.personalAgentId === a.id) return true;
      if (ph.kind === 'personal') return false;
      return a.queues.includes(q.id) && matchesStep(a, steps[ph.step]!.eligible);
    };
    const key = (e: QueueEntry) => orderKey(qById.get(e.queueId)!.q, e, seq.get(e.id)!);
    const line = () => c.acd.snapshot().queues.flatMap((q) => q.entries as QueueEntry[]);
    const statuses = () => new Map(c.acd.snapshot().agents.map((s) => [s.id, s] as [string, AgentStatus]));

    const checkOffer = (e: Extract<AcdEvent, { type: 'offered-to-agent' }>) => {
      const now = e.at;
      const entries = line();
      const offered = entries.find((x) => x.id === e.entryId)!;
      const st = statuses();
      const a = byId.get(e.agentId)!;
      if (!mayTake(a, offered, now)) problems.push(`${e.entryId} offered to ${a.id}, who may not take it`);
      // (a) no waiting entry the agent may take comes before it
      const mine = (x: QueueEntry) => x.personalAgentId === a.id;
      for (const w of entries) {
        if (w.id === offered.id || w.offeredTo !== undefined || !mayTake(a, w, now)) continue;
        const better = (mine(w) && !mine(offered)) || (mine(w) === mine(offered) && servedBefore(key(w), key(offered)));
        if (better) problems.push(`at ${now}: ${a.id} was offered ${offered.id} while ${w.id}, ahead of it, waited`);
      }
      // (b) no free agent who may take it comes before the agent
      if (offered.personalAgentId === a.id) return;
      const ph = phaseAt(qById.get(offered.queueId)!.q, qById.get(offered.queueId)!.steps, offered, now).phase;
      const skill = ph.kind === 'step' ? tieBreakSkill(qById.get(offered.queueId)!.steps, ph.step) : undefined;
      const cand = (p: AgentProfile) => ({ id: p.id, idleSince: st.get(p.id)!.idleSince, level: levelIn(p, skill) });
      for (const b of profiles) {
        if (b.id === a.id || st.get(b.id)!.state !== 'ready' || !mayTake(b, offered, now)) continue;
        if (offered.personalAgentId === b.id || offeredBefore(cand(b), cand(a))) {
          problems.push(`at ${now}: ${offered.id} went to ${a.id} though ${b.id} was free and first in line for it`);
        }
      }
    };
    c.acd.on((e) => e.type === 'offered-to-agent' && checkOffer(e));

    const checkSettled = (step: number) => {
      const now = c.clock.now();
      const st = statuses();
      const ready = profiles.filter((p) => st.get(p.id)!.state === 'ready');
      for (const e of line()) {
        if (e.offeredTo !== undefined) {
          const s = st.get(e.offeredTo)!;
          if (!(s.entryId === e.id && (s.state === 'reserved' || s.state === 'busy'))) problems.push(`${e.id} offered to ${e.offeredTo}, who is ${s.state}`);
          continue;
        }
        for (const p of ready) if (mayTake(p, e, now)) problems.push(`after action ${step}: ${e.id} waits while ${p.id} is free and may take it`);
      }
      const busyWith = new Map<string, string>();
      for (const s of st.values()) {
        if (s.state !== 'reserved' && s.state !== 'busy') continue;
        if (busyWith.has(s.entryId!)) problems.push(`${s.entryId} has two agents`);
        busyWith.set(s.entryId!, s.id);
      }
    };

    let n = 0;
    for (let step = 0; step < 1500 && problems.length === 0; step++) {
      const st = [...statuses().values()];
      const all = line();
      const answered = [...new Set(st.filter((s) => s.state === 'busy').map((s) => s.entryId!))];
      const ringing = st.filter((s) => s.state === 'reserved');
      const roll = r.next();
      if (roll < 0.22) {
        const id = `e${n++}`;
        seq.set(id, n);
        const q = r.pick(queues)!;
        const personal = r.next() < 0.08 ? r.pick(profiles)!.id : undefined;
        await c.acd.enqueue(c.call(id, {
          queueId: q.id,
          priority: r.next() < 0.15 ? 1 + r.int(2) : 0,
          enqueuedAt: c.clock.now() - (r.next() < 0.1 ? r.int(300) * SECOND : 0),
          ...(personal ? { personalAgentId: personal } : {}),
        }));
      } else if (roll < 0.3) {
        const s = r.pick(st.filter((x) => x.state === 'logged-out'));
        if (s) await c.acd.login(s.id);
      } else if (roll < 0.34) {
        const s = r.pick(st.filter((x) => x.state !== 'logged-out'));
        if (s) await c.acd.logout(s.id);
      } else if (roll < 0.4) {
        const s = r.pick(st.filter((x) => x.state !== 'logged-out'));
        if (s) await c.acd.pause(s.id, r.pick(['lunch', 'meeting', 'training'])!);
      } else if (roll < 0.48) {
        const s = r.pick(st.filter((x) => x.state === 'paused' || x.state === 'wrap-up'));
        if (s) await c.acd.ready(s.id);
      } else if (roll < 0.58) {
        const s = r.pick(ringing);
        if (s) await c.acd.offerAccepted(s.entryId!, s.id);
      } else if (roll < 0.61) {
        const s = r.pick(ringing);
        if (s) await c.acd.offerRejected(s.entryId!, s.id);
      } else if (roll < 0.7) {
        const id = r.pick(answered);
        if (id) {
          if (c.acd.entry(id)!.kind === 'callback' && r.next() < 0.5) await c.acd.callbackNoAnswer(id);
          else await c.acd.callEnded(id);
        }
      } else if (roll < 0.74) {
        const e = r.pick(all);
        if (e) await c.acd.abandon(e.id);
      } else if (roll < 0.78) {
        const e = r.pick(all.filter((x) => x.kind === 'call'));
        if (e) await c.acd.requestCallback(e.id);
      } else {
        await c.wait(r.int(90));
      }
      checkSettled(step);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // the day did happen: plenty of offers, answers, misses and callbacks
    expect(c.of('offered-to-agent').length).toBeGreaterThan(150);
    expect(c.of('answered').length).toBeGreaterThan(50);
    expect(c.of('offer-missed').length).toBeGreaterThan(5);
    expect(c.of('callback-requested').length).toBeGreaterThan(5);
  });
});
