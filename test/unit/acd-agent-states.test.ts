import { describe, expect, it } from 'vitest';
import { agent, centre } from './acd-fixtures.js';

describe('only ready agents are offered calls', () => {
  it('a logged-out agent never gets an offer', async () => {
    const c = await centre({ agents: [agent('anna')] });
    await c.acd.enqueue(c.call('c1'));
    await c.wait(3600);
    expect(c.offers()).toEqual([]);
    expect(c.acd.agent('anna')!.state).toBe('logged-out');
  });

  it('a paused agent never gets an offer, and gets the waiting call when ready again', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.pause('anna', 'meeting');
    await c.acd.enqueue(c.call('c1'));
    await c.wait(600);
    expect(c.offers()).toEqual([]);
    await c.acd.ready('anna');
    expect(c.offers()).toEqual([['c1', 'anna']]);
  });

  it('a busy agent or one in wrap-up gets no second call', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.enqueue(c.call('c2'));
    await c.wait(10);
    expect(c.offers()).toEqual([['c1', 'anna']]);
    await c.acd.offerAccepted('c1', 'anna');
    await c.wait(100);
    expect(c.offers()).toEqual([['c1', 'anna']]);
  });

  it('logging out while an offer rings takes the offer back and gives it to another agent', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.login('bo');
    await c.acd.logout('anna');
    expect(c.offers()).toEqual([['c1', 'anna'], ['c1', 'bo']]);
    expect(c.of('agent-state').filter((e) => e.agentId === 'anna').map((e) => e.state)).toEqual(['ready', 'reserved', 'logged-out']);
    expect(c.of('offer-missed')).toEqual([]);
  });

  it('reports every state change with its time and the state before', async () => {
    const c = await centre({ agents: [agent('anna')] });
    const t0 = c.clock.now();
    await c.acd.login('anna');
    await c.wait(5);
    await c.acd.pause('anna', 'coffee');
    await c.wait(5);
    await c.acd.logout('anna');
    expect(c.of('agent-state')).toEqual([
      { type: 'agent-state', at: t0, agentId: 'anna', state: 'ready', previous: 'logged-out' },
      { type: 'agent-state', at: t0 + 5000, agentId: 'anna', state: 'paused', previous: 'ready', reason: 'coffee' },
      { type: 'agent-state', at: t0 + 10000, agentId: 'anna', state: 'logged-out', previous: 'paused' },
    ]);
  });

  it('refuses what makes no sense, with a clear error', async () => {
    const c = await centre({ agents: [agent('anna')] });
    await expect(c.acd.ready('anna')).rejects.toThrow(/anna is logged out: log in first/);
    await expect(c.acd.pause('anna', 'x')).rejects.toThrow(/logged out/);
    await expect(c.acd.login('nobody')).rejects.toThrow(/unknown agent nobody/);
    await expect(c.acd.abandon('nothing')).rejects.toThrow(/unknown entry nothing/);
    await expect(c.acd.enqueue(c.call('x', { queueId: 'nowhere' }))).rejects.toThrow(/unknown queue nowhere/);
    await c.acd.enqueue(c.call('c1'));
    await expect(c.acd.enqueue(c.call('c1'))).rejects.toThrow(/already queued/);
    // the engine carries on after refusing
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['c1', 'anna']]);
  });
});
