/**
 * What the engine shows of itself: the line of each queue in order, the
 * agents' states, and the estimated wait (./ewt.ts) from the queue's
 * recent handling times.
 */
import type { Phase } from './eligibility.js';
import { DEFAULT_HANDLE_SECONDS, RecentHandleTimes, estimateWaitSeconds } from './ewt.js';
import type { AgentStatus, QueueEntry } from './model.js';
import type { RoutingIndex } from './routing-index.js';
import type { UnplaceableEntry } from './startup.js';

export interface SnapshotEntry extends QueueEntry {
  /** How long it has waited (from its enqueue time, also for callbacks). */
  waitMs: number;
  /** Where it is in the widening (./eligibility.ts). */
  phase: Phase['kind'];
  /** The routing step, when phase is 'step'. */
  step?: number;
}

export interface QueueSnapshot {
  id: string;
  name: string;
  /** In line (waiting or being offered, not answered), in the order they will be served. */
  entries: SnapshotEntry[];
  /** Of those, not being offered. */
  waiting: number;
  /** Members logged in and not paused. */
  staffed: number;
  /** Members ready. */
  free: number;
  estimatedWaitSeconds: number;
}

export interface AcdSnapshot {
  at: number;
  queues: QueueSnapshot[];
  /** Every configured agent, by id. */
  agents: AgentStatus[];
  /** Entries that cannot be placed (a queue no longer configured, an id taken twice): kept, never offered (./startup.ts). */
  unplaceable: UnplaceableEntry[];
}

export class Views {
  private readonly handleTimes = new Map<string, RecentHandleTimes>();

  constructor(private readonly index: RoutingIndex) {}

  /** A call of the queue occupied its agent this long (talk and wrap-up). */
  handled(queueId: string, seconds: number): void {
    this.handleTimesOf(queueId).add(seconds);
  }

  /** Made on first use: a queue may be added while running (Acd.reconfigure). */
  private handleTimesOf(queueId: string): RecentHandleTimes {
    let times = this.handleTimes.get(queueId);
    if (!times) this.handleTimes.set(queueId, (times = new RecentHandleTimes()));
    return times;
  }

  /**
   * Estimated wait in seconds for a new caller of the queue, or for an entry
   * already in line (from its place); Infinity when nobody staffs the queue.
   */
  estimatedWaitSeconds(queueId: string, entryId?: string): number {
    const q = this.index.queues.get(queueId)!.config;
    const { staffed, free } = this.index.staffing(queueId);
    let ahead: number;
    let available = free;
    if (entryId !== undefined) {
      ahead = (this.index.positionOf(entryId) ?? 1) - 1;
      available = 0; // still in line with agents free: none of them may take it yet
    } else {
      ahead = this.index.waitingCount(queueId);
      if (ahead > 0) available = 0;
    }
    const handleSeconds = this.handleTimesOf(queueId).mean() ?? q.defaultHandleSeconds ?? DEFAULT_HANDLE_SECONDS;
    return estimateWaitSeconds({ ahead, staffed, free: available, handleSeconds });
  }

  snapshot(at: number, unplaceable: UnplaceableEntry[]): AcdSnapshot {
    const queues: QueueSnapshot[] = [];
    for (const [id, q] of this.index.queues) {
      const entries = this.index.lineOf(id).map((e): SnapshotEntry => {
        const phase = this.index.phaseOf(e.id)?.phase ?? { kind: 'none' };
        return phase.kind === 'step'
          ? { ...e, waitMs: at - e.enqueuedAt, phase: 'step', step: phase.step }
          : { ...e, waitMs: at - e.enqueuedAt, phase: phase.kind };
      });
      const { staffed, free } = this.index.staffing(id);
      queues.push({
        id,
        name: q.config.name,
        entries,
        waiting: entries.filter((e) => e.offeredTo === undefined).length,
        staffed,
        free,
        estimatedWaitSeconds: this.estimatedWaitSeconds(id),
      });
    }
    const agents = [...this.index.profiles.keys()].sort().map((id) => this.index.agents.get(id)!);
    return { at, queues, agents, unplaceable };
  }
}
