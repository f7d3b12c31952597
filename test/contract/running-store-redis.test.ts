/**
 * The running configuration store contract on Redis, against a real
 * redis-server: each place is a fresh key prefix.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRunningStore } from '../../server/store/running-redis.js';
import type { StoredVersion } from '../../server/running/model.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { waitFor } from '../support/wait.js';
import { audit, runningStoreContract, version } from './running-store-contract.js';

let redis: RedisServer;
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => { await redis?.stop(); });

const errors: Error[] = [];
const place = (prefix: string) => () => new RedisRunningStore({ url: redis.url, prefix, onError: (e) => errors.push(e) });

runningStoreContract('RedisRunningStore', async () => place(`test:${randomUUID().slice(0, 8)}:`));

describe('RedisRunningStore between instances', () => {
  it('another instance is told of each commit, not the committer', async () => {
    const at = place(`test:${randomUUID().slice(0, 8)}:`);
    const [a, b] = [at(), at()];
    try {
      const seenByB: StoredVersion[] = [];
      b.onCommitted((v) => seenByB.push(v));
      await b.load();
      await a.commit(version(1), audit(1));
      await waitFor(() => seenByB.some((v) => v.version === 1), { what: 'version 1 at the other instance' });
      await a.commit(version(2), audit(2));
      await waitFor(() => seenByB.some((v) => v.version === 2), { what: 'version 2 at the other instance' });
      expect(seenByB.at(-1)).toEqual(version(2));
      expect(errors).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
