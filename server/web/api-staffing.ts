/** The staffing API (server/api/staffing-routes.ts, staffing-what-if-routes.ts) as the pages use it. */
import { call } from './api.js';
import type { ShortfallLive } from '../stats/shortfall-monitor.js';
import type { QueueStaffing } from '../stats/queue-staffing.js';

export type { QueueStaffing, ShortfallLive };

export interface PoolingFigures {
  separateServiceLevel: number;
  pooledServiceLevel: number;
  agents: number;
  pooledAgentsForSameLevel: number;
}

export interface PoolingResult {
  targetSeconds: number;
  basedOn: string[];
  day: PoolingFigures & { agentHours: number; pooledAgentHoursForSameLevel: number };
}

export const queueStaffing = (queue: string, date: string): Promise<QueueStaffing> =>
  call('GET', `/staffing/queues/${encodeURIComponent(queue)}?from=${encodeURIComponent(date)}`);

/** The plan file as chosen: sent as CSV, refused whole (the problem names the line) or taken whole. */
export const importPlan = (file: File): Promise<{ days: number; intervals: number }> =>
  call('POST', '/staffing/plan/import', new Blob([file], { type: 'text/csv' }));

export const poolingWhatIf = (body: { queues: string[]; from: string; to: string }): Promise<PoolingResult> =>
  call('POST', '/staffing/what-if/pooling', body);

export const shortfalls = async (): Promise<ShortfallLive[]> => (await call<{ shortfalls: ShortfallLive[] }>('GET', '/staffing/shortfalls')).shortfalls;
