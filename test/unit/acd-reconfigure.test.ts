/**
 * Changing queues and agents while the ACD runs (Acd.reconfigure): callers
 * keep their place, agents their state; a skill change decides the next
 * offer; a queue removed while callers wait still serves them.
 */
import { describe, expect, it } from 'vitest';
import { agent, centre, queue } from './acd-fixtures.js';

const bySkill = queue({ steps: [{ afterSeconds: 0, eligible: { skill: 'kort', minLevel: 3 } }] });

describe('new queues and agents while running', () => {
  it('a skill raised makes the agent the one offered the next call; the line and states are kept', async () => {
    const people = [agent('anna', { skills: { kort: 1 } }), agent('bo', { skills: { kort: 1 } })];
    const c = await centre({ queues: [bySkill], agents: people, loggedIn: ['anna', 'bo'] });
    await c.acd.enqueue(c.call('c1'));
    await c.wait(1);
    await c.acd.enqueue(c.call('c2'));
    expect(c.offers()).toEqual([]);

    await c.acd.reconfigure([bySkill], [agent('anna', { skills: { kort: 1 } }), agent('bo', { skills: { kort: 4 } })]);

    // Bo now qualifies: the first caller in line is offered to him; c2 keeps its place behind.
    expect(c.offers()).toEqual([['c1', 'bo']]);
    expect(c.acd.agent('anna')!.state).toBe('ready');
    expect(c.acd.snapshot().queues[0]!.entries.map((e) => e.id)).toEqual(['c1', 'c2']);
    expect(c.acd.positionOf('c2')).toBe(1);
  });

  it('an agent added starts logged out; one removed is offered nothing more', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    await c.acd.reconfigure([queue()], [agent('bo'), agent('cecilia')]);
    expect(c.acd.agent('cecilia')!.state).toBe('logged-out');
    await c.acd.enqueue(c.call('c1'));
    expect(c.offers()).toEqual([['c1', 'bo']]);
    await c.acd.enqueue(c.call('c2'));
    // Anna is still ready, but no longer an agent: c2 waits.
    expect(c.offers()).toEqual([['c1', 'bo']]);
    expect(c.acd.agent('anna')!.state).toBe('ready');
    await expect(c.acd.login('anna')).rejects.toThrow('unknown agent anna');
  });

  it('a queue added takes callers at once, with an estimated wait, and shows in the snapshot', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: [] });
    const sales = queue({ id: 'sales', name: 'Sälj', defaultHandleSeconds: 200 });
    await c.acd.reconfigure([queue(), sales], [agent('anna', { queues: ['support', 'sales'] })]);
    await c.acd.login('anna');
    await c.acd.enqueue(c.call('c1', { queueId: 'sales' }));
    await c.acd.enqueue(c.call('c2', { queueId: 'sales' }));
    expect(c.offers()).toEqual([['c1', 'anna']]);
    // One agent, busy with the first caller: the next waits about one handling time.
    expect(c.acd.estimatedWaitSeconds('sales', 'c2')).toBeGreaterThan(0);
    expect(c.acd.snapshot().queues.map((q) => [q.id, q.entries.length])).toEqual([['support', 0], ['sales', 2]]);
  });

  it('new steps apply to callers already waiting: a wider circle at once', async () => {
    const c = await centre({ queues: [bySkill], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.wait(30);
    expect(c.offers()).toEqual([]);
    const widened = queue({ steps: [{ afterSeconds: 0, eligible: { skill: 'kort', minLevel: 3 } }, { afterSeconds: 20, eligible: { everyone: true } }] });
    await c.acd.reconfigure([widened], [agent('anna')]);
    expect(c.of('step-changed')).toMatchObject([{ entryId: 'c1', step: 1 }]);
    expect(c.offers()).toEqual([['c1', 'anna']]);
  });

  it('a queue removed while callers wait: they are still served by its agents, nobody new joins it, it goes when empty', async () => {
    const other = queue({ id: 'sales', name: 'Sälj' });
    const c = await centre({ queues: [queue(), other], agents: [agent('anna', { queues: ['support', 'sales'] })] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.reconfigure([other], [agent('anna', { queues: ['sales'] })]);

    await expect(c.acd.enqueue(c.call('c2'))).rejects.toThrow('unknown queue support');
    expect(c.acd.snapshot().unplaceable).toEqual([]);
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['c1', 'anna']]);
    await c.acd.offerAccepted('c1', 'anna');
    await c.wait(10);
    await c.acd.callEnded('c1');
    expect(c.of('ended')).toHaveLength(1);

    // The next change finds its line empty: the queue is gone.
    await c.acd.reconfigure([other], [agent('anna', { queues: ['sales'] })]);
    expect(c.acd.snapshot().queues.map((q) => q.id)).toEqual(['sales']);
    expect(c.acd.profile('anna')!.queues).toEqual(['sales']);
  });

  it('a bad configuration is refused and the old one stays', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await expect(c.acd.reconfigure([queue()], [agent('anna', { queues: ['nowhere'] })])).rejects.toThrow(/nowhere/);
    await c.acd.enqueue(c.call('c1'));
    expect(c.offers()).toEqual([['c1', 'anna']]);
  });
});
