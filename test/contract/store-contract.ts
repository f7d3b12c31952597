/**
 * The Store port's contract: one suite that every AcdStore implementation
 * passes (memory, Redis). Call it from a test file with a factory that
 * returns a fresh, empty, isolated store each time:
 *
 *   storeContract('MemoryStore', async () => new MemoryStore({ dataDir: tempDir('store-') }));
 *
 * Stores the factory made are closed after each test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentStatus, QueueEntry } from '../../server/acd/model.js';
import type { AcdStore, ClaimResult, StoreChange } from '../../server/acd/store-port.js';

export type StoreFactory = () => Promise<AcdStore>;

export function entry(id: string, over: Partial<QueueEntry> = {}): QueueEntry {
  return {
    id,
    queueId: 'q-support',
    kind: 'call',
    enqueuedAt: 1_000,
    priority: 0,
    data: { caller: '+46701234567', service: 'support' },
    ...over,
  };
}

export function agent(id: string, over: Partial<AgentStatus> = {}): AgentStatus {
  return { id, state: 'ready', since: 500, idleSince: 500, missedInRow: 0, ...over };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 50));

function byId<T extends { id: string }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A compact, comparable form of a change. */
export function describeChange(c: StoreChange): string {
  switch (c.kind) {
    case 'entry': return `entry ${c.entry.id}${c.entry.offeredTo ? `>${c.entry.offeredTo}` : ''}`;
    case 'entry-deleted': return `deleted ${c.id}`;
    case 'agent': return `agent ${c.agent.id} ${c.agent.state}${c.agent.entryId ? ` ${c.agent.entryId}` : ''}`;
  }
}

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`AcdStore contract: ${name}`, () => {
    const open: AcdStore[] = [];
    async function make(): Promise<AcdStore> {
      const s = await factory();
      open.push(s);
      return s;
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    describe('load, put, delete', () => {
      it('a fresh store is empty', async () => {
        const s = await make();
        expect(await s.load()).toEqual({ entries: [], agents: [] });
      });

      it('load returns what was put', async () => {
        const s = await make();
        const entries = [
          entry('e1'),
          entry('e2', { kind: 'callback', enqueuedAt: 12.5, priority: 3, personalAgentId: 'a2' }),
          entry('e3', { queueId: 'q-sales', data: {} }),
        ];
        const agents = [agent('a1'), agent('a2', { state: 'paused', pauseReason: 'lunch', missedInRow: 2 })];
        for (const e of entries) await s.putEntry(e);
        for (const a of agents) await s.putAgent(a);
        const loaded = await s.load();
        expect(byId(loaded.entries)).toEqual(entries);
        expect(byId(loaded.agents)).toEqual(agents);
      });

      it('keeps every field exactly: unicode and quotes in data, fractional times, optional fields', async () => {
        const s = await make();
        const e = entry('e-\u00e5\u00e4\u00f6 "x"', {
          enqueuedAt: 1_700_000_000_123.456,
          priority: 7,
          data: { caller: '+46 70 "quoted" \\ back', name: 'Bj\u00f6rk \u{1F4DE}', empty: '', json: '{"a":[1,2]}' },
          offeredTo: 'a1',
          offeredAt: 1_700_000_000_999.125,
        });
        const a = agent('a1', { state: 'busy', since: 0.1 + 0.2, idleSince: 1e-7, entryId: e.id, missedInRow: 0, next: { state: 'paused', reason: 'meeting' } });
        const cb = entry('cb1', { kind: 'callback', attempts: 2, notBefore: 9_000, answeredAt: 8_000.5 });
        const w = agent('a2', { state: 'wrap-up', wrapUpUntil: 12_345.678 });
        await s.putEntry(e);
        await s.putEntry(cb);
        await s.putAgent(a);
        await s.putAgent(w);
        const loaded = await s.load();
        expect(byId(loaded.entries)).toEqual(byId([e, cb]));
        expect(byId(loaded.agents)).toEqual([a, w]);
      });

      it('putEntry and putAgent replace, deleteEntry removes', async () => {
        const s = await make();
        await s.putEntry(entry('e1'));
        await s.putEntry(entry('e2'));
        await s.putEntry(entry('e1', { priority: 5, offeredTo: 'a1', offeredAt: 2_000 }));
        await s.putEntry(entry('e1', { priority: 6 }));
        await s.putAgent(agent('a1', { state: 'reserved', entryId: 'e1', pauseReason: 'x' }));
        await s.putAgent(agent('a1', { state: 'ready', since: 3_000 }));
        await s.deleteEntry('e2');
        const loaded = await s.load();
        expect(loaded.entries).toEqual([entry('e1', { priority: 6 })]);
        expect(loaded.agents).toEqual([agent('a1', { state: 'ready', since: 3_000 })]);
      });

      it('deleting an entry that is not there is harmless', async () => {
        const s = await make();
        await s.putEntry(entry('e1'));
        await expect(s.deleteEntry('nope')).resolves.toBeUndefined();
        await s.deleteEntry('e1');
        await expect(s.deleteEntry('e1')).resolves.toBeUndefined();
        expect((await s.load()).entries).toEqual([]);
      });
    });

    describe('claim', () => {
      it('offers a waiting entry to a ready agent and marks both', async () => {
        const s = await make();
        await s.putEntry(entry('e1'));
        await s.putAgent(agent('a1'));
        const r = await s.claim('e1', 'a1', 5_000.5);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.entry).toEqual(entry('e1', { offeredTo: 'a1', offeredAt: 5_000.5 }));
        expect(r.agent).toMatchObject({ id: 'a1', state: 'reserved', entryId: 'e1', idleSince: 500, missedInRow: 0 });
        const loaded = await s.load();
        expect(loaded.entries).toEqual([r.entry]);
        expect(loaded.agents).toEqual([r.agent]);
      });

      it('a second claim for the same entry or the same agent fails with the right reason', async () => {
        const s = await make();
        await s.putEntry(entry('e1'));
        await s.putEntry(entry('e2'));
        await s.putAgent(agent('a1'));
        await s.putAgent(agent('a2'));
        expect((await s.claim('e1', 'a1', 5_000)).ok).toBe(true);
        expect(await s.claim('e1', 'a2', 5_001)).toEqual({ ok: false, reason: 'entry-offered' });
        expect(await s.claim('e1', 'a1', 5_001)).toEqual({ ok: false, reason: 'entry-offered' });
        expect(await s.claim('e2', 'a1', 5_001)).toEqual({ ok: false, reason: 'agent-not-ready' });
        // The failures changed nothing.
        const loaded = await s.load();
        expect(byId(loaded.entries)).toEqual([entry('e1', { offeredTo: 'a1', offeredAt: 5_000 }), entry('e2')]);
        expect(byId(loaded.agents).map((a) => [a.id, a.state, a.entryId])).toEqual([['a1', 'reserved', 'e1'], ['a2', 'ready', undefined]]);
        // The other pair still works.
        expect((await s.claim('e2', 'a2', 5_002)).ok).toBe(true);
      });

      it('fails for a missing entry, an unknown agent and agents that are not ready', async () => {
        const s = await make();
        await s.putEntry(entry('e1'));
        await s.putAgent(agent('a1'));
        expect(await s.claim('nope', 'a1', 1)).toEqual({ ok: false, reason: 'entry-gone' });
        expect(await s.claim('e1', 'nobody', 1)).toEqual({ ok: false, reason: 'agent-unknown' });
        for (const state of ['logged-out', 'reserved', 'busy', 'wrap-up', 'paused'] as const) {
          await s.putAgent(agent('a1', { state }));
          expect(await s.claim('e1', 'a1', 1)).toEqual({ ok: false, reason: 'agent-not-ready' });
        }
        await s.deleteEntry('e1');
        await s.putAgent(agent('a1'));
        expect(await s.claim('e1', 'a1', 1)).toEqual({ ok: false, reason: 'entry-gone' });
        const loaded = await s.load();
        expect(loaded).toEqual({ entries: [], agents: [agent('a1')] });
      });

      it('an agent on calls that did not come from the ACD (busy, no entry) is not claimable, and their calls are kept as they are', async () => {
        const s = await make();
        await s.putEntry(entry('e1'));
        const onCalls = agent('a1', { state: 'busy', since: 700, otherCalls: ['direct-\u00e5 "1"', 'transfer-2'] });
        await s.putAgent(onCalls);
        expect(await s.claim('e1', 'a1', 800)).toEqual({ ok: false, reason: 'agent-not-ready' });
        expect((await s.load()).agents).toEqual([onCalls]);
        // The last call over, the ACD writes them ready: claimable again.
        await s.putAgent(agent('a1', { since: 900, idleSince: 900 }));
        expect(await s.claim('e1', 'a1', 1_000)).toMatchObject({ ok: true, agent: { id: 'a1', state: 'reserved', entryId: 'e1' } });
      });

      it('an entry put back without its offer and an agent made ready again can be claimed again', async () => {
        const s = await make();
        await s.putEntry(entry('e1'));
        await s.putAgent(agent('a1'));
        await s.putAgent(agent('a2'));
        expect((await s.claim('e1', 'a1', 10)).ok).toBe(true);
        // The offer was not answered: the ACD takes it back.
        await s.putEntry(entry('e1'));
        await s.putAgent(agent('a1', { missedInRow: 1, since: 20 }));
        const r = await s.claim('e1', 'a2', 30);
        expect(r).toMatchObject({ ok: true, entry: { id: 'e1', offeredTo: 'a2', offeredAt: 30 }, agent: { id: 'a2', state: 'reserved', entryId: 'e1' } });
        expect((await s.claim('e1', 'a1', 31))).toEqual({ ok: false, reason: 'entry-offered' });
      });

      it('an entry already carrying an offer when put is not claimable', async () => {
        const s = await make();
        await s.putEntry(entry('e1', { offeredTo: 'a9', offeredAt: 1 }));
        await s.putAgent(agent('a1'));
        expect(await s.claim('e1', 'a1', 2)).toEqual({ ok: false, reason: 'entry-offered' });
      });

      it('50 claims for 5 entries and 5 agents fired at once: every entry gets exactly one agent and every agent one entry', async () => {
        const s = await make();
        const changes: StoreChange[] = [];
        for (let i = 0; i < 5; i++) {
          await s.putEntry(entry(`e${i}`, { enqueuedAt: 1_000 + i }));
          await s.putAgent(agent(`a${i}`));
        }
        s.onChange((c) => changes.push(c));
        // Every (entry, agent) pair twice, in an interleaved order.
        const pairs = Array.from({ length: 50 }, (_, i) => [`e${i % 5}`, `a${Math.floor(i / 5) % 5}`] as const);
        const results = await Promise.all(pairs.map(([e, a], i) => s.claim(e, a, 10_000 + i)));
        const wins = results.filter((r): r is Extract<ClaimResult, { ok: true }> => r.ok);
        const reasons = new Set(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason)));
        expect([...reasons].every((r) => r === 'entry-offered' || r === 'agent-not-ready')).toBe(true);
        // All 25 pairs were tried, so any entry and agent still free would have been paired.
        expect(wins).toHaveLength(5);
        expect(new Set(wins.map((w) => w.entry.id)).size).toBe(5);
        expect(new Set(wins.map((w) => w.agent.id)).size).toBe(5);
        for (const w of wins) {
          expect(w.entry.offeredTo).toBe(w.agent.id);
          expect(w.agent.entryId).toBe(w.entry.id);
        }
        const loaded = await s.load();
        const offeredTo = new Map(loaded.entries.map((e) => [e.id, e.offeredTo]));
        const holds = new Map(loaded.agents.map((a) => [a.id, [a.state, a.entryId]]));
        for (const w of wins) {
          expect(offeredTo.get(w.entry.id)).toBe(w.agent.id);
          expect(holds.get(w.agent.id)).toEqual(['reserved', w.entry.id]);
        }
        await waitFor(() => changes.length >= 10, '10 changes from 5 claims');
        await settle();
        expect(changes).toHaveLength(10);
      });

      it('many claims at once over more entries than agents never give an agent two entries or an entry two agents', async () => {
        const s = await make();
        const E = 30;
        const A = 12;
        for (let i = 0; i < E; i++) await s.putEntry(entry(`e${i}`));
        for (let i = 0; i < A; i++) await s.putAgent(agent(`a${i}`));
        const claims: Promise<ClaimResult>[] = [];
        for (let round = 0; round < 2; round++) {
          for (let e = 0; e < E; e++) for (let a = 0; a < A; a++) claims.push(s.claim(`e${(e * 7 + round) % E}`, `a${(a * 5 + e) % A}`, e * A + a));
        }
        const wins = (await Promise.all(claims)).filter((r): r is Extract<ClaimResult, { ok: true }> => r.ok);
        expect(wins).toHaveLength(A);
        expect(new Set(wins.map((w) => w.entry.id)).size).toBe(A);
        expect(new Set(wins.map((w) => w.agent.id)).size).toBe(A);
        const loaded = await s.load();
        const offered = loaded.entries.filter((e) => e.offeredTo);
        expect(offered).toHaveLength(A);
        expect(new Set(offered.map((e) => e.offeredTo)).size).toBe(A);
        expect(loaded.agents.every((a) => a.state === 'reserved')).toBe(true);
        expect(new Set(loaded.agents.map((a) => a.entryId)).size).toBe(A);
      });
    });

    describe('instances and what dead ones leave', () => {
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

      it('a heartbeat keeps an instance alive for its time to live, then it is gone', async () => {
        const s = await make();
        expect(await s.liveInstances(Date.now())).toEqual([]);
        await s.heartbeat('steady', Date.now(), 60_000);
        await s.heartbeat('fading', Date.now(), 200);
        expect((await s.liveInstances(Date.now())).sort()).toEqual(['fading', 'steady']);
        await sleep(350);
        expect(await s.liveInstances(Date.now())).toEqual(['steady']);
        // A new beat brings it back.
        await s.heartbeat('fading', Date.now(), 60_000);
        expect((await s.liveInstances(Date.now())).sort()).toEqual(['fading', 'steady']);
      });

      it("a dead instance's entry is taken away once, by whichever of several asking at once is first", async () => {
        const s = await make();
        const seen: string[] = [];
        s.onChange((c) => seen.push(describeChange(c)));
        const ringing = entry('e1', { owner: 'gone', offeredTo: 'a1', offeredAt: 5_000.5 });
        await s.putEntry(ringing);
        await s.putEntry(entry('e2', { owner: 'gone' }));
        const results = await Promise.all(Array.from({ length: 5 }, () => s.reapEntry(ringing, undefined, Date.now())));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await s.load()).entries).toEqual([entry('e2', { owner: 'gone' })]);
        await waitFor(() => seen.length >= 3, '3 changes');
        await settle();
        expect(seen).toEqual(['entry e1>a1', 'entry e2', 'deleted e1']);
      });

      it("a live instance's entry, or one that changed since it was read, is left alone", async () => {
        const s = await make();
        await s.heartbeat('alive', Date.now(), 60_000);
        const live = entry('e1', { owner: 'alive' });
        const dead = entry('e2', { owner: 'gone', priority: 1 });
        await s.putEntry(live);
        await s.putEntry(dead);
        expect(await s.reapEntry(live, undefined, Date.now())).toBe(false);
        expect(await s.reapEntry({ ...dead, priority: 0 }, undefined, Date.now())).toBe(false);
        expect(await s.reapEntry({ ...dead, offeredTo: 'a1', offeredAt: 1 }, undefined, Date.now())).toBe(false);
        expect(await s.reapEntry(entry('e3', { owner: 'gone' }), undefined, Date.now())).toBe(false);
        expect(byId((await s.load()).entries)).toEqual([live, dead]);
        await expect(s.reapEntry(entry('e1'), undefined, Date.now())).rejects.toThrow(/owner/);
      });

      it("a dead instance's entry can be replaced instead (a callback back in line)", async () => {
        const s = await make();
        const dialling = entry('cb1', { kind: 'callback', owner: 'gone', offeredTo: 'a1', offeredAt: 10, answeredAt: 20, attempts: 1 });
        const back = entry('cb1', { kind: 'callback', attempts: 1 });
        await s.putEntry(dialling);
        const results = await Promise.all([s.reapEntry(dialling, back, Date.now()), s.reapEntry(dialling, back, Date.now())]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await s.load()).entries).toEqual([back]);
        // Back in line, it can be offered again.
        await s.putAgent(agent('a2'));
        expect((await s.claim('cb1', 'a2', 30)).ok).toBe(true);
      });

      it("an agent's calls held by dead instances are taken away once, and only while those instances stay dead", async () => {
        const s = await make();
        await s.heartbeat('alive', Date.now(), 60_000);
        const onCalls = agent('a1', {
          state: 'busy', since: 700, otherCalls: ['x', 'y'], otherCallOwners: { x: 'gone', y: 'alive' },
        });
        const without = agent('a1', { state: 'busy', since: 700, otherCalls: ['y'], otherCallOwners: { y: 'alive' } });
        await s.putAgent(onCalls);
        expect(await s.reapAgent(onCalls, without, ['alive'], Date.now())).toBe(false);
        expect(await s.reapAgent({ ...onCalls, since: 1 }, without, ['gone'], Date.now())).toBe(false);
        expect((await s.load()).agents).toEqual([onCalls]);
        const results = await Promise.all(Array.from({ length: 3 }, () => s.reapAgent(onCalls, without, ['gone'], Date.now())));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await s.load()).agents).toEqual([without]);
      });
    });

    describe('onChange', () => {
      it('sees each change once, in order', async () => {
        const s = await make();
        const seen: string[] = [];
        s.onChange((c) => seen.push(describeChange(c)));
        await s.putEntry(entry('e1'));
        await s.putAgent(agent('a1'));
        await s.putEntry(entry('e2'));
        const r = await s.claim('e1', 'a1', 100);
        expect(r.ok).toBe(true);
        await s.claim('e2', 'a1', 101); // fails: no change
        await s.putAgent(agent('a1', { state: 'busy', entryId: 'e1' }));
        await s.deleteEntry('e1');
        await s.putEntry(entry('e2', { priority: 1 }));
        await waitFor(() => seen.length >= 8, '8 changes');
        await settle();
        expect(seen.slice(0, 3)).toEqual(['entry e1', 'agent a1 ready', 'entry e2']);
        // The claim's two changes, in whichever order the store applies them.
        expect([...seen.slice(3, 5)].sort()).toEqual(['agent a1 reserved e1', 'entry e1>a1']);
        expect(seen.slice(5)).toEqual(['agent a1 busy e1', 'deleted e1', 'entry e2']);
      });

      it('changes carry the full records', async () => {
        const s = await make();
        const changes: StoreChange[] = [];
        s.onChange((c) => changes.push(c));
        const e = entry('e1', { kind: 'callback', enqueuedAt: 42.25, data: { caller: '\u00e5' } });
        await s.putEntry(e);
        await s.putAgent(agent('a1', { idleSince: 7 }));
        await s.claim('e1', 'a1', 99);
        await waitFor(() => changes.length >= 4, '4 changes');
        expect(changes[0]).toEqual({ kind: 'entry', entry: e });
        expect(changes[1]).toEqual({ kind: 'agent', agent: agent('a1', { idleSince: 7 }) });
        const rest = changes.slice(2);
        expect(rest).toContainEqual({ kind: 'entry', entry: { ...e, offeredTo: 'a1', offeredAt: 99 } });
        const agentChange = rest.find((c) => c.kind === 'agent');
        expect(agentChange).toMatchObject({ kind: 'agent', agent: { id: 'a1', state: 'reserved', entryId: 'e1', idleSince: 7 } });
      });

      it('every listener gets every change; unsubscribing stops delivery; a throwing listener does not stop the others', async () => {
        const s = await make();
        const one: string[] = [];
        const two: string[] = [];
        const offOne = s.onChange((c) => one.push(describeChange(c)));
        s.onChange(() => { throw new Error('listener bug'); });
        s.onChange((c) => two.push(describeChange(c)));
        await s.putEntry(entry('e1')).catch(() => { /* a store may pass a listener's error on; the change still happened */ });
        await waitFor(() => one.length === 1 && two.length === 1, 'both listeners');
        offOne();
        await s.putEntry(entry('e2')).catch(() => {});
        await waitFor(() => two.length === 2, 'second change');
        await settle();
        expect(one).toEqual(['entry e1']);
        expect(two).toEqual(['entry e1', 'entry e2']);
      });

      it('concurrent writes are seen in one consistent order that matches the final state', async () => {
        const s = await make();
        const last = new Map<string, number>();
        s.onChange((c) => { if (c.kind === 'entry') last.set(c.entry.id, c.entry.priority); });
        const writes: Promise<void>[] = [];
        for (let p = 0; p < 20; p++) for (let i = 0; i < 5; i++) writes.push(s.putEntry(entry(`e${i}`, { priority: p })));
        await Promise.all(writes);
        await waitFor(() => [...last.values()].length === 5, 'all entries');
        await settle();
        const loaded = await s.load();
        for (const e of loaded.entries) expect(last.get(e.id)).toBe(e.priority);
      });
    });
  });
}
