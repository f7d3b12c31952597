/**
 * The live state read from a real ACD (in-memory store, simulated clock)
 * and the calls' events: what a supervisor's queue monitor shows as callers
 * arrive, wait, are rung for, answered and leave.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFeed, type LiveEvent } from '../../server/stats/live-feed.js';
import { agent, queue } from './acd-fixtures.js';
import { liveCentre, type LiveCentre } from '../support/live.js';

let c: LiveCentre;

afterEach(async () => {
  c.live.stop();
  await c.acd.stop();
});

const callOf = (id: string) => c.live.view().calls.find((x) => x.callId === id);

describe('live state', () => {
  it('follows a caller from the queue to the agent, with waits that stop growing once out of line', async () => {
    c = await liveCentre({ queues: [queue({ ringTimeoutSeconds: 120 })], agents: [agent('anna'), agent('bert')], loggedIn: ['anna'] });
    await c.arrive('call-1', '+46701111111');
    // Anna is rung at once.
    expect(callOf('call-1')).toMatchObject({ stage: 'ringing', agentId: 'anna', queueId: 'support', caller: '+46701111111', waitSeconds: 0 });
    await c.arrive('call-2');
    await c.wait(30);
    let view = c.live.view();
    expect(view.queues).toEqual([{
      id: 'support', name: 'Kundtjänst', waiting: 1, offered: 1, longestWaitSeconds: 30, estimatedWaitSeconds: expect.any(Number),
      agents: { ready: 0, reserved: 1, busy: 0, 'wrap-up': 0, paused: 0, 'logged-out': 1 },
    }]);
    expect(callOf('call-2')).toMatchObject({ stage: 'waiting', agentId: null, waitSeconds: 30 });
    const anna = view.agents.find((a) => a.id === 'anna')!;
    expect(anna).toMatchObject({ state: 'reserved', secondsInState: 30, call: { callId: 'call-1', entryId: 'entry-call-1', queueId: 'support', caller: '+46701111111' } });

    await c.acd.offerAccepted('entry-call-1', 'anna');
    await c.wait(20);
    expect(callOf('call-1')).toMatchObject({ stage: 'connected', agentId: 'anna', waitSeconds: 30 });
    expect(c.live.read().agent('anna')).toMatchObject({ state: 'busy', secondsInState: 20 });

    // Call 2 gives up after 50 s: its wait is final, the line is empty.
    await c.hangUp('call-2');
    view = c.live.view();
    expect(view.calls.map((x) => x.callId)).toEqual(['call-1']);
    expect(view.queues[0]).toMatchObject({ waiting: 0, offered: 0, longestWaitSeconds: 0 });
    await c.hangUp('call-1');
    expect(c.live.view().calls).toEqual([]);
    expect(c.live.read().agent('anna')).toMatchObject({ state: 'ready', call: null });
  });

  it('marks a caller the flow made VIP, and no other', async () => {
    c = await liveCentre({ queues: [queue()], agents: [agent('anna')] });
    await c.arrive('call-1', '+46701111111', { vip: true });
    await c.arrive('call-2', '+46702222222');
    expect(callOf('call-1')).toMatchObject({ stage: 'waiting', vip: true });
    expect(callOf('call-2')).toMatchObject({ stage: 'waiting', vip: false });
  });

  it("marks an agent's offer of a callback, and not that of a call", async () => {
    c = await liveCentre({ queues: [queue()], agents: [agent('anna'), agent('bert')], loggedIn: [] });
    const waiting = await c.arrive('call-1', '+46701111111');
    await c.acd.requestCallback(waiting);
    await c.acd.login('anna');
    expect(c.live.read().agent('anna')).toMatchObject({ state: 'reserved', call: { entryId: waiting, caller: '+46701111111', callback: true } });
    await c.acd.login('bert');
    await c.arrive('call-2', '+46702222222');
    expect(c.live.read().agent('bert')).toMatchObject({ state: 'reserved', call: { callId: 'call-2' } });
    expect(c.live.read().agent('bert')!.call).not.toHaveProperty('callback');
  });

  it('counts the offers an agent let ring out in a row, and forgets them once they answer', async () => {
    c = await liveCentre({ queues: [queue({ ringTimeoutSeconds: 15, maxMissedOffers: 3 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.arrive('call-1');
    expect(c.live.read().agent('anna')).not.toHaveProperty('missedInRow');
    await c.wait(15);
    expect(c.live.read().agent('anna')).toMatchObject({ missedInRow: 1 });
    // Offered again at once, and answered.
    await c.acd.offerAccepted('entry-call-1', 'anna');
    expect(c.live.read().agent('anna')).not.toHaveProperty('missedInRow');
  });

  it('counts only the members of each queue, and has no estimate for a queue nobody staffs', async () => {
    c = await liveCentre({
      queues: [queue(), queue({ id: 'sales', name: 'Försäljning' })],
      agents: [agent('anna'), agent('bert', { queues: ['sales'] }), agent('cleo', { queues: ['support', 'sales'] })],
      loggedIn: ['anna', 'cleo'],
    });
    await c.acd.pause('cleo', 'lunch');
    const r = c.live.read();
    expect(r.queue('support')).toMatchObject({ estimatedWaitSeconds: 0, agents: { ready: 1, paused: 1, 'logged-out': 0 } });
    expect(r.queue('sales')).toMatchObject({ estimatedWaitSeconds: null, agents: { ready: 0, paused: 1, 'logged-out': 1 } });
    expect(r.agent('cleo')).toMatchObject({ state: 'paused', pauseReason: 'lunch' });
    expect(r.queue('nope')).toBeUndefined();
    expect(r.agent('nobody')).toBeUndefined();
  });

  it('tells what moved, so it can be published', async () => {
    c = await liveCentre({ agents: [agent('anna')], loggedIn: [] });
    const changes: string[] = [];
    c.live.onChange((ch) => changes.push(ch.kind === 'call-ended' ? `call-ended:${ch.call.callId}` : `${ch.kind}:${ch.id}`));
    await c.acd.login('anna');
    await c.arrive('call-1');
    await c.hangUp('call-1');
    expect(new Set(changes)).toEqual(new Set(['agent:anna', 'queue:support', 'call:call-1', 'call-ended:call-1']));
    expect(changes.at(-1)).toBe('call-ended:call-1');
  });

  it('follows a new configuration: a queue added appears, an agent removed is gone, and the feed says which', async () => {
    c = await liveCentre({ agents: [agent('anna'), agent('bert')], loggedIn: ['anna'] });
    const events: LiveEvent[] = [];
    let publish = (): void => {};
    const feed = new LiveFeed(c.live, { defer: (fn) => { publish = fn; } });
    feed.subscribe((p) => events.push(p.event));

    const sales = queue({ id: 'sales', name: 'Försäljning' });
    await c.acd.reconfigure([queue(), sales], [agent('anna', { queues: ['support', 'sales'] })]);
    c.live.configurationChanged();
    publish();
    feed.stop();

    const view = c.live.view();
    expect(view.queues.map((q) => q.id)).toEqual(['support', 'sales']);
    expect(view.agents.map((a) => a.id)).toEqual(['anna']);
    expect(c.live.read().queue('sales')).toMatchObject({ name: 'Försäljning', agents: { ready: 1, 'logged-out': 0 } });
    expect(c.live.read().queue('support')).toMatchObject({ agents: { ready: 1, 'logged-out': 0 } });
    const told = events.map((e) => e.type === 'queue' ? `queue:${e.queue.id}` : e.type === 'agent' ? `agent:${e.agent.id}`
      : e.type === 'queue-removed' ? `queue-removed:${e.queueId}` : e.type === 'agent-removed' ? `agent-removed:${e.agentId}` : e.type);
    expect(told.sort()).toEqual(['agent-removed:bert', 'agent:anna', 'queue:sales', 'queue:support']);
    expect(events.find((e) => e.type === 'queue' && e.queue.id === 'sales')).toMatchObject({ queue: { waiting: 0, agents: { ready: 1 } } });

    // And back: the queue removed (nobody waits in it) is said to be gone.
    events.length = 0;
    const again = new LiveFeed(c.live, { defer: (fn) => { publish = fn; } });
    again.subscribe((p) => events.push(p.event));
    await c.acd.reconfigure([queue()], [agent('anna')]);
    c.live.configurationChanged();
    publish();
    again.stop();
    expect(events.filter((e) => e.type === 'queue-removed')).toEqual([expect.objectContaining({ queueId: 'sales' })]);
    expect(c.live.view().queues.map((q) => q.id)).toEqual(['support']);
  });
});
