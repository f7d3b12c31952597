import { describe, expect, it } from 'vitest';
import { Acd } from '../../server/acd/acd.js';
import { SimulatedClock } from '../../server/acd/clock.js';
import type { AcdEvent, AgentProfile } from '../../server/acd/model.js';
import { MemoryStore } from '../../server/store/memory.js';
import { agent, queue } from './acd-fixtures.js';

/** One store for ACD instances (`make`), as servers share one Redis; the events of all, each with its instance. */
function sharedStore(people: AgentProfile[]) {
  const clock = new SimulatedClock(1_700_000_000_000);
  const store = new MemoryStore();
  const events: Array<AcdEvent & { instance: string }> = [];
  const make = (name: string) => {
    const acd = new Acd({ store, clock, queues: [queue()], agents: people, onError: (err) => { throw err; } });
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
