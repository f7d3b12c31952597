/**
 * The shortfall alarm wired into the product: the monitor
 * (server/stats/shortfall-monitor.ts) reads each queue's need and plan for
 * the current interval from the contact records and the plan
 * (server/stats/queue-staffing.ts), watches the ACD, and tells an alarm's
 * start and end on the live feed (the events socket, the queue monitor's
 * banner) and to the webhooks that take `staffing.shortfall`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Acd, Clock } from './acd/index.js';
import type { Webhooks } from './api/webhooks/index.js';
import { shortfallWebhookEvent } from './api/webhooks/staffing.js';
import type { HistoryRepository } from './history/repository.js';
import type { RunningConfig } from './running/index.js';
import type { LiveFeed } from './stats/live-feed.js';
import { queueAgents } from './stats/queue-agents.js';
import { queueStaffing } from './stats/queue-staffing.js';
import { ShortfallMonitor, shortfallLive, type StaffingTargets } from './stats/shortfall-monitor.js';
import { civilSlot } from './stats/staffing-history.js';
import type { StaffingPlanFile } from './stats/staffing-plan-file.js';

export interface ShortfallAlarmDeps {
  clock: Clock;
  acd: Pick<Acd, 'on' | 'snapshot'>;
  running: RunningConfig;
  history: Pick<HistoryRepository, 'queueIntervals' | 'agentStates'>;
  plan: StaffingPlanFile;
  feed: Pick<LiveFeed, 'announce'>;
  webhooks: Pick<Webhooks, 'tell'>;
  logger: Logger;
}

export async function startShortfallAlarm(deps: ShortfallAlarmDeps): Promise<ShortfallMonitor> {
  const { config } = deps.running.current;
  const monitor = new ShortfallMonitor({
    clock: deps.clock,
    acd: deps.acd,
    targets: currentTargets(deps),
    agentsOf: () => queueAgents(deps.running.current.operational),
    intervalMinutes: config.staffing.intervalMinutes,
    holdMinutes: config.staffing.shortfallMinutes,
    onEvent: (e) => {
      const live = shortfallLive(e);
      deps.logger[e.type === 'shortfall-started' ? 'warn' : 'info']({ ...live }, e.type === 'shortfall-started' ? 'staffing shortfall' : 'staffing shortfall over');
      deps.feed.announce(live, e.at);
      deps.webhooks.tell(shortfallWebhookEvent(live, e.at, randomUUID()));
    },
    onError: (err) => deps.logger.error({ err }, 'staffing targets could not be read: the last ones stay in force'),
  });
  await monitor.start();
  return monitor;
}

/** Each queue's need and plan in the interval starting at `at`. */
function currentTargets(deps: ShortfallAlarmDeps): StaffingTargets {
  return async (at) => {
    const { config, operational } = deps.running.current;
    const slot = civilSlot(at, config.company.timezone);
    const agents = queueAgents(operational);
    const targets = new Map<string, { needed?: number; planned?: number }>();
    for (const queue of operational.queues) {
      const staffing = await queueStaffing({ history: deps.history, plan: deps.plan }, {
        queue, agents: agents.get(queue.id) ?? new Set(), staffing: config.staffing, timezone: config.company.timezone,
      }, { fromDate: slot.date, days: 1, now: at });
      const interval = staffing.days[0]?.intervals.find((iv) => iv.start === slot.start);
      if (interval) targets.set(queue.id, { needed: interval.needed, ...(interval.planned !== null ? { planned: interval.planned } : {}) });
    }
    return targets;
  };
}
