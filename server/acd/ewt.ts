/**
 * Estimated wait time, for queue announcements ("your estimated wait is
 * about three minutes").
 *
 * With N agents staffing a queue (logged in, not paused) and every one of
 * them occupied, an agent comes free on average every AHT / N, where AHT is
 * the time a call occupies an agent: talk plus wrap-up, the mean of the
 * queue's recent calls (the last 50; `defaultHandleSeconds`, else 180 s,
 * until calls have ended). The k-th caller in line then waits about
 * k × AHT / N, less the agents free right now:
 *
 *   EWT = max(0, ahead + 1 - free) × AHT / staffed
 *
 * where `ahead` is the number of entries in line before the caller (all of
 * the line for a new caller). Nobody staffing the queue: Infinity (say
 * "we cannot tell" rather than a number).
 */

export const DEFAULT_HANDLE_SECONDS = 180;
export const RECENT_CALLS = 50;

/** The last `size` handling times (seconds) of a queue. */
export class RecentHandleTimes {
  private readonly values: number[] = [];
  private next = 0;
  private sum = 0;

  constructor(private readonly size = RECENT_CALLS) {}

  add(seconds: number): void {
    if (this.values.length < this.size) {
      this.values.push(seconds);
    } else {
      this.sum -= this.values[this.next]!;
      this.values[this.next] = seconds;
      this.next = (this.next + 1) % this.size;
    }
    this.sum += seconds;
  }

  get count(): number {
    return this.values.length;
  }

  /** Mean of the recent times, undefined before any. */
  mean(): number | undefined {
    return this.values.length === 0 ? undefined : this.sum / this.values.length;
  }
}

export interface WaitFigures {
  /** Entries in line before this caller. */
  ahead: number;
  /** Members of the queue logged in and not paused. */
  staffed: number;
  /** Of those, ready now. */
  free: number;
  /** Mean time a call occupies an agent, seconds. */
  handleSeconds: number;
}

/** Seconds, rounded up; 0 when an agent is free for the caller; Infinity when nobody staffs the queue. */
export function estimateWaitSeconds({ ahead, staffed, free, handleSeconds }: WaitFigures): number {
  const turn = ahead + 1 - free;
  if (turn <= 0) return 0;
  if (staffed <= 0) return Number.POSITIVE_INFINITY;
  return Math.ceil((turn * handleSeconds) / staffed);
}
