/**
 * A recorded day as the routing replay (./replay.ts) takes it: the calls
 * queued that day with the handling time each took, and the agents' shifts
 * as their state intervals show them; the queues and agents as configured
 * now.
 *
 * What the records do not say is filled in so (README "Routing what-if"):
 * - a caller who abandoned, overflowed or asked for a callback had the
 *   patience they showed (their wait);
 * - a caller who was answered would have waited at least as long as they
 *   did, and as long as the queue's callers waited on average before one
 *   hung up that day (all waiting / abandons); without an abandon that day,
 *   until answered;
 * - an agent works while logged in and not paused (ready, ringing, on a call,
 *   in wrap-up): each such stretch is a shift;
 * - calls of a queue no longer configured, and agents no longer configured,
 *   are left out and counted.
 */
import type { AgentInterval } from '../history/records.js';
import type { QueuedCall } from '../history/staffing-reads.js';
import type { AgentProfile, QueueConfig } from '../acd/model.js';
import type { ReplayArrival, ReplayScenario, ReplayShift } from './replay.js';
import { STAFFED_STATES } from './staffing-history.js';

export interface RecordedDay {
  calls: readonly QueuedCall[];
  states: readonly AgentInterval[];
  /** The day's bounds, [from, to): shifts are cut to them. */
  from: number;
  to: number;
}

export interface ReplayInput {
  arrivals: ReplayArrival[];
  scenario: ReplayScenario;
  /** Calls of queues, and agents, the configuration no longer has. */
  left: { calls: number; agents: string[] };
}

const LEFT_THE_LINE = new Set(['abandoned', 'overflowed', 'callback']);

export function recordedReplay(day: RecordedDay, configured: { queues: QueueConfig[]; agents: AgentProfile[] }): ReplayInput {
  const queueIds = new Set(configured.queues.map((q) => q.id));
  const agentIds = new Set(configured.agents.map((a) => a.id));
  const calls = day.calls.filter((c) => queueIds.has(c.queue));
  const patience = meanPatienceByQueue(calls);
  const arrivals = calls.map((c): ReplayArrival => {
    const waited = (c.waitMs ?? 0) / 1000;
    const mean = patience.get(c.queue);
    const patienceSeconds = c.outcome !== undefined && LEFT_THE_LINE.has(c.outcome) ? waited
      : c.outcome === 'answered' && mean !== undefined ? Math.max(waited, mean) : undefined;
    return {
      id: c.id, at: c.enqueuedAt, queueId: c.queue, priority: c.priority, handleSeconds: c.talkHoldMs / 1000,
      ...(patienceSeconds !== undefined ? { patienceSeconds } : {}),
    };
  });
  const shifts: ReplayShift[] = day.states
    .filter((s) => agentIds.has(s.agent) && STAFFED_STATES.has(s.state))
    .map((s) => ({ agentId: s.agent, from: Math.max(s.startedAt, day.from), to: Math.min(s.endedAt ?? day.to, day.to) }))
    .filter((s) => s.to > s.from);
  return {
    arrivals,
    scenario: { queues: configured.queues, agents: configured.agents.map(({ id, name, skills, groups, queues }) => ({ id, name, skills, groups, queues })), shifts },
    left: {
      calls: day.calls.length - calls.length,
      agents: [...new Set(day.states.map((s) => s.agent).filter((a) => !agentIds.has(a)))].sort(),
    },
  };
}

function meanPatienceByQueue(calls: readonly QueuedCall[]): Map<string, number> {
  const sums = new Map<string, { waitedMs: number; abandons: number }>();
  for (const c of calls) {
    if (c.outcome !== 'answered' && c.outcome !== 'abandoned') continue;
    const s = sums.get(c.queue) ?? { waitedMs: 0, abandons: 0 };
    sums.set(c.queue, s);
    s.waitedMs += c.waitMs ?? 0;
    if (c.outcome === 'abandoned') s.abandons++;
  }
  return new Map([...sums].filter(([, s]) => s.abandons > 0).map(([q, s]) => [q, s.waitedMs / s.abandons / 1000]));
}
