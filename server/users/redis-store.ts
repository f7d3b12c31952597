/**
 * The users store on Redis, shared by every instance that uses the same
 * server and prefix. Keys (after the prefix, default `vaxel:`):
 *
 *   users            hash: user name -> StoredUser as JSON
 *   tokens           hash: token id -> StoredToken as JSON
 *   session:<key>    StoredSession as JSON, expiring with the session (PXAT)
 *
 * Adding a user is HSETNX, so two instances making the first admin at once
 * make one; replacing one is a script that writes only when it exists, so a
 * user deleted meanwhile stays deleted.
 */
import { Redis } from 'ioredis';
import { quit } from '../store/redis.js';
import type { StoredSession, StoredToken, StoredUser, UserStore } from './store-port.js';

export interface RedisUserStoreOptions {
  url: string;
  /** Key prefix; default `vaxel:`. */
  prefix?: string;
  /** Connection errors (Redis going away); the store's methods reject meanwhile. */
  onError: (err: Error) => void;
}

const REPLACE_IF_EXISTS = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0`;

export class RedisUserStore implements UserStore {
  private readonly redis: Redis;
  private readonly keys: { users: string; tokens: string; session: string };

  constructor(options: RedisUserStoreOptions) {
    const prefix = options.prefix ?? 'vaxel:';
    this.keys = { users: `${prefix}users`, tokens: `${prefix}tokens`, session: `${prefix}session:` };
    // Fail fast while Redis is down: a sign-in gets an error at once rather than hanging.
    this.redis = new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: 5_000 });
    this.redis.on('error', (err: Error) => options.onError(new Error(`users store connection: ${err.message}`)));
  }

  async listUsers(): Promise<StoredUser[]> {
    return Object.values(await this.redis.hgetall(this.keys.users)).map((json) => JSON.parse(json) as StoredUser);
  }

  async getUser(name: string): Promise<StoredUser | undefined> {
    return parse<StoredUser>(await this.redis.hget(this.keys.users, name));
  }

  async addUser(user: StoredUser): Promise<boolean> {
    return (await this.redis.hsetnx(this.keys.users, user.name, JSON.stringify(user))) === 1;
  }

  async replaceUser(user: StoredUser): Promise<boolean> {
    return (await this.redis.eval(REPLACE_IF_EXISTS, 1, this.keys.users, user.name, JSON.stringify(user))) === 1;
  }

  async deleteUser(name: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.users, name)) === 1;
  }

  async listTokens(): Promise<StoredToken[]> {
    return Object.values(await this.redis.hgetall(this.keys.tokens)).map((json) => JSON.parse(json) as StoredToken);
  }

  async getToken(id: string): Promise<StoredToken | undefined> {
    return parse<StoredToken>(await this.redis.hget(this.keys.tokens, id));
  }

  async addToken(token: StoredToken): Promise<void> {
    await this.redis.hset(this.keys.tokens, token.id, JSON.stringify(token));
  }

  async deleteToken(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.tokens, id)) === 1;
  }

  async putSession(key: string, session: StoredSession): Promise<void> {
    await this.redis.set(this.keys.session + key, JSON.stringify(session), 'PXAT', session.expiresAt);
  }

  async getSession(key: string, now: number): Promise<StoredSession | undefined> {
    const s = parse<StoredSession>(await this.redis.get(this.keys.session + key));
    // Redis expires by its own clock; the caller's clock decides too.
    return s && s.expiresAt > now ? s : undefined;
  }

  async deleteSession(key: string): Promise<void> {
    await this.redis.del(this.keys.session + key);
  }

  async close(): Promise<void> {
    await quit(this.redis);
  }
}

function parse<T>(json: string | null): T | undefined {
  return json === null ? undefined : (JSON.parse(json) as T);
}
