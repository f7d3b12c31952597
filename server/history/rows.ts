/**
 * Rows as both databases return them (snake_case columns, NULL for
 * unknown) turned into the records of ./records.ts, and the queries that
 * read them: one text for both, with `?` placeholders.
 */
import {
  NO_REPORT_SUMS, type AgentInterval, type CaseTypeHandling, type ContactFields, type ContactRecord, type DayFigures, type IntervalCounts,
  type ReportSums, type ReportRows, type ReportSumsRow, type SegmentFields,
} from './records.js';

type Row = Record<string, unknown>;

const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The row's columns by their camelCase names, without the NULLs and the given keys. */
function fieldsOf<T>(row: Row, without: readonly string[] = []): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null || without.includes(k)) continue;
    out[camel(k)] = v;
  }
  return out as T;
}

export const READ = {
  contact: 'SELECT * FROM contacts WHERE id = ?',
  steps: 'SELECT seq, at, node, node_type FROM contact_steps WHERE contact_id = ? ORDER BY seq',
  segments: 'SELECT * FROM segments WHERE contact_id = ? ORDER BY enqueued_at, id',
  offers: 'SELECT entry_id, agent, offered_at, result, ring_ms FROM offers WHERE contact_id = ? ORDER BY offered_at, agent',
  callbackAttempts: `SELECT a.entry_id, a.at, a.agent, a.outcome, a.status FROM callback_attempts a
    JOIN segments s ON s.id = a.entry_id WHERE s.contact_id = ? ORDER BY a.at`,
  transfers: 'SELECT at, node, target, outcome FROM transfers WHERE contact_id = ? ORDER BY at, target',
  contactIds: 'SELECT id FROM contacts WHERE started_at >= ? AND started_at < ? ORDER BY started_at, id',
  agentIntervals: 'SELECT * FROM agent_states WHERE agent = ? AND started_at >= ? AND started_at < ? ORDER BY started_at',
} as const;

/** How a repository runs one read. */
export type Query = (text: string, params: unknown[]) => Promise<Row[]>;

export async function readContact(query: Query, id: string): Promise<ContactRecord | undefined> {
  const [contact] = await query(READ.contact, [id]);
  if (!contact) return undefined;
  const [steps, segments, offers, attempts, transfers] = await Promise.all([
    query(READ.steps, [id]), query(READ.segments, [id]), query(READ.offers, [id]),
    query(READ.callbackAttempts, [id]), query(READ.transfers, [id]),
  ]);
  return {
    id,
    fields: fieldsOf<ContactFields>(contact, ['id']),
    steps: steps.map((r) => fieldsOf(r)),
    segments: segments.map((r) => ({ id: String(r.id), ...fieldsOf<SegmentFields>(r, ['id', 'contact_id']) })),
    offers: offers.map((r) => fieldsOf(r)),
    callbackAttempts: attempts.map((r) => fieldsOf(r)),
    transfers: transfers.map((r) => fieldsOf(r)),
  };
}

export async function readAgentIntervals(query: Query, agent: string, from: number, to: number): Promise<AgentInterval[]> {
  return (await query(READ.agentIntervals, [agent, from, to])).map((r) => fieldsOf<AgentInterval>(r));
}

export function intervalCountsOf(rows: Row[]): IntervalCounts[] {
  return rows.map((r) => ({
    intervalStart: Number(r.interval_start), service: String(r.service),
    offered: Number(r.offered), answered: Number(r.answered), abandoned: Number(r.abandoned),
  }));
}

/** Sums come back as text from PostgreSQL (numeric): numbers here. */
export function caseTypeHandlingOf(rows: Row[]): CaseTypeHandling[] {
  return rows.map((r) => ({
    caseType: String(r.case_type), agent: String(r.agent), answered: Number(r.answered),
    talkMs: Number(r.talk_ms), holdMs: Number(r.hold_ms), wrapUpMs: Number(r.wrap_up_ms),
  }));
}

/** Each row's figures, with the queue or service it is grouped by (the `grouped_by` column). */
export function dayFiguresOf(rows: Row[]): Array<DayFigures & { groupedBy: string }> {
  return rows.map((r) => ({
    groupedBy: String(r.grouped_by), offered: Number(r.offered), answered: Number(r.answered),
    answeredInTarget: Number(r.answered_in_target), abandoned: Number(r.abandoned), shortAbandoned: Number(r.short_abandoned),
    callbacksRequested: Number(r.callbacks_requested), callbacksCompleted: Number(r.callbacks_completed),
  }));
}

/** A report's segment sums (./report-sql.ts); deflections and transfers 0 where the grouping counts them, null where it cannot. */
export function reportSumsOf(rows: Row[], countsContacts: boolean): Array<ReportSumsRow<ReportSums>> {
  const contactCount = countsContacts ? 0 : null;
  return rows.map((r) => ({
    key: Number(r.interval_key),
    group: String(r.grp),
    sums: {
      offered: Number(r.offered), answered: Number(r.answered), answeredInTarget: Number(r.answered_in_target),
      abandoned: Number(r.abandoned), shortAbandoned: Number(r.short_abandoned), overflowed: Number(r.overflowed),
      answerWaitMs: Number(r.answer_wait_ms), waited: Number(r.waited), waitMs: Number(r.wait_ms), longestWaitMs: Number(r.longest_wait_ms),
      talkMs: Number(r.talk_ms), holdMs: Number(r.hold_ms), wrapUpMs: Number(r.wrap_up_ms),
      callbacksRequested: Number(r.callbacks_requested), callbacksCompleted: Number(r.callbacks_completed),
      deflected: contactCount, transferred: contactCount,
    },
  }));
}

/** A report's deflections and transfers per interval and group, as sums of their own. */
export function contactSumsOf(rows: Row[]): Array<ReportSumsRow<ReportSums>> {
  return rows.map((r) => ({
    key: Number(r.interval_key), group: String(r.grp),
    sums: { ...NO_REPORT_SUMS, deflected: Number(r.deflected), transferred: Number(r.transferred) },
  }));
}

export function missedOffersOf(rows: Row[]): Array<ReportSumsRow<number>> {
  return rows.map((r) => ({ key: Number(r.interval_key), group: String(r.grp), sums: Number(r.missed) }));
}

export function stateTimeOf(rows: Row[]): ReportRows['stateTime'] {
  return rows.map((r) => ({ key: Number(r.interval_key), agent: String(r.agent), state: String(r.state), reason: String(r.reason), ms: Number(r.ms) }));
}

/** A report's state intervals: read column by column, as a month of them is a few hundred thousand rows. */
export const reportStatesOf = (rows: Row[]): AgentInterval[] => rows.map((r) => ({
  agent: String(r.agent), state: String(r.state), startedAt: Number(r.started_at),
  ...(r.reason === null ? {} : { reason: String(r.reason) }),
  ...(r.ended_at === null ? {} : { endedAt: Number(r.ended_at) }),
}));
