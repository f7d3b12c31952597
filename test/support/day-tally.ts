/**
 * What a scripted day did, counted by the test itself from its own script,
 * never from what the product recorded: each call that reached a queue,
 * when (by the test's clock), on which number, for which service and queue,
 * and how its wait ended (answered by whom, after how long, with which case
 * type and how long the agent spent on it; abandoned after how long; a
 * callback asked for, and made or not), the callers an avalanche message
 * turned away, and the calls the flow put through. The figures come out per
 * interval and group in the shape of the contact report's rows
 * (GET /api/v1/reports/contacts), each worked out from the definitions in
 * docs/statistics.md, times in seconds as the test measured them: a test
 * compares them whole, the times within its measuring error.
 */
// The figures' names and types only: the tally counts them itself, from what the test did.
import type { ReportFigures } from '../../server/stats/report-figures.js';

/** What a report groups by. */
export type TallyGrouping = 'service' | 'queue' | 'dialled' | 'agent' | 'caseType';

/** Where a call came in: the service, the number dialled. */
interface Placed {
  /** When the test placed the call (its own clock). */
  at: number;
  service: string;
  dialled: string;
}

interface Queued extends Placed {
  queue: string;
  outcome: 'answered' | 'abandoned' | 'callback';
  /** Who answered it, or made the call back. */
  agent?: string;
  caseType?: string;
  /** answered: the time in line; abandoned: the caller's patience. */
  waitMs: number;
  /** answered: talk, hold and wrap-up. */
  handlingMs: number;
  /** callback: whether the call back reached the customer. */
  completed: boolean;
}

/** One interval (by the instant it starts) and group of the report, as the test counts it. */
export interface TallyRow extends ReportFigures {
  start: number;
  group: string;
}

/** The report's figure names, in its order. */
export const TALLY_FIGURES = [
  'offered', 'answered', 'answeredInTarget', 'abandoned', 'shortAbandoned', 'serviceLevel',
  'averageSpeedOfAnswerSeconds', 'averageWaitSeconds', 'longestWaitSeconds', 'averageHandlingSeconds', 'handlingSeconds',
  'callbacksRequested', 'callbacksCompleted', 'deflections', 'transfers', 'overflows',
] as const satisfies ReadonlyArray<keyof TallyRow>;

/** How the day's report counts: each queue's target, the short abandons' bound. */
export interface TallyRules {
  targetMs: number;
  shortAbandonMs: number;
}

/** Deflections and transfers belong to the contact, not to a queue's or an agent's part of it. */
const CONTACT_GROUPINGS: ReadonlySet<TallyGrouping> = new Set(['service', 'dialled', 'caseType']);

export class DayTally {
  private readonly calls: Queued[] = [];
  private readonly deflectedCalls: Placed[] = [];
  private readonly transferred: Placed[] = [];

  answered(call: Placed & { queue: string; agent: string; caseType?: string; handlingMs: number }): void {
    this.calls.push({ ...call, outcome: 'answered', waitMs: 0, completed: false });
  }

  abandoned(call: Placed & { queue: string; waitMs: number }): void {
    this.calls.push({ ...call, outcome: 'abandoned', handlingMs: 0, completed: false });
  }

  /** A caller who asked to be called back while waiting, the agent who called back, and whether it reached them. */
  callback(call: Placed & { queue: string; agent: string; completed: boolean }): void {
    this.calls.push({ ...call, outcome: 'callback', waitMs: 0, handlingMs: 0 });
  }

  /** A caller who hung up on an avalanche message, before any queue. */
  deflected(call: Placed): void {
    this.deflectedCalls.push(call);
  }

  /** A call the flow put through (its transfer node) and that was answered; `at`: when it was put through. */
  transfer(call: Placed): void {
    this.transferred.push(call);
  }

  /**
   * The report's rows per interval of `minutes` and group, by interval, then group. The calls' intervals are
   * those they were placed in: the company's offsets are whole hours, so quarters and hours start where UTC's do.
   */
  report(minutes: number, groupBy: TallyGrouping, rules: TallyRules): TallyRow[] {
    const ms = minutes * 60_000;
    const ofContact = CONTACT_GROUPINGS.has(groupBy);
    const rows = new Map<string, { row: TallyRow; answerWaits: number[]; waits: number[]; handling: number[] }>();
    const rowOf = (at: number, group: string) => {
      const start = at - (at % ms);
      const key = `${start}\u0000${group}`;
      const found = rows.get(key);
      if (found) return found;
      const made = {
        row: {
          start, group, offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0, shortAbandoned: 0, serviceLevel: null,
          averageSpeedOfAnswerSeconds: null, averageWaitSeconds: null, longestWaitSeconds: 0, averageHandlingSeconds: null,
          handlingSeconds: 0, callbacksRequested: 0, callbacksCompleted: 0,
          deflections: ofContact ? 0 : null, transfers: ofContact ? 0 : null, overflows: 0,
        } satisfies TallyRow as TallyRow,
        answerWaits: [] as number[], waits: [] as number[], handling: [] as number[],
      };
      rows.set(key, made);
      return made;
    };
    const groupOf = (c: Placed & Partial<Queued>): string => (groupBy === 'service' || groupBy === 'dialled' ? c[groupBy] : c[groupBy] ?? '');

    for (const c of this.calls) {
      const cell = rowOf(c.at, groupOf(c));
      cell.row.offered += 1;
      if (c.outcome === 'answered') {
        cell.row.answered += 1;
        if (c.waitMs <= rules.targetMs) cell.row.answeredInTarget += 1;
        cell.answerWaits.push(c.waitMs);
        cell.waits.push(c.waitMs);
        cell.handling.push(c.handlingMs);
      } else if (c.outcome === 'abandoned') {
        cell.row.abandoned += 1;
        if (c.waitMs < rules.shortAbandonMs) cell.row.shortAbandoned += 1;
        cell.waits.push(c.waitMs);
      } else {
        cell.row.callbacksRequested += 1;
        if (c.completed) cell.row.callbacksCompleted += 1;
      }
    }
    if (ofContact) {
      for (const d of this.deflectedCalls) rowOf(d.at, groupOf(d)).row.deflections! += 1;
      for (const t of this.transferred) rowOf(t.at, groupOf(t)).row.transfers! += 1;
    }

    const seconds = (values: number[]): number => values.reduce((a, b) => a + b, 0) / 1000;
    const average = (values: number[]): number | null => (values.length === 0 ? null : seconds(values) / values.length);
    const byIntervalThenGroup = [...rows.values()].sort((a, b) => a.row.start - b.row.start || a.row.group.localeCompare(b.row.group));
    return byIntervalThenGroup.map(({ row, answerWaits, waits, handling }) => {
      // Service level: answered within the target, of the calls answered or abandoned, short abandons left out.
      const counted = row.answered + row.abandoned - row.shortAbandoned;
      return {
        ...row,
        serviceLevel: counted === 0 ? null : row.answeredInTarget / counted,
        averageSpeedOfAnswerSeconds: average(answerWaits),
        averageWaitSeconds: average(waits),
        longestWaitSeconds: Math.max(0, ...waits) / 1000,
        averageHandlingSeconds: average(handling),
        handlingSeconds: seconds(handling),
      };
    });
  }
}
