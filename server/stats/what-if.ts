/**
 * Routing what-ifs: the same day's callers replayed (./replay.ts) under the
 * scenario as it was and under a changed one ("widen after 60 s instead of
 * 120 s", "two more agents with skill B in the afternoon"), side by side,
 * with the difference per interval.
 *
 * A change is data, applied to the baseline scenario:
 * - queues: settings to change, by queue id (e.g. its `steps`);
 * - agents: agents added, or replacing the agent of the same id (other
 *   skills, groups or queues);
 * - removeAgents: agents taken out, with their shifts;
 * - shifts: an agent named here works exactly these shifts instead of the
 *   baseline's (a new agent needs some to be logged in at all).
 */
import type { QueueConfig } from '../acd/model.js';
import type { QueueFigures, PeriodFigures } from './replay-figures.js';
import { ReplayError, replayDay, type ReplayAgent, type ReplayArrival, type ReplayOptions, type ReplayReport, type ReplayScenario, type ReplayShift } from './replay.js';

export interface ScenarioChange {
  queues?: Readonly<Record<string, Partial<Omit<QueueConfig, 'id'>>>>;
  agents?: readonly ReplayAgent[];
  removeAgents?: readonly string[];
  shifts?: readonly ReplayShift[];
}

/** changed minus baseline, figure by figure; null where either side has no figure. */
export type QueueDifference = { [K in keyof QueueFigures]: number | null };

export interface PeriodDifference {
  start: number;
  end: number;
  queues: Record<string, QueueDifference>;
  all: QueueDifference;
}

export interface WhatIfReport {
  baseline: ReplayReport;
  changed: ReplayReport;
  /** Per interval of either replay (a replay that runs longer has intervals the other lacks: compared with empty ones). */
  difference: { intervals: PeriodDifference[]; day: PeriodDifference };
}

/** The baseline scenario with the change applied; the baseline is left as it was. */
export function applyChange(baseline: ReplayScenario, change: ScenarioChange): ReplayScenario {
  const queueIds = new Set(baseline.queues.map((q) => q.id));
  for (const id of Object.keys(change.queues ?? {})) {
    if (!queueIds.has(id)) throw new ReplayError(`change.queues.${id}: not a queue of the baseline`);
  }
  const removed = new Set(change.removeAgents ?? []);
  const baselineAgents = new Set(baseline.agents.map((a) => a.id));
  for (const id of removed) if (!baselineAgents.has(id)) throw new ReplayError(`change.removeAgents: ${id} is not an agent of the baseline`);
  const replacing = new Map((change.agents ?? []).map((a) => [a.id, a]));
  const newShifts = change.shifts ?? [];
  const reshifted = new Set(newShifts.map((s) => s.agentId));
  const queues = baseline.queues.map((q) => ({ ...q, ...change.queues?.[q.id], id: q.id }));
  const agents = [
    ...baseline.agents.filter((a) => !removed.has(a.id)).map((a) => replacing.get(a.id) ?? a),
    ...[...replacing.values()].filter((a) => !baselineAgents.has(a.id)),
  ];
  const shifts = [...baseline.shifts.filter((s) => !removed.has(s.agentId) && !reshifted.has(s.agentId)), ...newShifts];
  return { queues, agents, shifts };
}

/** Replays the day under the baseline and under the changed scenario, and compares them. */
export async function whatIf(
  arrivals: readonly ReplayArrival[],
  baseline: ReplayScenario,
  change: ScenarioChange,
  options: ReplayOptions,
): Promise<WhatIfReport> {
  const changedScenario = applyChange(baseline, change);
  const before = await replayDay(arrivals, baseline, options);
  const after = await replayDay(arrivals, changedScenario, options);
  return { baseline: before, changed: after, difference: compareReports(before, after) };
}

/** The difference of two replays of the same day, interval by interval. */
export function compareReports(baseline: ReplayReport, changed: ReplayReport): WhatIfReport['difference'] {
  const byStart = (r: ReplayReport) => new Map(r.intervals.map((i) => [i.start, i]));
  const a = byStart(baseline);
  const b = byStart(changed);
  const starts = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  const lengthMs = baseline.intervalMinutes * 60_000;
  const intervals = starts.map((start) => periodDifference(start, start + lengthMs, a.get(start), b.get(start)));
  const day = periodDifference(Math.min(baseline.day.start, changed.day.start), Math.max(baseline.day.end, changed.day.end), baseline.day, changed.day);
  return { intervals, day };
}

function periodDifference(start: number, end: number, before: PeriodFigures | undefined, after: PeriodFigures | undefined): PeriodDifference {
  const queueIds = new Set([...Object.keys(before?.queues ?? {}), ...Object.keys(after?.queues ?? {})]);
  const queues: Record<string, QueueDifference> = {};
  for (const id of queueIds) queues[id] = queueDifference(before?.queues[id], after?.queues[id]);
  return { start, end, queues, all: queueDifference(before?.all, after?.all) };
}

const EMPTY: QueueFigures = {
  offered: 0,
  answered: 0,
  answeredWithinTarget: 0,
  abandoned: 0,
  shortAbandoned: 0,
  unanswered: 0,
  serviceLevel: null,
  averageSpeedOfAnswerSeconds: null,
  averageWaitSeconds: null,
  maxWaitSeconds: null,
};

function queueDifference(before: QueueFigures = EMPTY, after: QueueFigures = EMPTY): QueueDifference {
  const diff = {} as QueueDifference;
  for (const key of Object.keys(EMPTY) as (keyof QueueFigures)[]) {
    const x = before[key];
    const y = after[key];
    diff[key] = x === null || y === null ? null : y - x;
  }
  return diff;
}
