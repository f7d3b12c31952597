/**
 * Wrap-up: after a call the agent gets the queue's `wrapUpSeconds` to finish
 * (notes, a case), then is ready again, longest idle counted from then.
 *
 * A pause or log-out asked for during the call (`next`) takes effect when the
 * wrap-up is over instead of ready. A queue with 0 s wrap-up makes the agent
 * ready (or `next`) as the call ends. The agent may end wrap-up early by
 * saying ready, or pause from it.
 */
import type { AgentStatus, QueueConfig } from './model.js';
import { omit } from './records.js';

/** The agent as a call ends: in wrap-up until the queue's wrap-up time has passed, or done at once. */
export function afterCall(agent: AgentStatus, queue: QueueConfig | undefined, at: number): AgentStatus {
  const seconds = queue?.wrapUpSeconds ?? 0;
  if (seconds <= 0) return wrapUpOver(agent, at);
  return { ...omit(agent, 'entryId', 'pauseReason'), state: 'wrap-up', since: at, wrapUpUntil: at + seconds * 1000 };
}

/** The agent when wrap-up is over: the state asked for during the call, or ready. */
export function wrapUpOver(agent: AgentStatus, at: number): AgentStatus {
  const base = omit(agent, 'entryId', 'wrapUpUntil', 'next', 'pauseReason');
  const next = agent.next;
  if (next?.state === 'paused') return { ...base, state: 'paused', since: at, pauseReason: next.reason ?? 'paused' };
  if (next?.state === 'logged-out') return { ...base, state: 'logged-out', since: at };
  return { ...base, state: 'ready', since: at, idleSince: at };
}
