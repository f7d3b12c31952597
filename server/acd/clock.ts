/**
 * Time, injected. The ACD never reads the system clock or calls setTimeout
 * itself: it asks a Clock. In production that is the RealClock; in tests and
 * simulations the SimulatedClock, where a day of traffic passes in seconds
 * because nothing waits for real time: `advanceTo(t)` runs every timer due
 * up to t, in time order, and moves `now()` to each timer's time first.
 *
 * A timer function may return a promise (the ACD's do: the work a timer
 * starts is asynchronous because the store is). The simulated clock waits
 * for that promise before it runs the next timer, so work triggered at time
 * t is done at time t, never later.
 */

export type TimerFn = () => unknown;

/** Opaque handle of a pending timer. */
export interface TimerHandle {
  readonly at: number;
}

export interface Clock {
  /** Milliseconds. */
  now(): number;
  /** Runs `fn` at time `at` (immediately-ish if `at` is not in the future). */
  setTimer(at: number, fn: TimerFn): TimerHandle;
  /** Cancels a pending timer; harmless for one that already ran or was cleared. */
  clearTimer(handle: TimerHandle): void;
}

/** setTimeout can wait at most 2^31-1 ms; longer timers are re-armed. */
const MAX_DELAY = 2_147_483_647;

interface RealHandle extends TimerHandle {
  timeout?: ReturnType<typeof setTimeout>;
  cleared: boolean;
}

/** The system clock (Date.now) and setTimeout. */
export class RealClock implements Clock {
  /** Called when a timer function throws or its promise rejects; default: stderr. */
  constructor(private readonly onError: (err: unknown) => void = (err) => console.error('timer failed:', err)) {}

  now(): number {
    return Date.now();
  }

  setTimer(at: number, fn: TimerFn): TimerHandle {
    const handle: RealHandle = { at, cleared: false };
    const arm = (): void => {
      const delay = Math.max(0, at - Date.now());
      handle.timeout = setTimeout(() => {
        if (handle.cleared) return;
        if (at - Date.now() > 0 && delay >= MAX_DELAY) return arm();
        try {
          const result = fn();
          if (isThenable(result)) result.then(undefined, this.onError);
        } catch (err) {
          this.onError(err);
        }
      }, Math.min(delay, MAX_DELAY));
    };
    arm();
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    const h = handle as RealHandle;
    h.cleared = true;
    if (h.timeout) clearTimeout(h.timeout);
  }
}

interface SimTimer extends TimerHandle {
  readonly seq: number;
  readonly fn: TimerFn;
  cleared: boolean;
}

/**
 * A clock that only moves when told to. Timers due at the same time run in
 * the order they were set. Cleared timers are dropped lazily (a binary heap
 * of pending timers, so a simulation with hundreds of thousands of timers
 * stays fast).
 */
export class SimulatedClock implements Clock {
  private time: number;
  private seq = 0;
  private heap: SimTimer[] = [];
  private live = 0;
  private advancing = false;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(at: number, fn: TimerFn): TimerHandle {
    const timer: SimTimer = { at: Math.max(at, this.time), seq: this.seq++, fn, cleared: false };
    this.push(timer);
    this.live++;
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    const t = handle as SimTimer;
    if (!t.cleared) {
      t.cleared = true;
      this.live--;
    }
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.live;
  }

  /** When the next pending timer is due, or undefined when none is. */
  nextTimerAt(): number | undefined {
    this.dropCleared();
    return this.heap[0]?.at;
  }

  /**
   * Runs every timer due up to `t` in time order (including timers those
   * timers set, if they are due by `t`), awaiting each one's promise, then
   * leaves the clock at `t`. Time never goes backwards: a `t` in the past
   * only runs what is due now.
   */
  async advanceTo(t: number): Promise<void> {
    if (this.advancing) throw new Error('SimulatedClock.advanceTo called while already advancing (from a timer?)');
    this.advancing = true;
    try {
      for (;;) {
        this.dropCleared();
        const next = this.heap[0];
        if (!next || next.at > t) break;
        this.pop();
        next.cleared = true;
        this.live--;
        if (next.at > this.time) this.time = next.at;
        const result = next.fn();
        if (isThenable(result)) await result;
      }
      if (t > this.time) this.time = t;
    } finally {
      this.advancing = false;
    }
  }

  /** advanceTo(now + ms). */
  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.time + ms);
  }

  /** Runs timers until none is pending (or `limit` time is reached); for draining a simulation. */
  async runAll(limit = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      const at = this.nextTimerAt();
      if (at === undefined || at > limit) return;
      await this.advanceTo(at);
    }
  }

  private dropCleared(): void {
    while (this.heap.length > 0 && this.heap[0]!.cleared) this.pop();
  }

  private less(a: SimTimer, b: SimTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: SimTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): SimTimer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
