/**
 * The Store port: where the ACD's live state is kept and shared.
 *
 * Two implementations pass one contract suite: in-process memory (the
 * default, persisting what must survive a restart under DATA_DIR) and Redis
 * (REDIS_URL), where several server instances share one ACD. The store knows
 * nothing of routing rules; it keeps entries and agents and makes the one
 * decision that must be atomic across instances: an offer.
 */
import type { AgentStatus, QueueEntry } from '../acd/model.js';

export type StoreChange =
  | { kind: 'entry'; entry: QueueEntry }
  | { kind: 'entry-deleted'; id: string }
  | { kind: 'agent'; agent: AgentStatus };

export type ClaimResult =
  | { ok: true; entry: QueueEntry; agent: AgentStatus }
  | { ok: false; reason: 'entry-gone' | 'entry-offered' | 'agent-not-ready' | 'agent-unknown' };

export interface AcdStore {
  /** Everything there is, for an instance starting up. */
  load(): Promise<{ entries: QueueEntry[]; agents: AgentStatus[] }>;
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
  /** Every change, made by this instance or another, in the order the store applied them. */
  onChange(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
}
