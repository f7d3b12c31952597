/**
 * Callbacks recently done, for the operators: each `callback-done` the ACD
 * reports (completed, failed after its last attempt, cancelled), with the
 * number, the queue, when it was booked and how many dial attempts it took.
 *
 * Kept in memory, bounded: the last `keepMs` (default 24 hours) and at most
 * `max` (default 1,000), newest first. A restart forgets them; on a shared
 * store each instance keeps those that finished on it (the ACD reports a
 * callback's end on the instance that ended it). The lasting record of
 * every call is the history's job.
 */
import type { Acd, CallbackOutcome, Clock, QueueEntry } from '../../acd/index.js';
import { callbackNumberOf } from './dialogue.js';

export interface FinishedCallback {
  id: string;
  queueId: string;
  /** The number dialled (or to be dialled); empty when the booking had none. */
  number: string;
  /** Its place in line: when the call it came from entered the queue. */
  bookedAt: number;
  /** Dial attempts the customer did not answer. */
  attempts: number;
  outcome: CallbackOutcome;
  doneAt: number;
  /** The service the caller called. */
  service?: string;
}

export const DEFAULT_FINISHED_KEEP_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_FINISHED_MAX = 1_000;

export interface FinishedCallbacksOptions {
  acd: Pick<Acd, 'on'>;
  clock: Clock;
  keepMs?: number;
  max?: number;
}

export class FinishedCallbacks {
  /** Oldest first. */
  private readonly done: FinishedCallback[] = [];
  private readonly keepMs: number;
  private readonly max: number;
  readonly stop: () => void;

  constructor(private readonly opts: FinishedCallbacksOptions) {
    this.keepMs = opts.keepMs ?? DEFAULT_FINISHED_KEEP_MS;
    this.max = opts.max ?? DEFAULT_FINISHED_MAX;
    this.stop = opts.acd.on((e) => {
      if (e.type === 'callback-done') this.add(e.entry, e.outcome, e.at);
    });
  }

  /** Newest first. */
  list(): FinishedCallback[] {
    this.prune();
    return [...this.done].reverse();
  }

  get(id: string): FinishedCallback | undefined {
    this.prune();
    return this.done.find((c) => c.id === id);
  }

  private add(entry: QueueEntry, outcome: CallbackOutcome, at: number): void {
    const { service } = entry.data;
    this.done.push({
      id: entry.id, queueId: entry.queueId, number: callbackNumberOf(entry) ?? '', bookedAt: entry.enqueuedAt,
      attempts: entry.attempts ?? 0, outcome, doneAt: at, ...(service !== undefined ? { service } : {}),
    });
    this.prune();
  }

  private prune(): void {
    const oldest = this.opts.clock.now() - this.keepMs;
    let drop = Math.max(0, this.done.length - this.max);
    while (drop < this.done.length && this.done[drop]!.doneAt < oldest) drop++;
    if (drop > 0) this.done.splice(0, drop);
  }
}
