/**
 * One queue's staffing, day by day and interval by interval, from the
 * organisation's own contact records: the forecast of calls and handling
 * time (./forecast.ts, from the same weekday in the weeks before), the
 * agents the queue's goal needs (./staffing.ts: Erlang C, or Erlang A when
 * the history shows how patient its callers are), the plan
 * (./staffing-plan-file.ts) and, for days under way or past, the outcome:
 * calls offered, their handling time, and the agents actually staffed
 * (./staffing-history.ts defines each figure).
 */
import type { QueueConfigEntry, StaffingConfig } from '../../config/schema.js';
import type { HistoryRepository } from '../history/repository.js';
import { dateOfDay, dayNumber, minuteOfDay } from './civil-time.js';
import { forecast, forecastAccuracy } from './forecast.js';
import { companyDay, startOfDay } from './queue-today.js';
import type { StaffingPlanFile } from './staffing-plan-file.js';
import { civilSlot, queueHistory, staffedPerInterval } from './staffing-history.js';
import { staffDay } from './staffing.js';

export interface StaffingSources {
  history: Pick<HistoryRepository, 'queueIntervals' | 'agentStates'>;
  plan: Pick<StaffingPlanFile, 'rows'>;
}

export interface QueueStaffingSettings {
  queue: QueueConfigEntry;
  /** The agents who may take the queue's calls (their ready time counts for it). */
  agents: ReadonlySet<string>;
  staffing: StaffingConfig;
  timezone: string;
}

export interface StaffingInterval {
  /** "HH:MM", company time. */
  start: string;
  forecastCalls: number;
  forecastAhtSeconds: number | null;
  /** Agents on the phones the goal needs for the forecast. */
  needed: number;
  /** Paid staff to schedule for that: needed / (1 - shrinkage), rounded up. */
  scheduled: number;
  /** Service level expected with `needed` agents. */
  expectedServiceLevel: number;
  /** Share of callers expected to hang up with `needed` agents (0 by Erlang C). */
  expectedAbandonment: number;
  planned: number | null;
  /** Calls offered (days under way or past; null for intervals still to come). */
  actualCalls: number | null;
  actualAhtSeconds: number | null;
  /** Mean number of agents staffed (null for intervals still to come). */
  ready: number | null;
}

export interface StaffingDay {
  date: string;
  holiday: string | null;
  /** The history days the forecast rests on, most recent first. */
  basedOn: string[];
  /** Forecast against outcome over a day that is over and had calls (./forecast.ts forecastAccuracy); null otherwise. */
  accuracy: { wape: number; mape: number } | null;
  intervals: StaffingInterval[];
}

export interface QueueStaffing {
  queue: string;
  intervalMinutes: number;
  targetSeconds: number;
  serviceLevelGoal: number;
  /** erlang-a when the history shows the callers' patience, erlang-c otherwise. */
  method: 'erlang-c' | 'erlang-a';
  patienceSeconds: number | null;
  days: StaffingDay[];
}

const DAY_MS = 86_400_000;

/** The start of a civil date in the company's time zone (noon UTC falls on the same date in any zone within ±12 h). */
export function startOfDate(date: string, timezone: string): number {
  return startOfDay(dayNumber(date) * DAY_MS + DAY_MS / 2, timezone);
}

/** `days` days of a queue's staffing from `fromDate`. */
export async function queueStaffing(
  sources: StaffingSources,
  settings: QueueStaffingSettings,
  range: { fromDate: string; days: number; now: number },
): Promise<QueueStaffing> {
  const { queue, staffing, timezone } = settings;
  const first = dayNumber(range.fromDate);
  const from = startOfDate(range.fromDate, timezone);
  const to = companyDay(startOfDate(dateOfDay(first + range.days - 1), timezone), timezone).to;
  const historyFrom = startOfDate(dateOfDay(first - 7 * staffing.forecastWeeks), timezone);
  const intervalMs = staffing.intervalMinutes * 60_000;

  const rows = await sources.history.queueIntervals(staffing.intervalMinutes, historyFrom, Math.min(to, range.now + intervalMs));
  const recorded = queueHistory(rows, queue.id, timezone);
  const forecastDays = forecast({
    history: recorded.series, intervalMinutes: staffing.intervalMinutes, from: range.fromDate, days: range.days, weeks: staffing.forecastWeeks,
  });
  const readyUntil = Math.min(to, range.now);
  const states = readyUntil > from ? await sources.history.agentStates(from, readyUntil) : [];
  const ready = staffedPerInterval(states, settings.agents, { from, to: readyUntil, intervalMs, now: range.now });
  const readyBySlot = new Map([...ready].map(([at, n]) => [slotKey(civilSlot(at, timezone)), n]));
  // The outcome as recorded: no handling time where no call was answered.
  const actualBySlot = new Map(rows.filter((r) => r.queue === queue.id).map((r) => [
    slotKey(civilSlot(r.intervalStart, timezone)),
    { calls: r.offered, ahtSeconds: r.answered === 0 ? null : r.handledMs / r.answered / 1000 },
  ]));
  const plan = sources.plan.rows(range.fromDate, dateOfDay(first + range.days - 1), queue.id);
  const plannedBySlot = new Map(plan.map((p) => [slotKey(p), p.agents]));
  const patience = recorded.patienceSeconds;

  const days = forecastDays.map((day): StaffingDay => {
    const need = staffDay({
      intervalMinutes: staffing.intervalMinutes,
      intervals: day.intervals.map((iv) => ({ label: iv.start, calls: iv.calls, ...(iv.ahtSeconds !== undefined ? { ahtSeconds: iv.ahtSeconds } : {}) })),
      ahtSeconds: recorded.meanAhtSeconds,
      targetServiceLevel: queue.serviceLevelGoal,
      targetSeconds: queue.targetSeconds,
      maxOccupancy: staffing.maxOccupancy,
      shrinkage: staffing.shrinkage,
      ...(patience !== undefined ? { patienceSeconds: patience } : {}),
    });
    const needBySlot = new Map(need.intervals.map((n, i) => [n.label, { n, forecastAht: day.intervals[i]!.ahtSeconds }]));
    const starts = new Set<string>(needBySlot.keys());
    for (const map of [actualBySlot, plannedBySlot]) for (const key of map.keys()) if (key.startsWith(day.date)) starts.add(key.slice(11));
    for (const [key, n] of readyBySlot) if (n > 0 && key.startsWith(day.date)) starts.add(key.slice(11));
    const intervals = [...starts].sort((x, y) => minuteOfDay(x) - minuteOfDay(y)).map((start): StaffingInterval => {
      const key = `${day.date} ${start}`;
      const needed = needBySlot.get(start);
      const actual = actualBySlot.get(key);
      const begun = startOfDate(day.date, timezone) + minuteOfDay(start) * 60_000 < range.now;
      return {
        start,
        forecastCalls: needed?.n.calls ?? 0,
        forecastAhtSeconds: needed?.forecastAht ?? null,
        needed: needed?.n.agents ?? 0,
        scheduled: needed?.n.scheduledAgents ?? 0,
        expectedServiceLevel: needed?.n.serviceLevel ?? 1,
        expectedAbandonment: needed?.n.probabilityOfAbandoning ?? 0,
        planned: plannedBySlot.get(key) ?? null,
        actualCalls: actual?.calls ?? (begun ? 0 : null),
        actualAhtSeconds: actual?.ahtSeconds ?? null,
        ready: readyBySlot.get(key) ?? (begun ? 0 : null),
      };
    });
    const outcome = recorded.series.filter((r) => r.date === day.date);
    const over = companyDay(startOfDate(day.date, timezone), timezone).to <= range.now;
    const accuracy = over && outcome.some((r) => r.calls > 0) ? forecastAccuracy([day], outcome) : undefined;
    return {
      date: day.date, holiday: day.holiday ?? null, basedOn: day.basedOn,
      accuracy: accuracy ? { wape: accuracy.wape, mape: accuracy.mape } : null,
      intervals,
    };
  });
  return {
    queue: queue.id,
    intervalMinutes: staffing.intervalMinutes,
    targetSeconds: queue.targetSeconds,
    serviceLevelGoal: queue.serviceLevelGoal,
    method: patience === undefined ? 'erlang-c' : 'erlang-a',
    patienceSeconds: patience ?? null,
    days,
  };
}

const slotKey = (s: { date: string; start: string }): string => `${s.date} ${s.start}`;
