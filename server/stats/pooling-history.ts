/**
 * The pooling what-if on the organisation's own history: for the queues
 * chosen, their average day over a period (./forecast.ts averageDay:
 * holidays left out, only the weekdays asked for), each queue staffed as it
 * is today, then the same calls in one pooled queue with the same staff,
 * and the staff the pooled queue needs for the separate queues' level
 * (./staffing.ts comparePoolingDay).
 *
 * "As it is today": the agents given for a queue, in every interval; a
 * queue without a number is staffed for its own goal (Erlang C, at most
 * the configured occupancy), interval by interval. All queues are judged
 * against the shortest of their targets, the promise the pooled queue
 * would have to keep.
 */
import type { QueueConfigEntry, StaffingConfig } from '../../config/schema.js';
import type { QueueInterval } from '../history/staffing-reads.js';
import { agentsForTraffic, trafficIntensity } from './erlang-c.js';
import { averageDay } from './forecast.js';
import { queueHistory } from './staffing-history.js';
import { comparePoolingDay, type PoolingDayComparison, type PoolingQueueDay } from './staffing.js';

export interface PoolingWhatIfInput {
  queues: readonly QueueConfigEntry[];
  /** Agents on the phones per queue id, the same in every interval; absent: what the queue's goal needs. */
  agents?: Readonly<Record<string, number>>;
  /** Weekdays to average (0 = Sunday ... 6 = Saturday); absent: all. */
  weekdays?: number[];
}

export interface PoolingWhatIf extends PoolingDayComparison {
  targetSeconds: number;
  intervalMinutes: number;
  /** The history days averaged. */
  basedOn: string[];
}

export function poolingWhatIf(rows: readonly QueueInterval[], input: PoolingWhatIfInput, settings: { staffing: StaffingConfig; timezone: string }): PoolingWhatIf {
  const { intervalMinutes, maxOccupancy } = settings.staffing;
  const targetSeconds = Math.min(...input.queues.map((q) => q.targetSeconds));
  const basedOn = new Set<string>();
  const days: PoolingQueueDay[] = input.queues.map((queue) => {
    const recorded = queueHistory(rows, queue.id, settings.timezone);
    const day = averageDay({ history: recorded.series, intervalMinutes, ...(input.weekdays ? { weekdays: input.weekdays } : {}) });
    for (const d of day.basedOn) basedOn.add(d);
    const given = input.agents?.[queue.id];
    return {
      id: queue.id,
      intervals: day.intervals.map((iv) => {
        const ahtSeconds = iv.ahtSeconds ?? recorded.meanAhtSeconds;
        const agents = given ?? agentsForTraffic({
          trafficErlangs: trafficIntensity(iv.calls, intervalMinutes * 60, ahtSeconds),
          ahtSeconds, targetSeconds: queue.targetSeconds, targetServiceLevel: queue.serviceLevelGoal, maxOccupancy,
        }).agents;
        return { start: iv.start, calls: iv.calls, ahtSeconds, agents };
      }),
    };
  });
  return {
    targetSeconds,
    intervalMinutes,
    basedOn: [...basedOn].sort(),
    ...comparePoolingDay({ queues: days, intervalMinutes, targetSeconds }),
  };
}
