/**
 * Saved callbacks that cannot be placed (server/acd/startup.ts): one whose
 * queue is no longer configured, and one whose id another already holds
 * (a state file edited by hand). Each is reported once at start, listed in
 * the snapshot for supervisors, never offered, and still on disk after the
 * next write: never dropped without a word, never kept without one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Acd, SimulatedClock, unplaceableForLog, type UnplaceableEntry } from '../../server/acd/index.js';
import type { QueueEntry } from '../../server/acd/model.js';
import { MemoryStore } from '../../server/store/memory.js';
import { agent, queue } from './acd-fixtures.js';

const T0 = 1_700_000_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const callback = (id: string, queueId: string, callbackNumber: string): QueueEntry => ({
  id, queueId, kind: 'callback', enqueuedAt: T0 - 60_000, priority: 0,
  data: { callbackNumber, service: 'Kundtjänst', cardNumber: '4111111111111111' },
});

/** An ACD started on a state file holding `callbacks`, with Anna ready for the support queue. */
async function startOn(callbacks: QueueEntry[]) {
  const dir = mkdtempSync(join(tmpdir(), 'vaxel-unplaceable-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'acd-state.json'), JSON.stringify({ version: 1, savedAt: new Date(T0).toISOString(), callbacks, agents: [] }));
  const reported: UnplaceableEntry[] = [];
  const store = new MemoryStore({ dataDir: dir, debounceMs: 0 });
  const acd = new Acd({
    store, clock: new SimulatedClock(T0), queues: [queue()], agents: [agent('anna')],
    onError: (err) => { throw err; }, onUnplaceable: (u) => reported.push(u),
  });
  await acd.start();
  return { acd, store, reported, file: join(dir, 'acd-state.json') };
}

describe('saved callbacks that cannot be placed', () => {
  it('a callback of a queue no longer configured and a duplicate id: reported at start, in the snapshot, never offered, still on disk', async () => {
    const { acd, store, reported, file } = await startOn([
      callback('cb-1', 'support', '+46701740601'),
      callback('cb-2', 'closed-down', '+46701740602'),
      callback('cb-1', 'support', '+46701740603'),
    ]);
    const expected = [
      { reason: 'unknown-queue', entry: { id: 'cb-2', queueId: 'closed-down', data: { callbackNumber: '+46701740602' } } },
      { reason: 'duplicate-id', entry: { id: 'cb-1', queueId: 'support', data: { callbackNumber: '+46701740603' } } },
    ];
    expect(reported).toMatchObject(expected);
    expect(acd.snapshot().unplaceable).toMatchObject(expected);

    const offered: string[] = [];
    acd.on((e) => { if (e.type === 'offered-to-agent') offered.push(e.entryId); });
    await acd.login('anna');
    expect(offered).toEqual(['cb-1']);
    expect(acd.entry('cb-1')!.data.callbackNumber).toBe('+46701740601');

    // Whatever the next write, the file still holds all three.
    await acd.pause('anna', 'lunch');
    await store.flush();
    const saved = JSON.parse(readFileSync(file, 'utf8')).callbacks as QueueEntry[];
    expect(saved.map((e) => `${e.id} ${e.data.callbackNumber}`).sort()).toEqual(['cb-1 +46701740601', 'cb-1 +46701740603', 'cb-2 +46701740602']);
    await acd.stop();
  });

  it('the log line names the entry, its queue and the number, never the flow\'s variables', async () => {
    const { reported, acd } = await startOn([callback('cb-9', 'gone', '+46701740609')]);
    const line = unplaceableForLog(reported[0]!);
    expect(line).toMatchObject({ reason: 'unknown-queue', entry: { id: 'cb-9', queueId: 'gone', callbackNumber: '+46701740609', service: 'Kundtjänst' } });
    expect(JSON.stringify(line)).not.toContain('4111111111111111');
    await acd.stop();
  });

  it('nothing to report: an empty list', async () => {
    const { acd, reported } = await startOn([callback('cb-1', 'support', '+46701740601')]);
    expect(reported).toEqual([]);
    expect(acd.snapshot().unplaceable).toEqual([]);
    await acd.stop();
  });
});
