/**
 * The reports' SQL, one text for both databases: the sums of
 * ./records.ts ReportSums per interval and group, added up by the database
 * on its indexes. An interval is named by its local key (the start in the
 * company's wall-clock time, as ms): `at + offset`, rounded down, the offset
 * taken from a small table of the period's offset spans (`z`). The queues'
 * targets are a table too (`t`), as in the queue's day (./sql.ts).
 *
 * A call counts in the interval it joined the queue; a deflection in the
 * one its call started; a transfer and a missed offer in the one they
 * happened.
 */
import type { ReportGrouping, ReportInterval, ReportQuery } from './records.js';
import type { Statement } from './sql.js';

const DAY_MS = 86_400_000;

/** The local key of the interval `column` falls in (./records.ts ReportInterval), as SQL. */
function intervalOf(column: string, interval: ReportInterval): string {
  const local = `(${column} + z.offset_ms)`;
  if (interval.kind === 'fixed') return `(${local} - ${local} % ${interval.ms})`;
  // Weeks from Monday: day 0 (1970-01-01) was a Thursday.
  return `(${local} - ${local} % ${DAY_MS} - ((${local} / ${DAY_MS} + 3) % 7) * ${DAY_MS})`;
}

/** The period's offset spans as a table `z`. */
function spansTable(q: ReportQuery): Statement {
  return {
    text: q.spans.map(() => 'SELECT CAST(? AS BIGINT) AS from_ms, CAST(? AS BIGINT) AS to_ms, CAST(? AS BIGINT) AS offset_ms').join(' UNION ALL '),
    params: q.spans.flatMap((s) => [s.from, s.to, s.offsetMs]),
  };
}

/** The queues' targets as a table `t` (queue, ms). */
function targetsTable(q: ReportQuery): Statement {
  const targets = [...q.rules.targetMs];
  return {
    text: targets.length === 0
      ? 'SELECT CAST(NULL AS TEXT) AS queue, CAST(NULL AS BIGINT) AS ms WHERE 1 = 0'
      : targets.map(() => 'SELECT CAST(? AS TEXT) AS queue, CAST(? AS BIGINT) AS ms').join(' UNION ALL '),
    params: targets.flat(),
  };
}

/** The column a grouping groups by, and whether it is the contact's (c) or the queue segment's (s). */
const GROUP_COLUMN: Record<ReportGrouping, { column: string; ofContact: boolean }> = {
  service: { column: 'c.service', ofContact: true },
  dialled: { column: 'c.dialled', ofContact: true },
  caseType: { column: 'c.case_type', ofContact: true },
  queue: { column: 's.queue', ofContact: false },
  agent: { column: 's.agent', ofContact: false },
};

/** Deflections and transfers belong to a contact: only the groupings by the contact's own columns can share them out. */
export const countsContacts = (groupBy: ReportGrouping): boolean => GROUP_COLUMN[groupBy].ofContact;

/** The sums over the queue segments, per interval (of joining the queue) and group. */
export function segmentSums(q: ReportQuery): Statement {
  const z = spansTable(q);
  const t = targetsTable(q);
  const { column, ofContact } = GROUP_COLUMN[q.groupBy];
  // A lookup per queue stay, not a join: on a week or more PostgreSQL's
  // planner prices the id index above a scan of every contact, and the scan
  // is the slower by far (a contact's id is its key, so the lookup gives
  // the one row a left join would, or NULL).
  const group = ofContact ? `(SELECT ${column} FROM contacts c WHERE c.id = s.contact_id)` : column;
  const call = "s.kind = 'call'";
  const answered = `${call} AND s.outcome = 'answered'`;
  const abandoned = `${call} AND s.outcome = 'abandoned'`;
  const waitEnded = `${call} AND s.outcome IN ('answered', 'abandoned', 'overflowed') AND s.wait_ms IS NOT NULL`;
  const count = (when: string): string => `SUM(CASE WHEN ${when} THEN 1 ELSE 0 END)`;
  const total = (when: string, value: string): string => `SUM(CASE WHEN ${when} THEN COALESCE(${value}, 0) ELSE 0 END)`;
  return {
    text: `
  WITH z AS (${z.text}),
       t AS (${t.text}),
       d AS (SELECT CAST(? AS BIGINT) AS target_ms, CAST(? AS BIGINT) AS short_ms)
  SELECT ${intervalOf('s.enqueued_at', q.interval)} AS interval_key,
         COALESCE(${group}, '') AS grp,
         ${count(call)} AS offered,
         ${count(answered)} AS answered,
         ${count(`${answered} AND s.wait_ms <= COALESCE(t.ms, d.target_ms)`)} AS answered_in_target,
         ${count(abandoned)} AS abandoned,
         ${count(`${abandoned} AND s.wait_ms < d.short_ms`)} AS short_abandoned,
         ${count(`${call} AND s.outcome = 'overflowed'`)} AS overflowed,
         ${total(answered, 's.wait_ms')} AS answer_wait_ms,
         ${count(waitEnded)} AS waited,
         ${total(waitEnded, 's.wait_ms')} AS wait_ms,
         COALESCE(MAX(CASE WHEN ${waitEnded} THEN s.wait_ms END), 0) AS longest_wait_ms,
         ${total(answered, 's.talk_ms')} AS talk_ms,
         ${total(answered, 's.hold_ms')} AS hold_ms,
         ${total(answered, 's.wrap_up_ms')} AS wrap_up_ms,
         ${count('s.callback_requested_at IS NOT NULL')} AS callbacks_requested,
         ${count("s.callback_outcome = 'completed'")} AS callbacks_completed
    FROM segments s
    JOIN z ON s.enqueued_at >= z.from_ms AND s.enqueued_at < z.to_ms
    CROSS JOIN d
    LEFT JOIN t ON t.queue = s.queue
   WHERE s.enqueued_at >= ? AND s.enqueued_at < ? AND s.queue IS NOT NULL
   GROUP BY 1, 2`,
    params: [...z.params, ...t.params, q.rules.defaultTargetMs, q.rules.shortAbandonMs, q.from, q.to],
  };
}

/** Deflections (by the call's start) and connected transfers (by when they were made), per interval and group of the contact's. */
export function contactSums(q: ReportQuery): Statement {
  const z = spansTable(q);
  const { column } = GROUP_COLUMN[q.groupBy];
  return {
    text: `
  WITH z AS (${z.text})
  SELECT ${intervalOf('x.at', q.interval)} AS interval_key, x.grp AS grp,
         SUM(x.deflected) AS deflected, SUM(x.transferred) AS transferred
    FROM (SELECT c.started_at AS at, COALESCE(${column}, '') AS grp, 1 AS deflected, 0 AS transferred
            FROM contacts c
           WHERE c.deflected = 1 AND c.started_at >= ? AND c.started_at < ?
          UNION ALL
          SELECT tr.at AS at, COALESCE(${column}, '') AS grp, 0 AS deflected, 1 AS transferred
            FROM transfers tr JOIN contacts c ON c.id = tr.contact_id
           WHERE tr.outcome = 'connected' AND tr.at >= ? AND tr.at < ?) x
    JOIN z ON x.at >= z.from_ms AND x.at < z.to_ms
   GROUP BY 1, 2`,
    params: [...z.params, q.from, q.to, q.from, q.to],
  };
}

/** Offers that rang out unanswered, per interval and agent. */
export function missedOffers(q: ReportQuery): Statement {
  const z = spansTable(q);
  return {
    text: `
  WITH z AS (${z.text})
  SELECT ${intervalOf('o.offered_at', q.interval)} AS interval_key, o.agent AS grp, COUNT(*) AS missed
    FROM offers o JOIN z ON o.offered_at >= z.from_ms AND o.offered_at < z.to_ms
   WHERE o.result = 'missed' AND o.offered_at >= ? AND o.offered_at < ?
   GROUP BY 1, 2`,
    params: [...z.params, q.from, q.to],
  };
}

/**
 * How far before the period a state that runs into it may have begun. Both
 * ends of the read then stay on the index of the states' starts: a state
 * begun earlier still (ready or paused for over a week without a change)
 * is not counted.
 */
const STATE_LOOKBACK_MS = 7 * DAY_MS;

/** An agent's state wholly inside one interval of one offset span (most are): `a` lies in `z`'s span. */
function withinOneInterval(q: ReportQuery): string {
  return `a.ended_at IS NOT NULL AND a.ended_at <= z.to_ms AND a.ended_at <= ?
    AND ${intervalOf('a.started_at', q.interval)} = ${intervalOf('a.ended_at - 1', q.interval)}`;
}

/** The time of the states wholly inside one interval, added up per interval, agent, state and reason ('' for none). */
export function stateSums(q: ReportQuery): Statement {
  const z = spansTable(q);
  return {
    text: `
  WITH z AS (${z.text})
  SELECT ${intervalOf('a.started_at', q.interval)} AS interval_key, a.agent AS agent, a.state AS state,
         COALESCE(a.reason, '') AS reason, SUM(a.ended_at - a.started_at) AS ms
    FROM agent_states a JOIN z ON a.started_at >= z.from_ms AND a.started_at < z.to_ms
   WHERE a.started_at >= ? AND a.started_at < ? AND a.state <> 'logged-out' AND ${withinOneInterval(q)}
   GROUP BY 1, 2, 3, 4`,
    params: [...z.params, q.from, q.to, q.to],
  };
}

/** The other states that overlap [from, to), each whole: those crossing an interval's or the period's bounds, and those still open. */
export function crossingStates(q: ReportQuery): Statement {
  const z = spansTable(q);
  return {
    text: `
  WITH z AS (${z.text})
  SELECT a.agent AS agent, a.state AS state, a.reason AS reason, a.started_at AS started_at, a.ended_at AS ended_at
    FROM agent_states a LEFT JOIN z ON a.started_at >= z.from_ms AND a.started_at < z.to_ms
   WHERE a.started_at >= ? AND a.started_at < ? AND (a.ended_at IS NULL OR a.ended_at > ?) AND a.state <> 'logged-out'
     AND (z.from_ms IS NULL OR NOT (${withinOneInterval(q)}))`,
    params: [...z.params, q.from - STATE_LOOKBACK_MS, q.to, q.from, q.to],
  };
}
