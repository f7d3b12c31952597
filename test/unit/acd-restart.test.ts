/**
 * A restart on the in-process store: the calls in flight ended with the
 * process that wrote the state, callbacks keep their place, agents are
 * freed. The rule is the ACD's; the store hands back what was written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentStatus, QueueEntry } from '../../server/acd/model.js';
import { MemoryStore } from '../../server/store/memory.js';
import { SECOND, agent, centre } from './acd-fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;
const entry = (id: string, over: Partial<QueueEntry> = {}): QueueEntry => ({
  id, queueId: 'support', kind: 'call', enqueuedAt: T0 - 60 * SECOND, priority: 0, data: {}, ...over,
});
const status = (id: string, over: Partial<AgentStatus> = {}): AgentStatus => ({
  id, state: 'ready', since: T0 - 600 * SECOND, idleSince: T0 - 600 * SECOND, missedInRow: 0, ...over,
});

/** A store holding what a previous process of the engine left in it. */
async function leftBehind(entries: QueueEntry[], agents: AgentStatus[], shared = false): Promise<MemoryStore> {
  const store = new MemoryStore({ shared });
  for (const e of entries) await store.putEntry(e);
  for (const a of agents) await store.putAgent(a);
  return store;
}

describe('a restart of the in-process store ends what was in flight', () => {
  it('a callback being offered comes back waiting at its old place; its agent, ready again, is offered it anew', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vaxel-restart-'));
    dirs.push(dir);
    const first = await centre({ agents: [agent('anna')], store: new MemoryStore({ dataDir: dir }) });
    const t0 = first.clock.now();
    await first.acd.enqueue(first.call('c1'));
    await first.acd.requestCallback('c1', { callback: '+46701740605' });
    await first.acd.login('anna');
    expect(first.offers()).toEqual([['c1', 'anna']]);
    await first.acd.stop();
    await (first.store as MemoryStore).flush(); // the process dies here

    const second = await centre({ agents: [agent('anna')], store: new MemoryStore({ dataDir: dir }), clock: first.clock });
    expect(second.offers()).toEqual([['c1', 'anna']]);
    expect(second.acd.entry('c1')).toMatchObject({ kind: 'callback', enqueuedAt: t0, offeredTo: 'anna', offeredAt: second.clock.now() });
    expect(second.acd.entry('c1')!.owner).toBeUndefined();
  });

  it('a callback being dialled goes back in line; the pause its agent asked for during the call begins', async () => {
    const store = await leftBehind(
      [entry('cb', { kind: 'callback', offeredTo: 'anna', offeredAt: T0 - 30 * SECOND, answeredAt: T0 - 20 * SECOND, owner: 'old' })],
      [status('anna', { state: 'busy', since: T0 - 20 * SECOND, entryId: 'cb', next: { state: 'paused', reason: 'lunch' } })],
    );
    const c = await centre({ agents: [agent('anna')], store });
    expect(c.acd.agent('anna')).toMatchObject({ state: 'paused', pauseReason: 'lunch' });
    expect(c.acd.agent('anna')!.entryId).toBeUndefined();
    expect(c.acd.entry('cb')).toEqual(entry('cb', { kind: 'callback' }));
    expect(c.acd.positionOf('cb')).toBe(1);
  });

  it('ordinary calls leave the line unreported; agents on them or on other calls are ready', async () => {
    const store = await leftBehind(
      [
        entry('answered', { offeredTo: 'anna', offeredAt: T0 - 50 * SECOND, answeredAt: T0 - 45 * SECOND, owner: 'old' }),
        entry('ringing', { offeredTo: 'bo', offeredAt: T0 - 5 * SECOND, owner: 'old' }),
        entry('waiting', { owner: 'old' }),
      ],
      [
        status('anna', { state: 'busy', since: T0 - 45 * SECOND, entryId: 'answered' }),
        status('bo', { state: 'reserved', since: T0 - 5 * SECOND, entryId: 'ringing' }),
        status('cecilia', { state: 'busy', since: T0 - 5 * SECOND, otherCalls: ['direct'], otherCallOwners: { direct: 'old' } }),
      ],
    );
    const c = await centre({ agents: [agent('anna'), agent('bo'), agent('cecilia')], store });
    expect(c.acd.snapshot().queues[0]!.entries).toEqual([]);
    expect(c.events).toEqual([]);
    const now = c.clock.now();
    expect(c.acd.agent('anna')).toMatchObject({ state: 'ready', idleSince: now });
    // bo's offer was taken back through no fault of his: as idle as before
    expect(c.acd.agent('bo')).toMatchObject({ state: 'ready', idleSince: T0 - 600 * SECOND });
    expect(c.acd.agent('cecilia')).toMatchObject({ state: 'ready' });
    expect(c.acd.agent('cecilia')!.otherCalls).toBeUndefined();
    // and the store was told
    const { agents, entries } = await store.load();
    expect(entries).toEqual([]);
    expect(agents.map((a) => a.state)).toEqual(['ready', 'ready', 'ready']);
  });

  it('on a shared store nothing is reset at start: a live instance may be handling it', async () => {
    const store = await leftBehind(
      [entry('ringing', { offeredTo: 'bo', offeredAt: T0 - 5 * SECOND, owner: 'other' })],
      [status('bo', { state: 'reserved', since: T0 - 5 * SECOND, entryId: 'ringing' })],
      true,
    );
    await store.heartbeat('other', T0, 60 * SECOND);
    const c = await centre({ agents: [agent('bo')], store });
    expect(c.acd.entry('ringing')).toMatchObject({ offeredTo: 'bo', owner: 'other' });
    expect(c.acd.agent('bo')).toMatchObject({ state: 'reserved', entryId: 'ringing' });
    await c.acd.stop();
  });
});
