/** The webhook event of a staffing shortfall alarm (server/stats/shortfall-monitor.ts): `staffing.shortfall`. */
import type { ShortfallLive } from '../../stats/shortfall-monitor.js';
import { WEBHOOK_SCHEMA_VERSION, type WebhookEvent } from './events.js';

export function shortfallWebhookEvent(shortfall: ShortfallLive, at: number, id: string): WebhookEvent {
  const { queue, ...rest } = shortfall;
  return { version: WEBHOOK_SCHEMA_VERSION, id, type: 'staffing.shortfall', time: new Date(at).toISOString(), queue, shortfall: rest };
}
