import { describe, expect, it } from 'vitest';
import { phaseAt, sortedSteps } from '../../server/acd/eligibility.js';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

/** 0-120 s: specialists in A (level 4+); 120-300 s: anyone with A; after 300 s: the whole front office. */
const widening = queue({
  steps: [
    { afterSeconds: 0, eligible: { skill: 'A', minLevel: 4 } },
    { afterSeconds: 120, eligible: { skill: 'A' } },
    { afterSeconds: 300, eligible: { group: 'front-office' } },
  ],
});

const people = [
  agent('anna', { skills: { A: 5 }, groups: ['front-office'] }),
  agent('bo', { skills: { A: 2 }, groups: ['front-office'] }),
  agent('cecilia', { skills: { B: 5 }, groups: ['front-office'] }),
];

/** 0-120 s: specialists in A; from 120 s the front office too. */
const toGroup = queue({
  steps: [
    { afterSeconds: 0, eligible: { skill: 'A', minLevel: 4 } },
    { afterSeconds: 120, eligible: { group: 'front-office' } },
  ],
});
/** A specialist in A outside the front office. */
const specialist = agent('dora', { skills: { A: 5 }, groups: ['back-office'] });

describe('the longer a call waits, the wider the circle of agents who may take it', () => {
  it('a specialist in A takes the call at once when one is ready', async () => {
    const c = await centre({ queues: [widening], agents: people, loggedIn: ['cecilia', 'bo', 'anna'] });
    await c.acd.enqueue(c.call('c1'));
    // bo and cecilia have been idle longer, but only anna has A at level 4+.
    expect(c.offers()).toEqual([['c1', 'anna']]);
  });

  it('with no specialist free, anyone with A may take it from 120 s, not a moment before', async () => {
    const c = await centre({ queues: [widening], agents: people, loggedIn: ['cecilia', 'bo'] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('c1'));
    await c.clock.advanceTo(t0 + 120 * SECOND - 1);
    expect(c.offers()).toEqual([]);
    await c.clock.advanceTo(t0 + 120 * SECOND);
    expect(c.offers()).toEqual([['c1', 'bo']]);
    expect(c.of('offered-to-agent')[0]!.at).toBe(t0 + 120 * SECOND);
    expect(c.of('step-changed')).toMatchObject([{ entryId: 'c1', step: 1, at: t0 + 120 * SECOND }]);
  });

  it('after 300 s the whole front office may take it', async () => {
    const c = await centre({ queues: [widening], agents: people, loggedIn: ['cecilia'] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('c1'));
    await c.clock.advanceTo(t0 + 299 * SECOND);
    expect(c.offers()).toEqual([]);
    await c.clock.advanceTo(t0 + 300 * SECOND);
    expect(c.offers()).toEqual([['c1', 'cecilia']]);
    expect(c.of('step-changed').map((e) => e.step)).toEqual([1, 2]);
  });

  it('the circle only widens: a specialist outside the later group still takes the call after it widened', async () => {
    const c = await centre({ queues: [toGroup], agents: [...people, specialist] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('c1'));
    await c.clock.advanceTo(t0 + 200 * SECOND);
    await c.acd.login('dora');
    expect(c.offers()).toEqual([['c1', 'dora']]);
  });

  it('after the circle widened, the longest idle of all its steps\' agents goes first', async () => {
    const c = await centre({ queues: [toGroup], agents: [...people, specialist], loggedIn: ['cecilia', 'dora', 'bo'] });
    const waited = c.clock.now() - 150 * SECOND;
    for (const id of ['c1', 'c2', 'c3']) await c.acd.enqueue(c.call(id, { enqueuedAt: waited }));
    expect(c.offers()).toEqual([['c1', 'cecilia'], ['c2', 'dora'], ['c3', 'bo']]);
  });

  it('an agent becoming ready is offered only the calls whose circle already includes them', async () => {
    const c = await centre({ queues: [widening], agents: people });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('early', { enqueuedAt: t0 - 200 * SECOND })); // waited 200 s: anyone with A
    await c.acd.enqueue(c.call('fresh')); // specialists only
    await c.acd.login('cecilia');
    expect(c.offers()).toEqual([]);
    await c.acd.login('bo');
    expect(c.offers()).toEqual([['early', 'bo']]);
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['early', 'bo'], ['fresh', 'anna']]);
  });

  it('the widening is driven by one timer per waiting call, not by polling', async () => {
    const c = await centre({ queues: [widening], agents: people });
    for (let i = 0; i < 5; i++) await c.acd.enqueue(c.call(`c${i}`));
    // one timer per call for its next step boundary, nothing else
    expect(c.clock.pending).toBe(5);
    await c.wait(120);
    expect(c.clock.pending).toBe(5);
    await c.wait(180);
    expect(c.clock.pending).toBe(0);
  });

  it('an agent outside the queue never gets its calls, even when everyone may take them', async () => {
    const everyone = queue({ steps: [{ afterSeconds: 0, eligible: { everyone: true } }] });
    const c = await centre({
      queues: [everyone, queue({ id: 'sales', name: 'Sälj' })],
      agents: [agent('olle', { queues: ['sales'] })],
      loggedIn: ['olle'],
    });
    await c.acd.enqueue(c.call('c1'));
    await c.wait(3600);
    expect(c.offers()).toEqual([]);
  });
});

describe('the phase of a waiting entry', () => {
  it('follows the steps in time order however they are listed, and says when it changes next', () => {
    const q = queue({
      steps: [
        { afterSeconds: 300, eligible: { everyone: true } },
        { afterSeconds: 0, eligible: { skill: 'A', minLevel: 4 } },
        { afterSeconds: 120, eligible: { skill: 'A' } },
      ],
    });
    const steps = sortedSteps(q);
    const e = { id: 'e', queueId: q.id, kind: 'call' as const, enqueuedAt: 0, priority: 0, data: {} };
    expect(phaseAt(q, steps, e, 0)).toEqual({ phase: { kind: 'step', step: 0 }, nextChangeAt: 120_000 });
    expect(phaseAt(q, steps, e, 150_000)).toEqual({ phase: { kind: 'step', step: 1 }, nextChangeAt: 300_000 });
    expect(phaseAt(q, steps, e, 300_000)).toEqual({ phase: { kind: 'step', step: 2 } });
  });

  it('is nobody yet before a first step that starts later than 0 s', () => {
    const q = queue({ steps: [{ afterSeconds: 30, eligible: { everyone: true } }] });
    const e = { id: 'e', queueId: q.id, kind: 'call' as const, enqueuedAt: 0, priority: 0, data: {} };
    expect(phaseAt(q, sortedSteps(q), e, 10_000)).toEqual({ phase: { kind: 'none' }, nextChangeAt: 30_000 });
  });
});
