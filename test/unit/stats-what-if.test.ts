/**
 * Routing what-ifs (server/stats/what-if.ts): the same callers replayed
 * under the scenario as it was and as it might be.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueueConfig } from '../../server/acd/model.js';
import { ReplayError, type ReplayArrival, type ReplayScenario } from '../../server/stats/replay.js';
import { applyChange, whatIf } from '../../server/stats/what-if.js';
import { generateDay, mergeDays } from '../simulation/generated-day.js';
import { agent, queue } from './acd-fixtures.js';

const START = Date.UTC(2026, 2, 2, 7, 0); // 08:00 in Stockholm
const HOUR = 3_600_000;

describe('a card queue starved of card specialists', () => {
  // One card specialist; the three others may take card calls only once the
  // circle widens to everyone after 120 s. Answered within 90 s is the goal.
  const cardSteps = (widenAfter: number): QueueConfig['steps'] => [
    { afterSeconds: 0, eligible: { skill: 'kort' } },
    { afterSeconds: widenAfter, eligible: { everyone: true } },
  ];
  const agents = [
    agent('kim', { queues: ['support', 'cards'], skills: { kort: 4 } }),
    ...['anna', 'bo', 'cilla'].map((id) => agent(id, { queues: ['support', 'cards'] })),
  ];
  const baseline: ReplayScenario = {
    queues: [queue(), queue({ id: 'cards', name: 'Kort och spärr', steps: cardSteps(120) })],
    agents,
    shifts: agents.map((a) => ({ agentId: a.id, from: START, to: START + 11 * HOUR })),
  };
  const day = mergeDays(
    generateDay({ seed: 11, queueId: 'cards', start: START, calls: 300, trafficErlangs: 1.5, ahtSeconds: 180, meanPatienceSeconds: 240 }),
    generateDay({ seed: 12, queueId: 'support', start: START, calls: 300, trafficErlangs: 1.5, ahtSeconds: 180, meanPatienceSeconds: 240 }),
  );
  const options = { intervalMinutes: 60, targetSeconds: 90 };

  it('widening after 60 s instead of 120 s answers more card callers within 90 s, on the same callers, at a cost to support', async () => {
    const r = await whatIf(day, baseline, { queues: { cards: { steps: cardSteps(60) } } }, options);
    const before = r.baseline.day.queues.cards!;
    const after = r.changed.day.queues.cards!;
    expect(after.offered).toBe(before.offered);
    expect(after.serviceLevel! - before.serviceLevel!).toBeGreaterThan(0.15);
    expect(after.abandoned).toBeLessThan(before.abandoned);
    expect(r.difference.day.queues.cards!.serviceLevel).toBeCloseTo(after.serviceLevel! - before.serviceLevel!, 12);
    // The generalists' time for card callers comes from somewhere: the difference shows where.
    expect(r.difference.day.queues.support!.serviceLevel!).toBeLessThan(0);
    expect(r.difference.day.queues.support!.averageSpeedOfAnswerSeconds!).toBeGreaterThan(0);
    // Interval by interval: the difference is the changed replay's figure less the baseline's.
    expect(r.difference.intervals.map((i) => i.start)).toEqual(r.baseline.intervals.map((i) => i.start));
    r.difference.intervals.forEach((d, k) => {
      const b = r.baseline.intervals[k]!.queues.cards!;
      const c = r.changed.intervals[k]!.queues.cards!;
      expect(d.queues.cards!.answered).toBe(c.answered - b.answered);
      expect(d.queues.cards!.serviceLevel).toBe(b.serviceLevel === null || c.serviceLevel === null ? null : c.serviceLevel - b.serviceLevel);
    });
  });

  it('two more card specialists in the afternoon: fewer card callers give up', async () => {
    const r = await whatIf(
      day,
      baseline,
      {
        agents: ['dina', 'erik'].map((id) => agent(id, { queues: ['cards'], skills: { kort: 3 } })),
        shifts: ['dina', 'erik'].map((agentId) => ({ agentId, from: START + 5 * HOUR, to: START + 11 * HOUR })),
      },
      options,
    );
    // The morning before they come is the same (the hour before, callers may still wait when they do).
    const morning = (report: typeof r.baseline) => report.intervals.filter((i) => i.end <= START + 4 * HOUR).map((i) => i.queues);
    expect(morning(r.changed)).toEqual(morning(r.baseline));
    expect(morning(r.baseline)).toHaveLength(4);
    expect(r.changed.day.queues.cards!.abandoned).toBeLessThan(r.baseline.day.queues.cards!.abandoned);
    expect(r.changed.day.queues.cards!.serviceLevel!).toBeGreaterThan(r.baseline.day.queues.cards!.serviceLevel!);
    expect(r.changed.day.agents.dina!.answered).toBeGreaterThan(0);
  });
});

describe('a change is applied to the baseline as data', () => {
  const base: ReplayScenario = {
    queues: [queue({ wrapUpSeconds: 10 }), queue({ id: 'cards', name: 'Kort' })],
    agents: [agent('anna', { queues: ['support', 'cards'] }), agent('bo')],
    shifts: [
      { agentId: 'anna', from: START, to: START + HOUR },
      { agentId: 'bo', from: START, to: START + 2 * HOUR },
    ],
  };

  it('queues changed by id, agents added, replaced and removed, shifts replaced per agent; the baseline untouched', () => {
    const before = structuredClone(base);
    const cilla = agent('cilla');
    const annaWithSkill = { ...base.agents[0]!, skills: { kort: 3 as const } };
    const changed = applyChange(base, {
      queues: { support: { wrapUpSeconds: 30 } },
      agents: [annaWithSkill, cilla],
      removeAgents: ['bo'],
      shifts: [{ agentId: 'anna', from: START + HOUR, to: START + 3 * HOUR }, { agentId: 'cilla', from: START, to: START + HOUR }],
    });
    expect(changed.queues.map((q) => [q.id, q.wrapUpSeconds])).toEqual([['support', 30], ['cards', 0]]);
    expect(changed.agents).toEqual([annaWithSkill, cilla]);
    expect(changed.shifts).toEqual([
      { agentId: 'anna', from: START + HOUR, to: START + 3 * HOUR },
      { agentId: 'cilla', from: START, to: START + HOUR },
    ]);
    expect(base).toEqual(before);
  });

  it('a change naming a queue or agent the baseline lacks is refused', () => {
    expect(() => applyChange(base, { queues: { nowhere: { wrapUpSeconds: 1 } } })).toThrow(new ReplayError('change.queues.nowhere: not a queue of the baseline'));
    expect(() => applyChange(base, { removeAgents: ['nobody'] })).toThrow(new ReplayError('change.removeAgents: nobody is not an agent of the baseline'));
  });
});

describe('more agents never make it worse, on the same callers', () => {
  // One queue served first come first served by identical agents, callers
  // who wait until answered: an agent more (for any part of the day) can
  // only bring every caller's answer earlier. (With callers who hang up it
  // is not a law: an extra agent may answer a caller who would have given
  // up, and be busy with them when a later caller comes.)
  const arbitraryDay = fc.record({
    calls: fc.array(fc.record({ gapSeconds: fc.integer({ min: 0, max: 120 }), handleSeconds: fc.integer({ min: 1, max: 600 }) }), { minLength: 1, maxLength: 80 }),
    agents: fc.integer({ min: 1, max: 3 }),
    extra: fc.array(fc.record({ fromMinutes: fc.integer({ min: 0, max: 120 }), minutes: fc.integer({ min: 1, max: 180 }) }), { minLength: 1, maxLength: 3 }),
    wrapUpSeconds: fc.integer({ min: 0, max: 30 }),
    ringSeconds: fc.integer({ min: 0, max: 5 }),
  });

  it('no interval’s service level, answered callers or waits get worse', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryDay, async (d) => {
        const arrivals: ReplayArrival[] = [];
        let at = START;
        for (const [i, c] of d.calls.entries()) {
          at += c.gapSeconds * 1000;
          arrivals.push({ id: `c${i}`, at, queueId: 'support', handleSeconds: c.handleSeconds });
        }
        const ids = Array.from({ length: d.agents }, (_, i) => `a${i}`);
        const baseline: ReplayScenario = {
          queues: [queue({ wrapUpSeconds: d.wrapUpSeconds })],
          agents: ids.map((id) => agent(id)),
          shifts: ids.map((agentId) => ({ agentId, from: START, to: START + 4 * HOUR })),
        };
        const extraIds = d.extra.map((_, i) => `x${i}`);
        const change = {
          agents: extraIds.map((id) => agent(id)),
          shifts: d.extra.map((e, i) => ({ agentId: extraIds[i]!, from: START + e.fromMinutes * 60_000, to: START + (e.fromMinutes + e.minutes) * 60_000 })),
        };
        const r = await whatIf(arrivals, baseline, change, { intervalMinutes: 15, targetSeconds: 20, ringSeconds: d.ringSeconds });
        for (const [k, before] of r.baseline.intervals.entries()) {
          const b = before.queues.support!;
          const c = r.changed.intervals[k]!.queues.support!;
          expect(c.answered).toBe(b.answered);
          expect(c.answeredWithinTarget).toBeGreaterThanOrEqual(b.answeredWithinTarget);
          if (b.answered > 0) {
            expect(c.averageSpeedOfAnswerSeconds!).toBeLessThanOrEqual(b.averageSpeedOfAnswerSeconds!);
            expect(c.maxWaitSeconds!).toBeLessThanOrEqual(b.maxWaitSeconds!);
          }
        }
      }),
      { seed: 20_261_202, numRuns: 60 },
    );
  });
});
