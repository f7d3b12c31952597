/**
 * The store contract on RedisStore against a real redis-server, plus what
 * only Redis has: several instances sharing one store, restarts, Redis going
 * away and coming back, missed pub/sub messages.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoreChange } from '../../server/acd/store-port.js';
import { RedisStore, type RedisStoreOptions } from '../../server/store/redis.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { agent, describeChange, entry, storeContract, waitFor } from './store-contract.js';

let redis: RedisServer;
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => { await redis?.stop(); });

const errors: Error[] = [];
const open: RedisStore[] = [];
function store(prefix: string, over: Partial<RedisStoreOptions> = {}): RedisStore {
  const s = new RedisStore({ url: redis.url, prefix, onError: (e) => errors.push(e), ...over });
  open.push(s);
  return s;
}
const freshPrefix = () => `test:${randomUUID().slice(0, 8)}:`;

storeContract('RedisStore', async () => store(freshPrefix()));

describe('RedisStore under the contract', () => {
  it('reported no errors but the listener the contract makes throw on purpose', () => {
    expect(errors.filter((e) => !/listener bug/.test(e.message))).toEqual([]);
  });
});

describe('RedisStore', () => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('a new RedisStore on the same server and prefix loads what the last one left (restart)', async () => {
    const prefix = freshPrefix();
    const first = store(prefix);
    const cb = entry('cb1', { kind: 'callback', enqueuedAt: 1_234.5, priority: 2, data: { caller: '+4631123456', note: 'call me \u00e5' } });
    await first.putEntry(cb);
    await first.putEntry(entry('c1'));
    await first.putAgent(agent('a1', { state: 'paused', pauseReason: 'no answer', missedInRow: 3 }));
    await first.putAgent(agent('a2'));
    const claimed = await first.claim('c1', 'a2', 2_000);
    expect(claimed.ok).toBe(true);
    await first.close();

    const second = store(prefix);
    const loaded = await second.load();
    const entries = [...loaded.entries].sort((a, b) => a.id.localeCompare(b.id));
    expect(entries).toEqual([entry('c1', { offeredTo: 'a2', offeredAt: 2_000 }), cb]);
    const agents = [...loaded.agents].sort((a, b) => a.id.localeCompare(b.id));
    expect(agents[0]).toEqual(agent('a1', { state: 'paused', pauseReason: 'no answer', missedInRow: 3 }));
    expect(agents[1]).toMatchObject({ id: 'a2', state: 'reserved', entryId: 'c1', since: 2_000 });
    // And it goes on where the first left off.
    expect(await second.claim('cb1', 'a2', 3_000)).toEqual({ ok: false, reason: 'agent-not-ready' });
  });

  it('prefixes keep stores apart', async () => {
    const a = store(freshPrefix());
    const b = store(freshPrefix());
    const seenByB: StoreChange[] = [];
    b.onChange((c) => seenByB.push(c));
    await a.putEntry(entry('e1'));
    await a.putAgent(agent('a1'));
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.load()).toEqual({ entries: [], agents: [] });
    expect(seenByB).toEqual([]);
  });

  it('every instance sees every change exactly once, in the same order, its own included', async () => {
    const prefix = freshPrefix();
    const stores = [store(prefix), store(prefix), store(prefix)];
    const seen = stores.map(() => [] as string[]);
    stores.forEach((s, i) => s.onChange((c) => seen[i]!.push(describeChange(c))));
    await Promise.all(stores.map((s) => s.load()));
    // Interleaved writes from all three at once.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const s = stores[i % 3]!;
      writes.push(s.putEntry(entry(`e${i}`, { priority: i })));
      writes.push(s.putAgent(agent(`a${i}`, { since: i })));
    }
    await Promise.all(writes);
    const claims = [];
    for (let i = 0; i < 30; i++) claims.push(stores[i % 3]!.claim(`e${i}`, `a${(i * 7) % 30}`, 100 + i));
    const results = await Promise.all(claims);
    const wins = results.filter((r) => r.ok).length;
    await stores[0]!.deleteEntry('e0');
    const total = 60 + wins * 2 + 1;
    await waitFor(() => seen.every((s) => s.length >= total), `${total} changes on each instance`);
    await new Promise((r) => setTimeout(r, 100));
    for (const s of seen) expect(s).toHaveLength(total);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect(new Set(seen[0]).size).toBe(total); // every change is different here, so no duplicates
  });

  it("a write resolves after the writer's own listeners saw the change", async () => {
    const s = store(freshPrefix());
    const seen: string[] = [];
    s.onChange((c) => seen.push(describeChange(c)));
    await s.putEntry(entry('e1'));
    expect(seen).toEqual(['entry e1']);
    await s.putAgent(agent('a1'));
    const r = await s.claim('e1', 'a1', 5);
    expect(r.ok).toBe(true);
    expect(seen).toHaveLength(4);
  });

  it('two instances racing for the same entries and agents never double-book', async () => {
    const prefix = freshPrefix();
    const [x, y] = [store(prefix), store(prefix)];
    for (let i = 0; i < 20; i++) await x.putEntry(entry(`e${i}`));
    for (let i = 0; i < 20; i++) await y.putAgent(agent(`a${i}`));
    const claims = [];
    for (let e = 0; e < 20; e++) {
      for (let a = 0; a < 20; a++) claims.push(((e + a) % 2 ? x : y).claim(`e${e}`, `a${(a + e) % 20}`, e * 100 + a));
    }
    const wins = (await Promise.all(claims)).filter((r) => r.ok);
    expect(wins).toHaveLength(20);
    const loaded = await x.load();
    expect(new Set(loaded.entries.map((e) => e.offeredTo)).size).toBe(20);
    expect(new Set(loaded.agents.map((a) => a.entryId)).size).toBe(20);
    for (const e of loaded.entries) {
      expect(loaded.agents.find((a) => a.id === e.offeredTo)?.entryId).toBe(e.id);
    }
  });

  it('the keys are laid out as documented', async () => {
    const prefix = freshPrefix();
    const s = store(prefix);
    await s.putEntry(entry('e1'));
    await s.putAgent(agent('a1'));
    await s.claim('e1', 'a1', 77);
    const raw = new Redis(redis.url);
    try {
      expect((await raw.keys(`${prefix}*`)).sort()).toEqual(
        ['agent:a1', 'agents', 'entries', 'entry:e1', 'log', 'seq'].map((k) => prefix + k));
      expect(await raw.smembers(`${prefix}entries`)).toEqual(['e1']);
      const e = await raw.hgetall(`${prefix}entry:e1`);
      expect(JSON.parse(e.json!)).toEqual(entry('e1'));
      expect(e).toMatchObject({ offeredTo: 'a1', offeredAt: '77' });
      expect(await raw.hgetall(`${prefix}agent:a1`)).toMatchObject({ state: 'reserved', since: '77', entryId: 'e1' });
      expect(await raw.get(`${prefix}seq`)).toBe('3');
      expect(await raw.xlen(`${prefix}log`)).toBe(3);
    } finally {
      raw.disconnect();
    }
  });

  it('changes missed while the subscriber was disconnected are read back from the log, in order', async () => {
    const prefix = freshPrefix();
    const watcher = store(prefix, { gapFillMs: 50 });
    const writer = store(prefix);
    const seen: string[] = [];
    watcher.onChange((c) => seen.push(describeChange(c)));
    await watcher.load();
    await writer.putEntry(entry('e0'));
    await waitFor(() => seen.length === 1, 'first change');

    // Drop every pub/sub connection on the server; ioredis reconnects them.
    const admin = new Redis(redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
    } finally {
      admin.disconnect();
    }
    for (let i = 1; i <= 10; i++) await writer.putEntry(entry(`e${i}`));
    await waitFor(() => seen.length === 11, 'all 11 changes', 10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(Array.from({ length: 11 }, (_, i) => `entry e${i}`));
    expect(watcher.stats()).toMatchObject({ delivered: 11, pending: 0, lost: 0 });
    expect(watcher.stats().fromLog).toBeGreaterThan(0);
  });

  it('rejects methods after close(), and close() quits both connections', async () => {
    const admin = new Redis(redis.url);
    try {
      const count = async () => (await admin.client('LIST') as string).trim().split('\n').length;
      const before = await count();
      const s = new RedisStore({ url: redis.url, prefix: freshPrefix(), onError: (e) => errors.push(e) });
      await s.load();
      expect(await count()).toBe(before + 2);
      await s.close();
      let now = -1;
      for (let i = 0; i < 50 && now !== before; i++) {
        now = await count();
        if (now !== before) await new Promise((r) => setTimeout(r, 20));
      }
      expect(now).toBe(before);
      await expect(s.putEntry(entry('e1'))).rejects.toThrow(/closed/);
      await expect(s.load()).rejects.toThrow(/closed/);
      await s.close(); // twice is fine
    } finally {
      admin.disconnect();
    }
  });

  it('rejects bad arguments with a clear message', async () => {
    const s = store(freshPrefix());
    await expect(s.putEntry(entry(''))).rejects.toThrow(/entry\.id/);
    await s.putEntry(entry('e1'));
    await s.putAgent(agent('a1'));
    await expect(s.claim('e1', 'a1', Number.NaN)).rejects.toThrow(/finite/);
  });
});

// Last: these stop and restart the server.
describe('RedisStore when Redis goes away', () => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('rejects with a clear message while Redis is down, never crashes, and works again when it is back', async () => {
    const s = store(freshPrefix());
    await s.putEntry(entry('e1'));
    errors.length = 0;
    await redis.down();

    await expect(s.putEntry(entry('e2'))).rejects.toThrow(/RedisStore\.putEntry failed \(redis 127\.0\.0\.1:\d+, prefix "test:[^"]+"\): Redis is unreachable/);
    await expect(s.load()).rejects.toThrow(/RedisStore\.load failed/);
    await expect(s.claim('e1', 'a1', 1)).rejects.toThrow(/RedisStore\.claim failed/);
    expect(errors.some((e) => /ECONNREFUSED/.test(e.message))).toBe(true);

    await redis.up();
    // ioredis reconnects by itself; the data is gone (no persistence), the store works.
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      try {
        await s.putEntry(entry('e3'));
        ok = true;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(ok).toBe(true);
    expect((await s.load()).entries.map((e) => e.id)).toEqual(['e3']);
  });
});
