/**
 * The users store contract on Redis (a real redis-server), plus what only
 * Redis has: two instances making the first admin at once make one, and a
 * session started on one instance is valid on another.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisUserStore } from '../../server/users/redis-store.js';
import { Users } from '../../server/users/users.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { userStoreContract } from './user-store-contract.js';

let redis: RedisServer;
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => { await redis?.stop(); });

const errors: Error[] = [];
const open: RedisUserStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  expect(errors.splice(0)).toEqual([]);
});
function store(prefix: string): RedisUserStore {
  const s = new RedisUserStore({ url: redis.url, prefix, onError: (e) => errors.push(e) });
  open.push(s);
  return s;
}
const freshPrefix = (): string => `test:${randomUUID().slice(0, 8)}:`;

userStoreContract('RedisUserStore', async (prefix) => store(prefix), freshPrefix);

describe('RedisUserStore shared by instances', () => {
  it('two instances starting at once make one first admin', async () => {
    const prefix = freshPrefix();
    const [a, b] = [new Users({ store: store(prefix) }), new Users({ store: store(prefix) })];
    const made = await Promise.all([a.ensureFirstAdmin(null), b.ensureFirstAdmin(null)]);
    expect(made.filter((m) => m !== undefined)).toHaveLength(1);
    expect((await a.list()).map((u) => u.name)).toEqual(['admin']);
  });

  it('a session and a token made on one instance hold on another, and a sign-out on one ends it on both', async () => {
    const prefix = freshPrefix();
    const [a, b] = [new Users({ store: store(prefix) }), new Users({ store: store(prefix) })];
    await a.create({ name: 'sam', role: 'supervisor', password: 'sam-password-1' });
    const session = await a.startSession('sam');
    expect(await b.sessionUser(session.secret)).toMatchObject({ name: 'sam', role: 'supervisor' });
    const { secret } = await b.createToken({ name: 'crm', role: 'operator' }, 'sam');
    expect(await a.tokenUser(secret)).toEqual({ name: 'crm', role: 'operator' });
    await b.endSession(session.secret);
    expect(await a.sessionUser(session.secret)).toBeUndefined();
  });

  it('the session key expires in Redis with the session', async () => {
    const prefix = freshPrefix();
    const s = store(prefix);
    await s.putSession('k', { userName: 'sam', createdAt: Date.now(), expiresAt: Date.now() + 60_000 });
    const raw = new Redis(redis.url);
    try {
      const ttl = await raw.pttl(`${prefix}session:k`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      raw.disconnect();
    }
  });
});
