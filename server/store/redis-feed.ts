/**
 * The Redis store's ordered change feed: every change, made by this
 * instance or another, handed to the onChange listeners in the order Redis
 * applied them (the seq each write script takes, ./redis-scripts.ts), each
 * exactly once.
 *
 * Each instance feeds both the replies to its own writes and the messages
 * on its subscriber connection into one reorder buffer keyed by seq, and
 * hands changes to listeners strictly in seq order (later copies are
 * dropped). A seq that does not show up (the subscriber was disconnected)
 * is read back from P log; one that is no longer in the log is reported
 * through onError and skipped. A write's promise resolves once its own
 * change has been handed to the listeners (or after deliveryTimeoutMs,
 * when Redis went away right after the write). After a reconnect, what was
 * applied meanwhile is read from the log.
 */
import type { Redis } from 'ioredis';
import type { StoreChange } from '../acd/store-port.js';
import { decodeMessage } from './redis-codec.js';

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export interface ChangeFeedOptions {
  /** The command connection (reads P seq and P log). */
  redis: Redis;
  /** The subscriber connection. */
  sub: Redis;
  keys: { seq: string; log: string; channel: string };
  /** How long a missing seq may be outstanding before it is read from the log. */
  gapFillMs: number;
  /** Longest a write waits for its own change to be delivered to listeners. */
  deliveryTimeoutMs: number;
  /** Delivery problems; must not throw. */
  report: (err: Error) => void;
}

export class ChangeFeed {
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private ready?: Promise<void>;
  private initialized = false;
  private closed = false;
  /** Highest seq handed to listeners. */
  private delivered = 0;
  private readonly pending = new Map<number, StoreChange[]>();
  private readonly waiters = new Set<{ seq: number; done: () => void; timer: NodeJS.Timeout }>();
  private gapTimer?: NodeJS.Timeout;
  private filling = false;
  private readonly counters = { fromLog: 0, lost: 0 };

  constructor(private readonly o: ChangeFeedOptions) {
    o.sub.on('message', (channel: string, message: string) => {
      if (channel !== o.keys.channel) return;
      try {
        const { seq, changes } = decodeMessage(message);
        this.accept(seq, changes);
      } catch (err) {
        o.report(new Error(`RedisStore: bad message on ${channel}: ${toError(err).message}`));
      }
    });
    o.sub.on('ready', () => {
      if (!this.initialized || this.closed) return;
      // Subscribed again (the connection does not do it itself), then read from
      // the log whatever was published while we were away.
      o.sub.subscribe(o.keys.channel)
        .then(() => this.catchUp())
        .catch((err) => {
          if (!this.closed) o.report(new Error(`RedisStore: catching up after reconnect failed: ${toError(err).message}`));
        });
    });
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Subscribed, and the seq to deliver from is known. */
  start(): Promise<void> {
    this.ready ??= (async () => {
      await this.o.sub.subscribe(this.o.keys.channel);
      const seq = Number((await this.o.redis.get(this.o.keys.seq)) ?? 0);
      if (!this.initialized) {
        this.initialized = true;
        this.delivered = seq;
        for (const s of [...this.pending.keys()]) if (s <= seq) this.pending.delete(s);
        this.drain();
      }
    })().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  /** A reply to our own write: deliver it (in order) and wait until it was delivered. */
  async ingestOwn(msg: string): Promise<void> {
    const { seq, changes } = decodeMessage(msg);
    this.accept(seq, changes);
    await this.whenDelivered(seq);
  }

  /**
   * Delivery bookkeeping: the last seq handed to listeners, how many changes
   * had to be read back from the log (missed on pub/sub) and how many were
   * lost for good (trimmed from the log before they could be read).
   */
  stats(): { delivered: number; pending: number; fromLog: number; lost: number } {
    return { delivered: this.delivered, pending: this.pending.size, ...this.counters };
  }

  /** Delivers nothing more; writes waiting for their delivery go on. */
  close(): void {
    this.closed = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    for (const w of this.waiters) { clearTimeout(w.timer); w.done(); }
    this.waiters.clear();
    this.listeners.clear();
  }

  private accept(seq: number, changes: StoreChange[]): void {
    if (this.closed || (this.initialized && seq <= this.delivered) || this.pending.has(seq)) return;
    this.pending.set(seq, changes);
    this.drain();
  }

  private drain(): void {
    if (!this.initialized || this.closed) return;
    while (this.pending.has(this.delivered + 1)) {
      const seq = this.delivered + 1;
      const changes = this.pending.get(seq)!;
      this.pending.delete(seq);
      this.delivered = seq;
      for (const change of changes) {
        for (const listener of [...this.listeners]) {
          try {
            listener(change);
          } catch (err) {
            this.o.report(new Error(`RedisStore: an onChange listener threw: ${toError(err).message}`));
          }
        }
      }
    }
    for (const w of this.waiters) {
      if (w.seq <= this.delivered) { clearTimeout(w.timer); this.waiters.delete(w); w.done(); }
    }
    if (this.pending.size === 0) {
      if (this.gapTimer) clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    } else if (!this.gapTimer) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined;
        void this.fillGap();
      }, this.o.gapFillMs);
      this.gapTimer.unref();
    }
  }

  private whenDelivered(seq: number): Promise<void> {
    if (this.closed || seq <= this.delivered) return Promise.resolve();
    return new Promise((resolve) => {
      const w = {
        seq,
        done: resolve,
        timer: setTimeout(() => { this.waiters.delete(w); resolve(); }, this.o.deliveryTimeoutMs),
      };
      w.timer.unref();
      this.waiters.add(w);
    });
  }

  /** Reads log entries from..to (inclusive; '+' = to the end) and accepts them. */
  private async readLog(from: number, to: number | '+'): Promise<void> {
    let start = `${from}-0`;
    for (;;) {
      const end = to === '+' ? '+' : `${to}-0`;
      const rows = await this.o.redis.xrange(this.o.keys.log, start, end, 'COUNT', 1000);
      for (const [, fields] of rows) {
        const i = fields.indexOf('m');
        if (i < 0 || i + 1 >= fields.length) continue;
        try {
          const { seq, changes } = decodeMessage(fields[i + 1]!);
          if (seq > this.delivered && !this.pending.has(seq)) this.counters.fromLog += 1;
          this.accept(seq, changes);
        } catch (err) {
          this.o.report(new Error(`RedisStore: bad log entry: ${toError(err).message}`));
        }
      }
      if (rows.length < 1000) return;
      const lastId = rows[rows.length - 1]![0];
      start = `(${lastId}`;
    }
  }

  /** Some seq below a pending one did not arrive: read it from the log, or give up on it. */
  private async fillGap(): Promise<void> {
    if (this.filling || this.closed || this.pending.size === 0) return;
    this.filling = true;
    try {
      const firstPending = Math.min(...this.pending.keys());
      if (firstPending > this.delivered + 1) await this.readLog(this.delivered + 1, firstPending - 1);
      if (this.pending.size > 0 && !this.pending.has(this.delivered + 1)) {
        // Everything below firstPending was applied (and logged) before it, so
        // what the log does not have now is gone for good (trimmed).
        const lowest = Math.min(...this.pending.keys());
        this.o.report(new Error(
          `RedisStore: changes ${this.delivered + 1}..${lowest - 1} are no longer in ${this.o.keys.log}; `
          + 'listeners missed them (reload to resynchronise)'));
        this.counters.lost += lowest - 1 - this.delivered;
        this.delivered = lowest - 1;
      }
      this.drain();
    } catch (err) {
      this.o.report(new Error(`RedisStore: reading missed changes from ${this.o.keys.log} failed: ${toError(err).message}`));
      if (!this.closed && this.pending.size > 0 && !this.gapTimer) {
        this.gapTimer = setTimeout(() => { this.gapTimer = undefined; void this.fillGap(); }, Math.max(this.o.gapFillMs, 500));
        this.gapTimer.unref();
      }
    } finally {
      this.filling = false;
    }
  }

  /** After a reconnect: deliver whatever was applied while we were not listening. */
  private async catchUp(): Promise<void> {
    if (this.closed || !this.initialized) return;
    const current = Number((await this.o.redis.get(this.o.keys.seq)) ?? 0);
    if (current < this.delivered) {
      this.o.report(new Error(
        `RedisStore: ${this.o.keys.seq} went back from ${this.delivered} to ${current} (Redis lost its data?); `
        + 'delivering changes from there on'));
      this.delivered = 0;
      for (const s of [...this.pending.keys()]) if (s > current) this.pending.delete(s);
    }
    if (current > this.delivered) await this.readLog(this.delivered + 1, '+');
    this.drain();
  }
}
