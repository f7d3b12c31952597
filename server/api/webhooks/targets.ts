/**
 * The webhooks as configured (`webhooks` in the configuration), read here
 * and nowhere else, each with what the rest of this folder needs: which
 * events it takes, how old an undelivered event may get, the file its
 * backlog is kept in, and a name for the log that never shows its path or
 * query (a receiver's token may be there).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../../../config/schema.js';
import type { WebhookEventType } from './events.js';

export interface WebhookTarget {
  url: string;
  secret: string;
  /** Undefined: every event type. */
  events?: ReadonlySet<WebhookEventType>;
  maxAgeMs: number;
  /** For the log: the place in the configuration and the receiver's origin, e.g. "webhooks[0] https://crm.example.com". */
  label: string;
  /** The backlog's file name: the same for the same URL, whatever its place in the list. */
  journalName: string;
}

export function webhookTargets(config: Pick<Config, 'webhooks'>): WebhookTarget[] {
  return config.webhooks.map((hook, i) => {
    const url = new URL(hook.url);
    return {
      url: url.href,
      secret: hook.secret,
      ...(hook.events ? { events: new Set(hook.events) } : {}),
      maxAgeMs: hook.maxAgeHours * 3_600_000,
      label: `webhooks[${i}] ${url.origin}`,
      journalName: `${createHash('sha256').update(url.href).digest('hex').slice(0, 16)}.jsonl`,
    };
  });
}

/** The folder of the webhooks' backlogs. */
export function journalDir(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'webhooks');
}
