/**
 * The figures of a replayed day (./replay.ts), per interval, per queue and
 * per agent: each one defined here, once.
 *
 * A caller is counted in the interval they arrived in, whenever their call
 * was answered or given up; an agent's time is cut at the interval
 * boundaries. Intervals start at whole multiples of their length in clock
 * time (milliseconds since 1970 UTC), so 15, 30 and 60-minute intervals
 * start on the quarter, half and full hour in Swedish time too.
 *
 * Per queue (and for all queues together):
 * - offered: callers who entered the queue.
 * - answered, answeredWithinTarget: answered at all, and after a wait of at
 *   most the queue's target T (the T of "80 % within 20 s").
 * - abandoned: callers who hung up before an answer, short abandons
 *   included; shortAbandoned: those who hung up within the short-abandon
 *   threshold (a wrong number, a caller who changed their mind), reported
 *   apart.
 * - unanswered: still waiting when the day's replay ended (nobody able to
 *   take them was logged in any more, and they had no patience limit).
 * - serviceLevel = answeredWithinTarget / (answered + abandoned -
 *   shortAbandoned): the short abandons are left out, every other caller
 *   counts; null when that is 0.
 * - averageSpeedOfAnswerSeconds: mean wait of the answered calls.
 * - averageWaitSeconds, maxWaitSeconds: mean and longest wait of the callers
 *   answered or abandoned (how long callers waited, whatever came of it).
 *
 * Per agent:
 * - staffedSeconds: logged in and not paused (ready, ringing, on a call or
 *   in wrap-up).
 * - occupiedSeconds: ringing, on a call or in wrap-up.
 * - occupancy = occupiedSeconds / staffedSeconds, null when not staffed.
 * - answered: calls the agent answered in the interval.
 */
import type { AgentState } from '../acd/model.js';

export interface QueueFigures {
  offered: number;
  answered: number;
  answeredWithinTarget: number;
  abandoned: number;
  shortAbandoned: number;
  unanswered: number;
  serviceLevel: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  averageWaitSeconds: number | null;
  maxWaitSeconds: number | null;
}

export interface AgentFigures {
  staffedSeconds: number;
  occupiedSeconds: number;
  occupancy: number | null;
  answered: number;
}

/** The figures of one stretch of time: an interval, or the whole day. */
export interface PeriodFigures {
  /** Start of the period, clock milliseconds. */
  start: number;
  /** End of the period (exclusive), clock milliseconds. */
  end: number;
  queues: Record<string, QueueFigures>;
  /** All queues together, each answer judged by its own queue's target. */
  all: QueueFigures;
  agents: Record<string, AgentFigures>;
}

export interface DayFigures {
  intervalMinutes: number;
  /** Every interval from the first arrival or shift to the end of the last call, empty ones included. */
  intervals: PeriodFigures[];
  day: PeriodFigures;
}

export interface TallyOptions {
  intervalMinutes: number;
  queues: readonly string[];
  agents: readonly string[];
  /** The T of "answered within T seconds", per queue. */
  targetSeconds: ReadonlyMap<string, number>;
  shortAbandonSeconds: number;
}

interface QueueSums {
  offered: number;
  answered: number;
  withinTarget: number;
  abandoned: number;
  shortAbandoned: number;
  unanswered: number;
  answeredWaitMs: number;
  waitMs: number;
  maxWaitMs: number | null;
}

interface AgentSums {
  staffedMs: number;
  occupiedMs: number;
  answered: number;
}

interface CallRecord {
  queueId: string;
  arrivedAt: number;
  outcome?: { kind: 'answered' | 'abandoned'; waitMs: number };
}

const STAFFED: ReadonlySet<AgentState> = new Set(['ready', 'reserved', 'busy', 'wrap-up']);
const OCCUPIED: ReadonlySet<AgentState> = new Set(['reserved', 'busy', 'wrap-up']);

/** Counts what happens during a replay, then gives its figures. */
export class ReplayTally {
  private readonly intervalMs: number;
  private readonly shortAbandonMs: number;
  private readonly calls = new Map<string, CallRecord>();
  private readonly agentState = new Map<string, { state: AgentState; since: number }>();
  /** Agent time and answers per interval start, per agent. */
  private readonly agentSums = new Map<string, Map<number, AgentSums>>();
  private first = Number.POSITIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: TallyOptions) {
    this.intervalMs = options.intervalMinutes * 60_000;
    this.shortAbandonMs = options.shortAbandonSeconds * 1000;
    for (const id of options.agents) this.agentSums.set(id, new Map());
  }

  /** The replay starts here, whether or not anything happens in the first interval. */
  startsAt(at: number): void {
    this.seen(at);
  }

  arrived(callId: string, queueId: string, at: number): void {
    this.calls.set(callId, { queueId, arrivedAt: at });
    this.seen(at);
  }

  answered(callId: string, agentId: string, waitMs: number, at: number): void {
    this.settle(callId, 'answered', waitMs);
    this.agentPeriod(agentId, this.intervalOf(at)).answered++;
  }

  abandoned(callId: string, waitMs: number): void {
    this.settle(callId, 'abandoned', waitMs);
  }

  agentChanged(agentId: string, state: AgentState, at: number): void {
    this.closeAgentSpan(agentId, at);
    this.agentState.set(agentId, { state, since: at });
  }

  /** The figures, once the replay has ended at `endedAt`. */
  figures(endedAt: number): DayFigures {
    for (const id of this.agentState.keys()) this.closeAgentSpan(id, endedAt);
    const end = Math.max(endedAt, this.last);
    const firstStart = this.intervalOf(Number.isFinite(this.first) ? this.first : end);
    // An arrival exactly at the end still has its interval.
    const lastStart = Math.max(firstStart, this.intervalOf(Math.max(this.last, end - 1)));
    const starts: number[] = [];
    for (let s = firstStart; s <= lastStart; s += this.intervalMs) starts.push(s);

    const queueSums = new Map<number, Map<string, QueueSums>>(starts.map((s) => [s, this.emptyQueueSums()]));
    for (const call of this.calls.values()) {
      const sums = queueSums.get(this.intervalOf(call.arrivedAt))!.get(call.queueId)!;
      this.count(sums, call);
    }
    const intervals = starts.map((s) =>
      this.period(s, s + this.intervalMs, queueSums.get(s)!, (agentId) => this.agentSums.get(agentId)!.get(s) ?? emptyAgentSums()),
    );
    const dayQueues = this.emptyQueueSums();
    for (const sums of queueSums.values()) for (const [q, s] of sums) addQueueSums(dayQueues.get(q)!, s);
    const day = this.period(firstStart, lastStart + this.intervalMs, dayQueues, (agentId) => {
      const total = emptyAgentSums();
      for (const s of this.agentSums.get(agentId)!.values()) addAgentSums(total, s);
      return total;
    });
    return { intervalMinutes: this.options.intervalMinutes, intervals, day };
  }

  private period(start: number, end: number, queues: Map<string, QueueSums>, agentSums: (agentId: string) => AgentSums): PeriodFigures {
    const all = emptyQueueSum();
    const byQueue: Record<string, QueueFigures> = {};
    for (const [q, s] of queues) {
      byQueue[q] = queueFigures(s);
      addQueueSums(all, s);
    }
    const agents: Record<string, AgentFigures> = {};
    for (const id of this.options.agents) agents[id] = agentFigures(agentSums(id));
    return { start, end, queues: byQueue, all: queueFigures(all), agents };
  }

  private count(sums: QueueSums, call: CallRecord): void {
    sums.offered++;
    const outcome = call.outcome;
    if (!outcome) {
      sums.unanswered++;
      return;
    }
    sums.waitMs += outcome.waitMs;
    sums.maxWaitMs = Math.max(sums.maxWaitMs ?? 0, outcome.waitMs);
    if (outcome.kind === 'answered') {
      sums.answered++;
      sums.answeredWaitMs += outcome.waitMs;
      if (outcome.waitMs <= this.options.targetSeconds.get(call.queueId)! * 1000) sums.withinTarget++;
    } else {
      sums.abandoned++;
      if (outcome.waitMs < this.shortAbandonMs) sums.shortAbandoned++;
    }
  }

  private settle(callId: string, kind: 'answered' | 'abandoned', waitMs: number): void {
    const call = this.calls.get(callId);
    if (call) call.outcome = { kind, waitMs };
  }

  /** Adds the agent's time in their current state, up to `at`, to the intervals it covers. */
  private closeAgentSpan(agentId: string, at: number): void {
    const current = this.agentState.get(agentId);
    if (!current || !STAFFED.has(current.state)) return;
    const occupied = OCCUPIED.has(current.state);
    for (let from = current.since; from < at; ) {
      const start = this.intervalOf(from);
      const to = Math.min(at, start + this.intervalMs);
      const sums = this.agentPeriod(agentId, start);
      sums.staffedMs += to - from;
      if (occupied) sums.occupiedMs += to - from;
      from = to;
    }
    current.since = at;
  }

  private agentPeriod(agentId: string, start: number): AgentSums {
    const periods = this.agentSums.get(agentId)!;
    let sums = periods.get(start);
    if (!sums) periods.set(start, (sums = emptyAgentSums()));
    return sums;
  }

  private emptyQueueSums(): Map<string, QueueSums> {
    return new Map(this.options.queues.map((q) => [q, emptyQueueSum()]));
  }

  private intervalOf(at: number): number {
    return Math.floor(at / this.intervalMs) * this.intervalMs;
  }

  private seen(at: number): void {
    if (at < this.first) this.first = at;
    if (at > this.last) this.last = at;
  }
}

function emptyQueueSum(): QueueSums {
  return { offered: 0, answered: 0, withinTarget: 0, abandoned: 0, shortAbandoned: 0, unanswered: 0, answeredWaitMs: 0, waitMs: 0, maxWaitMs: null };
}

function emptyAgentSums(): AgentSums {
  return { staffedMs: 0, occupiedMs: 0, answered: 0 };
}

function addQueueSums(into: QueueSums, s: QueueSums): void {
  into.offered += s.offered;
  into.answered += s.answered;
  into.withinTarget += s.withinTarget;
  into.abandoned += s.abandoned;
  into.shortAbandoned += s.shortAbandoned;
  into.unanswered += s.unanswered;
  into.answeredWaitMs += s.answeredWaitMs;
  into.waitMs += s.waitMs;
  if (s.maxWaitMs !== null) into.maxWaitMs = Math.max(into.maxWaitMs ?? 0, s.maxWaitMs);
}

function addAgentSums(into: AgentSums, s: AgentSums): void {
  into.staffedMs += s.staffedMs;
  into.occupiedMs += s.occupiedMs;
  into.answered += s.answered;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

function queueFigures(s: QueueSums): QueueFigures {
  const waited = s.answered + s.abandoned;
  const msToSeconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
  return {
    offered: s.offered,
    answered: s.answered,
    answeredWithinTarget: s.withinTarget,
    abandoned: s.abandoned,
    shortAbandoned: s.shortAbandoned,
    unanswered: s.unanswered,
    serviceLevel: ratio(s.withinTarget, s.answered + s.abandoned - s.shortAbandoned),
    averageSpeedOfAnswerSeconds: msToSeconds(ratio(s.answeredWaitMs, s.answered)),
    averageWaitSeconds: msToSeconds(ratio(s.waitMs, waited)),
    maxWaitSeconds: msToSeconds(s.maxWaitMs),
  };
}

function agentFigures(s: AgentSums): AgentFigures {
  return {
    staffedSeconds: s.staffedMs / 1000,
    occupiedSeconds: s.occupiedMs / 1000,
    occupancy: ratio(s.occupiedMs, s.staffedMs),
    answered: s.answered,
  };
}
