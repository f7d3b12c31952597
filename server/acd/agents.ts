/**
 * Agent states and what an agent's own actions do to them.
 *
 *   logged-out --login--> ready <--ready-- paused / wrap-up
 *   ready --(claim: an offer)--> reserved --answered--> busy --call ends--> wrap-up --> ready
 *   ready --another call answered--> busy (no entry) --its end--> ready
 *
 * - login: a logged-out agent becomes ready, idle from now, misses forgotten.
 *   Logging in again changes nothing.
 * - ready: from paused or wrap-up, ready now (idle from now; misses
 *   forgotten, so an agent paused for "no answer" starts afresh). While busy
 *   it cancels a pause or log-out asked for during the call. Ready while
 *   ready or reserved changes nothing; a logged-out agent must log in.
 * - pause(reason): paused with the reason. While busy it is remembered and
 *   happens after the call's wrap-up (./wrapup.ts).
 * - logout: logged out. While busy it is remembered, like pause.
 *
 * A pause or log-out while an offer rings first withdraws the offer (the
 * engine does that; ./offers.ts), then applies as from ready.
 *
 * An agent logged out of the ACD can still take calls to their own extension.
 * Such calls, and any other call that did not come from the ACD, keep a
 * logged-in agent busy while they last (./other-calls.ts); a pause or
 * log-out asked for meanwhile waits for their end, as during an ACD call.
 */
import type { AgentStatus } from './model.js';
import { omit } from './records.js';

export type Transition = { ok: true; status: AgentStatus } | { ok: false; problem: string };

/** A status for an agent the store has never seen. */
export function loggedOut(id: string, at: number): AgentStatus {
  return { id, state: 'logged-out', since: at, idleSince: at, missedInRow: 0 };
}

const idle = (agent: AgentStatus): AgentStatus => omit(agent, 'entryId', 'pauseReason', 'wrapUpUntil', 'next');

export function login(agent: AgentStatus, at: number): Transition {
  if (agent.state !== 'logged-out') return { ok: true, status: agent };
  return { ok: true, status: { ...idle(agent), state: 'ready', since: at, idleSince: at, missedInRow: 0 } };
}

export function logout(agent: AgentStatus, at: number): Transition {
  if (agent.state === 'logged-out') return { ok: true, status: agent };
  if (agent.state === 'busy') return { ok: true, status: { ...agent, next: { state: 'logged-out' } } };
  return { ok: true, status: { ...idle(agent), state: 'logged-out', since: at, missedInRow: 0 } };
}

export function pause(agent: AgentStatus, reason: string, at: number): Transition {
  if (agent.state === 'logged-out') return { ok: false, problem: `agent ${agent.id} is logged out and cannot pause` };
  if (agent.state === 'busy') return { ok: true, status: { ...agent, next: { state: 'paused', reason } } };
  if (agent.state === 'paused' && agent.pauseReason === reason) return { ok: true, status: agent };
  const since = agent.state === 'paused' ? agent.since : at;
  return { ok: true, status: { ...idle(agent), state: 'paused', since, pauseReason: reason } };
}

export function ready(agent: AgentStatus, at: number): Transition {
  switch (agent.state) {
    case 'logged-out':
      return { ok: false, problem: `agent ${agent.id} is logged out: log in first` };
    case 'ready':
    case 'reserved':
      return { ok: true, status: agent };
    case 'busy':
      return { ok: true, status: omit(agent, 'next') };
    case 'paused':
    case 'wrap-up':
      return { ok: true, status: { ...idle(agent), state: 'ready', since: at, idleSince: at, missedInRow: 0 } };
  }
}
