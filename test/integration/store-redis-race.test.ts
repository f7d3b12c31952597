/**
 * Two instances racing on one Redis: no agent is offered two entries at the
 * same time and no entry two agents.
 *
 * ACD level: two Acd engines, each on its own RedisStore connection (same
 * prefix) and its own real clock, as two server processes would be. Agents
 * log in and calls are enqueued on both at once; whichever instance offers a
 * call, the one that enqueued it (holding the caller) rings, answers and ends
 * it (the telephony layer of that instance), after which the agent is ready
 * again and both race for them. The events of
 * both, in the order they were emitted (one process, so one order), and the
 * final store state are checked.
 *
 * Store level: two RedisStore connections (same prefix), each driven by a
 * greedy dispatcher that keeps a local view from load() + onChange and claims
 * every (waiting entry, ready agent) pair it sees, while entries are enqueued
 * and agents made ready on both at once; a won offer is answered, handled and
 * the agent made ready again. The change stream (the same on both, in Redis's
 * apply order) is replayed to check that no offer ever overlapped another.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Acd } from '../../server/acd/acd.js';
import { RealClock } from '../../server/acd/clock.js';
import type { AcdEvent, AgentStatus, QueueEntry } from '../../server/acd/model.js';
import type { AcdStore, ClaimResult, StoreChange } from '../../server/acd/store-port.js';
import { agent, describeChange, entry, waitFor } from '../contract/store-contract.js';
import { redisStoresPerTest } from '../support/redis.js';
import { agent as profile, queue as queueConfig } from '../unit/acd-fixtures.js';

const redisStore = redisStoresPerTest();

/** Random pauses of a few ms that interleave the instances' work differently on every run: what the test plays, not a wait. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

interface Win { instance: string; entryId: string; agentId: string }

/** A deliberately greedy ACD stand-in: claims whatever its (possibly stale) view says is free. */
class Dispatcher {
  readonly entries = new Map<string, QueueEntry>();
  readonly agents = new Map<string, AgentStatus>();
  readonly changes: StoreChange[] = [];
  readonly wins: Win[] = [];
  readonly lost: string[] = [];
  private running = false;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(readonly name: string, readonly store: AcdStore) {}

  async start(): Promise<void> {
    this.store.onChange((c) => {
      this.changes.push(c);
      if (c.kind === 'entry') this.entries.set(c.entry.id, c.entry);
      else if (c.kind === 'entry-deleted') this.entries.delete(c.id);
      else this.agents.set(c.agent.id, c.agent);
      this.kick();
    });
    const { entries, agents } = await this.store.load();
    for (const e of entries) if (!this.entries.has(e.id)) this.entries.set(e.id, e);
    for (const a of agents) if (!this.agents.has(a.id)) this.agents.set(a.id, a);
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = true;
    setImmediate(() => { void this.dispatch(); });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => {});
    return p;
  }

  private async dispatch(): Promise<void> {
    do {
      this.again = false;
      const waiting = shuffle([...this.entries.values()].filter((e) => !e.offeredTo));
      const ready = shuffle([...this.agents.values()].filter((a) => a.state === 'ready'));
      const claims: Promise<void>[] = [];
      for (let i = 0; i < waiting.length && ready.length > 0; i++) {
        const e = waiting[i]!;
        // Often two entries go after the same agent, and the other instance does the same.
        const a = ready[Math.floor(Math.random() * ready.length)]!;
        claims.push(this.track(this.store.claim(e.id, a.id, Date.now())).then((r) => {
          if (!r.ok) { this.lost.push(r.reason); return; }
          this.wins.push({ instance: this.name, entryId: e.id, agentId: a.id });
          void this.track(this.handle(r.entry, r.agent));
        }));
      }
      await Promise.all(claims);
    } while (this.again && !this.stopped);
    this.running = false;
  }

  /** Answer, talk a little, hang up, make the agent ready again. */
  private async handle(e: QueueEntry, a: AgentStatus): Promise<void> {
    await sleep(Math.random() * 5);
    await this.store.putEntry({ ...e, answeredAt: Date.now() });
    await this.store.putAgent({ ...a, state: 'busy', since: Date.now() });
    await sleep(Math.random() * 10);
    await this.store.deleteEntry(e.id);
    const { entryId: _gone, ...free } = a;
    await this.store.putAgent({ ...free, state: 'ready', since: Date.now(), idleSince: Date.now() });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    while (this.inFlight.size > 0 || this.running) await Promise.allSettled([...this.inFlight, sleep(5)]);
  }
}

/**
 * Replays a change stream in apply order; throws on the first overlapping
 * offer. Offers here are never withdrawn, so an entry is offered at most once.
 */
function checkNoOverlap(changes: StoreChange[]): { offers: number } {
  const holding = new Map<string, string>(); // agent -> entry
  const offeredTo = new Map<string, string>(); // entry -> agent
  let offers = 0;
  for (const c of changes) {
    if (c.kind === 'entry' && c.entry.offeredTo) {
      const prev = offeredTo.get(c.entry.id);
      if (prev !== undefined && prev !== c.entry.offeredTo) {
        throw new Error(`entry ${c.entry.id} offered to ${prev} and then to ${c.entry.offeredTo}`);
      }
      if (prev === undefined) offers += 1;
      offeredTo.set(c.entry.id, c.entry.offeredTo);
    } else if (c.kind === 'agent') {
      const a = c.agent;
      const held = holding.get(a.id);
      if (a.state === 'reserved') {
        if (!a.entryId) throw new Error(`agent ${a.id} reserved without an entry`);
        if (held !== undefined && held !== a.entryId) {
          throw new Error(`agent ${a.id} offered ${a.entryId} while still holding ${held}`);
        }
        if (offeredTo.get(a.entryId) !== a.id) throw new Error(`agent ${a.id} reserved for ${a.entryId}, which is offered to ${offeredTo.get(a.entryId)}`);
        holding.set(a.id, a.entryId);
      } else if (a.state === 'ready') {
        holding.delete(a.id);
      }
    }
  }
  return { offers };
}

describe('two instances racing on one Redis', () => {
  it('store level: greedy dispatchers on two connections never double-book an agent or an entry', async () => {
    const prefix = `race:${randomUUID().slice(0, 8)}:`;
    const x = new Dispatcher('x', redisStore(prefix));
    const y = new Dispatcher('y', redisStore(prefix));
    await Promise.all([x.start(), y.start()]);

    const ENTRIES = 200;
    const AGENTS = 30;
    // Entries enqueued and agents made ready on both instances at once.
    const writes: Promise<void>[] = [];
    for (let i = 0; i < Math.max(ENTRIES, AGENTS); i++) {
      const d = i % 2 ? x : y;
      if (i < ENTRIES) writes.push(d.store.putEntry(entry(`e${i}`, { enqueuedAt: Date.now(), priority: i % 3 })));
      if (i < AGENTS) writes.push((i % 3 ? y : x).store.putAgent(agent(`a${i}`, { since: Date.now(), idleSince: Date.now() })));
    }
    await Promise.all(writes);

    await waitFor(() => x.wins.length + y.wins.length >= ENTRIES, 'every entry offered', 30_000);
    await waitFor(() => x.entries.size === 0 && y.entries.size === 0, 'every call handled', 30_000);
    await Promise.all([x.stop(), y.stop()]);

    const wins = [...x.wins, ...y.wins];
    expect(wins).toHaveLength(ENTRIES);
    expect(new Set(wins.map((w) => w.entryId)).size).toBe(ENTRIES);
    // Both instances won some and lost some: it really was a race.
    expect(x.wins.length).toBeGreaterThan(0);
    expect(y.wins.length).toBeGreaterThan(0);
    expect(x.lost.length + y.lost.length).toBeGreaterThan(0);

    // Both saw the same history, and in it no offer overlaps another.
    await waitFor(() => x.changes.length === y.changes.length, 'both instances caught up');
    expect(x.changes.map(describeChange)).toEqual(y.changes.map(describeChange));
    expect(checkNoOverlap(x.changes).offers).toBe(ENTRIES);

    const final = await x.store.load();
    expect(final.entries).toEqual([]);
    expect(final.agents).toHaveLength(AGENTS);
    expect(final.agents.every((a) => a.state === 'ready' && a.entryId === undefined)).toBe(true);
  });
});

/** The store as the engine sees it, counting the claims it lost. */
function countingClaims(store: AcdStore): { store: AcdStore; lost: Map<string, number> } {
  const lost = new Map<string, number>();
  const wrapped: AcdStore = {
    shared: store.shared,
    heartbeat: (id, at, ttl) => store.heartbeat(id, at, ttl),
    liveInstances: (at) => store.liveInstances(at),
    reapEntry: (e, r, at) => store.reapEntry(e, r, at),
    reapAgent: (a, r, owners, at) => store.reapAgent(a, r, owners, at),
    load: () => store.load(),
    putEntry: (e) => store.putEntry(e),
    deleteEntry: (id) => store.deleteEntry(id),
    putAgent: (a) => store.putAgent(a),
    claim: async (e, a, at): Promise<ClaimResult> => {
      const r = await store.claim(e, a, at);
      if (!r.ok) lost.set(r.reason, (lost.get(r.reason) ?? 0) + 1);
      return r;
    },
    onChange: (l) => store.onChange(l),
    close: () => store.close(),
  };
  return { store: wrapped, lost };
}

interface Instance {
  name: string;
  acd: Acd;
  lost: Map<string, number>;
  offers: number;
  /** Offers this instance made for the other's callers, and offers of its callers it was told of. */
  forOthers: number;
  told: number;
}

describe('two ACD instances racing on one Redis', () => {
  it('agents ready and calls enqueued on both at once: no agent has two calls at a time, no call two agents', async () => {
    const prefix = `acd-race:${randomUUID().slice(0, 8)}:`;
    const AGENTS = 40;
    const CALLS = 240;
    // Nobody misses an offer here: every offer is answered well within the ring timeout.
    const queue = queueConfig({ name: 'Support', ringTimeoutSeconds: 600 });
    const profiles = Array.from({ length: AGENTS }, (_, i) => profile(`agent${i}`));

    const log: Array<{ instance: string; event: AcdEvent }> = [];
    const errors: unknown[] = [];
    const work = new Set<Promise<void>>();
    const instances: Instance[] = [];
    for (const name of ['x', 'y']) {
      const { store, lost } = countingClaims(redisStore(prefix));
      const clock = new RealClock((err) => errors.push(err));
      const acd = new Acd({ store, clock, queues: [queue], agents: profiles, onError: (err) => errors.push(err) });
      const inst: Instance = { name, acd, lost, offers: 0, forOthers: 0, told: 0 };
      acd.on((event) => {
        log.push({ instance: name, event });
        if (event.type !== 'offered-to-agent') return;
        if (event.remote) inst.told += 1;
        else inst.offers += 1;
        if (!event.remote && acd.entry(event.entryId)?.owner !== acd.instanceId) {
          inst.forOthers += 1;
          return; // the instance holding the caller rings
        }
        // This instance's telephony rings the agent, who answers; the call ends a little later.
        const p = (async () => {
          await sleep(Math.random() * 3);
          await acd.offerAccepted(event.entryId, event.agentId);
          await sleep(Math.random() * 8);
          await acd.callEnded(event.entryId);
        })().catch((err) => { errors.push(err); });
        work.add(p);
        void p.finally(() => work.delete(p));
      });
      instances.push(inst);
    }
    const [x, y] = instances as [Instance, Instance];
    await Promise.all([x.acd.start(), y.acd.start()]);

    // At once, on both: agents log in (each on the instance their phone is on) and calls come in.
    const actions: Promise<void>[] = [];
    for (let i = 0; i < Math.max(AGENTS, CALLS); i++) {
      if (i < AGENTS) actions.push((i % 2 ? x : y).acd.login(`agent${i}`));
      if (i < CALLS) {
        actions.push((i % 3 ? x : y).acd.enqueue({
          id: `call${i}`,
          queueId: 'support',
          kind: 'call',
          enqueuedAt: Date.now(),
          priority: i % 10 === 0 ? 1 : 0,
          data: { caller: `+4670${String(i).padStart(7, '0')}` },
        }));
      }
    }
    await Promise.all(actions);

    const ended = () => log.filter((l) => l.event.type === 'ended').length;
    await waitFor(() => ended() >= CALLS, `all ${CALLS} calls ended (${ended()} so far)`, 45_000);
    while (work.size > 0) await Promise.allSettled([...work]);
    await Promise.all([x.acd.idle(), y.acd.idle()]);
    expect(errors).toEqual([]);

    // Replay both instances' events in emission order. An agent is freed only
    // after 'ended' was emitted (the store write that frees them comes after
    // it), so an offer to an agent still holding a call would show here.
    const holding = new Map<string, string>();
    const offeredTo = new Map<string, string>();
    const problems: string[] = [];
    for (const { instance, event } of log) {
      if (event.type === 'offered-to-agent' && !event.remote) {
        const held = holding.get(event.agentId);
        if (held !== undefined) problems.push(`${instance}: ${event.agentId} offered ${event.entryId} while holding ${held}`);
        const prev = offeredTo.get(event.entryId);
        if (prev !== undefined) problems.push(`${instance}: ${event.entryId} offered to ${event.agentId} after ${prev}`);
        holding.set(event.agentId, event.entryId);
        offeredTo.set(event.entryId, event.agentId);
      } else if (event.type === 'ended') {
        if (holding.get(event.agentId) !== event.entryId) {
          problems.push(`${instance}: ${event.entryId} ended for ${event.agentId}, who holds ${holding.get(event.agentId)}`);
        }
        holding.delete(event.agentId);
      }
    }
    expect(problems).toEqual([]);
    const offered = log.filter((l) => l.event.type === 'offered-to-agent' && !l.event.remote);
    expect(offered).toHaveLength(CALLS);
    // Every offer made for the other instance's caller was told there, once.
    expect(x.told).toBe(y.forOthers);
    expect(y.told).toBe(x.forOthers);
    expect(x.forOthers + y.forOthers).toBeGreaterThan(0);
    // Every offer ended where it rang (answered there): nothing told from elsewhere.
    expect(log.filter((l) => l.event.type === 'agent-state' && l.event.remote)).toEqual([]);
    expect(offeredTo.size).toBe(CALLS);
    expect(log.filter((l) => l.event.type === 'answered')).toHaveLength(CALLS);
    expect(log.filter((l) => l.event.type === 'queued')).toHaveLength(CALLS);

    // It was a race: both instances offered calls, and claims were lost to the other.
    expect(x.offers).toBeGreaterThan(0);
    expect(y.offers).toBeGreaterThan(0);
    const lostClaims = [...x.lost.values(), ...y.lost.values()].reduce((a, b) => a + b, 0);
    expect(lostClaims).toBeGreaterThan(0);

    // Final state in Redis: no call left, every agent ready and holding nothing.
    const check = redisStore(prefix);
    const final = await check.load();
    expect(final.entries).toEqual([]);
    expect(final.agents).toHaveLength(AGENTS);
    for (const a of final.agents) {
      expect(a.state).toBe('ready');
      expect(a.entryId).toBeUndefined();
    }
    // Both engines' mirrors agree with it.
    for (const inst of instances) {
      const snap = inst.acd.snapshot();
      expect(snap.queues[0]!.entries).toEqual([]);
      expect(snap.agents.every((a) => a.state === 'ready')).toBe(true);
    }
    await Promise.all([x.acd.stop(), y.acd.stop()]);
  });
});
