/**
 * The shortfall alarm in the running product (./shortfall-alarm.ts): each
 * queue's agents on the phones, from the ACD as they change, held against
 * what the queue's goal needs and what is planned in the current interval
 * (server/stats/queue-staffing.ts, read again at each interval's start).
 * A queue short for the configured number of minutes raises the alarm; it
 * ends when the queue has enough again.
 *
 * On the product's clock: timers at the interval boundaries, so a test
 * drives a day with the simulated clock.
 */
import type { Acd, AcdEvent, Clock, TimerHandle } from '../acd/index.js';
import { reasonsOf, ShortfallAlarm, type ShortfallEvent, type ShortfallReason, type StaffingSample } from './shortfall-alarm.js';
import { STAFFED_STATES } from './staffing-history.js';

/** Need and plan of each queue for the interval starting at `at`; a queue without either is left out. */
export type StaffingTargets = (at: number) => Promise<Map<string, { needed?: number; planned?: number }>>;

export interface ShortfallMonitorOptions {
  clock: Clock;
  acd: Pick<Acd, 'on' | 'snapshot'>;
  targets: StaffingTargets;
  /** Queue id -> the agents who may take its calls, as configured now. */
  agentsOf: () => ReadonlyMap<string, ReadonlySet<string>>;
  intervalMinutes: number;
  holdMinutes: number;
  onEvent: (e: ShortfallEvent) => void;
  /** A failed read of the targets: the last ones stay in force. */
  onError: (err: unknown) => void;
}

interface RaisedShortfall {
  queue: string;
  since: number;
  reasons: ShortfallReason[];
  sample: StaffingSample;
}

/** A shortfall alarm as the live feed and the pages see it. */
export interface ShortfallLive {
  queue: string;
  state: 'started' | 'ended';
  /** When the queue became short. */
  since: string;
  reasons: ShortfallReason[];
  ready?: number;
  needed?: number;
  planned?: number;
}

export function shortfallLive(e: ShortfallEvent): ShortfallLive {
  const since = new Date(e.since).toISOString();
  if (e.type === 'shortfall-ended') return { queue: e.queue, state: 'ended', since, reasons: [] };
  return { queue: e.queue, state: 'started', since, reasons: e.reasons, ...e.sample };
}

export class ShortfallMonitor {
  private readonly alarm: ShortfallAlarm;
  private targets = new Map<string, { needed?: number; planned?: number }>();
  private readonly raisedNow = new Map<string, RaisedShortfall>();
  private timer: TimerHandle | undefined;
  private unlisten: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly opts: ShortfallMonitorOptions) {
    this.alarm = new ShortfallAlarm({
      clock: opts.clock,
      holdMinutes: opts.holdMinutes,
      onEvent: (e) => {
        if (e.type === 'shortfall-started') this.raisedNow.set(e.queue, { queue: e.queue, since: e.since, reasons: e.reasons, sample: e.sample });
        else this.raisedNow.delete(e.queue);
        opts.onEvent(e);
      },
    });
  }

  /** Reads the current interval's targets, samples every queue, and follows the ACD. */
  async start(): Promise<void> {
    this.unlisten = this.opts.acd.on((e: AcdEvent) => { if (e.type === 'agent-state') this.sampleAll(); });
    await this.intervalStarts();
  }

  /** The alarms raised now, oldest first. */
  raised(): ShortfallLive[] {
    return [...this.raisedNow.values()].sort((x, y) => x.since - y.since)
      .map((r) => ({ queue: r.queue, state: 'started', since: new Date(r.since).toISOString(), reasons: r.reasons, ...r.sample }));
  }

  stop(): void {
    this.stopped = true;
    this.unlisten?.();
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.alarm.close();
  }

  private async intervalStarts(): Promise<void> {
    const lengthMs = this.opts.intervalMinutes * 60_000;
    const now = this.opts.clock.now();
    const start = now - (now % lengthMs);
    this.timer = this.opts.clock.setTimer(start + lengthMs, () => this.intervalStarts());
    try {
      this.targets = await this.opts.targets(start);
    } catch (err) {
      this.opts.onError(err);
    }
    if (!this.stopped) this.sampleAll();
  }

  private sampleAll(): void {
    const staffed = new Set(this.opts.acd.snapshot().agents.filter((a) => STAFFED_STATES.has(a.state)).map((a) => a.id));
    const agentsOf = this.opts.agentsOf();
    for (const [queue, agents] of agentsOf) {
      const target = this.targets.get(queue) ?? {};
      const ready = [...agents].filter((a) => staffed.has(a)).length;
      const sample = { ready, ...target };
      this.alarm.sample(queue, sample);
      const raised = this.raisedNow.get(queue);
      if (raised) this.raisedNow.set(queue, { ...raised, sample, reasons: reasonsOf(sample) });
    }
  }
}
