/**
 * The running configuration on a real Redis (REDIS_URL): instances on one
 * Redis share it. A change made on one is used by the others; a change
 * made on a version another instance already replaced is a conflict; a
 * restart loads what is stored, not the files.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptSet } from '../../media/speech.js';
import { loadConfig } from '../../server/config/load.js';
import { ConfigConflictError } from '../../server/running/errors.js';
import { RunningConfig } from '../../server/running/running.js';
import type { RunningSnapshot } from '../../server/running/whole.js';
import { RedisRunningStore } from '../../server/store/running-redis.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

const base = loadConfig({ env: {} });
const prompts = loadPromptSet();
let redis: RedisServer;
const errors: Error[] = [];
const opened: Array<{ running: RunningConfig; store: RedisRunningStore }> = [];

beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => { await redis?.stop(); });
afterEach(async () => {
  for (const { running, store } of opened.splice(0)) {
    running.close();
    await store.close();
  }
  expect(errors.splice(0)).toEqual([]);
});

async function instance(prefix: string, flowDir = path.resolve('ivr-flows')): Promise<RunningConfig> {
  const store = new RedisRunningStore({ url: redis.url, prefix, onError: (e) => errors.push(e) });
  const running = await RunningConfig.open({ base, store, flows: { prompts, dir: flowDir }, logger: pino({ level: 'silent' }) });
  opened.push({ running, store });
  return running;
}

const skillOf = (s: RunningSnapshot, ext: string, skill: string) => s.config.extensions.find((e) => e.extension === ext)!.agent!.skills[skill];

describe('instances on one Redis', () => {
  it('a change made on one is used by the other, which tells its parts', async () => {
    const prefix = `test:${randomUUID().slice(0, 8)}:`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    expect(b.current.version).toBe(1);
    const seenByB: number[] = [];
    b.onChange((s) => { seenByB.push(s.version); });

    await a.change('admin', 'Bo learns cards', (d) => { d.extensions.find((e) => e.extension === '1006')!.agent!.skills['kort'] = 4; });
    await waitFor(() => b.current.version === 2, { what: 'version 2 on the second instance' });
    expect(skillOf(b.current, '1006', 'kort')).toBe(4);
    expect(seenByB).toEqual([2]);
    // Both read one audit log.
    expect((await b.auditPage({ limit: 1 })).records[0]).toMatchObject({ version: 2, actor: 'admin', summary: 'Bo learns cards' });
  });

  it('a change on a version another instance replaced is a conflict, and nothing of it is applied', async () => {
    const prefix = `test:${randomUUID().slice(0, 8)}:`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const [first, second] = await Promise.allSettled([
      a.change('anna', 'ten an hour', (d) => { d.dialOut.maxCallsPerHour = 10; }, { expectedVersion: 1 }),
      b.change('bo', 'twenty an hour', (d) => { d.dialOut.maxCallsPerHour = 20; }, { expectedVersion: 1 }),
    ]);
    const outcomes = [first, second].map((r) => r.status);
    expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
    const lost = [first, second].find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(lost.reason).toBeInstanceOf(ConfigConflictError);
    const won = first.status === 'fulfilled' ? 10 : 20;
    await waitFor(() => a.current.version === 2 && b.current.version === 2, { what: 'both instances at version 2' });
    expect(a.current.config.dialOut.maxCallsPerHour).toBe(won);
    expect(b.current.config.dialOut.maxCallsPerHour).toBe(won);
    expect((await a.auditPage({ limit: 10 })).records.map((r) => r.version)).toEqual([2, 1]);
  });

  it('a restart loads the stored version, not the files', async () => {
    const prefix = `test:${randomUUID().slice(0, 8)}:`;
    const a = await instance(prefix);
    await a.change('admin', 'card skill', (d) => { d.extensions.find((e) => e.extension === '1006')!.agent!.skills['kort'] = 2; });
    const again = await instance(prefix, tempDir('no-flows-'));
    expect(again.current.version).toBe(2);
    expect(skillOf(again.current, '1006', 'kort')).toBe(2);
    expect(again.current.flows.flows.size).toBe(6);
  });

  it('two instances starting on an empty Redis seed it once', async () => {
    const prefix = `test:${randomUUID().slice(0, 8)}:`;
    const [a, b] = await Promise.all([instance(prefix), instance(prefix)]);
    expect([a.current.version, b.current.version]).toEqual([1, 1]);
    expect((await a.auditPage({ limit: 10 })).records).toHaveLength(1);
  });
});

// Last: this one stops the server.
describe('when Redis is unreachable', () => {
  it('a change is refused with a message saying where and why, and nothing is applied', async () => {
    const running = await instance(`test:${randomUUID().slice(0, 8)}:`);
    const seen: number[] = [];
    running.onChange((s) => { seen.push(s.version); });
    await redis.down();
    await expect(running.change('admin', 'while down', (d) => { d.dialOut.maxCallsPerHour = 7; }))
      .rejects.toThrow(/^running configuration commit failed \(redis 127\.0\.0\.1:\d+\): /);
    expect(running.current.version).toBe(1);
    expect(running.current.config.dialOut.maxCallsPerHour).not.toBe(7);
    expect(seen).toEqual([]);
    for (const { running: r, store } of opened.splice(0)) {
      r.close();
      await store.close();
    }
    // The connection errors were reported, not thrown.
    const reported = errors.splice(0);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((e) => /running configuration store at 127\.0\.0\.1:\d+/.test(e.message))).toBe(true);
  });
});
