/**
 * Other calls: an agent on a call that did not come from the ACD (a
 * colleague or a customer dialling their extension, a flow's transfer to
 * them, a call they made) is not free, and is offered nothing until it ends.
 *
 * The telephony layer reports each such call by its id, from answer to
 * hang-up (`otherCallStarted` / `otherCallEnded`). The calls are kept on the
 * agent (`otherCalls`) whatever their state; a call reported twice is kept
 * once and an end reported twice changes nothing, so a repeated report
 * cannot leave the agent busy for good. One rule then settles every status
 * the engine writes:
 *
 * - ready, with another call: busy, with no entry (supervisors see busy;
 *   `otherCalls` says it is not an ACD call). An agent with another call is
 *   never `ready`, and the store's claim takes only ready agents, so no
 *   instance sharing the store can offer them a call.
 * - busy with no entry, the last other call over: back to ready, idle from
 *   now (they were working, as after an ACD call), or the pause or log-out
 *   asked for meanwhile (`next`, as during an ACD call: ./agents.ts). No
 *   wrap-up, and no miss: nothing was offered.
 * - logged out or paused: unchanged, their own extension still rings. If they
 *   log in or say ready during the call, they are busy until it ends.
 * - on an ACD call or in wrap-up: unchanged; when that is over they are busy
 *   while another call goes on.
 * - reserved (an offer ringing) when another call is answered: the engine
 *   takes the offer back first, not counted as a miss (./offers.ts), then
 *   they are busy.
 */
import type { AgentStatus } from './model.js';
import { omit } from './records.js';
import { wrapUpOver } from './wrapup.js';

export function hasOtherCalls(agent: AgentStatus): boolean {
  return (agent.otherCalls?.length ?? 0) > 0;
}

/**
 * The agent with one more other call, held by instance `owner` (./instances.ts);
 * the same object when it was already known.
 */
export function withOtherCall(agent: AgentStatus, callId: string, owner?: string): AgentStatus {
  const calls = agent.otherCalls ?? [];
  if (calls.includes(callId)) return agent;
  const added: AgentStatus = { ...agent, otherCalls: [...calls, callId] };
  if (owner !== undefined) added.otherCallOwners = { ...agent.otherCallOwners, [callId]: owner };
  return added;
}

/** The agent without that other call; the same object when it was not known. */
export function withoutOtherCall(agent: AgentStatus, callId: string): AgentStatus {
  const calls = agent.otherCalls ?? [];
  if (!calls.includes(callId)) return agent;
  const rest = calls.filter((c) => c !== callId);
  const owners = agent.otherCallOwners === undefined ? undefined : omit(agent.otherCallOwners, callId);
  const out: AgentStatus = rest.length > 0 ? { ...agent, otherCalls: rest } : omit(agent, 'otherCalls');
  if (owners === undefined || Object.keys(owners).length === 0) return omit(out, 'otherCallOwners');
  return { ...out, otherCallOwners: owners };
}

/** A status about to be written, as the agent's other calls make it. */
export function settled(agent: AgentStatus, at: number): AgentStatus {
  if (agent.state === 'ready' && hasOtherCalls(agent)) return { ...agent, state: 'busy', since: at };
  if (agent.state === 'busy' && agent.entryId === undefined && !hasOtherCalls(agent)) return wrapUpOver(agent, at);
  return agent;
}
