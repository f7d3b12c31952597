import { describe, expect, it } from 'vitest';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

describe('after each call the agent gets wrap-up time, then is ready', () => {
  it('wrap-up lasts the queue\'s wrapUpSeconds, then the agent is ready and takes the next call', async () => {
    const c = await centre({ queues: [queue({ wrapUpSeconds: 30 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerAccepted('c1', 'anna');
    await c.wait(125);
    await c.acd.enqueue(c.call('c2'));
    const ended = c.clock.now();
    await c.acd.callEnded('c1');
    expect(c.of('ended')).toMatchObject([{ entryId: 'c1', agentId: 'anna', handleMs: 125 * SECOND }]);
    expect(c.acd.agent('anna')).toMatchObject({ state: 'wrap-up', wrapUpUntil: ended + 30 * SECOND });
    await c.clock.advanceTo(ended + 30 * SECOND - 1);
    expect(c.offers()).toEqual([['c1', 'anna']]);
    await c.clock.advanceTo(ended + 30 * SECOND);
    expect(c.acd.agent('anna')).toMatchObject({ state: 'reserved', idleSince: ended + 30 * SECOND });
    expect(c.offers()).toEqual([['c1', 'anna'], ['c2', 'anna']]);
    expect(c.of('agent-state').map((e) => e.state)).toEqual(['ready', 'reserved', 'busy', 'wrap-up', 'ready', 'reserved']);
  });

  it('each queue has its own wrap-up time', async () => {
    const c = await centre({
      queues: [queue({ wrapUpSeconds: 10 }), queue({ id: 'claims', name: 'Skador', wrapUpSeconds: 120 })],
      agents: [agent('anna', { queues: ['support', 'claims'] })],
      loggedIn: ['anna'],
    });
    await c.acd.enqueue(c.call('claim', { queueId: 'claims' }));
    await c.acd.offerAccepted('claim', 'anna');
    await c.acd.callEnded('claim');
    await c.wait(60);
    expect(c.acd.agent('anna')!.state).toBe('wrap-up');
    await c.wait(60);
    expect(c.acd.agent('anna')!.state).toBe('ready');
  });

  it('an agent may end wrap-up early by saying ready', async () => {
    const c = await centre({ queues: [queue({ wrapUpSeconds: 60 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.callEnded('c1');
    await c.wait(5);
    await c.acd.ready('anna');
    expect(c.acd.agent('anna')!.state).toBe('ready');
    await c.wait(60);
    expect(c.of('agent-state').filter((e) => e.state === 'ready')).toHaveLength(2);
  });

  it('a pause asked for during a call starts when the wrap-up is over', async () => {
    const c = await centre({ queues: [queue({ wrapUpSeconds: 20 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.pause('anna', 'lunch');
    expect(c.acd.agent('anna')!.state).toBe('busy');
    await c.acd.callEnded('c1');
    await c.acd.enqueue(c.call('c2'));
    await c.wait(20);
    expect(c.acd.agent('anna')).toMatchObject({ state: 'paused', pauseReason: 'lunch' });
    expect(c.offers()).toEqual([['c1', 'anna']]);
  });

  it('with no wrap-up time the agent is ready as the call ends', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.enqueue(c.call('c2'));
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.callEnded('c1');
    expect(c.offers()).toEqual([['c1', 'anna'], ['c2', 'anna']]);
  });
});
