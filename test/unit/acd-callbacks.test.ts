import { describe, expect, it } from 'vitest';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

describe('a caller who asks to be called back keeps their place', () => {
  it('the callback stays where the call was in line, with the call\'s enqueue time', async () => {
    const c = await centre({ agents: [agent('anna')] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('first'));
    await c.wait(10);
    await c.acd.enqueue(c.call('second'));
    await c.wait(10);
    await c.acd.enqueue(c.call('third'));
    await c.wait(30);
    await c.acd.requestCallback('second');
    expect(c.of('callback-requested')).toMatchObject([{ entryId: 'second', queueId: 'support' }]);
    const line = c.acd.snapshot().queues[0]!.entries;
    expect(line.map((e) => [e.id, e.kind])).toEqual([['first', 'call'], ['second', 'callback'], ['third', 'call']]);
    expect(line[1]!.enqueuedAt).toBe(t0 + 10 * SECOND);

    await c.acd.login('anna');
    await c.acd.offerAccepted('first', 'anna');
    await c.acd.callEnded('first');
    expect(c.offers().map(([e]) => e)).toEqual(['first', 'second']);
  });

  it('a callback keeps its place in the widening steps too', async () => {
    const q = queue({
      steps: [
        { afterSeconds: 0, eligible: { skill: 'A', minLevel: 4 } },
        { afterSeconds: 120, eligible: { everyone: true } },
      ],
    });
    const c = await centre({ queues: [q], agents: [agent('bo')], loggedIn: ['bo'] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('c1'));
    await c.wait(100);
    await c.acd.requestCallback('c1');
    await c.clock.advanceTo(t0 + 120 * SECOND);
    expect(c.offers()).toEqual([['c1', 'bo']]);
    expect(c.acd.entry('c1')!.kind).toBe('callback');
  });

  it('when its turn comes an agent is reserved; when the call is over, callback-done "completed"', async () => {
    const c = await centre({ agents: [agent('anna')] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.requestCallback('c1');
    await c.acd.login('anna');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'reserved', entryId: 'c1' });
    await c.acd.offerAccepted('c1', 'anna'); // the telephony layer now dials the caller
    await c.wait(60);
    await c.acd.callEnded('c1');
    expect(c.of('callback-done')).toMatchObject([{ entryId: 'c1', outcome: 'completed' }]);
  });

  it('a caller who does not answer is tried again later, and given up after the last attempt', async () => {
    const q = queue({ callbackRetrySeconds: 300, callbackMaxAttempts: 2 });
    const c = await centre({ queues: [q], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.requestCallback('c1'); // asked while being offered: the offer is taken back, then offered as a callback
    expect(c.offers()).toEqual([['c1', 'anna'], ['c1', 'anna']]);
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.callbackNoAnswer('c1');
    expect(c.acd.agent('anna')!.state).toBe('ready');
    expect(c.acd.entry('c1')).toMatchObject({ kind: 'callback', attempts: 1 });
    await c.wait(299);
    expect(c.offers()).toHaveLength(2);
    await c.wait(1);
    expect(c.offers()).toHaveLength(3);
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.callbackNoAnswer('c1');
    expect(c.acd.entry('c1')).toBeUndefined();
    expect(c.of('callback-done')).toMatchObject([{ entryId: 'c1', outcome: 'failed', entry: { id: 'c1', queueId: 'support', attempts: 2 } }]);
  });

  it('an agent who hangs up before the caller answers turned the callback down: it goes to the next agent at its old place, and costs the caller no attempt', async () => {
    const q = queue({ callbackMaxAttempts: 1, maxMissedOffers: 1, wrapUpSeconds: 30 });
    const c = await centre({ queues: [q], agents: [agent('anna'), agent('bo')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.requestCallback('c1');
    const booked = c.acd.entry('c1')!;
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.login('bo');
    await c.acd.callbackAgentLeft('c1');
    // A single attempt is allowed: had it counted, the callback would be given up now.
    expect(c.of('callback-done')).toEqual([]);
    expect(c.of('offer-missed')).toMatchObject([{ entryId: 'c1', agentId: 'anna' }]);
    expect(c.offers().at(-1)).toEqual(['c1', 'bo']);
    expect(c.acd.entry('c1')).toMatchObject({ kind: 'callback', enqueuedAt: booked.enqueuedAt, offeredTo: 'bo' });
    expect(c.acd.entry('c1')!.attempts).toBeUndefined();
    // Taken off the line like any agent who misses an offer, with no wrap-up waiting on the clock.
    expect(c.acd.agent('anna')).toMatchObject({ state: 'paused', pauseReason: 'no answer' });
    expect(c.acd.pendingTimers()).toEqual({ steps: [], rings: ['c1'], wrapUps: [] });
  });

  it('a callback the agent turned down waits at its place when nobody else can take it, and is offered again when they are ready', async () => {
    const c = await centre({ queues: [queue({ maxMissedOffers: 1 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.requestCallback('c1');
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.callbackAgentLeft('c1');
    expect(c.acd.entry('c1')).toMatchObject({ kind: 'callback' });
    expect(c.acd.entry('c1')!.offeredTo).toBeUndefined();
    expect(c.acd.pendingTimers()).toEqual({ steps: [], rings: [], wrapUps: [] });
    await c.acd.ready('anna');
    expect(c.offers().at(-1)).toEqual(['c1', 'anna']);
    await expect(c.acd.callbackAgentLeft('c1')).rejects.toThrow(/not a callback being dialled/);
  });

  it('a cancelled callback is done, "cancelled", not an abandoned call', async () => {
    const c = await centre({ agents: [agent('anna')] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.requestCallback('c1');
    await c.acd.abandon('c1');
    expect(c.of('callback-done')).toMatchObject([{ entryId: 'c1', outcome: 'cancelled', entry: { id: 'c1', kind: 'callback' } }]);
    expect(c.of('abandoned')).toEqual([]);
  });

  it('cancelled by hand while it waits: out of line, "cancelled", never offered', async () => {
    const c = await centre({ agents: [agent('anna')] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.requestCallback('c1');
    await c.acd.cancelCallback('c1');
    expect(c.acd.entry('c1')).toBeUndefined();
    expect(c.of('callback-done')).toMatchObject([{ entryId: 'c1', outcome: 'cancelled' }]);
    await c.acd.login('anna');
    expect(c.offers()).toEqual([]);
  });

  it('cancelled by hand while it rings an agent: the agent is ready again, not their miss', async () => {
    const c = await centre({ queues: [queue({ maxMissedOffers: 1 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.requestCallback('c1');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'reserved', entryId: 'c1' });
    await c.acd.cancelCallback('c1');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'ready', missedInRow: 0 });
    expect(c.of('offer-missed')).toEqual([]);
    expect(c.acd.pendingTimers()).toEqual({ steps: [], rings: [], wrapUps: [] });
  });

  it('not cancelled by hand once an agent answered it, nor a call', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.requestCallback('c1');
    await c.acd.offerAccepted('c1', 'anna');
    await expect(c.acd.cancelCallback('c1')).rejects.toThrow(/being made by agent anna/);
    expect(c.acd.entry('c1')).toMatchObject({ offeredTo: 'anna' });
    await c.acd.enqueue(c.call('call2'));
    await expect(c.acd.cancelCallback('call2')).rejects.toThrow(/a call, not a callback/);
    expect(c.of('callback-done')).toEqual([]);
  });

  it('a caller asking for a callback while their offer rings does not get ahead of a VIP who waited for that agent', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.enqueue(c.call('vip', { priority: 1 })); // anna is being rung for c1
    await c.acd.requestCallback('c1');
    expect(c.offers()).toEqual([['c1', 'anna'], ['vip', 'anna']]);
    expect(c.acd.positionOf('c1')).toBe(1);
  });
});
