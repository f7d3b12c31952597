/**
 * What the history is told: small, idempotent writes about contacts, their
 * queue segments, offers, callback attempts, transfers, the path through the
 * flow and agents' state intervals. Each write names its row by a natural
 * key taken from the event that caused it (a call id, an entry id, an agent
 * and a time), so writing the same write twice leaves the same row: a batch
 * written again after a crash neither loses nor doubles a record.
 *
 * Fields left undefined keep what the row holds; times are milliseconds
 * since the epoch, durations milliseconds.
 */

/** One contact: a call into a service number, from its start to its end. */
export interface ContactFields {
  startedAt?: number;
  endedAt?: number;
  caller?: string;
  dialled?: string;
  service?: string;
  flow?: string;
  /** How the flow ended (ivr-ended's reason). */
  flowEnd?: string;
  /** The avalanche messages the caller heard, comma-separated, and when. */
  avalancheMessages?: string;
  avalancheAt?: number;
  /** 1: the caller hung up during or right after an avalanche message. */
  deflected?: number;
  /** Who hung up: caller, agent, or local (the product ended it): call-ended's `by`. */
  endedBy?: string;
  caseType?: string;
  /** Who set the case type: 'flow' or 'agent'. */
  caseTypeBy?: string;
  /** The agent's note at wrap-up, with the case type. */
  wrapUpNote?: string;
}

/** One stay in a queue (an ACD entry), a call's or a callback's. */
export interface SegmentFields {
  contactId?: string;
  queue?: string;
  kind?: 'call' | 'callback';
  priority?: number;
  vip?: number;
  enqueuedAt?: number;
  /** answered, abandoned, overflowed, callback: how the wait in line ended. */
  outcome?: string;
  answeredAt?: number;
  agent?: string;
  waitMs?: number;
  talkMs?: number;
  holdMs?: number;
  wrapUpMs?: number;
  endedAt?: number;
  callbackRequestedAt?: number;
  /** completed, failed, cancelled. */
  callbackOutcome?: string;
  callbackDoneAt?: number;
  callbackAttempts?: number;
}

export type HistoryWrite =
  | { kind: 'contact'; id: string; fields: ContactFields }
  | { kind: 'segment'; id: string; fields: SegmentFields }
  /** A node the call passed through, numbered from 1 in the order passed. */
  | { kind: 'step'; contactId: string; seq: number; at: number; node: string; nodeType: string }
  /** An offer to an agent, keyed on the entry, the agent and when; `result` once it rang out or was answered. */
  | { kind: 'offer'; entryId: string; agent: string; offeredAt: number; contactId?: string; result?: 'missed' | 'answered' | 'abandoned' | 'withdrawn'; ringMs?: number }
  /** A callback dial attempt, keyed on the entry and when it was dialled. */
  | { kind: 'callback-attempt'; entryId: string; at: number; agent?: string; outcome?: string; status?: number }
  | { kind: 'transfer'; contactId: string; at: number; node: string; target: string; outcome: string }
  /** An agent's state from `at`: ends the interval open before it. */
  | { kind: 'agent-state'; agent: string; at: number; state: string; reason?: string };

/** A contact as read back, with everything recorded about it. */
export interface ContactRecord {
  id: string;
  fields: ContactFields;
  steps: Array<{ seq: number; at: number; node: string; nodeType: string }>;
  segments: Array<{ id: string } & SegmentFields>;
  offers: Array<{ entryId: string; agent: string; offeredAt: number; result?: string; ringMs?: number }>;
  callbackAttempts: Array<{ entryId: string; at: number; agent?: string; outcome?: string; status?: number }>;
  transfers: Array<{ at: number; node: string; target: string; outcome: string }>;
}

export interface AgentInterval {
  agent: string;
  state: string;
  reason?: string;
  startedAt: number;
  endedAt?: number;
}

/** One row of handling by case type and agent: answered calls and the time they took. */
export interface CaseTypeHandling {
  /** '' for calls without a case type. */
  caseType: string;
  agent: string;
  answered: number;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
}

/** One row of the interval report: contacts that reached a queue, by the interval they were queued in. */
export interface IntervalCounts {
  intervalStart: number;
  service: string;
  offered: number;
  answered: number;
  abandoned: number;
}

/**
 * A day so far, of a queue or a service: its calls queued in the day, the
 * callbacks asked for and completed in it. An abandon after less than the
 * short-abandon time is counted apart and left out of the service level.
 */
export interface DayFigures {
  offered: number;
  answered: number;
  /** Answered after a wait of at most the target of the queue the call waited in. */
  answeredInTarget: number;
  /** All abandons, the short ones included. */
  abandoned: number;
  shortAbandoned: number;
  callbacksRequested: number;
  callbacksCompleted: number;
}

export interface QueueDay extends DayFigures {
  queue: string;
}

/** A service's day: the calls of contacts to its numbers, in whichever queue they waited. */
export interface ServiceDay extends DayFigures {
  service: string;
}

/** What a day's figures are measured against: each queue's target wait, and the short abandons' limit. */
export interface QueueDayRules {
  /** Queue id -> its target wait in ms; a queue not named here has `defaultTargetMs`. */
  targetMs: ReadonlyMap<string, number>;
  defaultTargetMs: number;
  /** An abandon after a wait shorter than this is a short abandon. */
  shortAbandonMs: number;
}

/** A stretch of time in which the company's UTC offset stays the same. */
export interface OffsetSpan {
  from: number;
  to: number;
  offsetMs: number;
}

/**
 * A report's interval, on local keys (wall-clock time written as if it were
 * UTC, server/stats/report-period.ts): a fixed length (15, 30, 60 minutes, a
 * day), or a week from Monday.
 */
export type ReportInterval = { kind: 'fixed'; ms: number } | { kind: 'week' };

export const REPORT_GROUPINGS = ['service', 'queue', 'dialled', 'agent', 'caseType'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];

/** What a report asks the history for: the period [from, to) covered by its offset spans, the interval, the grouping. */
export interface ReportQuery {
  from: number;
  to: number;
  spans: readonly OffsetSpan[];
  interval: ReportInterval;
  groupBy: ReportGrouping;
  rules: QueueDayRules;
}

/** One interval (by its local key) and group ('' for none) of a report's sums. */
export interface ReportSumsRow<T> {
  key: number;
  group: string;
  sums: T;
}

/** What the history adds up for one interval and group (server/stats/report-figures.ts defines the figures from it); times in ms. */
export interface ReportSums {
  /** Calls that joined a queue (a call moved on to another queue joins that one too). */
  offered: number;
  answered: number;
  /** Answered after a wait of at most the queue's target (queues[].targetSeconds). */
  answeredInTarget: number;
  /** Callers who hung up while waiting, the short abandons included. */
  abandoned: number;
  /** Abandoned within statistics.shortAbandonSeconds. */
  shortAbandoned: number;
  /** Calls moved on from the queue by its overflow rule. */
  overflowed: number;
  /** Total wait of the answered calls. */
  answerWaitMs: number;
  /** Calls whose wait in line ended (answered, abandoned or overflowed), and their total and longest wait. */
  waited: number;
  waitMs: number;
  longestWaitMs: number;
  /** Talk, hold and wrap-up time of the answered calls. */
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  /** Callbacks asked for while queued in the interval, and of those the ones completed (whenever that was). */
  callbacksRequested: number;
  callbacksCompleted: number;
  /** Callers who hung up during or right after an avalanche message; null where the grouping cannot say (queue, agent). */
  deflected: number | null;
  /** Calls the flow transferred onward, connected; null where the grouping cannot say (queue, agent). */
  transferred: number | null;
}

export const NO_REPORT_SUMS: ReportSums = {
  offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0, shortAbandoned: 0, overflowed: 0,
  answerWaitMs: 0, waited: 0, waitMs: 0, longestWaitMs: 0, talkMs: 0, holdMs: 0, wrapUpMs: 0,
  callbacksRequested: 0, callbacksCompleted: 0, deflected: null, transferred: null,
};

/**
 * A report's rows from the history: the sums per interval and group (an
 * interval and group may come more than once: their sums add up), missed
 * offers per interval and agent, and (grouped by agent) the agents' time in
 * each state: added up where a state lies inside one interval, whole where
 * it crosses the intervals' bounds (logged out left out).
 */
export interface ReportRows {
  sums: Array<ReportSumsRow<ReportSums>>;
  missedOffers: Array<ReportSumsRow<number>>;
  /** The time of the agents' states that lie wholly inside one interval, per interval (key), agent, state and reason ('' for none). */
  stateTime: Array<{ key: number; agent: string; state: string; reason: string; ms: number }>;
  /** The other states that overlap the period, whole: the report cuts them at the intervals' bounds. */
  states: AgentInterval[];
}
