/**
 * Writes the history off the call path: writes are queued in memory and
 * written in batches, each in one transaction, a moment after the first of
 * them was queued (or at once when a batch is full). A batch the database
 * refuses stays queued and is tried again; being idempotent
 * (./records.ts), a batch written twice does no harm. A write is
 * acknowledged once its batch has committed: from then on it survives the
 * process being killed.
 */
import type { Logger } from 'pino';
import type { HistoryRepository } from './repository.js';
import type { HistoryWrite } from './records.js';

export interface WriterOptions {
  logger: Logger;
  /** Milliseconds a write may wait for its batch; default 100. */
  delayMs?: number;
  /** Writes per transaction at most; default 500. */
  batchSize?: number;
  /** Milliseconds before a refused batch is tried again; default 2000. */
  retryMs?: number;
}

export class HistoryWriter {
  private queue: HistoryWrite[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private stopped = false;
  /** The last batch was refused: wait before the next try. */
  private failedLast = false;
  private readonly delayMs: number;
  private readonly batchSize: number;
  private readonly retryMs: number;

  constructor(private readonly repository: HistoryRepository, private readonly opts: WriterOptions) {
    this.delayMs = opts.delayMs ?? 100;
    this.batchSize = opts.batchSize ?? 500;
    this.retryMs = opts.retryMs ?? 2_000;
  }

  /** Queues a write; returns at once. */
  add(write: HistoryWrite): void {
    if (this.stopped) {
      this.opts.logger.warn({ write: write.kind }, 'history write after stop: not recorded');
      return;
    }
    this.queue.push(write);
    // While the database refuses, a full batch waits for the next try like the rest.
    this.schedule(this.failedLast ? this.retryMs : this.queue.length >= this.batchSize ? 0 : this.delayMs);
  }

  /** Writes not yet acknowledged. */
  backlog(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued before the call is written (or the database refused it). */
  async flush(): Promise<void> {
    this.cancelTimer();
    while (this.writing) await this.writing;
    while (this.queue.length > 0) {
      const before = this.queue.length;
      await this.writeBatch();
      if (this.queue.length >= before) return;
    }
  }

  /** Writes what is queued, then takes no more. */
  async stop(): Promise<void> {
    await this.flush();
    this.stopped = true;
    this.cancelTimer();
    if (this.queue.length > 0) this.opts.logger.error({ writes: this.queue.length }, 'history writes not recorded at stop: the database refused them');
  }

  private schedule(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    this.cancelTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeBatch().then(() => {
        if (this.queue.length > 0 && !this.stopped) this.schedule(this.failedLast ? this.retryMs : 0);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async writeBatch(): Promise<void> {
    if (this.writing) return this.writing;
    const batch = this.queue.slice(0, this.batchSize);
    if (batch.length === 0) return;
    this.writing = (async () => {
      try {
        await this.repository.write(batch);
        this.queue.splice(0, batch.length);
        this.failedLast = false;
      } catch (err) {
        this.failedLast = true;
        this.opts.logger.error({ err, writes: batch.length, backlog: this.queue.length }, 'history batch not written: tried again shortly');
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
