/**
 * An instance dropped from a shared Redis: three Acd engines, each on its
 * own RedisStore connection (same prefix) and its own real clock, as three
 * server processes. One of them holds waiting callers, a call ringing an
 * agent, an answered call and an agent's direct call, and is dropped
 * without a word (its engine stopped, its connections closed). Once its
 * heartbeat lapses the two others take away what it held, each thing once
 * between them (server/acd/instances.ts), and leave their own calls and the
 * callbacks alone.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Acd } from '../../server/acd/acd.js';
import { RealClock } from '../../server/acd/clock.js';
import type { AcdEvent, NewEntry } from '../../server/acd/index.js';
import type { RedisStore } from '../../server/store/redis.js';
import { waitFor } from '../contract/store-contract.js';
import { redisStoresPerTest } from '../support/redis.js';
import { agent as profile, queue as queueConfig } from '../unit/acd-fixtures.js';

const redisStore = redisStoresPerTest();

const BEAT_MS = 100;
const TTL_MS = 300;
const WAITING = 40;

describe('an instance dropped from a shared Redis', () => {
  it('its callers, its answered call and its agent calls are taken away once by the others; theirs and the callbacks stay', async () => {
    const prefix = `acd-dead:${randomUUID().slice(0, 8)}:`;
    // Offers ring for ten minutes: nothing here is taken back for a ring timeout.
    const queue = queueConfig({ name: 'Support', ringTimeoutSeconds: 600, wrapUpSeconds: 60 });
    const people = ['anna', 'bo', 'cia'].map((id) => profile(id));
    const log: Array<{ instance: string; event: AcdEvent }> = [];
    const errors: unknown[] = [];
    const engines = new Map<string, { acd: Acd; store: RedisStore }>();
    for (const name of ['x', 'y', 'z']) {
      const store = redisStore(prefix);
      const acd = new Acd({
        store, clock: new RealClock((err) => errors.push(err)), queues: [queue], agents: people,
        instanceId: `${name}-${randomUUID()}`, heartbeatMs: BEAT_MS, heartbeatTtlMs: TTL_MS,
        onError: (err) => errors.push(err),
      });
      acd.on((event) => log.push({ instance: name, event }));
      await acd.start();
      engines.set(name, { acd, store });
    }
    const x = engines.get('x')!.acd;
    const y = engines.get('y')!.acd;
    const z = engines.get('z')!.acd;
    const call = (id: string, over: Partial<NewEntry> = {}): NewEntry => ({
      id, queueId: 'support', kind: 'call', enqueuedAt: Date.now(), priority: 0, data: { caller: '+46701740605' }, ...over,
    });

    // y's: bo on a direct call, a call ringing anna, a call cia answered, callers waiting.
    await x.login('bo');
    // Agent writes are last-writer-wins: y reports the call once it has seen the log-in.
    await waitFor(() => y.agent('bo')?.state === 'ready', 'y sees bo logged in');
    await y.otherCallStarted('bo', 'direct-y');
    await waitFor(() => x.agent('bo')?.otherCalls?.length === 1, 'x sees bo on his call');
    await x.login('anna');
    await y.enqueue(call('y-ringing'));
    await waitFor(() => x.agent('anna')?.entryId === 'y-ringing', 'anna rung for y-ringing');
    await x.login('cia');
    await y.enqueue(call('y-answered'));
    await waitFor(() => y.entry('y-answered')?.offeredTo === 'cia', 'y-answered offered to cia');
    await y.offerAccepted('y-answered', 'cia');
    for (let i = 0; i < WAITING; i++) await y.enqueue(call(`y-waiting-${i}`));
    // x's: a caller and a callback, behind y's in line.
    await x.enqueue(call('x-call'));
    await z.enqueue(call('z-callback', { kind: 'callback' }));
    const line = (acd = x) => acd.snapshot().queues[0]!.entries.map((e) => e.id);
    // Each instance sees the others' changes a little later (pub/sub).
    await waitFor(() => [x, y, z].every((acd) => line(acd).length === WAITING + 3), 'the whole line on every instance');

    // y goes away without a word.
    const droppedAt = log.length;
    await y.stop();
    await engines.get('y')!.store.close();

    const after = () => log.slice(droppedAt);
    const abandoned = () => after().filter((l) => l.event.type === 'abandoned');
    await waitFor(() => abandoned().length >= WAITING + 1, `y's ${WAITING + 1} callers taken away`, 10_000);
    await waitFor(() => x.agent('bo')?.state === 'ready' || x.agent('bo')?.state === 'reserved', 'bo free of his direct call', 10_000);
    await waitFor(() => ['x-call', 'z-callback'].every((id) => x.entry(id)?.offeredTo !== undefined), "x's and z's entries offered", 10_000);
    await Promise.all([x.idle(), z.idle()]);
    // A few more beats: nothing further happens. The survivors look for dead instances on each beat and
    // no event marks a beat, so this waits three of them out (100 ms each): the time is the protocol's.
    await new Promise((r) => setTimeout(r, 3 * BEAT_MS));
    await Promise.all([x.idle(), z.idle()]);
    expect(errors).toEqual([]);

    // Each of y's callers once, by one of the two survivors.
    const gone = abandoned().map((l) => l.event as Extract<AcdEvent, { type: 'abandoned' }>);
    expect(gone.map((e) => e.entryId).sort()).toEqual(['y-ringing', ...Array.from({ length: WAITING }, (_, i) => `y-waiting-${i}`)].sort());
    expect(gone.every((e) => e.reason === 'instance-gone')).toBe(true);
    expect(new Set(abandoned().map((l) => l.instance))).toSatisfy((s: Set<string>) => [...s].every((i) => i === 'x' || i === 'z'));
    const ended = after().filter((l) => l.event.type === 'ended');
    expect(ended.map((l) => (l.event as { entryId: string }).entryId)).toEqual(['y-answered']);
    expect(after().filter((l) => l.event.type === 'offer-missed')).toEqual([]);

    // Nobody was offered a caller of y's after it went; the three agents took x's and z's.
    const offered = after().filter((l) => l.event.type === 'offered-to-agent');
    const offers = offered.filter((l) => !('remote' in l.event)).map((l) => l.event as { entryId: string; agentId: string });
    expect(offers.map((o) => o.entryId).sort()).toEqual(['x-call', 'z-callback']);
    // x's caller rings at x, whoever offered it: x is told when z did.
    const idOf = (l: { event: AcdEvent }) => (l.event as { entryId: string }).entryId;
    const xCallBy = offered.find((l) => !('remote' in l.event) && idOf(l) === 'x-call')?.instance;
    const told = offered.filter((l) => 'remote' in l.event).map((l) => [l.instance, idOf(l)]);
    expect(told).toEqual(xCallBy === 'z' ? [['x', 'x-call']] : []);
    expect(line()).toEqual(['x-call', 'z-callback']);
    for (const id of ['anna', 'bo', 'cia']) expect(x.agent(id)!.missedInRow).toBe(0);
    expect(x.agent('bo')!.otherCalls).toBeUndefined();
    // cia's call ended without wrap-up: she was free for the next call at once.
    expect(after().some((l) => l.event.type === 'agent-state' && l.event.agentId === 'cia' && l.event.state === 'wrap-up')).toBe(false);

    // Redis agrees, and knows y is gone.
    const check = redisStore(prefix);
    const final = await check.load();
    expect(final.entries.map((e) => e.id).sort()).toEqual(['x-call', 'z-callback']);
    expect((await check.liveInstances(Date.now())).sort()).toEqual([x.instanceId, z.instanceId].sort());
    expect(z.snapshot().agents).toEqual(x.snapshot().agents);
    await Promise.all([x.stop(), z.stop()]);
  });
});
