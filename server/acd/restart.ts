/**
 * A restart: what the engine makes of the state it loads from a store that
 * only it uses (not `shared`: the in-process store, persisted under
 * DATA_DIR). That state was written by this engine's previous process, and
 * every call in flight then ended with that process:
 *
 * - an ordinary call leaves the line: its caller is gone (nobody is told:
 *   the process that could have told was the one that stopped);
 * - a callback keeps its place and comes back waiting, with no offer and no
 *   owner, also when it was being offered or dialled: dialled twice rather
 *   than never (./callbacks.ts);
 * - an agent's other calls are over (./other-calls.ts); an agent who was
 *   reserved is ready, as idle as before (a withdrawn offer, ./offers.ts);
 *   one who was busy is ready, idle from the restart, or in the pause or
 *   log-out asked for during the call (./wrapup.ts), with no wrap-up.
 *   Logged out, paused, ready and wrap-up stay as they were.
 *
 * The engine applies this at start, before anything is routed, and writes
 * what it changed back to the store. A shared store (Redis) needs no such
 * step: a process that starts is a new instance, and what the stopped one
 * held is taken away once its heartbeat lapses (./instances.ts).
 */
import type { AgentStatus, QueueEntry } from './model.js';
import { afterWithdraw, withdrawn } from './offers.js';
import { omit } from './records.js';
import { wrapUpOver } from './wrapup.js';

/** The entry after a restart; undefined when it leaves the line. */
export function entryAfterRestart(entry: QueueEntry): QueueEntry | undefined {
  return entry.kind === 'callback' ? withdrawn(entry) : undefined;
}

export function agentAfterRestart(agent: AgentStatus, at: number): AgentStatus {
  const onNoOtherCall = omit(agent, 'otherCalls', 'otherCallOwners');
  if (onNoOtherCall.state === 'reserved') return afterWithdraw(onNoOtherCall, at);
  if (onNoOtherCall.state === 'busy') return wrapUpOver(onNoOtherCall, at);
  return onNoOtherCall;
}
