/**
 * What staffing reads from the contact records, the same SQL on both
 * databases: each queue's calls per interval with their handling and
 * waiting time (forecast, Erlang A's patience), the calls of a period one by
 * one (the routing replay), and the agents' state intervals overlapping a
 * period (agents actually ready).
 */
import type { AgentInterval } from './records.js';

type Row = Record<string, unknown>;

/** One queue's calls queued in one interval. */
export interface QueueInterval {
  intervalStart: number;
  queue: string;
  offered: number;
  answered: number;
  abandoned: number;
  /** Talk + hold + wrap-up of the answered calls, summed. */
  handledMs: number;
  /** The waits of the callers answered or abandoned, summed. */
  waitedMs: number;
}

/** One call as it reached its queue, for the replay. */
export interface QueuedCall {
  id: string;
  queue: string;
  enqueuedAt: number;
  priority: number;
  /** answered, abandoned, overflowed, callback; absent while it waits. */
  outcome?: string;
  waitMs?: number;
  /** Talk + hold of an answered call. */
  talkHoldMs: number;
}

export const QUEUE_INTERVALS = `
  SELECT s.enqueued_at - s.enqueued_at % ? AS interval_start,
         s.queue AS queue,
         COUNT(*) AS offered,
         SUM(CASE WHEN s.outcome = 'answered' THEN 1 ELSE 0 END) AS answered,
         SUM(CASE WHEN s.outcome = 'abandoned' THEN 1 ELSE 0 END) AS abandoned,
         SUM(CASE WHEN s.outcome = 'answered' THEN COALESCE(s.talk_ms, 0) + COALESCE(s.hold_ms, 0) + COALESCE(s.wrap_up_ms, 0) ELSE 0 END) AS handled_ms,
         SUM(CASE WHEN s.outcome IN ('answered', 'abandoned') THEN COALESCE(s.wait_ms, 0) ELSE 0 END) AS waited_ms
    FROM segments s
   WHERE s.kind = 'call' AND s.queue IS NOT NULL AND s.enqueued_at >= ? AND s.enqueued_at < ?
   GROUP BY 1, 2
   ORDER BY 1, 2`;

export const QUEUED_CALLS = `
  SELECT s.id AS id, s.queue AS queue, s.enqueued_at AS enqueued_at, COALESCE(s.priority, 0) AS priority,
         s.outcome AS outcome, s.wait_ms AS wait_ms, COALESCE(s.talk_ms, 0) + COALESCE(s.hold_ms, 0) AS talk_hold_ms
    FROM segments s
   WHERE s.kind = 'call' AND s.queue IS NOT NULL AND s.enqueued_at >= ? AND s.enqueued_at < ?
   ORDER BY s.enqueued_at, s.id`;

/** Every agent's intervals that overlap [from, to): started before its end, not ended before its start. */
export const AGENT_STATES_OVERLAPPING = `
  SELECT agent, state, reason, started_at, ended_at
    FROM agent_states
   WHERE started_at < ? AND (ended_at IS NULL OR ended_at > ?)
   ORDER BY agent, started_at`;

/** Sums come back as text from PostgreSQL (numeric, bigint): numbers here. */
export function queueIntervalsOf(rows: Row[]): QueueInterval[] {
  return rows.map((r) => ({
    intervalStart: Number(r.interval_start), queue: String(r.queue),
    offered: Number(r.offered), answered: Number(r.answered), abandoned: Number(r.abandoned),
    handledMs: Number(r.handled_ms), waitedMs: Number(r.waited_ms),
  }));
}

export function queuedCallsOf(rows: Row[]): QueuedCall[] {
  return rows.map((r) => ({
    id: String(r.id), queue: String(r.queue), enqueuedAt: Number(r.enqueued_at), priority: Number(r.priority),
    ...(r.outcome === null ? {} : { outcome: String(r.outcome) }),
    ...(r.wait_ms === null ? {} : { waitMs: Number(r.wait_ms) }),
    talkHoldMs: Number(r.talk_hold_ms),
  }));
}

export function agentStatesOf(rows: Row[]): AgentInterval[] {
  return rows.map((r) => ({
    agent: String(r.agent), state: String(r.state), ...(r.reason === null ? {} : { reason: String(r.reason) }),
    startedAt: Number(r.started_at), ...(r.ended_at === null ? {} : { endedAt: Number(r.ended_at) }),
  }));
}
