/**
 * The system clock moved to another moment: time runs at its normal pace
 * from there, and timers fire after real delays. For tests whose flows
 * depend on the date (opening hours, holidays) without waiting for one,
 * and for the long timers of a call on the wire (a session timer's half
 * hour): `jump(ms)` skips ahead at once, and every timer that fell due in
 * the skipped time runs straight away.
 */
import { RealClock, type Clock, type TimerFn, type TimerHandle } from '../../server/acd/index.js';

interface ShiftedHandle extends TimerHandle {
  readonly fn: TimerFn;
  real: TimerHandle;
}

export class ShiftedClock implements Clock {
  private readonly real = new RealClock();
  private offsetMs: number;
  private readonly timers = new Set<ShiftedHandle>();

  /** `at`: an ISO 8601 time with its offset, e.g. "2026-12-25T10:00:00+01:00": what now() says at once; default: the system's time. */
  constructor(at?: string) {
    this.offsetMs = at === undefined ? 0 : Date.parse(at) - Date.now();
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  setTimer(at: number, fn: TimerFn): TimerHandle {
    const handle = { at, fn } as ShiftedHandle;
    this.timers.add(handle);
    this.arm(handle);
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    const h = handle as ShiftedHandle;
    if (this.timers.delete(h)) this.real.clearTimer(h.real);
  }

  /** Timers neither run nor cleared yet. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time `ms` forward at once; the timers due by then run straight away. */
  jump(ms: number): void {
    this.offsetMs += ms;
    for (const h of this.timers) {
      this.real.clearTimer(h.real);
      this.arm(h);
    }
  }

  private arm(h: ShiftedHandle): void {
    h.real = this.real.setTimer(h.at - this.offsetMs, () => {
      this.timers.delete(h);
      return h.fn();
    });
  }
}
