/**
 * The system clock moved to another moment: time runs at its normal pace
 * from there, and timers fire after real delays. For tests whose flows
 * depend on the date (opening hours, holidays) without waiting for one.
 */
import { RealClock, type Clock, type TimerFn, type TimerHandle } from '../../server/acd/index.js';

interface ShiftedHandle extends TimerHandle {
  readonly real: TimerHandle;
}

export class ShiftedClock implements Clock {
  private readonly real = new RealClock();
  private readonly offsetMs: number;

  /** `at`: an ISO 8601 time with its offset, e.g. "2026-12-25T10:00:00+01:00": what now() says at once. */
  constructor(at: string) {
    this.offsetMs = Date.parse(at) - Date.now();
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  setTimer(at: number, fn: TimerFn): TimerHandle {
    const handle: ShiftedHandle = { at, real: this.real.setTimer(at - this.offsetMs, fn) };
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.real.clearTimer((handle as ShiftedHandle).real);
  }
}
