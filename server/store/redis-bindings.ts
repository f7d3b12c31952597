/**
 * The registrar's bindings shared on Redis by every instance (the
 * registrar's SharedBindings, server/sip/registrar.ts). Keys under one
 * prefix P (default "vaxel:registrations"):
 *
 *   P            HASH "<extension> <contact uri>" -> {instance, binding} as JSON
 *   P:changes    pub/sub channel: {field, value} (value null: removed)
 *
 * Each instance keeps a mirror of the hash, read whole at every
 * (re)connection once subscribed, and updated by the messages, so the
 * registrar reads it without waiting. A field is written by the instance
 * that took the REGISTER; a phone that registers again through another
 * instance takes the field over, and the first one's later removal (its
 * copy expiring) leaves it alone.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Binding, SharedBindings } from '../sip/registrar.js';
import { quit } from './redis.js';

interface Stored {
  instance: string;
  binding: Binding;
}

/** Deletes the field only if it still holds a binding of this instance (the phone may have registered through another since). */
const REMOVE_OWN = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v or cjson.decode(v).instance ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], cjson.encode({field = ARGV[1], value = false}))
return 1
`;

/** Deletes the field only if it still holds the value the caller saw expire. */
const EXPIRE = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], cjson.encode({field = ARGV[1], value = false}))
return 1
`;

export interface RedisBindingsOptions {
  url: string;
  /** Default "vaxel:registrations". */
  prefix?: string;
  /** Connection trouble and writes that failed; the mirror keeps what it had meanwhile. */
  onError: (err: Error) => void;
}

export class RedisBindings implements SharedBindings {
  readonly instance = randomUUID();
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly keys: { hash: string; channel: string };
  /** field -> the stored JSON and what it says. */
  private readonly mirror = new Map<string, { json: string; stored: Stored }>();
  private closed = false;

  constructor(private readonly opts: RedisBindingsOptions) {
    const hash = opts.prefix ?? 'vaxel:registrations';
    this.keys = { hash, channel: `${hash}:changes` };
    const base = { maxRetriesPerRequest: 1, commandTimeout: 5_000 };
    this.redis = new Redis(opts.url, base);
    this.sub = new Redis(opts.url, { ...base, autoResubscribe: false });
    for (const conn of [this.redis, this.sub]) conn.on('error', (err: Error) => this.report('connection', err));
    this.sub.on('message', (_channel: string, message: string) => this.applyMessage(message));
  }

  /** Resolves once subscribed and the hash is read; both again after every reconnection. */
  async start(): Promise<void> {
    const sync = async (): Promise<void> => {
      await this.sub.subscribe(this.keys.channel);
      this.replaceMirror(await this.redis.hgetall(this.keys.hash));
    };
    // The commands wait for the first connection (and fail as the connection's retries run out).
    await sync();
    this.sub.on('ready', () => { if (!this.closed) sync().catch((err: unknown) => this.report('reading the bindings', err)); });
  }

  publish(extension: string, uri: string, binding: Binding | undefined): void {
    const field = fieldOf(extension, uri);
    const value = binding && JSON.stringify({ instance: this.instance, binding } satisfies Stored);
    const written = value
      ? this.redis.multi().hset(this.keys.hash, field, value).publish(this.keys.channel, JSON.stringify({ field, value })).exec()
      : this.redis.eval(REMOVE_OWN, 2, this.keys.hash, this.keys.channel, field, this.instance);
    written.catch((err: unknown) => this.report(`publishing ${extension}'s binding`, err));
  }

  others(extension: string): Binding[] {
    const prefix = `${extension} `;
    const out: Binding[] = [];
    for (const [field, { stored }] of this.mirror) {
      if (field.startsWith(prefix) && stored.instance !== this.instance) out.push(stored.binding);
    }
    return out;
  }

  allOthers(): Array<{ extension: string; binding: Binding }> {
    return [...this.mirror].filter(([, { stored }]) => stored.instance !== this.instance)
      .map(([field, { stored }]) => ({ extension: field.slice(0, field.indexOf(' ')), binding: stored.binding }));
  }

  async expire(extension: string, binding: Binding): Promise<boolean> {
    const field = fieldOf(extension, binding.uri);
    const seen = this.mirror.get(field);
    if (!seen || seen.stored.binding.expiresAt !== binding.expiresAt) return false;
    return (await this.redis.eval(EXPIRE, 2, this.keys.hash, this.keys.channel, field, seen.json)) === 1;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([quit(this.redis), quit(this.sub)]);
  }

  private replaceMirror(all: Record<string, string>): void {
    this.mirror.clear();
    for (const [field, json] of Object.entries(all)) this.applyValue(field, json);
  }

  private applyMessage(message: string): void {
    try {
      const { field, value } = JSON.parse(message) as { field: string; value: string | null | false };
      this.applyValue(field, value || null);
    } catch (err) {
      this.report('a change message', err);
    }
  }

  private applyValue(field: string, json: string | null): void {
    if (json === null) {
      this.mirror.delete(field);
      return;
    }
    try {
      this.mirror.set(field, { json, stored: JSON.parse(json) as Stored });
    } catch (err) {
      this.report(`the binding ${field}`, err);
    }
  }

  private report(what: string, err: unknown): void {
    if (this.closed) return;
    this.opts.onError(new Error(`shared registrations: ${what}: ${err instanceof Error ? err.message : String(err)}`));
  }
}

function fieldOf(extension: string, uri: string): string {
  return `${extension} ${uri}`;
}
