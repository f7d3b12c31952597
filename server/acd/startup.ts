/**
 * What the engine makes of the state it loaded as it starts, before
 * anything is routed: on a store only it uses, what its previous process
 * left (./restart.ts); on any store, whatever refers to nothing any more
 * is released (below).
 *
 * An entry that cannot be placed is reported, never dropped: one whose
 * queue is no longer configured stays where it is (kept by the store, never
 * offered), and one whose id another entry already holds is kept aside by
 * the store. Each is told to `onUnplaceable` at start and listed in the
 * snapshot for supervisors (`unplaceableEntries`) until someone removes it
 * or configures its queue again.
 */
import type { Clock } from './clock.js';
import type { QueueEntry } from './model.js';
import type { Lifecycle } from './lifecycle.js';
import type { StoreMirror } from './mirror.js';
import { afterWithdraw, withdrawn } from './offers.js';
import { sameRecord } from './records.js';
import { agentAfterRestart, entryAfterRestart } from './restart.js';
import type { RoutingIndex } from './routing-index.js';
import { wrapUpOver } from './wrapup.js';

export async function takeOverLoaded(
  parts: { index: RoutingIndex; mirror: StoreMirror; lifecycle: Lifecycle; clock: Clock },
  storeShared: boolean,
): Promise<void> {
  if (!storeShared) await restarted(parts);
  await reconcile(parts);
}

/** Written silently: the restart is no action of anyone's, and its changes are no events. */
async function restarted({ index, mirror, clock }: { index: RoutingIndex; mirror: StoreMirror; clock: Clock }): Promise<void> {
  const now = clock.now();
  for (const entry of [...index.entries.values()]) {
    const after = entryAfterRestart(entry);
    if (after === undefined) await mirror.deleteEntry(entry.id);
    else if (!sameRecord(after, entry)) await mirror.putEntry(after);
  }
  for (const agent of [...index.agents.values()]) {
    const after = agentAfterRestart(agent, now);
    if (!sameRecord(after, agent)) await mirror.putAgent(after);
  }
}

/**
 * What refers to nothing any more is released. An offer whose agent is not
 * reserved for it goes back in line; an agent reserved or busy for an entry
 * that is not offered to or answered by them is ready. An agent busy with
 * no entry is on another call (./other-calls.ts), perhaps through another
 * instance: left as is.
 */
async function reconcile({ index, mirror, lifecycle, clock }: { index: RoutingIndex; mirror: StoreMirror; lifecycle: Lifecycle; clock: Clock }): Promise<void> {
  const now = clock.now();
  for (const entry of [...index.entries.values()]) {
    if (entry.offeredTo === undefined || entry.answeredAt !== undefined) continue;
    const agent = index.agents.get(entry.offeredTo);
    if (!(agent?.state === 'reserved' && agent.entryId === entry.id)) await mirror.putEntry(withdrawn(entry));
  }
  for (const agent of [...index.agents.values()]) {
    if (!index.profiles.has(agent.id)) continue;
    const entry = agent.entryId === undefined ? undefined : index.entries.get(agent.entryId);
    const mine = entry?.offeredTo === agent.id;
    if (agent.state === 'reserved' && !(mine && entry!.answeredAt === undefined)) {
      await lifecycle.changeAgent(agent, afterWithdraw(agent, now));
    } else if (agent.state === 'busy' && agent.entryId !== undefined && !(mine && entry!.answeredAt !== undefined)) {
      await lifecycle.changeAgent(agent, wrapUpOver(agent, now));
    }
  }
}

/** Why a loaded entry cannot be placed. */
export type UnplaceableReason = 'unknown-queue' | 'duplicate-id';

export interface UnplaceableEntry {
  entry: QueueEntry;
  reason: UnplaceableReason;
}

/** The loaded entries that cannot be placed now: those of a queue not configured, and the store's duplicates. */
export function unplaceableEntries(index: Pick<RoutingIndex, 'entries' | 'queues'>, duplicates: readonly QueueEntry[]): UnplaceableEntry[] {
  return [
    ...[...index.entries.values()].filter((e) => !index.queues.has(e.queueId)).map((entry) => ({ entry, reason: 'unknown-queue' as const })),
    ...duplicates.map((entry) => ({ entry, reason: 'duplicate-id' as const })),
  ];
}

/**
 * What a log line shows of an unplaceable entry: enough to find and fix it,
 * never the flow's variables (a caller may have keyed a card number there).
 */
export function unplaceableForLog({ entry, reason }: UnplaceableEntry): Record<string, unknown> {
  const { id, kind, queueId, enqueuedAt, priority, attempts } = entry;
  const { service, callbackNumber } = entry.data;
  return { reason, entry: { id, kind, queueId, enqueuedAt, priority, attempts, service, callbackNumber } };
}
