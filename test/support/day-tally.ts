/**
 * What a scripted day did, counted by the test itself from its own script,
 * never from what the product recorded: each call that reached a queue,
 * when (by the test's clock), for which service and queue, and how its wait
 * ended (answered by whom, with which case type; abandoned after how
 * long; a callback asked for, and made or not), the callers an avalanche message turned away, and the calls the
 * flow put through. The figures come out in the shapes the contact records' reads
 * answer with (server/history/records.ts), so a test compares them whole:
 * per interval and service, per case type and agent, per queue.
 */
import type { IntervalCounts, QueueDay } from '../../server/history/records.js';

interface Queued {
  at: number;
  service: string;
  queue: string;
  /** callback: the caller asked to be called back while waiting; `completed` once the call back was made. */
  outcome: 'answered' | 'abandoned' | 'callback';
  completed?: boolean;
  agent?: string;
  caseType?: string;
  waitMs?: number;
}

/** Answered calls per case type ('' for none) and agent. */
export interface CaseTypeCount {
  caseType: string;
  agent: string;
  answered: number;
}

/** A queue's day as the test counts it: QueueDay without the parts it does not script. */
export type QueueCount = Pick<QueueDay, 'queue' | 'offered' | 'answered' | 'abandoned' | 'shortAbandoned' | 'callbacksRequested' | 'callbacksCompleted'>;

/** A row's key from its grouping columns: sorted as SQL's ORDER BY sorts them ('' first, then by character). */
const keyOf = (...columns: Array<string | number>): string =>
  columns.map((c) => (typeof c === 'number' ? String(c).padStart(15, '0') : c)).join('\u0000');
const byKeys = <T>(rows: Map<string, T>): T[] => [...rows.keys()].sort().map((k) => rows.get(k)!);

/** Callers per service who hung up during or right after an avalanche message. */
export interface DeflectionCount {
  service: string;
  deflected: number;
}

/** Calls per service that the flow put through to a target, and how it went. */
export interface TransferCount {
  service: string;
  target: string;
  outcome: string;
  transfers: number;
}

export class DayTally {
  private readonly calls: Queued[] = [];
  private readonly deflectedIn: string[] = [];
  private readonly transferred: Array<{ service: string; target: string; outcome: string }> = [];

  answered(call: { at: number; service: string; queue: string; agent: string; caseType?: string }): void {
    this.calls.push({ ...call, outcome: 'answered' });
  }

  abandoned(call: { at: number; service: string; queue: string; waitMs: number }): void {
    this.calls.push({ ...call, outcome: 'abandoned' });
  }

  /** A caller who asked to be called back while waiting, and whether the call back was made. */
  callback(call: { at: number; service: string; queue: string; completed: boolean }): void {
    this.calls.push({ ...call, outcome: 'callback' });
  }

  /** A caller who hung up on an avalanche message, before any queue. */
  deflected(call: { service: string }): void {
    this.deflectedIn.push(call.service);
  }

  /** Deflections per service, by service. */
  deflections(): DeflectionCount[] {
    const rows = new Map<string, DeflectionCount>();
    for (const service of this.deflectedIn) {
      const row = rows.get(service) ?? { service, deflected: 0 };
      row.deflected += 1;
      rows.set(service, row);
    }
    return byKeys(rows);
  }

  /** A call the flow put through (its transfer node), with the outcome. */
  transfer(call: { service: string; target: string; outcome: string }): void {
    this.transferred.push(call);
  }

  /** Transfers per service, target and outcome. */
  transfers(): TransferCount[] {
    const rows = new Map<string, TransferCount>();
    for (const t of this.transferred) {
      const key = keyOf(t.service, t.target, t.outcome);
      const row = rows.get(key) ?? { ...t, transfers: 0 };
      row.transfers += 1;
      rows.set(key, row);
    }
    return byKeys(rows);
  }

  /** Offered, answered, abandoned per interval of `minutes` and service, in the repository's order. */
  intervals(minutes: number): IntervalCounts[] {
    const ms = minutes * 60_000;
    const rows = new Map<string, IntervalCounts>();
    for (const c of this.calls) {
      const intervalStart = c.at - (c.at % ms);
      const key = keyOf(intervalStart, c.service);
      const row = rows.get(key) ?? { intervalStart, service: c.service, offered: 0, answered: 0, abandoned: 0 };
      row.offered += 1;
      if (c.outcome !== 'callback') row[c.outcome] += 1;
      rows.set(key, row);
    }
    return byKeys(rows);
  }

  /** Answered calls per case type and agent, in the repository's order. */
  caseTypes(): CaseTypeCount[] {
    const rows = new Map<string, CaseTypeCount>();
    for (const c of this.calls) {
      if (c.outcome !== 'answered') continue;
      const caseType = c.caseType ?? '';
      const key = keyOf(caseType, c.agent!);
      const row = rows.get(key) ?? { caseType, agent: c.agent!, answered: 0 };
      row.answered += 1;
      rows.set(key, row);
    }
    return byKeys(rows);
  }

  /** Per queue: offered, answered, abandoned, the abandons shorter than `shortAbandonMs`, callbacks asked for and made. */
  queues(shortAbandonMs: number): QueueCount[] {
    const rows = new Map<string, QueueCount>();
    for (const c of this.calls) {
      const row = rows.get(c.queue)
        ?? { queue: c.queue, offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, callbacksRequested: 0, callbacksCompleted: 0 };
      row.offered += 1;
      if (c.outcome === 'callback') {
        row.callbacksRequested += 1;
        if (c.completed) row.callbacksCompleted += 1;
      } else {
        row[c.outcome] += 1;
      }
      if (c.outcome === 'abandoned' && c.waitMs! < shortAbandonMs) row.shortAbandoned += 1;
      rows.set(c.queue, row);
    }
    return byKeys(rows);
  }
}
