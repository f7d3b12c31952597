/**
 * Instances: several server instances may share one store (Redis), and a
 * live call is held by the process of exactly one of them. When that
 * process dies (killed, crashed, its host gone) what its calls left in the
 * store must go, or the line shows callers who are not there, positions
 * and estimated waits are wrong, and agents stay reserved or busy for good.
 *
 * - Each engine has an instance id, random at start (`instanceId`). On a
 *   shared store (`store.shared`) it keeps a heartbeat there: written as it
 *   starts and every `heartbeatMs` (default 5 s) on the injected clock,
 *   alive for `heartbeatTtlMs` (default three beats). An instance whose
 *   heartbeat lapsed is dead. Ids are never reused, so a dead instance
 *   stays dead; a process that stalled longer than the TTL comes back to
 *   find its calls gone (the telephony layer's reports about them are then
 *   refused as unknown entries).
 * - Who holds what (`owner`, filled in by the engine itself): a call in line
 *   is held by the instance that enqueued it (it has the caller's leg); an
 *   answered entry by the instance that reported the answer (it has the
 *   bridged call, or dials the callback); an agent's other call
 *   (./other-calls.ts) by the instance that reported it
 *   (`otherCallOwners`). A callback in line is nobody's: it is no live
 *   call, and outlives any instance. Records written without an owner
 *   (before owners existed) are never taken away.
 * - As it starts and with every beat, an engine looks for what dead
 *   instances held and takes it away:
 *   - a call in line or ringing an agent: out of line, `abandoned` with
 *     `reason: 'instance-gone'` (counted as abandoned: the caller was lost
 *     unserved; the reason lets reports set it apart, it was not the
 *     caller's choice); an agent it was ringing is ready again, not a miss;
 *   - an answered call: `ended`; the agent goes straight to ready (or the
 *     pause or log-out asked for during the call), no wrap-up: the call
 *     broke off unnoticed up to a TTL and a beat ago, the agent has been
 *     idle since. Its handling time is left out of the estimated wait (when
 *     it really ended is unknown);
 *   - an answered callback: back in line at its old place and the agent
 *     ready, no attempt counted (dialled twice rather than never, as on a
 *     restart of the in-process store);
 *   - other calls: dropped from the agent; busy on no call any more, the
 *     agent is ready (./other-calls.ts).
 *   Each removal is one atomic step of the store, made only if the owner's
 *   heartbeat is still absent and the record is as the engine saw it, so
 *   exactly one instance makes it (and reports it), and a live instance's
 *   call is never touched.
 * - An offer a dead instance made and rang (a callback's, say) is taken
 *   back by the takeover of ring timeouts (./timers.ts), as before.
 * - On a store that is not shared (the in-process store) none of this
 *   runs: a restart ends every call there (./restart.ts).
 */
import type { AgentStatus, QueueEntry } from './model.js';
import { withdrawn } from './offers.js';
import { withoutOtherCall } from './other-calls.js';

export const DEFAULT_HEARTBEAT_MS = 5_000;
/** A heartbeat lives this many beats: one late beat is no death. */
export const HEARTBEAT_TTL_BEATS = 3;

/** What becomes of an entry whose owner died. */
export type Fate =
  | { kind: 'abandoned' }
  | { kind: 'ended' }
  | { kind: 'requeued'; entry: QueueEntry };

export function fateOf(entry: QueueEntry): Fate {
  if (entry.kind === 'callback') return { kind: 'requeued', entry: withdrawn(entry) };
  return entry.answeredAt === undefined ? { kind: 'abandoned' } : { kind: 'ended' };
}

/** Whether anything of the entry or agent is held by an instance other than `self` (then worth a liveness check). */
export function heldElsewhere(record: QueueEntry | AgentStatus, self: string): boolean {
  if ('queueId' in record) return record.owner !== undefined && record.owner !== self;
  return Object.values(record.otherCallOwners ?? {}).some((o) => o !== self);
}

/** The owners of the agent's other calls that are not alive. */
export function deadOwnersOf(agent: AgentStatus, live: ReadonlySet<string>): string[] {
  return [...new Set(Object.values(agent.otherCallOwners ?? {}))].filter((o) => !live.has(o));
}

/** The agent without the other calls those instances held. */
export function withoutCallsOf(agent: AgentStatus, dead: readonly string[]): AgentStatus {
  let out = agent;
  for (const [callId, owner] of Object.entries(agent.otherCallOwners ?? {})) {
    if (dead.includes(owner)) out = withoutOtherCall(out, callId);
  }
  return out;
}
