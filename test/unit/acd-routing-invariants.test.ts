/**
 * Whatever happens, in whatever order: no caller waits while an agent who
 * may take them is free, and every offer pairs the right caller with the
 * right agent. A seeded random day of logins, pauses, calls, VIPs, personal
 * calls, callbacks, hang-ups, misses and wrap-ups, checked by brute force
 * over every entry and agent against the rules written out below, not
 * against the product's own functions:
 *
 * - who may take an entry at a given wait: a deferred callback nobody; a
 *   personal call before its overflow only its agent; else the members of
 *   the queue matching any step that has begun (the circle only widens),
 *   and the personal call's agent;
 * - the line: a personal call for the agent first; then, classes: higher
 *   priority first, head-start: each point counts as seconds of waiting;
 *   then the earlier (effective) enqueue time, the real one, arrival order;
 * - among free agents who may take it: the named agent; then the longest
 *   idle, idle counted from the last time they became ready, or missed an
 *   offer (an offer taken back through no fault of theirs leaves it as it
 *   was); ties by level in the skill of the latest skill step begun, then id.
 */
import { describe, expect, it } from 'vitest';
import type { AcdEvent, AgentProfile, QueueConfig, QueueEntry, SkillLevel } from '../../server/acd/model.js';
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
      { afterSeconds: 60, eligible: { group: 'front' } },
      { afterSeconds: 180, eligible: { skill: 'B' } },
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
    const qById = new Map(queues.map((q) => [q.id, q]));
    const c = await centre({ queues, agents: profiles });
    const arrival = new Map<string, number>();
    const problems: string[] = [];
    let widenedOffers = 0;

    // The steps that have begun after `waited` ms, in time order (the configuration may list them in any order).
    const begun = (q: QueueConfig, waited: number) =>
      [...q.steps].sort((x, y) => x.afterSeconds - y.afterSeconds).filter((st) => st.afterSeconds * 1000 <= waited);
    const fits = (a: AgentProfile, rule: QueueConfig['steps'][number]['eligible']): boolean => {
      if ('everyone' in rule) return true;
      if ('group' in rule) return a.groups.includes(rule.group);
      return (a.skills[rule.skill] ?? 0) >= (rule.minLevel ?? 1);
    };
    const deferred = (e: QueueEntry, now: number) => e.notBefore !== undefined && now < e.notBefore;
    const personalOnly = (e: QueueEntry, now: number) =>
      e.personalAgentId !== undefined && now - e.enqueuedAt < qById.get(e.queueId)!.personalOverflowSeconds * 1000;
    const mayTake = (a: AgentProfile, e: QueueEntry, now: number): boolean => {
      if (deferred(e, now)) return false;
      if (e.personalAgentId === a.id) return true;
      if (personalOnly(e, now)) return false;
      const q = qById.get(e.queueId)!;
      return a.queues.includes(q.id) && begun(q, now - e.enqueuedAt).some((st) => fits(a, st.eligible));
    };
    /** Whether entry x is served before entry y (both waiting). */
    const ahead = (x: QueueEntry, y: QueueEntry): boolean => {
      const cls = (e: QueueEntry) => (qById.get(e.queueId)!.priority.kind === 'classes' ? e.priority : 0);
      const time = (e: QueueEntry) => {
        const rule = qById.get(e.queueId)!.priority;
        return rule.kind === 'head-start' ? e.enqueuedAt - e.priority * rule.secondsPerPoint * 1000 : e.enqueuedAt;
      };
      if (cls(x) !== cls(y)) return cls(x) > cls(y);
      if (time(x) !== time(y)) return time(x) < time(y);
      if (x.enqueuedAt !== y.enqueuedAt) return x.enqueuedAt < y.enqueuedAt;
      return arrival.get(x.id)! < arrival.get(y.id)!;
    };
    const tieSkill = (e: QueueEntry, now: number): string | undefined => {
      const skills = begun(qById.get(e.queueId)!, now - e.enqueuedAt).flatMap((st) => ('skill' in st.eligible ? [st.eligible.skill] : []));
      return skills.at(-1);
    };

    // Agents' states and idle times, as the events tell them.
    const state = new Map<string, string>(profiles.map((p) => [p.id, 'logged-out']));
    const idleSince = new Map<string, number>();
    const missed = new Set<string>();
    const onAgentEvent = (e: AcdEvent) => {
      if (e.type === 'offer-missed') missed.add(e.agentId);
      if (e.type !== 'agent-state') return;
      const takenBack = e.previous === 'reserved' && !missed.has(e.agentId);
      if (e.state === 'ready' && !takenBack) idleSince.set(e.agentId, e.at);
      state.set(e.agentId, e.state);
      missed.delete(e.agentId);
    };
    /** Whether free agent x is offered an entry before free agent y. */
    const first = (x: AgentProfile, y: AgentProfile, skill: string | undefined): boolean => {
      if (idleSince.get(x.id) !== idleSince.get(y.id)) return idleSince.get(x.id)! < idleSince.get(y.id)!;
      const level = (p: AgentProfile) => (skill === undefined ? 0 : (p.skills[skill] ?? 0));
      if (level(x) !== level(y)) return level(x) > level(y);
      return x.id < y.id;
    };
    const line = () => c.acd.snapshot().queues.flatMap((q) => q.entries as QueueEntry[]);

    const checkOffer = (e: Extract<AcdEvent, { type: 'offered-to-agent' }>) => {
      const now = e.at;
      const entries = line();
      const offered = entries.find((x) => x.id === e.entryId)!;
      const a = byId.get(e.agentId)!;
      if (!mayTake(a, offered, now)) problems.push(`${e.entryId} offered to ${a.id}, who may not take it`);
      const q = qById.get(offered.queueId)!;
      const current = begun(q, now - offered.enqueuedAt).at(-1);
      if (offered.personalAgentId !== a.id && current && !fits(a, current.eligible)) widenedOffers++;
      // (a) no waiting entry the agent may take comes before it
      const mine = (x: QueueEntry) => x.personalAgentId === a.id;
      for (const w of entries) {
        if (w.id === offered.id || w.offeredTo !== undefined || !mayTake(a, w, now)) continue;
        const better = (mine(w) && !mine(offered)) || (mine(w) === mine(offered) && ahead(w, offered));
        if (better) problems.push(`at ${now}: ${a.id} was offered ${offered.id} while ${w.id}, ahead of it, waited`);
      }
      // (b) no free agent who may take it comes before the agent
      if (offered.personalAgentId === a.id) return;
      const skill = tieSkill(offered, now);
      for (const b of profiles) {
        if (b.id === a.id || state.get(b.id) !== 'ready' || !mayTake(b, offered, now)) continue;
        if (offered.personalAgentId === b.id || first(b, a, skill)) {
          problems.push(`at ${now}: ${offered.id} went to ${a.id} though ${b.id} was free and first in line for it`);
        }
      }
    };
    c.acd.on((e) => {
      if (e.type === 'offered-to-agent') checkOffer(e);
      onAgentEvent(e);
    });

    const checkSettled = (step: number) => {
      const now = c.clock.now();
      const st = new Map(c.acd.snapshot().agents.map((s) => [s.id, s]));
      for (const p of profiles) {
        const s = st.get(p.id)!;
        if (s.state !== state.get(p.id)) problems.push(`after action ${step}: ${p.id} is ${s.state}, the events said ${state.get(p.id)}`);
        else if (s.state === 'ready' && s.idleSince !== idleSince.get(p.id)) {
          problems.push(`after action ${step}: ${p.id} idle since ${s.idleSince}, by the rules since ${idleSince.get(p.id)}`);
        }
      }
      const ready = profiles.filter((p) => state.get(p.id) === 'ready');
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
      const st = c.acd.snapshot().agents;
      const all = line();
      const answered = [...new Set(st.filter((s) => s.state === 'busy').map((s) => s.entryId!))];
      const ringing = st.filter((s) => s.state === 'reserved');
      const roll = r.next();
      if (roll < 0.22) {
        const id = `e${n++}`;
        arrival.set(id, n);
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
    // and calls were taken by agents of an earlier step after their circle widened
    expect(widenedOffers).toBeGreaterThan(20);
  });
});
