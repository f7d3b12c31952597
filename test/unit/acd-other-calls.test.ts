import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Acd } from '../../server/acd/acd.js';
import { SimulatedClock } from '../../server/acd/clock.js';
import type { AcdEvent } from '../../server/acd/model.js';
import { MemoryStore } from '../../server/store/memory.js';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

const statesOf = (events: AcdEvent[], id: string): string[] =>
  events.flatMap((e) => (e.type === 'agent-state' && e.agentId === id ? [e.state] : []));

describe('an agent on a call that did not come from the ACD is offered nothing until it ends', () => {
  it('a colleague calls Anna directly: she is busy, the queue call waits, and is offered to her as she hangs up, with no miss and no wrap-up', async () => {
    const c = await centre({ queues: [queue({ wrapUpSeconds: 30 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.otherCallStarted('anna', 'direct-1');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'busy', otherCalls: ['direct-1'] });
    expect(c.acd.agent('anna')!.entryId).toBeUndefined();
    await c.acd.enqueue(c.call('c1'));
    await c.wait(600);
    expect(c.offers()).toEqual([]);
    // Supervisors see her staffed but not free.
    expect(c.acd.snapshot().queues[0]).toMatchObject({ staffed: 1, free: 0, waiting: 1 });

    await c.acd.otherCallEnded('anna', 'direct-1');
    expect(c.offers()).toEqual([['c1', 'anna']]);
    expect(c.acd.agent('anna')!.otherCalls).toBeUndefined();
    expect(statesOf(c.events, 'anna')).toEqual(['ready', 'busy', 'ready', 'reserved']);
    expect(c.of('offer-missed')).toEqual([]);
  });

  it('with another agent free, the queue call goes to them, though the agent on the direct call has been idle longer', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    await c.acd.otherCallStarted('anna', 'direct-1');
    await c.acd.enqueue(c.call('c1'));
    expect(c.offers()).toEqual([['c1', 'bo']]);
  });

  it('after the call the agent is idle from its end: one who waited ready meanwhile goes first', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    await c.acd.otherCallStarted('anna', 'direct-1');
    await c.wait(90);
    await c.acd.otherCallEnded('anna', 'direct-1');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'ready', idleSince: c.clock.now() });
    await c.acd.enqueue(c.call('c1'));
    expect(c.offers()).toEqual([['c1', 'bo']]);
  });

  it('two calls at once: free only when both are over; a call reported twice counts once, an end reported twice changes nothing', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.otherCallStarted('anna', 'direct-1');
    await c.acd.otherCallStarted('anna', 'direct-1');
    await c.acd.otherCallStarted('anna', 'transfer-2');
    expect(c.acd.agent('anna')!.otherCalls).toEqual(['direct-1', 'transfer-2']);
    await c.acd.enqueue(c.call('c1'));
    await c.acd.otherCallEnded('anna', 'direct-1');
    await c.acd.otherCallEnded('anna', 'direct-1');
    await c.acd.otherCallEnded('anna', 'never-started');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'busy', otherCalls: ['transfer-2'] });
    expect(c.offers()).toEqual([]);
    await c.acd.otherCallEnded('anna', 'transfer-2');
    expect(c.offers()).toEqual([['c1', 'anna']]);
    expect(statesOf(c.events, 'anna')).toEqual(['ready', 'busy', 'ready', 'reserved']);
  });

  it('a pause asked for during the call takes effect as it ends; a log-out too; saying ready again cancels it', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['anna', 'bo'] });
    await c.acd.otherCallStarted('anna', 'a-1');
    await c.acd.pause('anna', 'lunch');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'busy', next: { state: 'paused', reason: 'lunch' } });
    await c.acd.otherCallEnded('anna', 'a-1');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'paused', pauseReason: 'lunch' });

    await c.acd.otherCallStarted('bo', 'b-1');
    await c.acd.logout('bo');
    await c.acd.ready('bo');
    await c.acd.logout('bo');
    expect(c.acd.agent('bo')).toMatchObject({ state: 'busy', next: { state: 'logged-out' } });
    await c.acd.otherCallEnded('bo', 'b-1');
    expect(c.acd.agent('bo')!.state).toBe('logged-out');
    expect(c.of('agent-state').filter((e) => e.agentId === 'bo').map((e) => e.state)).toEqual(['ready', 'busy', 'logged-out']);
  });

  it('a logged-out or paused agent still takes calls to their extension, state unchanged; logging in during one makes them busy until it ends', async () => {
    const c = await centre({ agents: [agent('anna'), agent('bo')], loggedIn: ['bo'] });
    await c.acd.pause('bo', 'meeting');
    await c.acd.otherCallStarted('anna', 'a-1');
    await c.acd.otherCallStarted('bo', 'b-1');
    expect(c.acd.agent('anna')!.state).toBe('logged-out');
    expect(c.acd.agent('bo')).toMatchObject({ state: 'paused', pauseReason: 'meeting' });
    await c.acd.enqueue(c.call('c1'));

    await c.acd.login('anna');
    await c.acd.ready('bo');
    expect(c.acd.agent('anna')!.state).toBe('busy');
    expect(c.acd.agent('bo')!.state).toBe('busy');
    expect(c.offers()).toEqual([]);
    await c.acd.otherCallEnded('bo', 'b-1');
    expect(c.offers()).toEqual([['c1', 'bo']]);
    await c.acd.otherCallEnded('anna', 'a-1');
    expect(c.acd.agent('anna')!.state).toBe('ready');

    // Logged out again while nothing is going on: a call changes nothing at all.
    await c.acd.logout('anna');
    await c.acd.otherCallStarted('anna', 'a-2');
    await c.acd.otherCallEnded('anna', 'a-2');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'logged-out' });
    expect(c.acd.agent('anna')!.otherCalls).toBeUndefined();
  });

  it('an offer ringing an agent who answers another call is taken back, not a miss, and goes to the next agent', async () => {
    const c = await centre({ queues: [queue({ maxMissedOffers: 1 })], agents: [agent('anna'), agent('bo')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    expect(c.offers()).toEqual([['c1', 'anna']]);
    await c.acd.login('bo');
    await c.acd.otherCallStarted('anna', 'direct-1');
    expect(c.offers()).toEqual([['c1', 'anna'], ['c1', 'bo']]);
    expect(c.of('offer-missed')).toEqual([]);
    // Reserved to ready first: that is what stops the ringing (a move from reserved to busy means answered).
    expect(statesOf(c.events, 'anna')).toEqual(['ready', 'reserved', 'ready', 'busy']);
    expect(c.acd.agent('anna')).toMatchObject({ state: 'busy', missedInRow: 0 });
    expect(c.acd.entry('c1')!.offeredTo).toBe('bo');
    await c.acd.otherCallEnded('anna', 'direct-1');
    expect(c.acd.agent('anna')!.state).toBe('ready');
  });

  it('on a queue call and a direct call at once: after the queue call\'s wrap-up the agent stays busy until the direct call ends', async () => {
    const c = await centre({ queues: [queue({ wrapUpSeconds: 10 })], agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.otherCallStarted('anna', 'direct-1');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'busy', entryId: 'c1', otherCalls: ['direct-1'] });
    await c.acd.enqueue(c.call('c2'));
    await c.acd.callEnded('c1');
    expect(c.acd.agent('anna')!.state).toBe('wrap-up');
    await c.wait(10);
    expect(c.acd.agent('anna')).toMatchObject({ state: 'busy', otherCalls: ['direct-1'] });
    expect(c.acd.agent('anna')!.entryId).toBeUndefined();
    expect(c.offers()).toEqual([['c1', 'anna']]);
    await c.acd.otherCallEnded('anna', 'direct-1');
    expect(c.offers()).toEqual([['c1', 'anna'], ['c2', 'anna']]);
    expect(statesOf(c.events, 'anna')).toEqual(['ready', 'reserved', 'busy', 'wrap-up', 'busy', 'ready', 'reserved']);
  });

  it('the direct call ends during a queue call: nothing changes for the queue call', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.otherCallStarted('anna', 'direct-1');
    await c.acd.enqueue(c.call('c1'));
    await c.acd.otherCallEnded('anna', 'direct-1');
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.otherCallStarted('anna', 'direct-2');
    await c.acd.otherCallEnded('anna', 'direct-2');
    expect(c.acd.agent('anna')).toMatchObject({ state: 'busy', entryId: 'c1' });
    await c.acd.callEnded('c1');
    expect(c.acd.agent('anna')!.state).toBe('ready');
  });

  it('refuses an unknown agent and a missing call id', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await expect(c.acd.otherCallStarted('nobody', 'x')).rejects.toThrow(/unknown agent nobody/);
    await expect(c.acd.otherCallEnded('nobody', 'x')).rejects.toThrow(/unknown agent nobody/);
    await expect(c.acd.otherCallStarted('anna', '')).rejects.toThrow(/call id is needed/);
    expect(c.acd.agent('anna')!.state).toBe('ready');
  });
});

describe('other calls and the store', () => {
  it('another instance on the same store never offers a call to an agent on a call reported to the first', async () => {
    const clock = new SimulatedClock(1_700_000_000_000);
    const store = new MemoryStore({ shared: true });
    const people = [agent('anna')];
    const offers: string[] = [];
    const make = () => {
      const acd = new Acd({ store, clock, queues: [queue()], agents: people, onError: (err) => { throw err; } });
      acd.on((e) => { if (e.type === 'offered-to-agent') offers.push(e.agentId); });
      return acd;
    };
    const a = make();
    const b = make();
    await a.start();
    await b.start();
    await a.login('anna');
    await a.otherCallStarted('anna', 'direct-1');
    await b.enqueue({ id: 'c1', queueId: 'support', kind: 'call', enqueuedAt: clock.now(), priority: 0, data: {} });
    await clock.advanceBy(60 * SECOND);
    await b.idle();
    expect(offers).toEqual([]);
    expect(b.agent('anna')).toMatchObject({ state: 'busy', otherCalls: ['direct-1'] });

    // A third instance starting up leaves her busy: the call may be another instance's.
    const late = make();
    await late.start();
    expect(late.agent('anna')).toMatchObject({ state: 'busy', otherCalls: ['direct-1'] });

    await a.otherCallEnded('anna', 'direct-1');
    await b.idle();
    expect(offers).toEqual(['anna']);
    await Promise.all([a.stop(), b.stop(), late.stop()]);
  });

  it('a restart of the in-process store forgets the calls of the process before: the agent is ready again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vaxel-other-calls-'));
    try {
      const clock = new SimulatedClock(1_700_000_000_000);
      const before = new MemoryStore({ dataDir: dir });
      const first = new Acd({ store: before, clock, queues: [queue()], agents: [agent('anna'), agent('bo')] });
      await first.start();
      await first.login('anna');
      await first.login('bo');
      await first.otherCallStarted('anna', 'direct-1');
      await first.otherCallStarted('bo', 'direct-2');
      await first.pause('bo', 'lunch');
      await first.stop();
      await before.close();

      const after = new MemoryStore({ dataDir: dir });
      const second = new Acd({ store: after, clock, queues: [queue()], agents: [agent('anna'), agent('bo')] });
      await second.start();
      expect(second.agent('anna')).toMatchObject({ state: 'ready' });
      expect(second.agent('anna')!.otherCalls).toBeUndefined();
      expect(second.agent('bo')).toMatchObject({ state: 'paused', pauseReason: 'lunch' });
      expect(second.agent('bo')!.otherCalls).toBeUndefined();
      await second.stop();
      await after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
