/**
 * The store port: what the ACD needs from wherever its live state is kept
 * and shared. The ACD owns this interface; implementations (server/store:
 * in-process memory, persisting under DATA_DIR, and Redis, where several
 * server instances share one ACD) pass one contract suite.
 *
 * A store knows nothing of routing rules: it keeps entries and agents as
 * they are written and hands back what it kept (a restart's consequences
 * are the ACD's rule, ./restart.ts), and makes the decisions that must be
 * atomic across instances: an offer, and taking away what a dead instance
 * left (instances' heartbeats live here too).
 */
import type { AgentStatus, QueueEntry } from './model.js';

export type StoreChange =
  | { kind: 'entry'; entry: QueueEntry }
  | { kind: 'entry-deleted'; id: string }
  | { kind: 'agent'; agent: AgentStatus };

export type ClaimResult =
  | { ok: true; entry: QueueEntry; agent: AgentStatus }
  | { ok: false; reason: 'entry-gone' | 'entry-offered' | 'agent-not-ready' | 'agent-unknown' };

/** What a store hands an instance starting up. */
export interface LoadedState {
  entries: QueueEntry[];
  agents: AgentStatus[];
  /**
   * Entries the store read but could not keep under their id, another entry
   * holding it (a state file edited by hand): kept aside, never lost.
   */
  duplicates?: QueueEntry[];
}

export interface AcdStore {
  /** Everything there is, for an instance starting up. */
  load(): Promise<LoadedState>;
  putEntry(entry: QueueEntry): Promise<void>;
  deleteEntry(id: string): Promise<void>;
  putAgent(agent: AgentStatus): Promise<void>;
  /**
   * Atomically offers an entry to an agent: only if the entry exists and is
   * not offered, and the agent is ready. Then the entry is marked offered
   * to the agent (offeredTo, offeredAt) and the agent reserved with the
   * entry's id, both in one step, so no agent gets two calls and no call
   * two agents, whichever instance asks.
   */
  claim(entryId: string, agentId: string, at: number): Promise<ClaimResult>;
  /**
   * Whether several instances may use this store at once (Redis). When not
   * (the in-process store), a restart ends every call, and the ACD keeps no
   * heartbeat and looks for no dead instance's calls.
   */
  readonly shared: boolean;
  /**
   * Instance `instanceId` is alive for `ttlMs` from now. Measured by the
   * store's own clock where it has one (Redis: the key's TTL), else from
   * the caller's time `at`.
   */
  heartbeat(instanceId: string, at: number, ttlMs: number): Promise<void>;
  /** The instances whose heartbeat has not lapsed (at `at`, for a store without a clock of its own). */
  liveInstances(at: number): Promise<string[]>;
  /**
   * Takes away an entry its owner left when it died, in one atomic step, and
   * only if `expected.owner` has no live heartbeat and the entry is still
   * exactly `expected`: then it is deleted, or replaced by `replacement`.
   * True when this call did it, so of several instances asking one wins.
   */
  reapEntry(expected: QueueEntry, replacement: QueueEntry | undefined, at: number): Promise<boolean>;
  /**
   * The same for an agent holding calls of dead instances: `replacement` is
   * written only if none of `owners` has a live heartbeat and the agent is
   * still exactly `expected`. True when this call wrote it.
   */
  reapAgent(expected: AgentStatus, replacement: AgentStatus, owners: string[], at: number): Promise<boolean>;
  /** Every change, made by this instance or another, in the order the store applied them. */
  onChange(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
}
