/**
 * Every figure of the reports, defined once: each from the sums the
 * history adds up per interval and group (server/history/report-sql.ts).
 * The sums add up across intervals and groups (the longest wait takes the
 * larger), so a month is its days added, and a total its groups added.
 * docs/statistics.md says the same in a manager's words.
 */
import type { ReportSums } from '../history/records.js';

/** What the history adds up per agent and interval: offers rung out, and the time in each state. */
export interface AgentSums {
  missedOffers: number;
  /** Time on calls (busy) and in wrap-up. */
  busyMs: number;
  wrapUpMs: number;
  /** Time logged in and not paused: ready, reserved for an offer, busy or in wrap-up. */
  availableMs: number;
  /** Time paused, by the reason given ('' for none). */
  pauseMs: Record<string, number>;
}

export const NO_AGENT_SUMS: AgentSums = { missedOffers: 0, busyMs: 0, wrapUpMs: 0, availableMs: 0, pauseMs: {} };

const plus = (a: number | null, b: number | null): number | null => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

/** Two intervals' or groups' sums as one. */
export function addSums(a: ReportSums, b: ReportSums): ReportSums {
  return {
    offered: a.offered + b.offered,
    answered: a.answered + b.answered,
    answeredInTarget: a.answeredInTarget + b.answeredInTarget,
    abandoned: a.abandoned + b.abandoned,
    shortAbandoned: a.shortAbandoned + b.shortAbandoned,
    overflowed: a.overflowed + b.overflowed,
    answerWaitMs: a.answerWaitMs + b.answerWaitMs,
    waited: a.waited + b.waited,
    waitMs: a.waitMs + b.waitMs,
    longestWaitMs: Math.max(a.longestWaitMs, b.longestWaitMs),
    talkMs: a.talkMs + b.talkMs,
    holdMs: a.holdMs + b.holdMs,
    wrapUpMs: a.wrapUpMs + b.wrapUpMs,
    callbacksRequested: a.callbacksRequested + b.callbacksRequested,
    callbacksCompleted: a.callbacksCompleted + b.callbacksCompleted,
    deflected: plus(a.deflected, b.deflected),
    transferred: plus(a.transferred, b.transferred),
  };
}

export function addAgentSums(a: AgentSums, b: AgentSums): AgentSums {
  const pauseMs = { ...a.pauseMs };
  for (const [reason, ms] of Object.entries(b.pauseMs)) pauseMs[reason] = (pauseMs[reason] ?? 0) + ms;
  return {
    missedOffers: a.missedOffers + b.missedOffers,
    busyMs: a.busyMs + b.busyMs,
    wrapUpMs: a.wrapUpMs + b.wrapUpMs,
    availableMs: a.availableMs + b.availableMs,
    pauseMs,
  };
}

/** The figures of one interval and group, as the reports show them. */
export interface ReportFigures {
  offered: number;
  answered: number;
  answeredInTarget: number;
  abandoned: number;
  shortAbandoned: number;
  serviceLevel: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  averageWaitSeconds: number | null;
  longestWaitSeconds: number;
  averageHandlingSeconds: number | null;
  handlingSeconds: number;
  callbacksRequested: number;
  callbacksCompleted: number;
  deflections: number | null;
  transfers: number | null;
  overflows: number;
}

export interface AgentReportFigures {
  missedOffers: number;
  occupancy: number | null;
  pauseSecondsByReason: Record<string, number>;
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);
const average = (totalMs: number, count: number): number | null => (count === 0 ? null : seconds(totalMs / count));

/**
 * Service level: the share answered within the queue's target, of the calls
 * answered or abandoned, the short abandons left out (a misdial says nothing
 * of the service). 0..1; null before any such call.
 */
export function serviceLevel(s: Pick<ReportSums, 'answered' | 'answeredInTarget' | 'abandoned' | 'shortAbandoned'>): number | null {
  const counted = s.answered + s.abandoned - s.shortAbandoned;
  return counted === 0 ? null : s.answeredInTarget / counted;
}

/** Handling time: talk, hold and wrap-up of the answered calls. */
const handlingMs = (s: ReportSums): number => s.talkMs + s.holdMs + s.wrapUpMs;

export function figuresOf(s: ReportSums): ReportFigures {
  const level = serviceLevel(s);
  return {
    offered: s.offered,
    answered: s.answered,
    answeredInTarget: s.answeredInTarget,
    abandoned: s.abandoned,
    shortAbandoned: s.shortAbandoned,
    serviceLevel: level === null ? null : Math.round(level * 10_000) / 10_000,
    // Average speed of answer: the mean wait of the answered calls.
    averageSpeedOfAnswerSeconds: average(s.answerWaitMs, s.answered),
    // Average wait: the mean wait of every call whose wait ended, answered or not.
    averageWaitSeconds: average(s.waitMs, s.waited),
    longestWaitSeconds: seconds(s.longestWaitMs),
    // Average handling time: handling time per answered call.
    averageHandlingSeconds: average(handlingMs(s), s.answered),
    handlingSeconds: seconds(handlingMs(s)),
    callbacksRequested: s.callbacksRequested,
    callbacksCompleted: s.callbacksCompleted,
    deflections: s.deflected,
    transfers: s.transferred,
    overflows: s.overflowed,
  };
}

export function agentFiguresOf(a: AgentSums): AgentReportFigures {
  return {
    missedOffers: a.missedOffers,
    // Occupancy: the share of the time logged in and not paused spent on calls or their wrap-up.
    occupancy: ratio(a.busyMs + a.wrapUpMs, a.availableMs),
    pauseSecondsByReason: Object.fromEntries(Object.entries(a.pauseMs).sort(([x], [y]) => x.localeCompare(y)).map(([r, ms]) => [r, seconds(ms)])),
  };
}
