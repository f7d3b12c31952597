/**
 * Offers: ringing an agent, and what happens when they do not answer.
 *
 * An offer is made with AcdStore.claim (atomic: no agent gets two calls, no
 * call two agents, whichever instance asks); the agent is then `reserved`
 * and the telephony layer rings them (the `offered-to-agent` event).
 *
 * - Answered (`offerAccepted`): the agent is busy, their run of misses is
 *   reset, the entry stays in the store marked answered until the call ends.
 * - Not answered within the queue's `ringTimeoutSeconds`, or rejected: a
 *   miss. The entry goes back in line at its old place and is offered to the
 *   next eligible agent *before* the missing agent is free again (so it goes
 *   to someone else whenever anyone else can take it). The agent's misses in
 *   a row go up; at `maxMissedOffers` they are paused with reason
 *   "no answer" (an `agent-state` event says so), otherwise they are ready
 *   again at the back of the idle order: idle from the miss (`idleSince`),
 *   so the next call goes to those who have waited for one, and one
 *   unattended desk does not cost each next caller a ring timeout.
 * - Withdrawn (the caller hung up or asked for a callback while it rang, or
 *   the agent logged out, paused or answered another call: ./other-calls.ts):
 *   the entry goes back (or away), the agent is ready again, and it does not
 *   count as a miss.
 */
import type { AgentStatus, QueueConfig, QueueEntry } from './model.js';
import { omit } from './records.js';

export const NO_ANSWER = 'no answer';

/** When an offer made at `offeredAt` counts as not answered. */
export function ringDeadline(queue: QueueConfig, offeredAt: number): number {
  return offeredAt + queue.ringTimeoutSeconds * 1000;
}

/** The entry back in line at its old place: no offer, not answered. */
export function withdrawn(entry: QueueEntry): QueueEntry {
  // A callback back in line is no live call: nobody owns it (./instances.ts).
  if (entry.kind === 'callback') return omit(entry, 'offeredTo', 'offeredAt', 'answeredAt', 'owner');
  return omit(entry, 'offeredTo', 'offeredAt', 'answeredAt');
}

export function answeredEntry(entry: QueueEntry, at: number): QueueEntry {
  return { ...entry, answeredAt: at };
}

export function answeredAgent(agent: AgentStatus, entryId: string, at: number): AgentStatus {
  return { ...omit(agent, 'pauseReason', 'wrapUpUntil'), state: 'busy', since: at, entryId, missedInRow: 0 };
}

/** The agent after missing an offer: ready again and idle from now, or paused "no answer" after too many misses in a row. */
export function afterMiss(agent: AgentStatus, queue: QueueConfig, at: number): AgentStatus {
  const missedInRow = agent.missedInRow + 1;
  const base = { ...omit(agent, 'entryId', 'wrapUpUntil'), idleSince: at };
  if (missedInRow >= queue.maxMissedOffers) {
    return { ...base, state: 'paused', since: at, pauseReason: NO_ANSWER, missedInRow };
  }
  return { ...omit(base, 'pauseReason'), state: 'ready', since: at, missedInRow };
}

/** The agent after an offer was taken back through no fault of theirs: ready, as idle as before. */
export function afterWithdraw(agent: AgentStatus, at: number): AgentStatus {
  return { ...omit(agent, 'entryId', 'pauseReason', 'wrapUpUntil'), state: 'ready', since: at };
}
