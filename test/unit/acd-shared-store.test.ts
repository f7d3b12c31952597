import { describe, expect, it } from 'vitest';
import { Acd } from '../../server/acd/acd.js';
import { SimulatedClock } from '../../server/acd/clock.js';
import type { AcdEvent, AgentProfile } from '../../server/acd/model.js';
import { MemoryStore } from '../../server/store/memory.js';
import { agent, queue } from './acd-fixtures.js';

/**
 * One store for ACD instances (`make`), as servers share one Redis; the
 * events of all, each with its instance. Heartbeats are slow enough that
 * no stopped instance is found dead within these stories: taking away what
 * a dead one held is ./acd-instances.test.ts's story.
 */
function sharedStore(people: AgentProfile[]) {
  const clock = new SimulatedClock(1_700_000_000_000);
  const store = new MemoryStore({ shared: true });
  const events: Array<AcdEvent & { instance: string }> = [];
  const make = (name: string) => {
    const acd = new Acd({ store, clock, queues: [queue()], agents: people, heartbeatMs: 60_000, onError: (err) => { throw err; } });
    acd.on((e) => events.push({ ...e, instance: name }));
    return acd;
  };
  return { clock, store, events, make };
}

/** Two ACD instances sharing one store, as two servers share one Redis. */
async function twoInstances(agents = 6) {
  const people = Array.from({ length: agents }, (_, i) => agent(`agent-${i}`));
  const shared = sharedStore(people);
  const a = shared.make('a');
  const b = shared.make('b');
  await a.start();
  await b.start();
  return { ...shared, a, b, people };
}

describe('two instances on one store never double-assign', () => {
  it('every call gets exactly one agent and no agent two calls, whichever instance routes', async () => {
    const { a, b, events, people, clock } = await twoInstances(6);
    for (const [i, p] of people.entries()) await (i % 2 ? a : b).login(p.id);
    const calls = Array.from({ length: 10 }, (_, i) => ({
      id: `c${i}`, queueId: 'support', kind: 'call' as const, enqueuedAt: clock.now(), priority: 0, data: {},
    }));
    await Promise.all(calls.map((c, i) => (i % 2 ? a : b).enqueue(c)));
    await a.idle();
    await b.idle();
    const offers = events.filter((e) => e.type === 'offered-to-agent') as Array<Extract<AcdEvent, { type: 'offered-to-agent' }>>;
    expect(offers).toHaveLength(6);
    expect(new Set(offers.map((o) => o.entryId)).size).toBe(6);
    expect(new Set(offers.map((o) => o.agentId)).size).toBe(6);
    // both instances see the same picture
    expect(a.snapshot().agents).toEqual(b.snapshot().agents);
    expect(a.snapshot().queues[0]!.waiting).toBe(4);
  });

  it('an agent made ready on one instance gets a call enqueued on the other', async () => {
    const { a, b, events, clock } = await twoInstances(1);
    await a.enqueue({ id: 'c1', queueId: 'support', kind: 'call', enqueuedAt: clock.now(), priority: 0, data: {} });
    await b.login('agent-0');
    await a.idle();
    const offers = events.filter((e) => e.type === 'offered-to-agent');
    expect(offers).toHaveLength(1);
  });

  it('an offer whose instance went away is taken back after its ring timeout and a grace', async () => {
    const { clock, events, make } = sharedStore([agent('anna'), agent('bo')]);
    const a = make('a');
    await a.start();
    await a.login('anna');
    await a.enqueue({ id: 'c1', queueId: 'support', kind: 'call', enqueuedAt: clock.now(), priority: 0, data: {} });
    await a.stop(); // instance a dies with the offer ringing anna
    const b = make('b');
    await b.start();
    await b.login('bo');
    await clock.advanceBy(20_000 + 2_000 - 1);
    expect(b.entry('c1')!.offeredTo).toBe('anna');
    await clock.advanceBy(1);
    const offers = events.filter((e) => e.type === 'offered-to-agent').map((e) => [e.instance, (e as { agentId: string }).agentId]);
    expect(offers).toEqual([['a', 'anna'], ['b', 'bo']]);
    expect(b.agent('anna')!.state).toBe('ready');
  });
});

/**
 * Two instances on one store whose claims can be held back: `first(acd,
 * action)` lets that instance's drain claim before the other's does.
 */
async function offeredElsewhere(people = [agent('anna')]) {
  const clock = new SimulatedClock(1_700_000_000_000);
  const store = new MemoryStore({ shared: true });
  const gates = new Map<string, Promise<void>>();
  const gated = (name: string) => new Proxy(store, {
    get(target, key) {
      if (key === 'claim') {
        return async (...args: Parameters<MemoryStore['claim']>) => {
          await gates.get(name);
          return target.claim(...args);
        };
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const events: Array<AcdEvent & { instance: string }> = [];
  const make = async (name: string) => {
    const acd = new Acd({ store: gated(name), clock, queues: [queue()], agents: people, instanceId: name, onError: (err) => { throw err; } });
    acd.on((e) => events.push({ ...e, instance: name }));
    await acd.start();
    return acd;
  };
  const a = await make('a');
  const b = await make('b');
  const enqueue = (acd: Acd, id: string, kind: 'call' | 'callback' = 'call') =>
    acd.enqueue({ id, queueId: 'support', kind, enqueuedAt: clock.now(), priority: 0, data: {} });
  const first = async (on: Acd, action: () => Promise<void>) => {
    const other = on === a ? 'b' : 'a';
    let open: () => void = () => {};
    gates.set(other, new Promise((r) => { open = r; }));
    await action();
    await on.idle();
    open();
    gates.delete(other);
    await Promise.all([a.idle(), b.idle()]);
  };
  /** The agent logs in on `on`, which offers them a call before the other instance can. */
  const readyOn = (on: Acd, agentId: string) => first(on, () => on.login(agentId));
  const of = <T extends AcdEvent['type']>(type: T) =>
    events.filter((e): e is Extract<AcdEvent, { type: T }> & { instance: string } => e.type === type);
  return { clock, events, a, b, enqueue, first, readyOn, of };
}

describe('an offer made on another instance rings where the caller is held', () => {
  it('the instance holding the call says offered-to-agent (remote), and the answer goes through it', async () => {
    const s = await offeredElsewhere();
    await s.enqueue(s.a, 'c1');
    await s.readyOn(s.b, 'anna');
    expect(s.b.entry('c1')).toMatchObject({ offeredTo: 'anna', owner: 'a' });
    expect(s.of('offered-to-agent').map((e) => [e.instance, e.entryId, e.agentId, e.remote])).toEqual([
      ['b', 'c1', 'anna', undefined],
      ['a', 'c1', 'anna', true],
    ]);
    // a's claim found the offer made: a did not offer it again.
    expect(s.a.agent('anna')).toMatchObject({ state: 'reserved', entryId: 'c1' });

    await s.a.offerAccepted('c1', 'anna');
    await Promise.all([s.a.idle(), s.b.idle()]);
    expect(s.of('answered').map((e) => [e.instance, e.entryId, e.agentId])).toEqual([['a', 'c1', 'anna']]);
    for (const acd of [s.a, s.b]) {
      expect(acd.agent('anna')).toMatchObject({ state: 'busy', entryId: 'c1' });
      expect(acd.pendingTimers().rings).toEqual([]);
    }
    expect(s.of('agent-state').filter((e) => e.remote)).toEqual([]);
  });

  it('the ring timeout is run where the call is held: a miss there, which stops its ringing; nothing from the other', async () => {
    const s = await offeredElsewhere();
    await s.enqueue(s.a, 'c1');
    await s.readyOn(s.b, 'anna');
    const offeredAt = s.clock.now();
    await s.clock.advanceTo(offeredAt + 20_000 - 1);
    expect(s.a.entry('c1')!.offeredTo).toBe('anna');
    await s.clock.advanceTo(offeredAt + 20_000);
    await Promise.all([s.a.idle(), s.b.idle()]);
    expect(s.of('offer-missed').map((e) => [e.instance, e.entryId, e.agentId])).toEqual([['a', 'c1', 'anna']]);
    // What the telephony layer stops ringing on: anna leaves reserved, told where she rang.
    const states = s.of('agent-state').filter((e) => e.previous === 'reserved');
    expect(states.map((e) => [e.instance, e.agentId, e.state, e.remote])).toEqual([['a', 'anna', 'ready', undefined]]);
    expect(s.a.agent('anna')!.missedInRow).toBe(1);
  });

  it('an offer ended by the other instance (the agent paused there) is told where it rings, so the ringing stops', async () => {
    const s = await offeredElsewhere([agent('anna'), agent('bo')]);
    await s.enqueue(s.a, 'c1');
    await s.readyOn(s.b, 'anna');
    await s.b.pause('anna', 'lunch');
    await Promise.all([s.a.idle(), s.b.idle()]);
    const ended = s.of('agent-state').filter((e) => e.previous === 'reserved');
    expect(ended.map((e) => [e.instance, e.agentId, e.state, e.reason, e.remote])).toEqual([
      ['a', 'anna', 'paused', 'lunch', true],
      ['b', 'anna', 'paused', 'lunch', undefined],
    ]);
    // Bo, ready on a, takes it: a made that offer and rings it itself, b says nothing.
    await s.readyOn(s.a, 'bo');
    expect(s.of('offered-to-agent').map((e) => [e.instance, e.agentId, e.remote])).toEqual([
      ['b', 'anna', undefined],
      ['a', 'anna', true],
      ['a', 'bo', undefined],
    ]);
    expect(s.b.pendingTimers().rings).toEqual(['c1']);
  });

  it('a callback is made by the one instance that offered it; the end of its offer elsewhere is told there', async () => {
    const s = await offeredElsewhere();
    await s.enqueue(s.a, 'cb1', 'callback');
    await s.readyOn(s.b, 'anna');
    expect(s.of('offered-to-agent').map((e) => [e.instance, e.entryId, e.remote])).toEqual([['b', 'cb1', undefined]]);
    await s.a.pause('anna', 'meeting');
    await Promise.all([s.a.idle(), s.b.idle()]);
    const ended = s.of('agent-state').filter((e) => e.previous === 'reserved');
    expect(ended.map((e) => [e.instance, e.state, e.remote])).toEqual([['b', 'paused', true], ['a', 'paused', undefined]]);

    // Its ring timeout is run by the instance that made it: a miss there.
    await s.first(s.a, () => s.a.ready('anna'));
    await s.clock.advanceBy(20_000);
    await Promise.all([s.a.idle(), s.b.idle()]);
    expect(s.of('offer-missed').map((e) => e.instance)).toEqual(['a']);
    // Offered again after the miss, by whichever instance: never announced as another's.
    const offers = s.of('offered-to-agent');
    expect(offers.slice(0, 2).map((e) => e.instance)).toEqual(['b', 'a']);
    expect(offers.filter((e) => e.remote)).toEqual([]);
  });
});
