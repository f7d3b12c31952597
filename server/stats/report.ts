/**
 * A report on the contact records: for a period of local days, per
 * interval (15, 30, 60 minutes, day, week, month) and group (service,
 * queue, number dialled, agent, case type), the figures of
 * ./report-figures.ts, and the same per interval over all groups (the
 * totals). The history adds up the sums (server/history/report-sql.ts);
 * here months are folded from days, and the agents' states that cross an
 * interval's bounds are shared out between the intervals they span.
 */
import type { QueueConfigEntry } from '../../config/schema.js';
import { NO_REPORT_SUMS, type ReportGrouping, type ReportSums } from '../history/records.js';
import type { HistoryRepository } from '../history/repository.js';
import {
  addAgentSums, addSums, agentFiguresOf, figuresOf, NO_AGENT_SUMS, type AgentReportFigures, type AgentSums, type ReportFigures,
} from './report-figures.js';
import { localIso, monthKey, piecesOf, reportPeriod, sqlInterval, type IntervalSize } from './report-period.js';

export interface ReportRequest {
  /** The first day, "YYYY-MM-DD", and the day after the last: the period is [from, to) in the company's time zone. */
  from: string;
  to: string;
  interval: IntervalSize;
  groupBy: ReportGrouping;
}

export interface ReportSettings {
  timezone: string;
  /** Each queue's target (targetSeconds) measures its service level. */
  queues: readonly Pick<QueueConfigEntry, 'id' | 'targetSeconds'>[];
  shortAbandonSeconds: number;
  /** An agent's state still open is counted up to now. */
  now: number;
}

export interface ReportLine extends ReportFigures, Partial<AgentReportFigures> {
  /** The interval's start in the company's time zone, with its offset. */
  start: string;
}

export interface ReportRow extends ReportLine {
  /** The service, queue, number, agent or case type; '' for calls without one. */
  group: string;
}

export interface Report {
  from: string;
  to: string;
  timezone: string;
  interval: IntervalSize;
  groupBy: ReportGrouping;
  shortAbandonSeconds: number;
  /** One row per interval and group with any record, by interval, then group. */
  rows: ReportRow[];
  /** One per interval with any record: every group added up. */
  totals: ReportLine[];
}

interface Cell {
  sums: ReportSums;
  agent: AgentSums;
}

/** The report; PeriodError (./report-period.ts) when the period is not one it covers. */
export async function contactReport(history: Pick<HistoryRepository, 'report'>, request: ReportRequest, settings: ReportSettings): Promise<Report> {
  const period = reportPeriod(request.from, request.to, request.interval, settings.timezone);
  const interval = sqlInterval(request.interval);
  const found = await history.report({
    from: period.from, to: period.to, spans: period.spans, interval, groupBy: request.groupBy,
    rules: {
      targetMs: new Map(settings.queues.map((q) => [q.id, q.targetSeconds * 1000])),
      defaultTargetMs: 0,
      shortAbandonMs: settings.shortAbandonSeconds * 1000,
    },
  });

  const fold = request.interval === 'month' ? monthKey : (key: number): number => key;
  const cells = new Map<number, Map<string, Cell>>();
  const cell = (key: number, group: string): Cell => {
    const byGroup = cells.get(fold(key)) ?? cells.set(fold(key), new Map()).get(fold(key))!;
    return byGroup.get(group) ?? byGroup.set(group, { sums: NO_REPORT_SUMS, agent: { ...NO_AGENT_SUMS, pauseMs: {} } }).get(group)!;
  };
  for (const row of found.sums) {
    const c = cell(row.key, row.group);
    c.sums = addSums(c.sums, row.sums);
  }
  const byAgent = request.groupBy === 'agent';
  for (const row of found.missedOffers) cell(row.key, row.group).agent.missedOffers += row.sums;
  const until = Math.min(period.to, settings.now);
  for (const t of found.stateTime) addStateTime(cell(t.key, t.agent).agent, t.state, t.reason, t.ms);
  for (const state of found.states) {
    const start = Math.max(state.startedAt, period.from);
    const end = Math.min(state.endedAt ?? until, until);
    for (const { key, ms } of piecesOf(start, end, period.spans, interval)) {
      addStateTime(cell(key, state.agent).agent, state.state, state.reason ?? '', ms);
    }
  }

  const rows: ReportRow[] = [];
  const totals: ReportLine[] = [];
  for (const key of [...cells.keys()].sort((a, b) => a - b)) {
    const start = localIso(key, settings.timezone, period.spans);
    const groups = [...cells.get(key)!].sort(([a], [b]) => a.localeCompare(b));
    let total: Cell = { sums: NO_REPORT_SUMS, agent: NO_AGENT_SUMS };
    for (const [group, c] of groups) {
      rows.push({ start, group, ...lineOf(c, byAgent) });
      total = { sums: addSums(total.sums, c.sums), agent: addAgentSums(total.agent, c.agent) };
    }
    totals.push({ start, ...lineOf(total, byAgent) });
  }
  return {
    from: request.from, to: request.to, timezone: settings.timezone, interval: request.interval, groupBy: request.groupBy,
    shortAbandonSeconds: settings.shortAbandonSeconds, rows, totals,
  };
}

const lineOf = (c: Cell, byAgent: boolean): ReportFigures & Partial<AgentReportFigures> =>
  ({ ...figuresOf(c.sums), ...(byAgent ? agentFiguresOf(c.agent) : {}) });

/** Adds `ms` in an agent's state to their sums (in place): logged out adds nothing. */
function addStateTime(sums: AgentSums, state: string, reason: string, ms: number): void {
  switch (state) {
    case 'paused':
      sums.pauseMs[reason] = (sums.pauseMs[reason] ?? 0) + ms;
      return;
    case 'busy':
      sums.busyMs += ms;
      break;
    case 'wrap-up':
      sums.wrapUpMs += ms;
      break;
    case 'ready':
    case 'reserved':
      break;
    default:
      return;
  }
  sums.availableMs += ms;
}
