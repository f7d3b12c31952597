/**
 * Avalanche messages with REDIS_URL: two instances on one real Redis agree
 * on which messages are on. Switched on by phone (*78, AvalancheStore.toggle)
 * at one, the other plays it to its next caller; switched off at the other,
 * the first stops.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptSet } from '../../media/speech.js';
import { FileAnnouncementStore } from '../../server/calls/announcements.js';
import { AvalancheStore } from '../../server/calls/avalanche.js';
import { loadConfig } from '../../server/config/load.js';
import { RunningConfig } from '../../server/running/running.js';
import { RedisRunningStore } from '../../server/store/running-redis.js';
import { writeToneWav } from '../support/audio.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

const silent = pino({ level: 'silent' });
let redis: RedisServer;
const closers: Array<() => Promise<void>> = [];
const errors: Error[] = [];
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => {
  for (const close of closers) await close();
  await redis?.stop();
});

/** One instance's running configuration and avalanche messages, wired as server/app.ts wires them. */
async function instance(prefix: string, announcements: FileAnnouncementStore): Promise<AvalancheStore> {
  const base = loadConfig({ env: {} });
  base.avalanche = [{ id: '1', services: ['Kundtjänst'], slot: 'lavin-1' }];
  const store = new RedisRunningStore({ url: redis.url, prefix, onError: (err) => errors.push(err) });
  const running = await RunningConfig.open({ base, store, flows: { prompts: loadPromptSet(), dir: path.resolve('ivr-flows') }, logger: silent });
  closers.push(async () => { running.close(); await store.close(); });
  const avalanche = new AvalancheStore(running.current.config.avalanche, announcements,
    async (actor, summary, mutate) => { await running.change(actor, summary, (d) => mutate(d.avalanche)); }, silent);
  running.onChange(({ config }) => avalanche.reconfigure(config.avalanche));
  return avalanche;
}

describe('avalanche messages on two instances sharing Redis', () => {
  it('switched on at one, the other plays it; switched off at the other, neither does', async () => {
    const dir = tempDir('announcements-');
    mkdirSync(dir, { recursive: true });
    writeToneWav(path.join(dir, 'lavin-1.wav'), { hz: 1300, seconds: 1 });
    // The announcements folder is shared between them, as on a shared volume.
    const announcements = new FileAnnouncementStore(dir);
    const prefix = `test:${randomUUID().slice(0, 8)}:`;
    const [a, b] = [await instance(prefix, announcements), await instance(prefix, announcements)];
    const now = Date.now();
    expect(await b.active('Kundtjänst', now)).toEqual([]);

    expect((await a.toggle('1', now, 'phone:Olga'))?.on).toBe(true);
    await waitFor(() => b.get('1')?.on === true, { what: 'the second instance sees the message on' });
    expect(await b.active('Kundtjänst', now + 1)).toEqual([{ id: '1', file: path.join(dir, 'lavin-1.wav') }]);

    expect((await b.toggle('1', now + 2, 'phone:Olga'))?.on).toBe(false);
    await waitFor(() => a.get('1')?.on === false, { what: 'the first instance sees the message off' });
    expect(await a.active('Kundtjänst', now + 3)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
