import { describe, expect, it } from 'vitest';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

const people = [agent('anna'), agent('bo'), agent('cecilia')];

describe('a call for one named agent (personal queue)', () => {
  it('waits for its agent, then overflows to the queue after personalOverflowSeconds', async () => {
    const c = await centre({ queues: [queue({ personalOverflowSeconds: 45 })], agents: people, loggedIn: ['bo', 'cecilia'] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('for-anna', { personalAgentId: 'anna' }));
    await c.clock.advanceTo(t0 + 45 * SECOND - 1);
    expect(c.offers()).toEqual([]);
    await c.clock.advanceTo(t0 + 45 * SECOND);
    expect(c.offers()).toEqual([['for-anna', 'bo']]);
    expect(c.of('step-changed')).toMatchObject([{ entryId: 'for-anna', step: 0 }]);
  });

  it('goes to its agent as soon as they are ready, though others have been idle longer', async () => {
    const c = await centre({ agents: people, loggedIn: ['bo', 'cecilia'] });
    await c.acd.enqueue(c.call('for-anna', { personalAgentId: 'anna' }));
    await c.wait(20);
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['for-anna', 'anna']]);
  });

  it('still prefers its agent after the overflow', async () => {
    const c = await centre({ queues: [queue({ personalOverflowSeconds: 0 })], agents: people, loggedIn: ['bo', 'anna'] });
    await c.acd.enqueue(c.call('for-anna', { personalAgentId: 'anna' }));
    expect(c.offers()).toEqual([['for-anna', 'anna']]);
  });

  it('comes before the queue calls for its agent, even calls that waited longer', async () => {
    const c = await centre({ agents: people });
    await c.acd.enqueue(c.call('queue-call'));
    await c.wait(30);
    await c.acd.enqueue(c.call('for-anna', { personalAgentId: 'anna' }));
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['for-anna', 'anna']]);
  });

  it('is not offered to other agents while it waits for its agent', async () => {
    const c = await centre({ agents: people, loggedIn: ['bo'] });
    await c.acd.enqueue(c.call('for-anna', { personalAgentId: 'anna' }));
    await c.acd.enqueue(c.call('ordinary'));
    expect(c.offers()).toEqual([['ordinary', 'bo']]);
  });

  it('an agent freed while calls wait takes the one waiting for them personally', async () => {
    const c = await centre({ agents: people, loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.enqueue(c.call('for-anna', { personalAgentId: 'anna' })); // anna is being rung for c1
    await c.acd.requestCallback('c1');
    expect(c.offers()).toEqual([['c1', 'anna'], ['for-anna', 'anna']]);
  });
});
