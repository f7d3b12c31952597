/**
 * Instances sharing one store: when one dies, what its calls left goes away
 * once its heartbeat lapses (server/acd/instances.ts); a live instance's
 * calls and every callback stay.
 *
 * Engines share one MemoryStore made `shared` on one SimulatedClock, as
 * servers share one Redis. An instance "dies" by stopping: its timers end,
 * it tells the store nothing.
 */
import { describe, expect, it } from 'vitest';
import { Acd, type NewEntry } from '../../server/acd/acd.js';
import { SimulatedClock } from '../../server/acd/clock.js';
import type { AcdEvent, AgentProfile, QueueConfig } from '../../server/acd/model.js';
import { MemoryStore } from '../../server/store/memory.js';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

const BEAT = 5 * SECOND;
const TTL = 15 * SECOND;

type Tagged = AcdEvent & { instance: string };

function sharedStore(people: AgentProfile[], queues: QueueConfig[] = [queue()]) {
  const clock = new SimulatedClock(1_700_000_000_000);
  const store = new MemoryStore({ shared: true });
  const events: Tagged[] = [];
  const make = async (name: string) => {
    const acd = new Acd({
      store, clock, queues, agents: people, instanceId: name, heartbeatMs: BEAT, heartbeatTtlMs: TTL,
      onError: (err) => { throw err; },
    });
    acd.on((e) => events.push({ ...e, instance: name }));
    await acd.start();
    return acd;
  };
  const call = (id: string, over: Partial<NewEntry> = {}): NewEntry => ({
    id, queueId: 'support', kind: 'call', enqueuedAt: clock.now(), priority: 0, data: { caller: '+46701740605' }, ...over,
  });
  const of = <T extends AcdEvent['type']>(type: T) =>
    events.filter((e): e is Extract<AcdEvent, { type: T }> & { instance: string } => e.type === type);
  const line = (acd: Acd) => acd.snapshot().queues[0]!.entries.map((e) => e.id);
  return { clock, store, events, make, call, of, line };
}

describe('an instance that dies leaves nothing behind once its heartbeat lapses', () => {
  it('its callers leave the line, once, as abandoned because the instance is gone; the agent it rang is free, no miss', async () => {
    const s = sharedStore([agent('anna'), agent('bo')]);
    const [a, b, dying] = [await s.make('a'), await s.make('b'), await s.make('c')];
    await a.login('anna');
    await dying.enqueue(s.call('c-ringing'));
    expect(a.agent('anna')).toMatchObject({ state: 'reserved', entryId: 'c-ringing' });
    await s.clock.advanceBy(SECOND);
    await dying.enqueue(s.call('c-waiting'));
    await s.clock.advanceBy(SECOND);
    await a.enqueue(s.call('a-waiting'));
    await s.clock.advanceBy(SECOND);
    await b.enqueue(s.call('b-callback', { kind: 'callback' }));
    expect(s.line(a)).toEqual(['c-ringing', 'c-waiting', 'a-waiting', 'b-callback']);
    expect(a.entry('c-waiting')!.owner).toBe('c');
    expect(a.entry('b-callback')!.owner).toBeUndefined();

    const diedAt = s.clock.now();
    await dying.stop();
    // Its last beat was at its start, three seconds before.
    await s.clock.advanceTo(diedAt + TTL - 3 * SECOND - 1);
    expect(s.line(a)).toEqual(['c-ringing', 'c-waiting', 'a-waiting', 'b-callback']);
    expect(s.of('abandoned')).toEqual([]);

    await s.clock.advanceTo(diedAt + TTL);
    await Promise.all([a.idle(), b.idle()]);
    const abandoned = s.of('abandoned');
    expect(abandoned.map((e) => [e.entryId, e.reason])).toEqual([['c-ringing', 'instance-gone'], ['c-waiting', 'instance-gone']]);
    // Whichever instance looked first took each away; nobody twice.
    expect(new Set(abandoned.map((e) => e.instance)).size).toBe(1);
    expect(s.of('offer-missed')).toEqual([]);
    expect(a.agent('anna')!.missedInRow).toBe(0);
    // Anna, free again, takes the next caller in line: a live instance's.
    expect(s.of('offered-to-agent').filter((e) => !e.remote).map((e) => [e.entryId, e.agentId]))
      .toEqual([['c-ringing', 'anna'], ['a-waiting', 'anna']]);
    for (const acd of [a, b]) {
      expect(s.line(acd)).toEqual(['a-waiting', 'b-callback']);
      expect(acd.positionOf('b-callback')).toBe(1);
    }
    await Promise.all([a.stop(), b.stop()]);
  });

  it('an answered call ends and the agent is ready at once, without wrap-up; an agent on its other call is ready too', async () => {
    const s = sharedStore([agent('anna'), agent('bo'), agent('cia')], [queue({ wrapUpSeconds: 60 })]);
    const [a, b] = [await s.make('a'), await s.make('b')];
    await a.login('anna');
    await b.enqueue(s.call('b-call'));
    await b.offerAccepted('b-call', 'anna');
    await a.login('bo');
    await a.login('cia');
    await b.otherCallStarted('bo', 'direct-b');
    await a.otherCallStarted('cia', 'direct-a');
    await s.clock.advanceBy(30 * SECOND);
    await b.stop();

    await s.clock.advanceBy(TTL + BEAT);
    await a.idle();
    expect(s.of('ended')).toMatchObject([{ entryId: 'b-call', agentId: 'anna', handleMs: expect.any(Number), instance: 'a' }]);
    expect(a.entry('b-call')).toBeUndefined();
    expect(a.agent('anna')).toMatchObject({ state: 'ready', missedInRow: 0 });
    expect(a.agent('anna')!.entryId).toBeUndefined();
    expect(a.agent('bo')).toMatchObject({ state: 'ready' });
    expect(a.agent('bo')!.otherCalls).toBeUndefined();
    // A live instance's other call keeps its agent busy.
    expect(a.agent('cia')).toMatchObject({ state: 'busy', otherCalls: ['direct-a'] });
    await a.otherCallEnded('cia', 'direct-a');
    expect(a.agent('cia')!.state).toBe('ready');
    await a.stop();
  });

  it('a callback being dialled by the instance that died goes back in line at its old place, no attempt counted', async () => {
    const s = sharedStore([agent('anna')]);
    // b alone first, so the offer is surely b's: b dials the callback.
    const b = await s.make('b');
    await b.enqueue(s.call('cb1', { kind: 'callback', attempts: 1 }));
    await s.clock.advanceBy(SECOND);
    await b.enqueue(s.call('b-later', { kind: 'callback' }));
    await b.login('anna');
    expect(s.of('offered-to-agent').map((e) => [e.instance, e.entryId])).toEqual([['b', 'cb1']]);
    await b.offerAccepted('cb1', 'anna');
    const a = await s.make('a');
    expect(a.entry('cb1')!.owner).toBe('b');
    await b.stop();

    await s.clock.advanceBy(TTL + BEAT);
    await a.idle();
    expect(s.of('callback-done')).toEqual([]);
    expect(s.of('ended')).toEqual([]);
    // Anna is free again and the callback, still first in line, is hers again.
    expect(s.of('offered-to-agent').map((e) => [e.instance, e.entryId, e.agentId])).toEqual([['b', 'cb1', 'anna'], ['a', 'cb1', 'anna']]);
    expect(a.entry('cb1')).toMatchObject({ kind: 'callback', attempts: 1, offeredTo: 'anna' });
    expect(a.entry('cb1')!.owner).toBeUndefined();
    await a.stop();
  });

  it('after every instance restarted, the new one finds only callbacks: the calls held before are gone as it starts', async () => {
    const s = sharedStore([agent('anna')]);
    const [a, b] = [await s.make('a'), await s.make('b')];
    await a.enqueue(s.call('a-call'));
    await b.enqueue(s.call('b-call'));
    await b.enqueue(s.call('b-callback', { kind: 'callback' }));
    await a.stop();
    await b.stop();
    await s.clock.advanceBy(TTL);

    const fresh = await s.make('fresh');
    expect(s.line(fresh)).toEqual(['b-callback']);
    expect(s.of('abandoned').map((e) => [e.instance, e.entryId])).toEqual([['fresh', 'a-call'], ['fresh', 'b-call']]);
    await fresh.stop();
  });
});

describe('a live instance keeps what it holds', () => {
  it('calls waiting for ten minutes on two live instances stay where they are', async () => {
    const s = sharedStore([agent('anna')]);
    const [a, b] = [await s.make('a'), await s.make('b')];
    await a.enqueue(s.call('a-call'));
    await b.enqueue(s.call('b-call'));
    await a.login('anna');
    await a.offerAccepted('a-call', 'anna');
    await b.otherCallStarted('anna', 'direct-b');
    await s.clock.advanceBy(10 * 60 * SECOND);
    await Promise.all([a.idle(), b.idle()]);
    expect(s.of('abandoned')).toEqual([]);
    expect(s.of('ended')).toEqual([]);
    expect(s.line(a)).toEqual(['b-call']);
    expect(a.agent('anna')).toMatchObject({ state: 'busy', entryId: 'a-call', otherCalls: ['direct-b'] });
    expect(b.agent('anna')).toEqual(a.agent('anna'));
    await Promise.all([a.stop(), b.stop()]);
  });

  it('an instance alone on the in-process store keeps no heartbeat: no timer runs while nothing waits', async () => {
    const c = await centre({ agents: [agent('anna')] });
    expect(c.clock.pending).toBe(0);
    expect(await c.store.liveInstances(c.clock.now())).toEqual([]);
    await c.acd.stop();
  });
});
