import { describe, expect, it } from 'vitest';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

describe('an agent who does not answer is skipped and, after N misses in a row, paused', () => {
  it('an offer not answered within the ring timeout goes to the next agent', async () => {
    const c = await centre({ queues: [queue({ ringTimeoutSeconds: 15 })], agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('c1'));
    expect(c.offers()).toEqual([['c1', 'anna']]);
    await c.clock.advanceTo(t0 + 15 * SECOND - 1);
    expect(c.offers()).toHaveLength(1);
    await c.clock.advanceTo(t0 + 15 * SECOND);
    expect(c.of('offer-missed')).toMatchObject([{ entryId: 'c1', agentId: 'anna', at: t0 + 15 * SECOND }]);
    expect(c.offers()).toEqual([['c1', 'anna'], ['c1', 'bo']]);
    // anna is ready again (one miss is not yet a pause), with her miss counted
    expect(c.acd.agent('anna')).toMatchObject({ state: 'ready', missedInRow: 1 });
  });

  it('an agent who missed an offer goes to the back of the idle order, behind those who waited for a call', async () => {
    const c = await centre({
      queues: [queue({ ringTimeoutSeconds: 15 })],
      agents: [agent('anna'), agent('bo'), agent('cecilia')],
      loggedIn: ['anna', 'bo', 'cecilia'],
    });
    await c.acd.enqueue(c.call('c1'));
    await c.wait(15); // anna, idle the longest, misses it; bo, next, gets it
    await c.acd.enqueue(c.call('c2'));
    expect(c.offers()).toEqual([['c1', 'anna'], ['c1', 'bo'], ['c2', 'cecilia']]);
    await c.acd.enqueue(c.call('c3'));
    expect(c.offers().at(-1)).toEqual(['c3', 'anna']);
  });

  it('with two ready agents, the one idle longest misses and the next call goes to the other', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.abandon('c1'); // not a miss: anna keeps her place
    await c.acd.enqueue(c.call('c2'));
    expect(c.offers()).toEqual([['c1', 'anna'], ['c2', 'anna']]);
    await c.acd.offerRejected('c2', 'anna');
    await c.acd.abandon('c2'); // bo, rung after anna's miss, is free again, as idle as before
    await c.acd.enqueue(c.call('c3'));
    expect(c.acd.agent('anna')).toMatchObject({ state: 'ready', idleSince: c.clock.now() });
    expect(c.offers()).toEqual([['c1', 'anna'], ['c2', 'anna'], ['c2', 'bo'], ['c3', 'bo']]);
  });

  it('a rejected offer counts as a miss and goes to the next agent at once', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerRejected('c1', 'anna');
    expect(c.offers()).toEqual([['c1', 'anna'], ['c1', 'bo']]);
    expect(c.acd.agent('anna')!.missedInRow).toBe(1);
  });

  it('after maxMissedOffers misses in a row the agent is paused "no answer", with an agent-state event', async () => {
    const c = await centre({ queues: [queue({ ringTimeoutSeconds: 10, maxMissedOffers: 2 })], agents: [agent('anna'), agent('bo')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.wait(10); // miss 1: nobody else, so anna is rung again
    expect(c.offers()).toEqual([['c1', 'anna'], ['c1', 'anna']]);
    await c.wait(10); // miss 2: paused
    expect(c.acd.agent('anna')).toMatchObject({ state: 'paused', pauseReason: 'no answer', missedInRow: 2 });
    expect(c.of('agent-state').at(-1)).toMatchObject({ agentId: 'anna', state: 'paused', previous: 'reserved', reason: 'no answer' });
    await c.wait(600);
    expect(c.offers()).toHaveLength(2);
    // the call is still in line and goes to the next agent who logs in
    await c.acd.login('bo');
    expect(c.offers().at(-1)).toEqual(['c1', 'bo']);
  });

  it('an answered call resets the run of misses', async () => {
    const c = await centre({ queues: [queue({ maxMissedOffers: 2 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerRejected('c1', 'anna');
    await c.acd.offerAccepted('c1', 'anna');
    expect(c.acd.agent('anna')!.missedInRow).toBe(0);
    await c.acd.callEnded('c1');
    await c.acd.enqueue(c.call('c2'));
    await c.acd.offerRejected('c2', 'anna');
    expect(c.acd.agent('anna')!.state).toBe('reserved'); // rung again: one miss in a row only
  });

  it('an answer after the ring timeout is refused: the call has moved on', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    await c.acd.enqueue(c.call('c1'));
    await c.wait(20);
    await expect(c.acd.offerAccepted('c1', 'anna')).rejects.toThrow(/not ringing agent anna/);
    await c.acd.offerAccepted('c1', 'bo');
    expect(c.of('answered')).toMatchObject([{ entryId: 'c1', agentId: 'bo', waitMs: 20 * SECOND }]);
  });

  it('a caller hanging up while it rings frees the agent without a miss', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.abandon('c1');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'ready', missedInRow: 0 });
    await c.wait(60);
    expect(c.of('offer-missed')).toEqual([]);
  });
});
