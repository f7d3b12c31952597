/**
 * Schedule deviation alarm: a queue whose ready agents stay below what the
 * goal needs, or below the plan, for a set number of minutes raises an alarm;
 * it ends when the queue has enough again.
 *
 * Pure and on an injected clock: fed with samples (each change of the ready
 * count, and of need or plan at interval boundaries), it emits start and end
 * events; a shortfall shorter than the hold time emits nothing. The alarm
 * starts exactly when the hold time has passed, on a timer, whether or not a
 * sample arrives then.
 */
import type { Clock, TimerHandle } from '../acd/clock.js';

export interface StaffingSample {
  /** Agents ready (or busy on calls of the queue) now. */
  ready: number;
  /** Agents the goal needs in the current interval, if known. */
  needed?: number;
  /** Agents planned for the current interval, if any. */
  planned?: number;
}

export type ShortfallReason = 'below-need' | 'below-plan';

export type ShortfallEvent =
  | { type: 'shortfall-started'; queue: string; at: number; since: number; reasons: ShortfallReason[]; sample: StaffingSample }
  | { type: 'shortfall-ended'; queue: string; at: number; since: number };

interface QueueWatch {
  since: number;
  sample: StaffingSample;
  timer?: TimerHandle;
  raised: boolean;
}

/** Why a sample is short, if it is. */
export function reasonsOf(s: StaffingSample): ShortfallReason[] {
  const reasons: ShortfallReason[] = [];
  if (s.needed !== undefined && s.ready < s.needed) reasons.push('below-need');
  if (s.planned !== undefined && s.ready < s.planned) reasons.push('below-plan');
  return reasons;
}

export class ShortfallAlarm {
  private readonly short = new Map<string, QueueWatch>();
  private readonly holdMs: number;

  constructor(
    private readonly opts: { clock: Clock; holdMinutes: number; onEvent: (e: ShortfallEvent) => void },
  ) {
    if (!Number.isFinite(opts.holdMinutes) || opts.holdMinutes < 0) {
      throw new RangeError(`holdMinutes must be a number >= 0, got ${String(opts.holdMinutes)}`);
    }
    this.holdMs = opts.holdMinutes * 60_000;
  }

  /** The queue's figures as of now. */
  sample(queue: string, sample: StaffingSample): void {
    for (const [name, v] of Object.entries(sample)) {
      if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new RangeError(`${name} must be a number >= 0, got ${String(v)}`);
    }
    const now = this.opts.clock.now();
    const watch = this.short.get(queue);
    if (reasonsOf(sample).length === 0) {
      if (!watch) return;
      this.short.delete(queue);
      if (watch.timer) this.opts.clock.clearTimer(watch.timer);
      if (watch.raised) this.opts.onEvent({ type: 'shortfall-ended', queue, at: now, since: watch.since });
      return;
    }
    if (watch) {
      watch.sample = sample;
      return;
    }
    const fresh: QueueWatch = { since: now, sample, raised: false };
    this.short.set(queue, fresh);
    fresh.timer = this.opts.clock.setTimer(now + this.holdMs, () => {
      fresh.timer = undefined;
      fresh.raised = true;
      const at = this.opts.clock.now();
      this.opts.onEvent({ type: 'shortfall-started', queue, at, since: fresh.since, reasons: reasonsOf(fresh.sample), sample: fresh.sample });
    });
  }

  /** Queues whose alarm is raised now. */
  raised(): string[] {
    return [...this.short].filter(([, w]) => w.raised).map(([q]) => q);
  }

  /** Cancels pending timers; no events after this. */
  close(): void {
    for (const w of this.short.values()) if (w.timer) this.opts.clock.clearTimer(w.timer);
    this.short.clear();
  }
}
