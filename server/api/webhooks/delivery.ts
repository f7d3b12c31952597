/**
 * Sends one webhook's events in the order they were queued, one at a time: an
 * HTTP POST of the event's JSON, signed (./signature.ts). A 2xx answer is a
 * delivery; anything else (another status, no answer within the timeout, no
 * connection) is retried after a pause that grows (./backoff.ts), for ever,
 * until the event is older than the webhook's `maxAgeHours`: then it is
 * dropped with an error in the log, so a receiver back after a long outage
 * gets the recent events, not days of stale ones first. The backlog is
 * bounded in number too (MAX_BACKLOG): past it the oldest event is dropped.
 *
 * Events wait in the journal (./journal.ts) until delivered, so a restart
 * resumes where the last run stopped. Pauses run on the injected clock; the
 * HTTP timeout is real time (it is the network's).
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../acd/index.js';
import { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.js';
import { OPT_IN_WEBHOOK_EVENTS, type WebhookEvent } from './events.js';
import type { DeliveryJournal } from './journal.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import type { WebhookTarget } from './targets.js';

/** Events kept per webhook at most (a few hundred bytes each on disk). */
export const MAX_BACKLOG = 100_000;
const TIMEOUT_MS = 10_000;
/** A stop waits this long for a delivery in flight, so its answer is recorded and it is not sent twice. */
const STOP_GRACE_MS = 3_000;
/** Drops for a full backlog are logged at most this often. */
const DROP_LOG_EVERY_MS = 60_000;

export interface DeliveryOptions {
  target: WebhookTarget;
  journal: DeliveryJournal;
  clock: Clock;
  logger: Logger;
  retry?: RetryPolicy;
  /** In [0, 1): the jitter of the pauses. */
  random?: () => number;
  timeoutMs?: number;
}

export class WebhookDelivery {
  private timer: TimerHandle | undefined;
  /** Sending, until the queue is empty or a delivery failed. */
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private failures = 0;
  private stopped = false;
  private droppedUnlogged = 0;
  private lastDropLog = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: DeliveryOptions) {}

  get backlog(): number {
    return this.opts.journal.size;
  }

  /** Whether this webhook takes events of this type. */
  wants(event: WebhookEvent): boolean {
    return this.opts.target.events?.has(event.type) ?? !OPT_IN_WEBHOOK_EVENTS.includes(event.type);
  }

  /** Queues the event and returns at once: the sending happens later. */
  enqueue(event: WebhookEvent): void {
    if (this.stopped) return;
    const { journal } = this.opts;
    if (journal.size >= MAX_BACKLOG) this.dropOldestForRoom();
    journal.append(event);
    this.wake();
  }

  /** Starts on what a previous run left. */
  start(): void {
    this.wake();
  }

  /** Stops sending (a delivery in flight gets a moment to finish) and writes the journal out. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.running) {
      let grace: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.running, new Promise((r) => { grace = setTimeout(r, STOP_GRACE_MS); })]);
      clearTimeout(grace);
      this.abort.abort();
      await this.running;
    }
    await this.opts.journal.close();
  }

  /** Sends what is queued, unless sending or pausing after a failure already. */
  private wake(): void {
    if (this.stopped || this.timer || this.running) return;
    this.sendAt(this.opts.clock.now());
  }

  private sendAt(at: number): void {
    this.timer = this.opts.clock.setTimer(at, () => {
      this.timer = undefined;
      this.running = this.sendQueued().finally(() => {
        this.running = undefined;
        // An event queued as the sending found the queue empty.
        if (this.opts.journal.size > 0) this.wake();
      });
      return this.running;
    });
  }

  /** Sends the queued events in order until none is left, or one fails: then the next try is set. */
  private async sendQueued(): Promise<void> {
    const { journal, clock, logger, target } = this.opts;
    while (!this.stopped) {
      this.dropExpired();
      const event = journal.first();
      if (!event) return;
      const failure = await this.post(event);
      if (failure === undefined) {
        journal.done(event.id);
        if (this.failures > 0) logger.info({ webhook: target.label, failures: this.failures }, 'webhook delivered again');
        this.failures = 0;
        continue;
      }
      if (this.stopped) return;
      this.failures++;
      const delay = retryDelayMs(this.failures, this.opts.retry ?? DEFAULT_RETRY, this.opts.random);
      logger.warn({
        webhook: target.label, callId: event.callId, eventId: event.id, type: event.type, failure,
        failures: this.failures, retryInSeconds: Math.round(delay / 1000), backlog: journal.size,
      }, 'webhook delivery failed: will retry');
      this.sendAt(clock.now() + delay);
      return;
    }
  }

  /** POSTs the event; undefined when the receiver took it, else what went wrong (for the log). */
  private async post(event: WebhookEvent): Promise<string | undefined> {
    const { target, clock } = this.opts;
    const body = JSON.stringify(event);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Vaxel-Webhooks/1',
          'Vaxel-Event-Id': event.id,
          'Vaxel-Event-Type': event.type,
          [SIGNATURE_HEADER]: signatureHeader(target.secret, Math.floor(clock.now() / 1000), body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs ?? TIMEOUT_MS)]),
      });
      await res.body?.cancel().catch(() => {});
      return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      return describeFailure(err);
    }
  }

  /** Drops the events older than the webhook's maximum age: one error line for them all. */
  private dropExpired(): void {
    const { journal, clock, logger, target } = this.opts;
    const oldest = journal.first();
    let dropped = 0;
    for (let e = oldest; e && clock.now() - Date.parse(e.time) > target.maxAgeMs; e = journal.first()) {
      journal.done(e.id);
      dropped++;
    }
    if (dropped > 0) {
      logger.error({ webhook: target.label, dropped, oldest: oldest!.time, maxAgeHours: target.maxAgeMs / 3_600_000 },
        'webhook events dropped undelivered: older than the maximum age (the receiver has been down too long)');
    }
  }

  private dropOldestForRoom(): void {
    const { journal, clock, logger, target } = this.opts;
    const oldest = journal.first();
    if (oldest) journal.done(oldest.id);
    this.droppedUnlogged++;
    if (clock.now() - this.lastDropLog >= DROP_LOG_EVERY_MS) {
      logger.error({ webhook: target.label, dropped: this.droppedUnlogged, maxBacklog: MAX_BACKLOG },
        'webhook events dropped undelivered: the backlog is full (the receiver has been down too long)');
      this.lastDropLog = clock.now();
      this.droppedUnlogged = 0;
    }
  }
}

/** Why a request failed, without its URL: "ECONNREFUSED", "timeout", ... */
function describeFailure(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timeout';
  if (e.name === 'AbortError') return 'stopped';
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.name ?? 'error';
}
