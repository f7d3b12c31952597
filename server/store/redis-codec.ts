/**
 * The Redis store's codec: records as they are kept in Redis and as change
 * messages travel (P log and the pub/sub channel).
 *
 * A message is JSON: [seq, [record, ...]] with records
 * ["entry", json, offeredTo|false, offeredAt|false],
 * ["agent", json, state, since, entryId|false] and ["entry-deleted", id].
 * An entry's JSON leaves out its offer, an agent's its state, since and
 * entryId: those are hash fields of their own (./redis-scripts.ts).
 * Numbers are stored as JavaScript writes them (String(n)) and read back
 * with Number(), which round-trips exactly.
 */
import type { AgentStatus, QueueEntry } from '../acd/model.js';
import type { StoreChange } from '../acd/store-port.js';

export type Nullable = string | false | null;
type WireRecord =
  | ['entry', string, Nullable, Nullable]
  | ['agent', string, string, string, Nullable]
  | ['entry-deleted', string];
type WireMessage = [number, WireRecord[]];

function num(s: string | number): number {
  return typeof s === 'number' ? s : Number(s);
}

export function decodeEntry(json: string, offeredTo: Nullable | undefined, offeredAt: Nullable | undefined): QueueEntry {
  const entry = JSON.parse(json) as QueueEntry;
  delete entry.offeredTo;
  delete entry.offeredAt;
  if (offeredTo) entry.offeredTo = offeredTo;
  if (offeredAt) entry.offeredAt = num(offeredAt);
  return entry;
}

export function decodeAgent(json: string, state: string, since: string, entryId: Nullable | undefined): AgentStatus {
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

export function decodeMessage(msg: string): { seq: number; changes: StoreChange[] } {
  const parsed = JSON.parse(msg) as WireMessage;
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'number' || !Array.isArray(parsed[1])) {
    throw new Error(`malformed change message ${msg.slice(0, 200)}`);
  }
  return { seq: parsed[0], changes: parsed[1].map(decodeRecord) };
}

export function entryJson(entry: QueueEntry): string {
  const { offeredTo: _t, offeredAt: _a, ...rest } = entry;
  return JSON.stringify(rest);
}

export function agentJson(agent: AgentStatus): string {
  const { state: _s, since: _n, entryId: _e, ...rest } = agent;
  return JSON.stringify(rest);
}

export function numberArg(what: string, n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${what} must be a finite number, got ${String(n)}`);
  return String(n);
}
