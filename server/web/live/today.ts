/**
 * Today's figures per queue and per service (GET /api/v1/live/today), read again every few
 * seconds while the monitor is open, and soon after a call ends: the
 * contact records are written in small batches, so the call is counted a
 * moment after its last event.
 */
import { liveToday } from '../api.js';
import { DEFAULT_TARGET_SECONDS } from './target.js';
import type { LiveToday } from './wire.js';

export type QueueToday = LiveToday['queues'][number];
export type ServiceToday = LiveToday['services'][number];

const EVERY_MS = 5_000;
/** Longer than the contact records' batch takes to be written. */
const AFTER_CALL_MS = 1_000;

export class TodayFigures {
  private readonly byQueue = new Map<string, QueueToday>();
  /** Each service's, in the configuration's order; empty until the first read. */
  services: readonly ServiceToday[] = [];
  private poller: ReturnType<typeof setInterval> | undefined;
  private soon: ReturnType<typeof setTimeout> | undefined;

  /** `changed` runs after each read that came back. */
  constructor(private readonly changed: () => void) {
    void this.read();
    this.poller = setInterval(() => void this.read(), EVERY_MS);
  }

  stop(): void {
    clearInterval(this.poller);
    clearTimeout(this.soon);
  }

  /** A call ended: read again once its record is written. */
  callEnded(): void {
    clearTimeout(this.soon);
    this.soon = setTimeout(() => void this.read(), AFTER_CALL_MS);
  }

  of(queueId: string): QueueToday | undefined {
    return this.byQueue.get(queueId);
  }

  targetSeconds(queueId: string): number {
    return this.byQueue.get(queueId)?.targetSeconds ?? DEFAULT_TARGET_SECONDS;
  }

  private async read(): Promise<void> {
    try {
      const today = await liveToday();
      this.byQueue.clear();
      for (const q of today.queues) this.byQueue.set(q.id, q);
      this.services = today.services;
      this.changed();
    } catch {
      // Kept as they were until the next read; the live connection shows a lost server.
    }
  }
}
