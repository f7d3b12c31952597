import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Acd } from '../../server/acd/acd.js';
import { SimulatedClock } from '../../server/acd/clock.js';
import type { AgentStatus, QueueEntry } from '../../server/acd/model.js';
import { MemoryStore, MemoryStoreError } from '../../server/store/memory.js';
import type { StoreChange } from '../../server/acd/store-port.js';
import { agent, queue } from './acd-fixtures.js';

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vaxel-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = (id: string, over: Partial<QueueEntry> = {}): QueueEntry => ({
  id, queueId: 'support', kind: 'call', enqueuedAt: 1000, priority: 0, data: { caller: '+46701740605' }, ...over,
});
const status = (id: string, over: Partial<AgentStatus> = {}): AgentStatus => ({
  id, state: 'ready', since: 1000, idleSince: 1000, missedInRow: 0, ...over,
});

describe('a restart loses no callback', () => {
  it('callbacks and agent statuses survive in the data folder; ordinary calls do not need to', async () => {
    const dir = dataDir();
    const before = new MemoryStore({ dataDir: dir });
    await before.load();
    await before.putEntry(entry('call-1'));
    await before.putEntry(entry('cb-1', { kind: 'callback', enqueuedAt: 500, attempts: 1 }));
    await before.putEntry(entry('cb-2', { kind: 'callback', priority: 1 }));
    await before.putAgent(status('anna', { state: 'paused', pauseReason: 'lunch' }));
    await before.putAgent(status('bo', { state: 'logged-out' }));
    await before.close();

    const after = new MemoryStore({ dataDir: dir });
    const { entries, agents } = await after.load();
    expect(entries.map((e) => e.id).sort()).toEqual(['cb-1', 'cb-2']);
    expect(entries.find((e) => e.id === 'cb-1')).toEqual(entry('cb-1', { kind: 'callback', enqueuedAt: 500, attempts: 1 }));
    expect(agents.find((a) => a.id === 'anna')).toEqual(status('anna', { state: 'paused', pauseReason: 'lunch' }));
    expect(agents.find((a) => a.id === 'bo')!.state).toBe('logged-out');
  });

  it('hands back what was written, offers included: what a restart makes of them is the ACD\'s rule', async () => {
    const dir = dataDir();
    const before = new MemoryStore({ dataDir: dir });
    await before.load();
    await before.putEntry(entry('cb-1', { kind: 'callback' }));
    await before.putAgent(status('anna', { otherCalls: ['x'], otherCallOwners: { x: 'old' } }));
    expect((await before.claim('cb-1', 'anna', 2000)).ok).toBe(true);
    await before.flush();
    // the process dies here: no close()

    const after = new MemoryStore({ dataDir: dir });
    const { entries, agents } = await after.load();
    expect(entries).toEqual([entry('cb-1', { kind: 'callback', offeredTo: 'anna', offeredAt: 2000 })]);
    expect(agents).toEqual([status('anna', { state: 'reserved', since: 2000, entryId: 'cb-1', otherCalls: ['x'], otherCallOwners: { x: 'old' } })]);
  });

  it('a deleted callback stays deleted', async () => {
    const dir = dataDir();
    const before = new MemoryStore({ dataDir: dir });
    await before.load();
    await before.putEntry(entry('cb-1', { kind: 'callback' }));
    await before.flush();
    await before.deleteEntry('cb-1');
    await before.close();
    expect((await new MemoryStore({ dataDir: dir }).load()).entries).toEqual([]);
  });

  it('the ACD on a restarted store offers the callback at its old place', async () => {
    const dir = dataDir();
    const clock = new SimulatedClock(1_700_000_000_000);
    const t0 = clock.now();
    const config = { clock, queues: [queue()], agents: [agent('anna')] };
    const first = new Acd({ ...config, store: new MemoryStore({ dataDir: dir }) });
    await first.start();
    await first.enqueue({ id: 'c1', queueId: 'support', kind: 'call', enqueuedAt: t0, priority: 0, data: {} });
    await clock.advanceBy(5000);
    await first.enqueue({ id: 'c2', queueId: 'support', kind: 'call', enqueuedAt: clock.now(), priority: 0, data: {} });
    await first.requestCallback('c2');
    await first.login('anna');
    await first.stop();
    const store1 = (first as unknown as { store: MemoryStore }).store;
    await store1.close();

    const second = new Acd({ ...config, store: new MemoryStore({ dataDir: dir }) });
    const offered: string[] = [];
    second.on((e) => e.type === 'offered-to-agent' && offered.push(`${e.entryId}->${e.agentId}`));
    await second.start();
    // c1 (an ordinary call) died with the process; the callback is offered to anna, still logged in
    expect(offered).toEqual(['c2->anna']);
    expect(second.entry('c2')).toMatchObject({ kind: 'callback', enqueuedAt: t0 + 5000 });
  });

  it('writes the file atomically and leaves no temporary file behind', async () => {
    const dir = dataDir();
    const store = new MemoryStore({ dataDir: dir, debounceMs: 1 });
    await store.load();
    for (let i = 0; i < 20; i++) await store.putEntry(entry(`cb-${i}`, { kind: 'callback' }));
    await new Promise((r) => setTimeout(r, 20));
    await store.flush();
    expect(readdirSync(dir)).toEqual(['acd-state.json']);
    expect(JSON.parse(readFileSync(join(dir, 'acd-state.json'), 'utf8')).callbacks).toHaveLength(20);
    await store.close();
  });

  it('writes nothing before the file was loaded, so what is there is never lost', async () => {
    const dir = dataDir();
    const first = new MemoryStore({ dataDir: dir });
    await first.load();
    await first.putEntry(entry('cb-old', { kind: 'callback' }));
    await first.close();

    const second = new MemoryStore({ dataDir: dir, debounceMs: 1 });
    await second.putEntry(entry('cb-new', { kind: 'callback' }));
    await new Promise((r) => setTimeout(r, 20));
    const { entries } = await second.load();
    expect(entries.map((e) => e.id).sort()).toEqual(['cb-new', 'cb-old']);
    await second.close();
    expect((await new MemoryStore({ dataDir: dir }).load()).entries).toHaveLength(2);
  });
});

describe('a corrupt state file', () => {
  it.each([
    ['not JSON', '{"version": 1, "callbacks": ['],
    ['a wrong shape', JSON.stringify({ version: 1, callbacks: [{ id: 'x' }], agents: [] })],
    ['an unknown version', JSON.stringify({ version: 7, callbacks: [], agents: [] })],
    ['a bad agent state', JSON.stringify({ version: 1, callbacks: [], agents: [{ id: 'a', state: 'asleep', since: 0, idleSince: 0, missedInRow: 0 }] })],
  ])('(%s) fails the load with an error naming the file, and is left as it was', async (_, content) => {
    const dir = dataDir();
    const file = join(dir, 'acd-state.json');
    writeFileSync(file, content);
    const store = new MemoryStore({ dataDir: dir, debounceMs: 1 });
    const err = await store.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryStoreError);
    expect((err as Error).message).toContain(file);
    expect((err as MemoryStoreError).file).toBe(file);
    // the store itself still works in memory, and does not overwrite the file
    await store.putEntry(entry('cb', { kind: 'callback' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(existsSync(file)).toBe(true);
  });

  it('makes Acd.start fail with that error, not a crash', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'acd-state.json'), 'garbage');
    const acd = new Acd({ store: new MemoryStore({ dataDir: dir }), clock: new SimulatedClock(), queues: [queue()], agents: [] });
    await expect(acd.start()).rejects.toThrow(/acd-state\.json is corrupt: not JSON/);
  });
});

describe('claim: an offer is atomic', () => {
  async function store() {
    const s = new MemoryStore();
    await s.load();
    await s.putEntry(entry('e1'));
    await s.putEntry(entry('e2'));
    await s.putAgent(status('anna'));
    await s.putAgent(status('bo'));
    return s;
  }

  it('offers the entry and reserves the agent in one step, reported entry first then agent', async () => {
    const s = await store();
    const changes: StoreChange[] = [];
    s.onChange((c) => changes.push(c));
    const r = await s.claim('e1', 'anna', 5000);
    expect(r).toEqual({
      ok: true,
      entry: { ...entry('e1'), offeredTo: 'anna', offeredAt: 5000 },
      agent: { ...status('anna'), state: 'reserved', since: 5000, entryId: 'e1' },
    });
    expect(changes.map((c) => c.kind)).toEqual(['entry', 'agent']);
  });

  it('refuses an entry that is gone, an entry already offered, an unknown agent and an agent not ready', async () => {
    const s = await store();
    expect(await s.claim('nope', 'anna', 1)).toEqual({ ok: false, reason: 'entry-gone' });
    expect(await s.claim('e1', 'ghost', 1)).toEqual({ ok: false, reason: 'agent-unknown' });
    expect((await s.claim('e1', 'anna', 1)).ok).toBe(true);
    expect(await s.claim('e1', 'bo', 1)).toEqual({ ok: false, reason: 'entry-offered' });
    expect(await s.claim('e2', 'anna', 1)).toEqual({ ok: false, reason: 'agent-not-ready' });
    await s.putAgent(status('bo', { state: 'paused' }));
    expect(await s.claim('e2', 'bo', 1)).toEqual({ ok: false, reason: 'agent-not-ready' });
  });

  it('of many racing claims for one entry, exactly one wins; one agent gets at most one entry', async () => {
    const s = await store();
    const agents = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    for (const a of agents) await s.putAgent(status(a));
    const results = await Promise.all(agents.map((a) => s.claim('e1', a, 1)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const forAnna = await Promise.all([s.claim('e2', 'anna', 1), s.claim('e2', 'bo', 1)]);
    expect(forAnna.filter((r) => r.ok)).toHaveLength(1);
  });

  it('hands out copies: changing what it returned changes nothing stored', async () => {
    const s = await store();
    const { entries } = await s.load();
    entries[0]!.data.caller = 'changed';
    (entries[0] as { offeredTo?: string }).offeredTo = 'someone';
    expect((await s.claim(entries[0]!.id, 'anna', 1)).ok).toBe(true);
    expect((await s.load()).entries.find((e) => e.id === entries[0]!.id)!.data.caller).toBe('+46701740605');
  });

  it('keeps its own copy: changing what was put, after the put, changes nothing stored', async () => {
    const s = new MemoryStore();
    const e = entry('e1');
    const a = status('anna', { state: 'busy', next: { state: 'paused', reason: 'lunch' }, otherCalls: ['c1'], otherCallOwners: { c1: 'i1' } });
    await s.putEntry(e);
    await s.putAgent(a);
    e.data.caller = 'changed';
    e.priority = 9;
    a.next!.reason = 'changed';
    a.otherCalls!.push('c2');
    a.otherCallOwners!.c1 = 'changed';
    a.state = 'ready';
    const { entries, agents } = await s.load();
    expect(entries).toEqual([entry('e1')]);
    expect(agents).toEqual([status('anna', { state: 'busy', next: { state: 'paused', reason: 'lunch' }, otherCalls: ['c1'], otherCallOwners: { c1: 'i1' } })]);
  });

  it('gives each listener its own copy: what one listener changes, neither the store nor the next listener sees', async () => {
    const s = new MemoryStore();
    const second: StoreChange[] = [];
    s.onChange((c) => {
      if (c.kind === 'entry') c.entry.data.caller = 'changed by the first listener';
      if (c.kind === 'agent') {
        c.agent.state = 'logged-out';
        c.agent.otherCalls?.push('added by the first listener');
      }
    });
    s.onChange((c) => second.push(c));
    await s.putEntry(entry('e1'));
    await s.putAgent(status('anna', { otherCalls: ['c1'] }));
    expect(second).toEqual([
      { kind: 'entry', entry: entry('e1') },
      { kind: 'agent', agent: status('anna', { otherCalls: ['c1'] }) },
    ]);
    // What is stored is unchanged: the ready agent can still be claimed, with the entry as put.
    const r = await s.claim('e1', 'anna', 2000);
    expect(r).toMatchObject({ ok: true, entry: { data: { caller: '+46701740605' } }, agent: { otherCalls: ['c1'] } });
  });

  it('hands out a claim result that is a copy: changing it changes nothing stored', async () => {
    const s = await store();
    const r = await s.claim('e1', 'anna', 5000);
    if (!r.ok) throw new Error('claim failed');
    r.entry.data.caller = 'changed';
    r.entry.offeredTo = undefined;
    r.agent.state = 'ready';
    expect(await s.claim('e1', 'bo', 6000)).toEqual({ ok: false, reason: 'entry-offered' });
    expect(await s.claim('e2', 'anna', 6000)).toEqual({ ok: false, reason: 'agent-not-ready' });
    expect((await s.load()).entries.find((e) => e.id === 'e1')!.data.caller).toBe('+46701740605');
  });

  it('calls listeners synchronously, in order, before the write\'s promise settles', async () => {
    const s = new MemoryStore();
    const seen: string[] = [];
    s.onChange((c) => seen.push(c.kind === 'entry-deleted' ? `deleted ${c.id}` : `${c.kind}`));
    const p = s.putEntry(entry('e1'));
    expect(seen).toEqual(['entry']);
    await p;
    void s.deleteEntry('e1');
    void s.deleteEntry('e1'); // nothing to delete: no change
    expect(seen).toEqual(['entry', 'deleted e1']);
  });

  it('rejects use after close', async () => {
    const s = new MemoryStore();
    await s.close();
    await expect(s.putEntry(entry('e1'))).rejects.toThrow(/closed/);
  });
});
