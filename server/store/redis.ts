/**
 * The Store port over Redis (ioredis): several server instances share one ACD.
 *
 * Key layout, every key under one prefix P (default "vaxel:acd:"):
 *
 *   P entries          SET of entry ids
 *   P agents           SET of agent ids
 *   P entry:<id>       HASH json (the entry without its offer), offeredTo?, offeredAt?, claim? (token)
 *   P agent:<id>       HASH json (the status without state/since/entryId), state, since, entryId?
 *   P seq              STRING, INCR'd once per applied change: the apply order
 *   P log              STREAM of recent changes, id "<seq>-0", field m = the message (capped, MAXLEN ~)
 *   P changes          pub/sub channel; every change is published as the same message
 *   P instances        SET of instance ids that have beaten (pruned as their heartbeats lapse)
 *   P instance:<id>    STRING, an instance's heartbeat: alive while the key lives (PX ttl, Redis's clock)
 *
 * Every write is one atomic Lua script (./redis-scripts.ts) that also takes
 * the next seq, logs and publishes the change (the message format:
 * ./redis-codec.ts); every instance's listeners get every change in seq
 * order (./redis-feed.ts).
 *
 * A claim carries a random token stored with the offer: if ioredis resends
 * the script after a reconnect and the first run did apply, the rerun sees
 * its own token and answers ok again instead of "entry-offered".
 *
 * Errors never throw out of an event handler: connection trouble goes to
 * onError, and every method rejects with a message naming the operation, the
 * Redis address and the cause. Reconnecting is ioredis's job.
 *
 * load() hands back what is there and resets nothing in flight (offers,
 * busy agents, ordinary calls): other instances may be handling them.
 * Taking back what a dead instance left is the ACD's job
 * (server/acd/instances.ts); the store makes each such removal one script
 * that checks the owner's heartbeat key is gone and the record is as the
 * ACD saw it (the JSON compared as stored: the ACD's copy was decoded from
 * it, so it encodes back to the same string).
 * Standalone Redis only as written: load() reads keys it builds from the
 * prefix, so on a cluster the prefix would need a hash tag ("{acd}:").
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { AgentStatus, QueueEntry } from '../acd/model.js';
import type { AcdStore, ClaimResult, StoreChange } from '../acd/store-port.js';
import { agentJson, decodeAgent, decodeEntry, decodeMessage, entryJson, numberArg } from './redis-codec.js';
import { ChangeFeed, toError } from './redis-feed.js';
import { SCRIPTS, type ScriptFn, type ScriptName } from './redis-scripts.js';

export interface RedisStoreOptions {
  /** redis://[:password@]host:port[/db]; combined with `redis` when both are given. */
  url?: string;
  /** ioredis options (host, port, password, db, tls, ...). `keyPrefix` is not supported: use `prefix`. */
  redis?: RedisOptions;
  /** Prefix of every key and of the channel, e.g. "vaxel:acd:" (the default). */
  prefix?: string;
  /** Connection errors and delivery problems; default: one line on stderr per distinct error. */
  onError?: (err: Error) => void;
  /** How many recent changes P log keeps for instances that missed pub/sub messages (approximate). Default 100,000. */
  logMaxLen?: number;
  /** How long a missing seq may be outstanding before it is read from the log. Default 100 ms. */
  gapFillMs?: number;
  /** Longest a write waits for its own change to be delivered to listeners. Default 2,000 ms. */
  deliveryTimeoutMs?: number;
}

export const DEFAULT_PREFIX = 'vaxel:acd:';

function defaultOnError(): (err: Error) => void {
  let last = '';
  let lastAt = 0;
  return (err) => {
    const now = Date.now();
    if (err.message === last && now - lastAt < 30_000) return;
    last = err.message;
    lastAt = now;
    console.warn(`[redis-store] ${err.message}`);
  };
}

function checkId(what: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new Error(`${what} must be a non-empty string`);
  return id;
}

export class RedisStore implements AcdStore {
  readonly shared = true;
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly onError: (err: Error) => void;
  private readonly logMaxLen: number;
  private readonly keys: { entries: string; agents: string; seq: string; log: string; channel: string; instances: string; instance: string };
  private readonly feed: ChangeFeed;
  private closed = false;
  private closing?: Promise<void>;
  private lastConnectionError?: string;

  constructor(options: RedisStoreOptions = {}) {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string') throw new Error('RedisStore: prefix must be a string');
    if (options.redis?.keyPrefix) throw new Error('RedisStore: use the `prefix` option, not ioredis keyPrefix');
    this.prefix = prefix;
    this.onError = options.onError ?? defaultOnError();
    this.logMaxLen = options.logMaxLen ?? 100_000;
    this.keys = {
      entries: `${prefix}entries`,
      agents: `${prefix}agents`,
      seq: `${prefix}seq`,
      log: `${prefix}log`,
      channel: `${prefix}changes`,
      instances: `${prefix}instances`,
      instance: `${prefix}instance:`,
    };
    const base: RedisOptions = {
      // A command waits through one failed reconnect attempt, then rejects:
      // callers learn quickly that Redis is down instead of hanging.
      maxRetriesPerRequest: 1,
      commandTimeout: 5_000,
      ...options.redis,
    };
    this.redis = options.url ? new Redis(options.url, base) : new Redis(base);
    // The feed subscribes again itself after a reconnect (./redis-feed.ts): ioredis's own resubscription
    // leaves its promise unhandled, so a connection closing meanwhile would be an unhandled rejection.
    const subscriber = { ...base, autoResubscribe: false };
    this.sub = options.url ? new Redis(options.url, subscriber) : new Redis(subscriber);
    for (const [name, def] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, def);

    for (const [role, conn] of [['command', this.redis], ['subscriber', this.sub]] as const) {
      conn.on('error', (err: Error) => {
        this.lastConnectionError = err.message;
        if (!this.closed) this.report(new Error(`RedisStore ${role} connection to ${this.where()}: ${err.message}`));
      });
    }
    this.redis.on('ready', () => { this.lastConnectionError = undefined; });
    this.sub.on('ready', () => { this.lastConnectionError = undefined; });
    this.feed = new ChangeFeed({
      redis: this.redis,
      sub: this.sub,
      keys: this.keys,
      gapFillMs: options.gapFillMs ?? 100,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 2_000,
      report: (err) => this.report(err),
    });
    // Start connecting and subscribing now; a failure here is reported on first use.
    this.feed.start().catch(() => { /* surfaces on the next call */ });
  }

  // ---------------------------------------------------------------- AcdStore

  async load(): Promise<{ entries: QueueEntry[]; agents: AgentStatus[] }> {
    return this.run('load', async () => {
      const k = this.keys;
      const out = (await this.script('acdLoad')(k.entries, k.agents, k.seq, this.prefix)) as (string | number | null)[];
      let i = 1;
      const entries: QueueEntry[] = [];
      const nEntries = Number(out[i++]);
      for (let n = 0; n < nEntries; n++) {
        const [, json, offTo, offAt] = out.slice(i, i + 4) as (string | null)[];
        i += 4;
        if (json) entries.push(decodeEntry(json, offTo, offAt));
      }
      const agents: AgentStatus[] = [];
      const nAgents = Number(out[i++]);
      for (let n = 0; n < nAgents; n++) {
        const [, json, state, since, entryId] = out.slice(i, i + 5) as (string | null)[];
        i += 5;
        if (json && state && since !== null) agents.push(decodeAgent(json, state, since, entryId));
      }
      return { entries, agents };
    });
  }

  async putEntry(entry: QueueEntry): Promise<void> {
    const id = checkId('RedisStore.putEntry: entry.id', entry?.id);
    const offeredAt = entry.offeredAt === undefined ? '' : numberArg('RedisStore.putEntry: entry.offeredAt', entry.offeredAt);
    const offeredTo = entry.offeredTo ?? '';
    const msg = await this.run('putEntry', () =>
      this.script('acdPutEntry')(this.entryKey(id), this.keys.entries, this.keys.seq, this.keys.log,
        this.keys.channel, this.logMaxLen, id, entryJson(entry), offeredTo, offeredAt));
    await this.feed.ingestOwn(msg as string);
  }

  async deleteEntry(id: string): Promise<void> {
    checkId('RedisStore.deleteEntry: id', id);
    const msg = await this.run('deleteEntry', () =>
      this.script('acdDeleteEntry')(this.entryKey(id), this.keys.entries, this.keys.seq, this.keys.log,
        this.keys.channel, this.logMaxLen, id));
    if (msg) await this.feed.ingestOwn(msg as string);
  }

  async putAgent(agent: AgentStatus): Promise<void> {
    const id = checkId('RedisStore.putAgent: agent.id', agent?.id);
    checkId('RedisStore.putAgent: agent.state', agent.state);
    const since = numberArg('RedisStore.putAgent: agent.since', agent.since);
    const msg = await this.run('putAgent', () =>
      this.script('acdPutAgent')(this.agentKey(id), this.keys.agents, this.keys.seq, this.keys.log,
        this.keys.channel, this.logMaxLen, id, agentJson(agent), agent.state, since, agent.entryId ?? ''));
    await this.feed.ingestOwn(msg as string);
  }

  async claim(entryId: string, agentId: string, at: number): Promise<ClaimResult> {
    checkId('RedisStore.claim: entryId', entryId);
    checkId('RedisStore.claim: agentId', agentId);
    const atArg = numberArg('RedisStore.claim: at', at);
    const token = randomUUID();
    const reply = (await this.run('claim', () =>
      this.script('acdClaim')(this.entryKey(entryId), this.agentKey(agentId), this.keys.seq, this.keys.log,
        this.keys.channel, this.logMaxLen, entryId, agentId, atArg, token))) as [string, string];
    const [status, payload] = reply;
    if (status === 'no') return { ok: false, reason: payload as Extract<ClaimResult, { ok: false }>['reason'] };
    if (status === 'ok') await this.feed.ingestOwn(payload);
    // Decoded again: the caller gets its own objects, not the ones the listeners got.
    const { changes } = decodeMessage(payload);
    const entry = changes.find((c) => c.kind === 'entry');
    const agent = changes.find((c) => c.kind === 'agent');
    if (entry?.kind !== 'entry' || agent?.kind !== 'agent') throw new Error(`RedisStore.claim: unexpected reply ${payload}`);
    return { ok: true, entry: entry.entry, agent: agent.agent };
  }

  async heartbeat(instanceId: string, _at: number, ttlMs: number): Promise<void> {
    const id = checkId('RedisStore.heartbeat: instanceId', instanceId);
    const ttl = Math.max(1, Math.ceil(Number(numberArg('RedisStore.heartbeat: ttlMs', ttlMs))));
    await this.run('heartbeat', async () => {
      const replies = await this.redis.multi().set(this.keys.instance + id, '1', 'PX', ttl).sadd(this.keys.instances, id).exec();
      const failed = replies?.find(([err]) => err);
      if (failed) throw failed[0];
    });
  }

  async liveInstances(_at: number): Promise<string[]> {
    return this.run('liveInstances', async () =>
      (await this.script('acdLive')(this.keys.instances, this.keys.instance)) as string[]);
  }

  async reapEntry(expected: QueueEntry, replacement: QueueEntry | undefined, _at: number): Promise<boolean> {
    const id = checkId('RedisStore.reapEntry: expected.id', expected?.id);
    const owner = checkId('RedisStore.reapEntry: expected.owner', expected.owner);
    if (replacement && replacement.id !== id) throw new Error(`RedisStore.reapEntry: the replacement of ${id} has id ${replacement.id}`);
    const offerArgs = (e: QueueEntry | undefined): [string, string] => [
      e?.offeredTo ?? '',
      e?.offeredAt === undefined ? '' : numberArg('RedisStore.reapEntry: offeredAt', e.offeredAt),
    ];
    const msg = await this.run('reapEntry', () =>
      this.script('acdReapEntry')(this.entryKey(id), this.keys.entries, this.keys.seq, this.keys.log, this.keys.instance + owner,
        this.keys.channel, this.logMaxLen, id, entryJson(expected), ...offerArgs(expected),
        replacement ? entryJson(replacement) : '', ...offerArgs(replacement)));
    if (!msg) return false;
    await this.feed.ingestOwn(msg as string);
    return true;
  }

  async reapAgent(expected: AgentStatus, replacement: AgentStatus, owners: string[], _at: number): Promise<boolean> {
    const id = checkId('RedisStore.reapAgent: expected.id', expected?.id);
    if (replacement?.id !== id) throw new Error(`RedisStore.reapAgent: the replacement of ${id} has id ${replacement?.id}`);
    const fields = (a: AgentStatus): string[] => [
      agentJson(a), checkId('RedisStore.reapAgent: state', a.state), numberArg('RedisStore.reapAgent: since', a.since), a.entryId ?? '',
    ];
    const msg = await this.run('reapAgent', () =>
      this.script('acdReapAgent')(this.agentKey(id), this.keys.agents, this.keys.seq, this.keys.log,
        this.keys.channel, this.logMaxLen, id, ...fields(expected), ...fields(replacement), this.keys.instance,
        ...owners.map((o) => checkId('RedisStore.reapAgent: owner', o))));
    if (!msg) return false;
    await this.feed.ingestOwn(msg as string);
    return true;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    return this.feed.onChange(listener);
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /**
   * Delivery bookkeeping: the last seq handed to listeners, how many changes
   * had to be read back from the log (missed on pub/sub) and how many were
   * lost for good (trimmed from the log before they could be read).
   */
  stats(): { delivered: number; pending: number; fromLog: number; lost: number } {
    return this.feed.stats();
  }

  // ---------------------------------------------------------------- internals

  private async doClose(): Promise<void> {
    this.closed = true;
    this.feed.close();
    await Promise.all([quit(this.redis), quit(this.sub)]);
  }

  private where(): string {
    const o = this.redis.options;
    return o.path ? o.path : `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
  }

  private report(err: Error): void {
    try { this.onError(err); } catch { /* an error handler must not take us down */ }
  }

  private script(name: ScriptName): ScriptFn {
    return (this.redis as unknown as Record<ScriptName, ScriptFn>)[name].bind(this.redis);
  }

  private entryKey(id: string): string { return `${this.prefix}entry:${id}`; }
  private agentKey(id: string): string { return `${this.prefix}agent:${id}`; }

  private fail(op: string, err: unknown): Error {
    const e = toError(err);
    let why = e.message;
    if (/max retries per request|Connection is closed|ECONNREFUSED|ETIMEDOUT|ENOTFOUND/i.test(why)) {
      why = `Redis is unreachable (${this.lastConnectionError ?? why})`;
    }
    return new Error(`RedisStore.${op} failed (redis ${this.where()}, prefix "${this.prefix}"): ${why}`, { cause: e });
  }

  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error(`RedisStore.${op}: the store is closed`);
    try {
      await this.feed.start();
      return await fn();
    } catch (err) {
      if (this.closed) throw new Error(`RedisStore.${op}: the store was closed`, { cause: err });
      throw this.fail(op, err);
    }
  }
}

/** Closes a connection politely when it is up, at once otherwise; never hangs longer than a second. */
export async function quit(conn: Redis): Promise<void> {
  if (conn.status === 'end') return;
  if (conn.status !== 'ready') {
    conn.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      conn.quit(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('quit timed out')), 1_000); }),
    ]);
  } catch {
    conn.disconnect();
  } finally {
    if (timer) clearTimeout(timer);
  }
}
