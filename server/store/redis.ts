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
 * The parts a claim decides (offeredTo/offeredAt, state/since/entryId) live in
 * their own hash fields, so the claim script checks and writes plain strings
 * and never re-encodes the JSON (Lua's cjson would round numbers to 14
 * digits). Numbers are stored as JavaScript writes them (String(n)) and read
 * back with Number(), which round-trips exactly.
 *
 * Every write is ONE Lua script (EVALSHA through ioredis defineCommand) that
 * INCRs P seq, appends the message to P log, applies the write and publishes
 * the message, all atomically. A message is JSON: [seq, [record, ...]] with
 * records ["entry", json, offeredTo|false, offeredAt|false],
 * ["agent", json, state, since, entryId|false] and ["entry-deleted", id].
 *
 * Delivery to onChange: each instance feeds both the replies to its own
 * writes and the messages on its subscriber connection into one reorder
 * buffer keyed by seq, and hands changes to listeners strictly in seq order,
 * each seq exactly once (later copies are dropped). A seq that does not show
 * up (the subscriber was disconnected) is read back from P log; one that is
 * no longer in the log is reported through onError and skipped. A write's
 * promise resolves once its own change has been handed to the listeners (or
 * after deliveryTimeoutMs, when Redis went away right after the write).
 *
 * A claim carries a random token stored with the offer: if ioredis resends
 * the script after a reconnect and the first run did apply, the rerun sees
 * its own token and answers ok again instead of "entry-offered".
 *
 * Errors never throw out of an event handler: connection trouble goes to
 * onError, and every method rejects with a message naming the operation, the
 * Redis address and the cause. Reconnecting is ioredis's job.
 *
 * Unlike MemoryStore, load() resets nothing in flight (offers, busy agents,
 * ordinary calls): other instances may be handling them. Taking back what a
 * dead instance left is the ACD's job (its reconcile and takeover timers,
 * and server/acd/instances.ts); the store makes each such removal one
 * script that checks the owner's heartbeat key is gone and the record is
 * as the ACD saw it (the JSON compared as stored: the ACD's copy was
 * decoded from it, so it encodes back to the same string).
 * Standalone Redis only as written: load() reads keys it builds from the
 * prefix, so on a cluster the prefix would need a hash tag ("{acd}:").
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { AgentStatus, QueueEntry } from '../acd/model.js';
import type { AcdStore, ClaimResult, StoreChange } from '../acd/store-port.js';

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

type Nullable = string | false | null;
type WireRecord =
  | ['entry', string, Nullable, Nullable]
  | ['agent', string, string, string, Nullable]
  | ['entry-deleted', string];
type WireMessage = [number, WireRecord[]];

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** Shared Lua: take the next seq, log and publish the message; returns the message. */
const LUA_EMIT = `
local function emit(seqKey, logKey, channel, logMax, records)
  local seq = redis.call('INCR', seqKey)
  local msg = cjson.encode({seq, records})
  redis.call('XADD', logKey, 'MAXLEN', '~', logMax, seq .. '-0', 'm', msg)
  redis.call('PUBLISH', channel, msg)
  return msg
end
local function opt(s)
  if s == nil or s == '' then return false end
  return s
end
`;

/** KEYS: entry hash, entry index, seq, log. ARGV: channel, logMax, id, json, offeredTo, offeredAt. */
const LUA_PUT_ENTRY = `${LUA_EMIT}
local offTo, offAt = opt(ARGV[5]), opt(ARGV[6])
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'entry', ARGV[4], offTo, offAt}})
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[4])
if offTo then redis.call('HSET', KEYS[1], 'offeredTo', offTo) end
if offAt then redis.call('HSET', KEYS[1], 'offeredAt', offAt) end
redis.call('SADD', KEYS[2], ARGV[3])
return msg
`;

/** KEYS: entry hash, entry index, seq, log. ARGV: channel, logMax, id. Returns false when there was nothing to delete. */
const LUA_DELETE_ENTRY = `${LUA_EMIT}
local existed = redis.call('EXISTS', KEYS[1]) == 1
local indexed = redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1
if not existed and not indexed then return false end
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'entry-deleted', ARGV[3]}})
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[3])
return msg
`;

/** KEYS: agent hash, agent index, seq, log. ARGV: channel, logMax, id, json, state, since, entryId. */
const LUA_PUT_AGENT = `${LUA_EMIT}
local entryId = opt(ARGV[7])
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'agent', ARGV[4], ARGV[5], ARGV[6], entryId}})
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[4], 'state', ARGV[5], 'since', ARGV[6])
if entryId then redis.call('HSET', KEYS[1], 'entryId', entryId) end
redis.call('SADD', KEYS[2], ARGV[3])
return msg
`;

/**
 * KEYS: entry hash, agent hash, seq, log. ARGV: channel, logMax, entryId, agentId, at, token.
 * Returns {'ok', msg}, {'no', reason} or {'replay', msg} (the same token ran
 * before: ioredis resent the command after a reconnect; nothing is changed).
 */
const LUA_CLAIM = `${LUA_EMIT}
local e = redis.call('HMGET', KEYS[1], 'json', 'offeredTo', 'offeredAt', 'claim')
if not e[1] then return {'no', 'entry-gone'} end
if e[2] then
  if e[4] == ARGV[6] then
    local a = redis.call('HMGET', KEYS[2], 'json', 'state', 'since', 'entryId')
    return {'replay', cjson.encode({0, {{'entry', e[1], e[2], e[3] or false}, {'agent', a[1], a[2], a[3], a[4] or false}}})}
  end
  return {'no', 'entry-offered'}
end
local a = redis.call('HMGET', KEYS[2], 'json', 'state')
if not a[1] then return {'no', 'agent-unknown'} end
if a[2] ~= 'ready' then return {'no', 'agent-not-ready'} end
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2],
  {{'entry', e[1], ARGV[4], ARGV[5]}, {'agent', a[1], 'reserved', ARGV[5], ARGV[3]}})
redis.call('HSET', KEYS[1], 'offeredTo', ARGV[4], 'offeredAt', ARGV[5], 'claim', ARGV[6])
redis.call('HSET', KEYS[2], 'state', 'reserved', 'since', ARGV[5], 'entryId', ARGV[3])
return {'ok', msg}
`;

/**
 * KEYS: entry index, agent index, seq. ARGV: prefix.
 * Returns [seq, nEntries, (id, json, offeredTo, offeredAt)*, nAgents, (id, json, state, since, entryId)*].
 * Reads the per-object hashes by name (P entry:<id>), which standalone Redis
 * allows; on a cluster the prefix needs a hash tag, e.g. "{acd}:".
 */
const LUA_LOAD = `
local out = {redis.call('GET', KEYS[3]) or '0'}
local ids = redis.call('SMEMBERS', KEYS[1])
out[#out + 1] = #ids
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[1] .. 'entry:' .. id, 'json', 'offeredTo', 'offeredAt')
  out[#out + 1] = id
  out[#out + 1] = h[1]
  out[#out + 1] = h[2]
  out[#out + 1] = h[3]
end
ids = redis.call('SMEMBERS', KEYS[2])
out[#out + 1] = #ids
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[1] .. 'agent:' .. id, 'json', 'state', 'since', 'entryId')
  out[#out + 1] = id
  out[#out + 1] = h[1]
  out[#out + 1] = h[2]
  out[#out + 1] = h[3]
  out[#out + 1] = h[4]
end
return out
`;

/**
 * KEYS: entry hash, entry index, seq, log, owner's heartbeat. ARGV: channel,
 * logMax, id, expected json, offeredTo, offeredAt, replacement json ('' =
 * delete), its offeredTo, its offeredAt. Returns the message, or false when
 * the owner is alive or the entry is not as expected.
 */
const LUA_REAP_ENTRY = `${LUA_EMIT}
if redis.call('EXISTS', KEYS[5]) == 1 then return false end
local e = redis.call('HMGET', KEYS[1], 'json', 'offeredTo', 'offeredAt')
if e[1] ~= ARGV[4] or (e[2] or '') ~= ARGV[5] or (e[3] or '') ~= ARGV[6] then return false end
local msg
redis.call('DEL', KEYS[1])
if ARGV[7] == '' then
  msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'entry-deleted', ARGV[3]}})
  redis.call('SREM', KEYS[2], ARGV[3])
else
  local offTo, offAt = opt(ARGV[8]), opt(ARGV[9])
  msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'entry', ARGV[7], offTo, offAt}})
  redis.call('HSET', KEYS[1], 'json', ARGV[7])
  if offTo then redis.call('HSET', KEYS[1], 'offeredTo', offTo) end
  if offAt then redis.call('HSET', KEYS[1], 'offeredAt', offAt) end
end
return msg
`;

/**
 * KEYS: agent hash, agent index, seq, log. ARGV: channel, logMax, id,
 * expected json, state, since, entryId, replacement json, state, since,
 * entryId, instance key prefix, then the owners. Returns the message, or
 * false when an owner is alive or the agent is not as expected.
 */
const LUA_REAP_AGENT = `${LUA_EMIT}
for i = 13, #ARGV do
  if redis.call('EXISTS', ARGV[12] .. ARGV[i]) == 1 then return false end
end
local a = redis.call('HMGET', KEYS[1], 'json', 'state', 'since', 'entryId')
if a[1] ~= ARGV[4] or a[2] ~= ARGV[5] or a[3] ~= ARGV[6] or (a[4] or '') ~= ARGV[7] then return false end
local entryId = opt(ARGV[11])
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'agent', ARGV[8], ARGV[9], ARGV[10], entryId}})
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[8], 'state', ARGV[9], 'since', ARGV[10])
if entryId then redis.call('HSET', KEYS[1], 'entryId', entryId) end
return msg
`;

/** KEYS: instance index. ARGV: instance key prefix. The ids whose key is there; the others leave the index. */
const LUA_LIVE = `
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then live[#live + 1] = id
  else redis.call('SREM', KEYS[1], id) end
end
return live
`;

const SCRIPTS = {
  acdPutEntry: { numberOfKeys: 4, lua: LUA_PUT_ENTRY },
  acdDeleteEntry: { numberOfKeys: 4, lua: LUA_DELETE_ENTRY },
  acdPutAgent: { numberOfKeys: 4, lua: LUA_PUT_AGENT },
  acdClaim: { numberOfKeys: 4, lua: LUA_CLAIM },
  acdLoad: { numberOfKeys: 3, lua: LUA_LOAD },
  acdReapEntry: { numberOfKeys: 5, lua: LUA_REAP_ENTRY },
  acdReapAgent: { numberOfKeys: 4, lua: LUA_REAP_AGENT },
  acdLive: { numberOfKeys: 1, lua: LUA_LIVE },
} as const;
type ScriptName = keyof typeof SCRIPTS;

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

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function checkId(what: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new Error(`${what} must be a non-empty string`);
  return id;
}

function num(s: string | number): number {
  return typeof s === 'number' ? s : Number(s);
}

function decodeEntry(json: string, offeredTo: Nullable | undefined, offeredAt: Nullable | undefined): QueueEntry {
  const entry = JSON.parse(json) as QueueEntry;
  delete entry.offeredTo;
  delete entry.offeredAt;
  if (offeredTo) entry.offeredTo = offeredTo;
  if (offeredAt) entry.offeredAt = num(offeredAt);
  return entry;
}

function decodeAgent(json: string, state: string, since: string, entryId: Nullable | undefined): AgentStatus {
  const agent = JSON.parse(json) as AgentStatus;
  agent.state = state as AgentStatus['state'];
  agent.since = num(since);
  delete agent.entryId;
  if (entryId) agent.entryId = entryId;
  return agent;
}

function decodeRecord(r: WireRecord): StoreChange {
  switch (r[0]) {
    case 'entry': return { kind: 'entry', entry: decodeEntry(r[1], r[2], r[3]) };
    case 'agent': return { kind: 'agent', agent: decodeAgent(r[1], r[2], r[3], r[4]) };
    case 'entry-deleted': return { kind: 'entry-deleted', id: r[1] };
    default: throw new Error(`unknown change record ${JSON.stringify(r)}`);
  }
}

function decodeMessage(msg: string): { seq: number; changes: StoreChange[] } {
  const parsed = JSON.parse(msg) as WireMessage;
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'number' || !Array.isArray(parsed[1])) {
    throw new Error(`malformed change message ${msg.slice(0, 200)}`);
  }
  return { seq: parsed[0], changes: parsed[1].map(decodeRecord) };
}

function entryJson(entry: QueueEntry): string {
  const { offeredTo: _t, offeredAt: _a, ...rest } = entry;
  return JSON.stringify(rest);
}

function agentJson(agent: AgentStatus): string {
  const { state: _s, since: _n, entryId: _e, ...rest } = agent;
  return JSON.stringify(rest);
}

function numberArg(what: string, n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${what} must be a finite number, got ${String(n)}`);
  return String(n);
}

export class RedisStore implements AcdStore {
  readonly shared = true;
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly onError: (err: Error) => void;
  private readonly logMaxLen: number;
  private readonly gapFillMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly keys: { entries: string; agents: string; seq: string; log: string; channel: string; instances: string; instance: string };
  private readonly listeners = new Set<(change: StoreChange) => void>();

  private ready?: Promise<void>;
  private initialized = false;
  private closed = false;
  private closing?: Promise<void>;
  /** Highest seq handed to listeners. */
  private delivered = 0;
  private readonly pending = new Map<number, StoreChange[]>();
  private readonly waiters = new Set<{ seq: number; done: () => void; timer: NodeJS.Timeout }>();
  private gapTimer?: NodeJS.Timeout;
  private filling = false;
  private lastConnectionError?: string;
  private readonly counters = { fromLog: 0, lost: 0 };

  constructor(options: RedisStoreOptions = {}) {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string') throw new Error('RedisStore: prefix must be a string');
    if (options.redis?.keyPrefix) throw new Error('RedisStore: use the `prefix` option, not ioredis keyPrefix');
    this.prefix = prefix;
    this.onError = options.onError ?? defaultOnError();
    this.logMaxLen = options.logMaxLen ?? 100_000;
    this.gapFillMs = options.gapFillMs ?? 100;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 2_000;
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
    this.sub = options.url ? new Redis(options.url, base) : new Redis(base);
    for (const [name, def] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, def);

    for (const [role, conn] of [['command', this.redis], ['subscriber', this.sub]] as const) {
      conn.on('error', (err: Error) => {
        this.lastConnectionError = err.message;
        if (!this.closed) this.report(new Error(`RedisStore ${role} connection to ${this.where()}: ${err.message}`));
      });
    }
    this.redis.on('ready', () => { this.lastConnectionError = undefined; });
    this.sub.on('message', (channel: string, message: string) => {
      if (channel !== this.keys.channel) return;
      try {
        const { seq, changes } = decodeMessage(message);
        this.accept(seq, changes);
      } catch (err) {
        this.report(new Error(`RedisStore: bad message on ${channel}: ${toError(err).message}`));
      }
    });
    this.sub.on('ready', () => {
      this.lastConnectionError = undefined;
      if (!this.initialized || this.closed) return;
      // ioredis resubscribes right after emitting 'ready'; a PING queued behind
      // that SUBSCRIBE answers once the subscription is live again. Then read
      // from the log whatever was published while we were away.
      setImmediate(() => {
        this.sub.ping()
          .then(() => this.catchUp())
          .catch((err) => this.report(new Error(`RedisStore: catching up after reconnect failed: ${toError(err).message}`)));
      });
    });
    // Start connecting and subscribing now; a failure here is reported on first use.
    this.ensureReady().catch(() => { /* surfaces on the next call */ });
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
    await this.ingestOwn(msg as string);
  }

  async deleteEntry(id: string): Promise<void> {
    checkId('RedisStore.deleteEntry: id', id);
    const msg = await this.run('deleteEntry', () =>
      this.script('acdDeleteEntry')(this.entryKey(id), this.keys.entries, this.keys.seq, this.keys.log,
        this.keys.channel, this.logMaxLen, id));
    if (msg) await this.ingestOwn(msg as string);
  }

  async putAgent(agent: AgentStatus): Promise<void> {
    const id = checkId('RedisStore.putAgent: agent.id', agent?.id);
    checkId('RedisStore.putAgent: agent.state', agent.state);
    const since = numberArg('RedisStore.putAgent: agent.since', agent.since);
    const msg = await this.run('putAgent', () =>
      this.script('acdPutAgent')(this.agentKey(id), this.keys.agents, this.keys.seq, this.keys.log,
        this.keys.channel, this.logMaxLen, id, agentJson(agent), agent.state, since, agent.entryId ?? ''));
    await this.ingestOwn(msg as string);
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
    if (status === 'ok') await this.ingestOwn(payload);
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
    await this.ingestOwn(msg as string);
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
    await this.ingestOwn(msg as string);
    return true;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
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
    return { delivered: this.delivered, pending: this.pending.size, ...this.counters };
  }

  // ---------------------------------------------------------------- internals

  private async doClose(): Promise<void> {
    this.closed = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    for (const w of this.waiters) { clearTimeout(w.timer); w.done(); }
    this.waiters.clear();
    this.listeners.clear();
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
      await this.ensureReady();
      return await fn();
    } catch (err) {
      if (this.closed) throw new Error(`RedisStore.${op}: the store was closed`, { cause: err });
      throw this.fail(op, err);
    }
  }

  /** Subscribed, and the seq to deliver from is known. */
  private ensureReady(): Promise<void> {
    this.ready ??= (async () => {
      await this.sub.subscribe(this.keys.channel);
      const seq = Number((await this.redis.get(this.keys.seq)) ?? 0);
      if (!this.initialized) {
        this.initialized = true;
        this.delivered = seq;
        for (const s of [...this.pending.keys()]) if (s <= seq) this.pending.delete(s);
        this.drain();
      }
    })().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  /** A reply to our own write: deliver it (in order) and wait until it was delivered. */
  private async ingestOwn(msg: string): Promise<void> {
    const { seq, changes } = decodeMessage(msg);
    this.accept(seq, changes);
    await this.whenDelivered(seq);
  }

  private accept(seq: number, changes: StoreChange[]): void {
    if (this.closed || (this.initialized && seq <= this.delivered) || this.pending.has(seq)) return;
    this.pending.set(seq, changes);
    this.drain();
  }

  private drain(): void {
    if (!this.initialized || this.closed) return;
    while (this.pending.has(this.delivered + 1)) {
      const seq = this.delivered + 1;
      const changes = this.pending.get(seq)!;
      this.pending.delete(seq);
      this.delivered = seq;
      for (const change of changes) {
        for (const listener of [...this.listeners]) {
          try {
            listener(change);
          } catch (err) {
            this.report(new Error(`RedisStore: an onChange listener threw: ${toError(err).message}`));
          }
        }
      }
    }
    for (const w of this.waiters) {
      if (w.seq <= this.delivered) { clearTimeout(w.timer); this.waiters.delete(w); w.done(); }
    }
    if (this.pending.size === 0) {
      if (this.gapTimer) clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    } else if (!this.gapTimer) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined;
        void this.fillGap();
      }, this.gapFillMs);
      this.gapTimer.unref();
    }
  }

  private whenDelivered(seq: number): Promise<void> {
    if (this.closed || seq <= this.delivered) return Promise.resolve();
    return new Promise((resolve) => {
      const w = {
        seq,
        done: resolve,
        timer: setTimeout(() => { this.waiters.delete(w); resolve(); }, this.deliveryTimeoutMs),
      };
      w.timer.unref();
      this.waiters.add(w);
    });
  }

  /** Reads log entries from..to (inclusive; '+' = to the end) and accepts them. */
  private async readLog(from: number, to: number | '+'): Promise<void> {
    let start = `${from}-0`;
    for (;;) {
      const end = to === '+' ? '+' : `${to}-0`;
      const rows = await this.redis.xrange(this.keys.log, start, end, 'COUNT', 1000);
      for (const [, fields] of rows) {
        const i = fields.indexOf('m');
        if (i < 0 || i + 1 >= fields.length) continue;
        try {
          const { seq, changes } = decodeMessage(fields[i + 1]!);
          if (seq > this.delivered && !this.pending.has(seq)) this.counters.fromLog += 1;
          this.accept(seq, changes);
        } catch (err) {
          this.report(new Error(`RedisStore: bad log entry: ${toError(err).message}`));
        }
      }
      if (rows.length < 1000) return;
      const lastId = rows[rows.length - 1]![0];
      start = `(${lastId}`;
    }
  }

  /** Some seq below a pending one did not arrive: read it from the log, or give up on it. */
  private async fillGap(): Promise<void> {
    if (this.filling || this.closed || this.pending.size === 0) return;
    this.filling = true;
    try {
      const firstPending = Math.min(...this.pending.keys());
      if (firstPending > this.delivered + 1) await this.readLog(this.delivered + 1, firstPending - 1);
      if (this.pending.size > 0 && !this.pending.has(this.delivered + 1)) {
        // Everything below firstPending was applied (and logged) before it, so
        // what the log does not have now is gone for good (trimmed).
        const lowest = Math.min(...this.pending.keys());
        this.report(new Error(
          `RedisStore: changes ${this.delivered + 1}..${lowest - 1} are no longer in ${this.keys.log}; `
          + 'listeners missed them (reload to resynchronise)'));
        this.counters.lost += lowest - 1 - this.delivered;
        this.delivered = lowest - 1;
      }
      this.drain();
    } catch (err) {
      this.report(new Error(`RedisStore: reading missed changes from ${this.keys.log} failed: ${toError(err).message}`));
      if (!this.closed && this.pending.size > 0 && !this.gapTimer) {
        this.gapTimer = setTimeout(() => { this.gapTimer = undefined; void this.fillGap(); }, Math.max(this.gapFillMs, 500));
        this.gapTimer.unref();
      }
    } finally {
      this.filling = false;
    }
  }

  /** After a reconnect: deliver whatever was applied while we were not listening. */
  private async catchUp(): Promise<void> {
    if (this.closed || !this.initialized) return;
    const current = Number((await this.redis.get(this.keys.seq)) ?? 0);
    if (current < this.delivered) {
      this.report(new Error(
        `RedisStore: ${this.keys.seq} went back from ${this.delivered} to ${current} (Redis lost its data?); `
        + 'delivering changes from there on'));
      this.delivered = 0;
      for (const s of [...this.pending.keys()]) if (s > current) this.pending.delete(s);
    }
    if (current > this.delivered) await this.readLog(this.delivered + 1, '+');
    this.drain();
  }
}

async function quit(conn: Redis): Promise<void> {
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
