import { describe, expect, it } from 'vitest';
import { offeredBefore, tieBreakSkill } from '../../server/acd/selection.js';
import { agent, centre, queue } from './acd-fixtures.js';

describe('the longest-idle agent among the eligible gets the call', () => {
  it('offers to the agent who has been idle the longest', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo'), agent('cecilia')], loggedIn: ['bo', 'cecilia', 'anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.enqueue(c.call('c2'));
    await c.acd.enqueue(c.call('c3'));
    expect(c.offers()).toEqual([['c1', 'bo'], ['c2', 'cecilia'], ['c3', 'anna']]);
  });

  it('an agent back from a call goes to the end of the idle line', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerAccepted('c1', 'anna');
    await c.wait(30);
    await c.acd.callEnded('c1');
    await c.acd.enqueue(c.call('c2'));
    expect(c.offers()).toEqual([['c1', 'anna'], ['c2', 'bo']]);
  });

  it('equally idle agents: the higher level in the step\'s skill wins', async () => {
    const q = queue({ steps: [{ afterSeconds: 0, eligible: { skill: 'A' } }] });
    const c = await centre({
      queues: [q],
      agents: [agent('anna', { skills: { A: 2 } }), agent('bo', { skills: { A: 5 } }), agent('cecilia', { skills: { A: 3 } })],
    });
    // all log in at the same moment: equally idle
    await Promise.all([c.acd.login('anna'), c.acd.login('bo'), c.acd.login('cecilia')]);
    await c.acd.enqueue(c.call('c1'));
    await c.acd.enqueue(c.call('c2'));
    expect(c.offers()).toEqual([['c1', 'bo'], ['c2', 'cecilia']]);
  });

  it('in an "everyone" step, ties go by the skill of the queue\'s earlier skill step', async () => {
    const q = queue({
      steps: [
        { afterSeconds: 0, eligible: { skill: 'A', minLevel: 5 } },
        { afterSeconds: 60, eligible: { everyone: true } },
      ],
    });
    const c = await centre({ queues: [q], agents: [agent('anna', { skills: { A: 1 } }), agent('bo', { skills: { A: 3 } })] });
    await Promise.all([c.acd.login('anna'), c.acd.login('bo')]);
    await c.acd.enqueue(c.call('c1'));
    await c.wait(60);
    expect(c.offers()).toEqual([['c1', 'bo']]);
    expect(tieBreakSkill(q.steps, 1)).toBe('A');
  });

  it('ranks candidates by idle time, then level, then id', () => {
    expect(offeredBefore({ id: 'b', idleSince: 1, level: 1 }, { id: 'a', idleSince: 2, level: 5 })).toBe(true);
    expect(offeredBefore({ id: 'b', idleSince: 1, level: 4 }, { id: 'a', idleSince: 1, level: 3 })).toBe(true);
    expect(offeredBefore({ id: 'b', idleSince: 1, level: 3 }, { id: 'a', idleSince: 1, level: 3 })).toBe(false);
  });
});

describe('an agent in several queues', () => {
  const queues = [queue({ id: 'support', name: 'Kundtjänst' }), queue({ id: 'sales', name: 'Sälj' }), queue({ id: 'claims', name: 'Skador' })];

  it('takes the call that has waited longest across their queues', async () => {
    const c = await centre({ queues, agents: [agent('anna', { queues: ['support', 'sales'] })] });
    await c.acd.enqueue(c.call('support-1', { queueId: 'support' }));
    await c.wait(5);
    await c.acd.enqueue(c.call('sales-1', { queueId: 'sales', enqueuedAt: c.clock.now() - 60_000 }));
    await c.acd.enqueue(c.call('claims-1', { queueId: 'claims', enqueuedAt: c.clock.now() - 600_000 }));
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['sales-1', 'anna']]);
    await c.acd.offerAccepted('sales-1', 'anna');
    await c.acd.callEnded('sales-1');
    expect(c.offers()).toEqual([['sales-1', 'anna'], ['support-1', 'anna']]);
  });

  it('is counted in the staffing of each of their queues and no other', async () => {
    const c = await centre({ queues, agents: [agent('anna', { queues: ['support', 'sales'] })], loggedIn: ['anna'] });
    const staffed = Object.fromEntries(c.acd.snapshot().queues.map((q) => [q.id, q.staffed]));
    expect(staffed).toEqual({ support: 1, sales: 1, claims: 0 });
  });
});
