/**
 * The history's repository port: what the product writes and reads, the
 * same on SQLite (./sqlite.ts) and PostgreSQL (./postgres.ts); one contract
 * suite checks both.
 */
import type { QueueInterval, QueuedCall } from './staffing-reads.js';
import type { AgentInterval, CaseTypeHandling, ContactRecord, HistoryWrite, IntervalCounts, QueueDay, QueueDayRules, ReportQuery, ReportRows, ServiceDay } from './records.js';

export interface HistoryRepository {
  /** 'sqlite' or 'postgresql', for the start-up log. */
  readonly kind: string;
  /** Writes the batch in one transaction: all of it, or nothing (then it throws). Idempotent. */
  write(batch: readonly HistoryWrite[]): Promise<void>;
  /** Everything recorded about one contact; undefined when none is. */
  contact(id: string): Promise<ContactRecord | undefined>;
  /** The ids of the contacts started in [from, to), oldest first. */
  contactIds(from: number, to: number): Promise<string[]>;
  /** One agent's state intervals that started in [from, to), oldest first. */
  agentIntervals(agent: string, from: number, to: number): Promise<AgentInterval[]>;
  /** Offered, answered, abandoned calls per interval of `intervalMinutes` and service, queued in [from, to). */
  intervalCounts(intervalMinutes: number, from: number, to: number): Promise<IntervalCounts[]>;
  /** Answered calls and their handling time per case type and agent, answered in [from, to). */
  caseTypeHandling(from: number, to: number): Promise<CaseTypeHandling[]>;
  /** Per queue: calls queued in [from, to) and how they ended, callbacks asked for and completed in it (one SQL query). */
  queueDays(from: number, to: number, rules: QueueDayRules): Promise<QueueDay[]>;
  /** The same per service (the contact's), each call measured against the target of the queue it waited in (one SQL query). */
  serviceDays(from: number, to: number, rules: QueueDayRules): Promise<ServiceDay[]>;
  /** Per queue and interval of `intervalMinutes`: calls queued in [from, to), how they ended, their handling and waiting time. */
  queueIntervals(intervalMinutes: number, from: number, to: number): Promise<QueueInterval[]>;
  /** The calls queued in [from, to), one by one, oldest first. */
  queuedCalls(from: number, to: number): Promise<QueuedCall[]>;
  /** Every agent's state intervals that overlap [from, to), by agent and time. */
  agentStates(from: number, to: number): Promise<AgentInterval[]>;
  /** A report's sums per interval and group over [from, to) (./report-sql.ts), the same SQL on both databases. */
  report(q: ReportQuery): Promise<ReportRows>;
  close(): Promise<void>;
}

/** A database that cannot be opened or migrated: start-up stops with this one message. */
export class HistoryStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryStartError';
  }
}
