/**
 * The routing replay: a day's arrivals, with the handling time each call
 * took and how long each caller would have waited, played through the real
 * ACD (a fresh Acd on a SimulatedClock and an in-process MemoryStore) under
 * a scenario: queues with their routing steps, agents with their skills,
 * groups and queues, and a shift plan saying when each agent is logged in.
 * Played again under a changed scenario (./what-if.ts), the same callers
 * show what other staffing, skills or steps would have done.
 *
 * What the replay does for the people it stands in for:
 * - a caller enters their queue at their arrival time, with their priority
 *   (VIP) and, for a call to one agent, that agent; who may answer them is
 *   the queue's routing steps, as in the product;
 * - an agent logs in at the start of each shift and out at its end (after
 *   the call and wrap-up in progress); shifts of one agent that touch or
 *   overlap are one;
 * - an offered agent answers after `ringSeconds` (default at once);
 * - a call lasts the handling time it took that day, then the agent has
 *   the queue's wrap-up;
 * - a caller still unanswered after their patience hangs up (abandoned);
 *   without a patience they wait until answered.
 * What came of it is counted by ./replay-figures.ts, which defines every
 * figure.
 *
 * Everything runs on the simulated clock, one event after another in time
 * order, so the same input gives the same figures every time, and a day of
 * tens of thousands of calls takes a second or two.
 */
import { Acd } from '../acd/acd.js';
import { SimulatedClock, type TimerHandle } from '../acd/clock.js';
import type { AcdEvent, AgentProfile, QueueConfig } from '../acd/model.js';
import { MemoryStore } from '../store/memory.js';
import { ReplayTally, type DayFigures } from './replay-figures.js';

/** One caller of the day, as the history recorded them. */
export interface ReplayArrival {
  /** Unique within the day. */
  id: string;
  /** When the caller entered the queue, clock milliseconds. */
  at: number;
  queueId: string;
  /** 0 for ordinary calls; higher goes first (VIP), as the queue's priority rule says. */
  priority?: number;
  /** A call for one named agent (their personal queue). */
  personalAgentId?: string;
  /** Talk and hold time the call took, seconds (the queue's wrap-up comes on top). */
  handleSeconds: number;
  /** How long the caller would have waited before hanging up, seconds; absent: until answered. */
  patienceSeconds?: number;
}

/** An agent as the replay needs them: whom they may answer (an AgentProfile will do). */
export type ReplayAgent = Pick<AgentProfile, 'id' | 'skills' | 'groups' | 'queues'> & { name?: string };

/** An agent logged in from `from` to `to` (clock milliseconds). */
export interface ReplayShift {
  agentId: string;
  from: number;
  to: number;
}

export interface ReplayScenario {
  queues: QueueConfig[];
  agents: ReplayAgent[];
  shifts: ReplayShift[];
}

export interface ReplayOptions {
  /** Length of the report's intervals: 15, 30 or 60 are usual; it must divide a day. */
  intervalMinutes: number;
  /** The T of "answered within T seconds", for every queue not in `targetSecondsByQueue`. */
  targetSeconds: number;
  targetSecondsByQueue?: Readonly<Record<string, number>>;
  /** Callers who hang up within this many seconds are short abandons, left out of the service level. Default 5. */
  shortAbandonSeconds?: number;
  /** Seconds an offer rings before the agent answers. Default 0; must be shorter than every queue's ring timeout. */
  ringSeconds?: number;
}

export type ReplayReport = DayFigures;

/** The input of a replay is wrong: the message says which item and what. */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

const DEFAULT_SHORT_ABANDON_SECONDS = 5;
const DAY_MINUTES = 24 * 60;

/** Replays the day's arrivals through the ACD under the scenario; the figures per interval, queue and agent. */
export async function replayDay(arrivals: readonly ReplayArrival[], scenario: ReplayScenario, options: ReplayOptions): Promise<ReplayReport> {
  for (const [name, list] of Object.entries({ arrivals, 'scenario.queues': scenario?.queues, 'scenario.agents': scenario?.agents, 'scenario.shifts': scenario?.shifts })) {
    if (!Array.isArray(list)) throw new ReplayError(`${name} must be a list`);
  }
  const settings = checkOptions(options, scenario);
  checkArrivals(arrivals, scenario);
  const shifts = mergedShifts(scenario);
  const ordered = arrivals.map((a, i) => ({ a, i })).sort((x, y) => x.a.at - y.a.at || x.i - y.i).map((x) => x.a);
  const start = Math.min(ordered[0]?.at ?? Number.POSITIVE_INFINITY, ...shifts.map((s) => s.from));
  const clock = new SimulatedClock(Number.isFinite(start) ? start : 0);
  const store = new MemoryStore();
  const failures: unknown[] = [];
  const acd = new Acd({
    store,
    clock,
    queues: scenario.queues,
    agents: scenario.agents.map(profile),
    onError: (err) => failures.push(err),
  });
  const tally = new ReplayTally({
    intervalMinutes: options.intervalMinutes,
    queues: scenario.queues.map((q) => q.id),
    agents: scenario.agents.map((a) => a.id),
    targetSeconds: settings.targetSeconds,
    shortAbandonSeconds: settings.shortAbandonSeconds,
  });
  tally.startsAt(clock.now());
  await acd.start();
  try {
    new DayDriver(acd, clock, tally, settings.ringMs, failures).run(ordered, shifts);
    await clock.runAll();
    if (failures.length > 0) throw failures[0];
    return tally.figures(clock.now());
  } finally {
    await acd.stop();
    await store.close();
  }
}

/** Plays the people's part: callers arriving and hanging up, agents logging in, answering, ending calls. */
class DayDriver {
  private readonly byId = new Map<string, ReplayArrival>();
  /** The patience timer of each caller still waiting. */
  private readonly patience = new Map<string, TimerHandle>();

  constructor(
    private readonly acd: Acd,
    private readonly clock: SimulatedClock,
    private readonly tally: ReplayTally,
    private readonly ringMs: number,
    private readonly failures: unknown[],
  ) {
    acd.on((e) => this.heard(e));
  }

  run(arrivals: readonly ReplayArrival[], shifts: readonly ReplayShift[]): void {
    for (const s of shifts) {
      this.at(s.from, () => this.shiftStarts(s.agentId));
      this.at(s.to, () => this.acd.logout(s.agentId));
    }
    // One arrival pending at a time keeps the clock's heap small.
    const arrive = (i: number): void => {
      const a = arrivals[i];
      if (!a) return;
      this.at(a.at, async () => {
        arrive(i + 1);
        await this.arrives(a);
      });
    };
    arrive(0);
  }

  private async arrives(a: ReplayArrival): Promise<void> {
    this.byId.set(a.id, a);
    this.tally.arrived(a.id, a.queueId, a.at);
    await this.acd.enqueue({
      id: a.id,
      queueId: a.queueId,
      kind: 'call',
      enqueuedAt: a.at,
      priority: a.priority ?? 0,
      ...(a.personalAgentId !== undefined ? { personalAgentId: a.personalAgentId } : {}),
      data: {},
    });
    if (a.patienceSeconds !== undefined && this.acd.entry(a.id)?.answeredAt === undefined) {
      this.patience.set(a.id, this.at(a.at + wholeMs(a.patienceSeconds), () => this.givesUp(a.id)));
    }
  }

  /** A second shift starting while the agent finishes the first one's last call keeps them logged in. */
  private shiftStarts(agentId: string): Promise<void> {
    return this.acd.agent(agentId)?.state === 'logged-out' ? this.acd.login(agentId) : this.acd.ready(agentId);
  }

  private givesUp(entryId: string): Promise<void> | undefined {
    this.patience.delete(entryId);
    const entry = this.acd.entry(entryId);
    return entry && entry.answeredAt === undefined ? this.acd.abandon(entryId) : undefined;
  }

  private heard(e: AcdEvent): void {
    switch (e.type) {
      case 'offered-to-agent': {
        const offeredAt = e.at;
        this.at(offeredAt + this.ringMs, () => {
          // The caller may have hung up while it rang.
          const entry = this.acd.entry(e.entryId);
          if (entry?.offeredTo !== e.agentId || entry.offeredAt !== offeredAt || entry.answeredAt !== undefined) return undefined;
          return this.acd.offerAccepted(e.entryId, e.agentId);
        });
        break;
      }
      case 'answered': {
        const timer = this.patience.get(e.entryId);
        if (timer) this.clock.clearTimer(timer);
        this.patience.delete(e.entryId);
        this.tally.answered(e.entryId, e.agentId, e.waitMs, e.at);
        this.at(e.at + wholeMs(this.byId.get(e.entryId)!.handleSeconds), () => this.acd.callEnded(e.entryId));
        break;
      }
      case 'abandoned':
        this.tally.abandoned(e.entryId, e.waitMs);
        break;
      case 'agent-state':
        this.tally.agentChanged(e.agentId, e.state, e.at);
        break;
      default:
        break;
    }
  }

  /** Runs `fn` at `when` on the simulated clock; a failure stops the replay. */
  private at(when: number, fn: () => Promise<unknown> | undefined): TimerHandle {
    return this.clock.setTimer(when, () =>
      fn()?.catch((err: unknown) => {
        this.failures.push(err);
      }),
    );
  }
}

/** Durations in whole milliseconds, as the clock keeps time. */
const wholeMs = (seconds: number): number => Math.round(seconds * 1000);

/** The ACD rings a device; nobody is rung in a replay. */
function profile(agent: ReplayAgent): AgentProfile {
  return {
    id: agent.id,
    name: agent.name ?? agent.id,
    skills: agent.skills,
    groups: agent.groups,
    queues: agent.queues,
    device: { kind: 'softphone', extension: agent.id },
  };
}

function checkOptions(options: ReplayOptions, scenario: ReplayScenario): {
  targetSeconds: Map<string, number>;
  shortAbandonSeconds: number;
  ringMs: number;
} {
  const { intervalMinutes } = options;
  if (!Number.isInteger(intervalMinutes) || intervalMinutes <= 0 || DAY_MINUTES % intervalMinutes !== 0) {
    throw new ReplayError(`intervalMinutes must be a whole number of minutes that divides a day (15, 30, 60), got ${String(intervalMinutes)}`);
  }
  const seconds = (name: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ReplayError(`${name} must be a number of seconds >= 0, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const queueIds = new Set(scenario.queues.map((q) => q.id));
  const byQueue = options.targetSecondsByQueue ?? {};
  for (const id of Object.keys(byQueue)) {
    if (!queueIds.has(id)) throw new ReplayError(`targetSecondsByQueue.${id}: not a queue of the scenario`);
  }
  const fallback = seconds('targetSeconds', options.targetSeconds);
  const targetSeconds = new Map(
    scenario.queues.map((q) => [q.id, byQueue[q.id] === undefined ? fallback : seconds(`targetSecondsByQueue.${q.id}`, byQueue[q.id])]),
  );
  const ringSeconds = seconds('ringSeconds', options.ringSeconds ?? 0);
  for (const q of scenario.queues) {
    if (ringSeconds >= q.ringTimeoutSeconds) {
      throw new ReplayError(`ringSeconds (${ringSeconds}) must be shorter than queue "${q.id}"'s ringTimeoutSeconds (${q.ringTimeoutSeconds}): every offer would ring out`);
    }
  }
  return {
    targetSeconds,
    shortAbandonSeconds: seconds('shortAbandonSeconds', options.shortAbandonSeconds ?? DEFAULT_SHORT_ABANDON_SECONDS),
    ringMs: wholeMs(ringSeconds),
  };
}

function checkArrivals(arrivals: readonly ReplayArrival[], scenario: ReplayScenario): void {
  const queueIds = new Set(scenario.queues.map((q) => q.id));
  const agentIds = new Set(scenario.agents.map((a) => a.id));
  const seen = new Set<string>();
  arrivals.forEach((a, i) => {
    if (typeof a !== 'object' || a === null) throw new ReplayError(`arrivals[${i}] must be an object, got ${JSON.stringify(a)}`);
    const bad = (field: string, problem: string, got: unknown): never => {
      throw new ReplayError(`arrivals[${i}] (${JSON.stringify(a?.id)}): ${field} ${problem}, got ${JSON.stringify(got)}`);
    };
    if (typeof a.id !== 'string' || a.id === '') bad('id', 'must be a non-empty string', a.id);
    if (seen.has(a.id)) bad('id', 'is used by two arrivals', a.id);
    seen.add(a.id);
    if (typeof a.at !== 'number' || !Number.isFinite(a.at)) bad('at', 'must be a time in milliseconds', a.at);
    if (!queueIds.has(a.queueId)) bad('queueId', 'is not a queue of the scenario', a.queueId);
    if (a.priority !== undefined && (typeof a.priority !== 'number' || !Number.isFinite(a.priority))) bad('priority', 'must be a number', a.priority);
    if (a.personalAgentId !== undefined && !agentIds.has(a.personalAgentId)) bad('personalAgentId', 'is not an agent of the scenario', a.personalAgentId);
    if (typeof a.handleSeconds !== 'number' || !Number.isFinite(a.handleSeconds) || a.handleSeconds < 0) {
      bad('handleSeconds', 'must be a number of seconds >= 0', a.handleSeconds);
    }
    if (a.patienceSeconds !== undefined && (typeof a.patienceSeconds !== 'number' || !Number.isFinite(a.patienceSeconds) || a.patienceSeconds < 0)) {
      bad('patienceSeconds', 'must be a number of seconds >= 0 (or absent: waits until answered)', a.patienceSeconds);
    }
  });
}

/** Each agent's shifts, those that touch or overlap made one, in time order. */
function mergedShifts(scenario: ReplayScenario): ReplayShift[] {
  const agentIds = new Set(scenario.agents.map((a) => a.id));
  const byAgent = new Map<string, ReplayShift[]>();
  scenario.shifts.forEach((s, i) => {
    const what = `shifts[${i}] (${JSON.stringify(s?.agentId)})`;
    if (!agentIds.has(s?.agentId)) throw new ReplayError(`${what}: agentId is not an agent of the scenario`);
    if (typeof s.from !== 'number' || !Number.isFinite(s.from) || typeof s.to !== 'number' || !Number.isFinite(s.to) || s.to <= s.from) {
      throw new ReplayError(`${what}: from and to must be times in milliseconds, from before to, got ${JSON.stringify({ from: s.from, to: s.to })}`);
    }
    byAgent.set(s.agentId, [...(byAgent.get(s.agentId) ?? []), s]);
  });
  const merged: ReplayShift[] = [];
  for (const [agentId, list] of byAgent) {
    const sorted = [...list].sort((a, b) => a.from - b.from);
    let current = { agentId, from: sorted[0]!.from, to: sorted[0]!.to };
    for (const s of sorted.slice(1)) {
      if (s.from <= current.to) current.to = Math.max(current.to, s.to);
      else {
        merged.push(current);
        current = { agentId, from: s.from, to: s.to };
      }
    }
    merged.push(current);
  }
  return merged;
}
