/**
 * The running configuration's store on Redis, shared by every instance.
 * Keys under one prefix P (default "vaxel:config:"):
 *
 *   P current    STRING the current version as JSON
 *   P version    STRING its version number
 *   P audit      SORTED SET of audit records (JSON), scored by version
 *   P changes    pub/sub channel: the version number of each commit
 *
 * A commit is one Lua script: it checks the version, writes the version
 * and its audit record and publishes, or does nothing. Every instance
 * subscribes and reads the new version when told; after a reconnect it
 * reads the current version once, so a message missed while the
 * connection was down is not a change missed.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { AuditPage, AuditRecord, StoredVersion } from '../running/model.js';
import type { RunningStore } from '../running/store-port.js';

const COMMIT = `
local v = tonumber(redis.call('GET', KEYS[2]) or '0')
if v ~= tonumber(ARGV[1]) - 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[3])
redis.call('PUBLISH', KEYS[4], ARGV[1])
return 1
`;

export interface RedisRunningStoreOptions {
  url: string;
  /** Default "vaxel:config:". */
  prefix?: string;
  /** Connection trouble and versions that could not be read; default: a line on stderr. */
  onError?: (err: Error) => void;
}

export class RedisRunningStore implements RunningStore {
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly keys: { current: string; version: string; audit: string; channel: string };
  private readonly listeners = new Set<(version: StoredVersion) => void>();
  private readonly onError: (err: Error) => void;
  private readonly where: string;
  private closed = false;

  constructor(opts: RedisRunningStoreOptions) {
    const p = opts.prefix ?? 'vaxel:config:';
    this.keys = { current: `${p}current`, version: `${p}version`, audit: `${p}audit`, channel: `${p}changes` };
    this.onError = opts.onError ?? ((err) => console.warn(`[running-config] ${err.message}`));
    this.where = where(opts.url);
    const base: RedisOptions = { maxRetriesPerRequest: 1, commandTimeout: 5_000 };
    this.redis = new Redis(opts.url, base);
    // Subscribed by us at every 'ready' (below): ioredis's own resubscription leaves its promise unhandled.
    this.sub = new Redis(opts.url, { ...base, autoResubscribe: false });
    for (const conn of [this.redis, this.sub]) {
      conn.on('error', (err: Error) => { if (!this.closed) this.onError(new Error(`running configuration store at ${this.where}: ${err.message}`)); });
    }
    this.sub.on('message', (_channel: string, _version: string) => this.readAndTell());
    // At the first connection and after every reconnect: subscribe, and read once, since a change may have come meanwhile.
    this.sub.on('ready', () => {
      this.sub.subscribe(this.keys.channel).then(() => this.readAndTell(), (err: Error) => {
        if (!this.closed) this.onError(new Error(`running configuration store at ${this.where}: cannot subscribe: ${err.message}`));
      });
    });
  }

  load(): Promise<StoredVersion | undefined> {
    return this.run('load', async () => {
      const json = await this.redis.get(this.keys.current);
      return json === null ? undefined : (JSON.parse(json) as StoredVersion);
    });
  }

  commit(next: StoredVersion, audit: AuditRecord): Promise<boolean> {
    const k = this.keys;
    return this.run('commit', async () => (
      await this.redis.eval(COMMIT, 4, k.current, k.version, k.audit, k.channel, next.version, JSON.stringify(next), JSON.stringify(audit))) === 1);
  }

  onCommitted(listener: (version: StoredVersion) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  auditPage({ before, limit }: { before?: number; limit: number }): Promise<AuditPage> {
    return this.run('auditPage', async () => {
      const max = before === undefined ? '+inf' : `(${before}`;
      const rows = await this.redis.zrevrangebyscore(this.keys.audit, max, '-inf', 'LIMIT', 0, limit + 1);
      const records = rows.slice(0, limit).map((r) => JSON.parse(r) as AuditRecord);
      return rows.length > limit ? { records, next: records.at(-1)!.version } : { records };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await Promise.all([this.redis, this.sub].map((c) => c.quit().catch(() => c.disconnect())));
  }

  /** A failure says which operation, where, and why, without the password of the URL. */
  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new Error(`running configuration ${op} failed (redis ${this.where}): ${(err as Error).message}`);
    }
  }

  private readAndTell(): void {
    if (this.closed || this.listeners.size === 0) return;
    this.load().then((version) => {
      if (!version || this.closed) return;
      for (const l of this.listeners) l(version);
    }, (err: Error) => {
      if (!this.closed) this.onError(new Error(`cannot read the running configuration after a change: ${err.message}`));
    });
  }
}

/** The Redis address without a password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return 'the configured Redis';
  }
}
