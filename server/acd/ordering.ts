/**
 * The order of the line: which waiting entry is served first.
 *
 * Each queue applies its PriorityRule:
 *
 * - `classes`: a higher priority class always goes first (a VIP, priority 1,
 *   ahead of every ordinary call, priority 0, however long those waited);
 *   within a class, the longest-waiting first.
 * - `head-start`: each priority point counts as `secondsPerPoint` of extra
 *   waiting. With 60 s per point a VIP who just called goes ahead of ordinary
 *   callers who have waited less than a minute, but not of one who has waited
 *   longer.
 *
 * Waiting is measured from `enqueuedAt`, which a callback keeps from its call:
 * a caller who asks to be called back keeps their place in line.
 *
 * An agent in several queues takes the best entry across them. Entries of
 * different queues compare the same way: class first (head-start queues are
 * all class 0), then the effective enqueue time, then the real enqueue time,
 * then arrival order at this instance (`seq`).
 */
import type { QueueConfig, QueueEntry } from './model.js';

export interface OrderKey {
  /** Higher first. */
  readonly cls: number;
  /** Effective enqueue time, head start subtracted; earlier first. */
  readonly time: number;
  readonly enqueuedAt: number;
  /** Arrival order at this instance, the last tie-break. */
  readonly seq: number;
}

export function orderKey(queue: QueueConfig, entry: QueueEntry, seq: number): OrderKey {
  const rule = queue.priority;
  if (rule.kind === 'classes') return { cls: entry.priority, time: entry.enqueuedAt, enqueuedAt: entry.enqueuedAt, seq };
  return {
    cls: 0,
    time: entry.enqueuedAt - entry.priority * rule.secondsPerPoint * 1000,
    enqueuedAt: entry.enqueuedAt,
    seq,
  };
}

/** Whether entry a is served before entry b. */
export function servedBefore(a: OrderKey, b: OrderKey): boolean {
  if (a.cls !== b.cls) return a.cls > b.cls;
  if (a.time !== b.time) return a.time < b.time;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  return a.seq < b.seq;
}
