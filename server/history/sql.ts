/**
 * The statements both databases run: each write (./records.ts) as upserts
 * keyed on its row's natural key, a field left undefined keeping what the
 * row holds (COALESCE with the stored value). Written with `?`
 * placeholders; PostgreSQL numbers them (`numbered`).
 */
import type { ContactFields, HistoryWrite, QueueDayRules, SegmentFields } from './records.js';

export interface Statement {
  text: string;
  params: unknown[];
}

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** INSERT ... ON CONFLICT (key) DO UPDATE: the given columns replace, the absent ones stay. */
function upsert(table: string, key: Record<string, unknown>, fields: object): Statement {
  const keyCols = Object.keys(key).map(snake);
  const given = Object.entries(fields).filter(([, v]) => v !== undefined);
  const cols = [...keyCols, ...given.map(([k]) => snake(k))];
  const params = [...Object.values(key), ...given.map(([, v]) => v)];
  const onConflict = given.length === 0
    ? 'DO NOTHING'
    : `DO UPDATE SET ${given.map(([k]) => `${snake(k)} = COALESCE(excluded.${snake(k)}, ${table}.${snake(k)})`).join(', ')}`;
  return {
    text: `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (${keyCols.join(', ')}) ${onConflict}`,
    params,
  };
}

export function statementsFor(w: HistoryWrite): Statement[] {
  switch (w.kind) {
    case 'contact':
      return [upsert('contacts', { id: w.id }, w.fields satisfies ContactFields)];
    case 'segment':
      return [upsert('segments', { id: w.id }, w.fields satisfies SegmentFields)];
    case 'step':
      return [upsert('contact_steps', { contactId: w.contactId, seq: w.seq }, { at: w.at, node: w.node, nodeType: w.nodeType })];
    case 'offer':
      return [upsert('offers', { entryId: w.entryId, agent: w.agent, offeredAt: w.offeredAt },
        { contactId: w.contactId, result: w.result, ringMs: w.ringMs })];
    case 'callback-attempt':
      return [upsert('callback_attempts', { entryId: w.entryId, at: w.at }, { agent: w.agent, outcome: w.outcome, status: w.status })];
    case 'transfer':
      return [upsert('transfers', { contactId: w.contactId, at: w.at, target: w.target }, { node: w.node, outcome: w.outcome })];
    case 'agent-state':
      return [
        // The agent's interval open before this one ends when this one starts.
        {
          text: 'UPDATE agent_states SET ended_at = ? WHERE agent = ? AND ended_at IS NULL AND started_at < ?',
          params: [w.at, w.agent, w.at],
        },
        upsert('agent_states', { agent: w.agent, startedAt: w.at }, { state: w.state, reason: w.reason }),
      ];
  }
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`, ... (the statements here hold no other `?`). */
export function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * Answered calls and their handling time (talk, hold, wrap-up) per case
 * type and agent, answered in [from, to): the comparison of case types
 * and people.
 */
export const CASE_TYPE_HANDLING = `
  SELECT COALESCE(c.case_type, '') AS case_type,
         s.agent AS agent,
         COUNT(*) AS answered,
         SUM(COALESCE(s.talk_ms, 0)) AS talk_ms,
         SUM(COALESCE(s.hold_ms, 0)) AS hold_ms,
         SUM(COALESCE(s.wrap_up_ms, 0)) AS wrap_up_ms
    FROM segments s JOIN contacts c ON c.id = s.contact_id
   WHERE s.outcome = 'answered' AND s.answered_at >= ? AND s.answered_at < ?
   GROUP BY 1, 2
   ORDER BY 1, 2`;

/**
 * Offered, answered and abandoned per interval and service: calls that
 * reached a queue, counted in the interval they were queued in. The proof
 * that the reports are plain SQL over these tables.
 */
export const INTERVAL_COUNTS = `
  SELECT s.enqueued_at - s.enqueued_at % ? AS interval_start,
         c.service AS service,
         COUNT(*) AS offered,
         SUM(CASE WHEN s.outcome = 'answered' THEN 1 ELSE 0 END) AS answered,
         SUM(CASE WHEN s.outcome = 'abandoned' THEN 1 ELSE 0 END) AS abandoned
    FROM segments s JOIN contacts c ON c.id = s.contact_id
   WHERE s.kind = 'call' AND s.enqueued_at >= ? AND s.enqueued_at < ?
   GROUP BY 1, 2
   ORDER BY 1, 2`;

/** What a day's figures are counted by: the segment's queue, or the service its contact called. */
export type DayGrouping = 'queue' | 'service';

const GROUPED: Record<DayGrouping, { column: string; join: string }> = {
  queue: { column: 's.queue', join: '' },
  service: { column: 'c.service', join: 'JOIN contacts c ON c.id = s.contact_id' },
};

/**
 * Per queue or per service, the day [from, to): calls queued in it,
 * answered (within their queue's target or not), abandoned (short ones
 * apart), and callbacks asked for and completed in it. The targets are a
 * table of their own (one `SELECT ?, ?` per queue), so one text serves any
 * number of queues; a service's call is measured against the target of the
 * queue it waited in. The casts give PostgreSQL the parameters' types.
 */
export function dayFigures(by: DayGrouping, from: number, to: number, rules: QueueDayRules): Statement {
  const { column, join } = GROUPED[by];
  const targets = rules.targetMs.size === 0
    ? 'SELECT CAST(NULL AS TEXT) AS queue, CAST(NULL AS BIGINT) AS ms WHERE 1 = 0'
    : [...rules.targetMs.keys()].map(() => 'SELECT CAST(? AS TEXT) AS queue, CAST(? AS BIGINT) AS ms').join(' UNION ALL ');
  const queued = 's.enqueued_at >= d.from_ms AND s.enqueued_at < d.to_ms';
  const call = `s.kind = 'call' AND ${queued}`;
  const count = (when: string): string => `SUM(CASE WHEN ${when} THEN 1 ELSE 0 END)`;
  return {
    text: `
  WITH d AS (SELECT CAST(? AS BIGINT) AS from_ms, CAST(? AS BIGINT) AS to_ms,
                    CAST(? AS BIGINT) AS target_ms, CAST(? AS BIGINT) AS short_ms),
       t AS (${targets})
  SELECT ${column} AS grouped_by,
         ${count(call)} AS offered,
         ${count(`${call} AND s.outcome = 'answered'`)} AS answered,
         ${count(`${call} AND s.outcome = 'answered' AND s.wait_ms <= COALESCE(t.ms, d.target_ms)`)} AS answered_in_target,
         ${count(`${call} AND s.outcome = 'abandoned'`)} AS abandoned,
         ${count(`${call} AND s.outcome = 'abandoned' AND s.wait_ms < d.short_ms`)} AS short_abandoned,
         ${count('s.callback_requested_at >= d.from_ms AND s.callback_requested_at < d.to_ms')} AS callbacks_requested,
         ${count("s.callback_outcome = 'completed' AND s.callback_done_at >= d.from_ms AND s.callback_done_at < d.to_ms")} AS callbacks_completed
    FROM segments s ${join} CROSS JOIN d LEFT JOIN t ON t.queue = s.queue
   WHERE ${column} IS NOT NULL
     AND ((${queued}) OR (s.callback_requested_at >= d.from_ms AND s.callback_requested_at < d.to_ms)
          OR (s.callback_done_at >= d.from_ms AND s.callback_done_at < d.to_ms))
   GROUP BY ${column}
   ORDER BY ${column}`,
    params: [from, to, rules.defaultTargetMs, rules.shortAbandonMs, ...[...rules.targetMs].flat()],
  };
}
