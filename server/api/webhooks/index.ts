/**
 * CRM webhooks (README "Webhooks"): every configured URL receives the call
 * events it asked for (./events.ts) as signed JSON, in order, each exactly
 * once as far as the product knows (the event id tells a redelivery), kept
 * on disk in DATA_DIR/webhooks/ until delivered.
 *
 * Nothing here holds up a call: the contact center's and the ACD's events
 * are turned into webhook events and queued in memory as they are emitted
 * (./mapper.ts, ./journal.ts); files and HTTP happen afterwards.
 *
 * Started before the contact center takes calls and stopped after it has
 * ended them: the end of a call cut by a stop is sent after the restart.
 *
 * One process per backlog folder (a lock in it, as for DATA_DIR itself):
 * instances sharing Redis and a DATA_DIR would otherwise send each other's
 * events twice and rewrite each other's files.
 */
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../../config/schema.js';
import type { Acd, Clock } from '../../acd/index.js';
import type { CallEvent, CallEventSource } from '../../calls/events.js';
import { DataDirLock } from '../../data-lock.js';
import { WebhookDelivery } from './delivery.js';
import type { WebhookEvent } from './events.js';
import { DeliveryJournal } from './journal.js';
import { WebhookEventMapper } from './mapper.js';
import { journalDir, webhookTargets } from './targets.js';

export interface WebhooksOptions {
  config: Pick<Config, 'webhooks' | 'dataDir'>;
  /** The contact center (server/calls/center.ts), or anything else telling call events. */
  center: CallEventSource;
  acd: Pick<Acd, 'on' | 'entry' | 'snapshot'>;
  clock: Clock;
  logger: Logger;
}

export class Webhooks {
  private readonly unsubscribe: Array<() => void> = [];

  private constructor(private readonly deliveries: readonly WebhookDelivery[], private readonly lock?: DataDirLock) {}

  /** Opens each webhook's backlog, resumes sending it, and listens for new events. */
  static async start(opts: WebhooksOptions): Promise<Webhooks> {
    const { config, center, acd, clock, logger } = opts;
    const targets = webhookTargets(config);
    const dir = journalDir(config);
    const deliveries: WebhookDelivery[] = [];
    const lock = targets.length > 0 ? DataDirLock.acquire(dir, join(config.dataDir, 'webhooks')) : undefined;
    try {
      for (const target of targets) {
        const log = logger.child({ webhook: target.label });
        const journal = await DeliveryJournal.open(join(dir, target.journalName), log);
        if (journal.size > 0) log.info({ backlog: journal.size }, 'webhook events from the last run: sending them first');
        deliveries.push(new WebhookDelivery({ target, journal, clock, logger }));
      }
    } catch (err) {
      await Promise.all(deliveries.map((d) => d.stop()));
      lock?.release();
      throw err;
    }
    await warnOfOrphans(dir, new Set(targets.map((t) => t.journalName)), logger);
    const webhooks = new Webhooks(deliveries, lock);
    if (deliveries.length === 0) return webhooks;

    const mapper = new WebhookEventMapper({ newId: randomUUID, entry: (id) => acd.entry(id) });
    for (const q of acd.snapshot().queues) for (const entry of q.entries) mapper.remember(entry);
    const send = (event: WebhookEvent | undefined): void => {
      if (event) for (const d of deliveries) if (d.wants(event)) d.enqueue(event);
    };
    const onCallEvent = (e: CallEvent): void => send(mapper.fromCall(e));
    center.on('event', onCallEvent);
    webhooks.unsubscribe.push(() => center.off('event', onCallEvent));
    webhooks.unsubscribe.push(acd.on((e) => send(mapper.fromAcd(e))));
    for (const d of deliveries) d.start();
    return webhooks;
  }

  /** An event about no call (a staffing shortfall): queued for the webhooks that take it. */
  tell(event: WebhookEvent): void {
    for (const d of this.deliveries) if (d.wants(event)) d.enqueue(event);
  }

  /** Events waiting for delivery, over all webhooks (a metric). */
  backlog(): number {
    return this.deliveries.reduce((n, d) => n + d.backlog, 0);
  }

  /** Stops listening, then sending; what is undelivered stays on disk for the next start. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await Promise.all(this.deliveries.map((d) => d.stop()));
    this.lock?.release();
  }
}

/** Backlogs of webhooks no longer configured are kept (the URL may come back) but said. */
async function warnOfOrphans(dir: string, current: ReadonlySet<string>, logger: Logger): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const orphans = names.filter((n) => n.endsWith('.jsonl') && !current.has(n));
  if (orphans.length > 0) {
    logger.warn({ dir, files: orphans }, 'webhook backlogs of URLs no longer configured: kept, not sent (delete them if they are not wanted)');
  }
}
