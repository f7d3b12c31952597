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
