/**
 * Overload protection: refusing a new call at once with 503 Service
 * Unavailable and Retry-After (RFC 3261 section 21.5.4) rather than
 * accepting it and failing it late.
 *
 * Past its capacity the switch does not refuse anything by itself: every call
 * is set up, slower and slower, until the retransmissions (RFC 3261 timers
 * A/E/G) add work faster than it is done and calls fail on the agent's side,
 * seconds after they were accepted. RFC 7339 section 1 describes this
 * collapse. Refusing some calls early keeps the others clean.
 *
 * The decision is made in the app, before a call is routed: drachtio-server
 * has no call limit or overload control of its own (its only 503 to a new
 * request is for a method no application handles), so this works the same
 * with it and with the embedded SIP server. It sees only INVITEs outside a
 * dialog: the SIP server absorbs retransmissions, and drachtio-srf hands
 * in-dialog requests (ACK, BYE, re-INVITE) and CANCEL to their dialog or
 * transaction, so calls in progress are never refused.
 *
 * Two signals:
 * - `maxConcurrentCalls`: calls in progress (from admission until the call
 *   ends, or until it fails to connect). A new call is refused while that
 *   many are up. On by default: unless configured, as many calls as the RTP
 *   port range carries (`callsTheMediaCarries`), so a call is refused here
 *   rather than failing for want of a port once answered.
 * - `maxEventLoopDelayMs`, off unless configured: how late a timer due
 *   every 100 ms runs, smoothed over about a second. The SIP server and the app share one thread, so a
 *   late timer means work is queueing up; above the threshold, new calls are
 *   refused until it drops back. (node:perf_hooks' monitorEventLoopDelay was
 *   not used: on Node 20 it misses a loop blocked for hundreds of ms.) This
 *   catches long blocking work; a backlog of INVITEs waiting in the sockets
 *   hardly makes a timer late, so against a flood of calls the call limit is
 *   the one that works (bench/RESULTS.md, "Overload protection").
 *
 * The hot path is one comparison of each: the delay is sampled by a timer,
 * never per call.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

/**
 * Seconds a refused caller is asked to wait. Short: an upstream proxy may
 * stop sending us any call for that long (RFC 3261 section 21.5.4), and the
 * delay signal clears within a second or two.
 */
export const RETRY_AFTER_SECONDS = 2;

/**
 * Calls the RTP port range carries at once: a call anchored through our
 * media uses two endpoints (the caller's and the agent's), each an even
 * port (RTP) with the odd one above it (RTCP); at least one.
 */
export function callsTheMediaCarries(rtp: { portMin: number; portMax: number }): number {
  const first = rtp.portMin % 2 === 0 ? rtp.portMin : rtp.portMin + 1;
  const evenPorts = rtp.portMax >= first ? Math.floor((rtp.portMax - first) / 2) + 1 : 0;
  return Math.max(1, Math.floor(evenPorts / 2));
}

/** How often the event-loop delay is sampled and pending warnings flushed. */
const TICK_MS = 100;
/** At most one warning a second while calls are being refused. */
const LOG_EVERY_MS = 1000;

export type OverloadReason = 'concurrent-calls' | 'event-loop-delay';

export interface OverloadOptions {
  /** Calls in progress at which a new one is refused; unset: no limit. */
  maxConcurrentCalls?: number;
  /** Smoothed event-loop delay (ms) above which new calls are refused; unset: not watched. */
  maxEventLoopDelayMs?: number;
  logger: Logger;
  /** The event-loop delay in ms, read once a tick; default: timerLateness(). */
  sampler?: () => number;
  now?: () => number;
}

/** A call's place among those in progress; released once, however many times it is told to be. */
export interface CallSlot {
  /** Set when the call is answered: it then holds its slot until it ends, not until its routing returns. */
  answered: boolean;
  release(): void;
}

export class OverloadGuard {
  private active = 0;
  private delayMs = 0;
  private lateLoop = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly sampler: () => number;
  private readonly now: () => number;
  private lastLogAt = -Infinity;
  private readonly refusedSinceLog: Record<OverloadReason, number> = { 'concurrent-calls': 0, 'event-loop-delay': 0 };

  constructor(private readonly opts: OverloadOptions) {
    this.sampler = opts.sampler ?? timerLateness(TICK_MS);
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.opts.maxConcurrentCalls !== undefined || this.opts.maxEventLoopDelayMs !== undefined;
  }

  /** Calls in progress at which a new one is refused, if any. */
  get maxConcurrentCalls(): number | undefined {
    return this.opts.maxConcurrentCalls;
  }

  /** Calls in progress. */
  get activeCalls(): number {
    return this.active;
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flushLog();
  }

  /** Samples the event-loop delay and writes the pending warning when it is due. */
  tick(): void {
    if (this.opts.maxEventLoopDelayMs !== undefined) {
      this.delayMs = this.sampler();
      this.lateLoop = this.delayMs > this.opts.maxEventLoopDelayMs;
    }
    if (this.now() - this.lastLogAt >= LOG_EVERY_MS) this.flushLog();
  }

  /** Why a new call would be refused now, if it would. */
  reason(): OverloadReason | undefined {
    const max = this.opts.maxConcurrentCalls;
    if (max !== undefined && this.active >= max) return 'concurrent-calls';
    if (this.lateLoop) return 'event-loop-delay';
    return undefined;
  }

  /** A slot for a new call, or undefined when it must be refused (counted for the warning). */
  admit(): CallSlot | undefined {
    const why = this.reason();
    if (why) {
      this.refusedSinceLog[why] += 1;
      if (this.now() - this.lastLogAt >= LOG_EVERY_MS) this.flushLog();
      return undefined;
    }
    this.active += 1;
    let released = false;
    return {
      answered: false,
      release: () => {
        if (released) return;
        released = true;
        this.active -= 1;
      },
    };
  }

  private flushLog(): void {
    const byCalls = this.refusedSinceLog['concurrent-calls'];
    const byDelay = this.refusedSinceLog['event-loop-delay'];
    if (byCalls + byDelay === 0) return;
    this.lastLogAt = this.now();
    this.refusedSinceLog['concurrent-calls'] = 0;
    this.refusedSinceLog['event-loop-delay'] = 0;
    this.opts.logger.warn({
      refused: byCalls + byDelay,
      ...(byCalls ? { refusedConcurrentCalls: byCalls } : {}),
      ...(byDelay ? { refusedEventLoopDelay: byDelay } : {}),
      activeCalls: this.active,
      maxConcurrentCalls: this.opts.maxConcurrentCalls,
      eventLoopDelayMs: Math.round(this.delayMs),
      maxEventLoopDelayMs: this.opts.maxEventLoopDelayMs,
    }, 'overloaded: new calls refused with 503');
  }
}

/**
 * A sampler for a timer due every `periodMs`: how late it ran this time,
 * smoothed so that one late run (a garbage collection) moves it less than a
 * second of them; a weight of 0.3 per sample forgets a 100 ms tick's past
 * within about a second.
 */
export function timerLateness(periodMs: number, clock: () => number = () => performance.now()): () => number {
  let last = clock();
  let smoothed = 0;
  return () => {
    const now = clock();
    const late = Math.max(0, now - last - periodMs);
    last = now;
    smoothed += (late - smoothed) * 0.3;
    return smoothed;
  };
}
