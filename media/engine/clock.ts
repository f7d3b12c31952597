/**
 * The 20 ms media clock that paces every stream of the engine.
 *
 * Why one clock and not a timer per stream: 500 streams with their own
 * setInterval mean 25,000 timer callbacks a second, each with its own
 * jitter; one ticker wakes 50 times a second and sends every stream's packet
 * in one pass, which is what lets two cores carry hundreds of streams.
 *
 * Why it does not drift: tick n is due at start + n × 20 ms, computed from
 * process.hrtime (monotonic, nanoseconds). Each wake-up arms a setTimeout for
 * the *remaining* time to the next due tick, so a late wake-up (timers fire
 * at millisecond granularity, a busy event loop delays them) shortens the
 * next wait instead of pushing every later packet back, as setInterval or
 * chained setTimeout(20) would. If the process stalls for longer than a few
 * ticks, the missed ticks are run back to back (receivers' jitter buffers
 * absorb a short burst); past MAX_CATCH_UP they are skipped, and because
 * stream timestamps are derived from the tick number, the skipped audio
 * shows as a timestamp jump rather than a slowly widening delay.
 *
 * Why streams are spread over phases: sending every stream's packet in one
 * pass takes milliseconds at hundreds of streams, and any delay in the pass
 * lands on the streams sent last. Members are dealt round-robin to PHASES
 * groups, and the clock wakes every TICK_MS / PHASES to serve one group, so
 * each pass is a quarter as long and each stream still sends every 20 ms.
 *
 * Time is in the media clock's own units: ticks, and 8 kHz samples since
 * the clock started (so an RTP timestamp is just origin + samples).
 */
export const TICK_MS = 20;
export const SAMPLE_RATE = 8000;
export const SAMPLES_PER_TICK = (SAMPLE_RATE * TICK_MS) / 1000;

const PHASES = 4;
/** The clock wakes once per phase: a tick is PHASES sub-ticks. */
const SUB_TICK_NS = BigInt((TICK_MS / PHASES) * 1_000_000);
/** More missed sub-ticks than this (after a stall) are dropped rather than burst out. */
const MAX_CATCH_UP = 5 * PHASES;

export interface Tickable {
  /**
   * Called once per 20 ms tick. `tick` counts from the clock's start;
   * `nowMs` is the clock's monotonic time in milliseconds.
   */
  onTick(tick: number, nowMs: number): void;
}

export interface PacingClockStats {
  /** Ticks run so far. */
  ticks: number;
  /** Ticks skipped after stalls. */
  skipped: number;
  /** Worst lateness of a tick behind its due time, ms. */
  maxLateMs: number;
}

export class PacingClock {
  private readonly phases: Array<Set<Tickable>> = Array.from({ length: PHASES }, () => new Set());
  private readonly phaseOf = new Map<Tickable, number>();
  private startNs = 0n;
  /** The next sub-tick to run. */
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  readonly stats: PacingClockStats = { ticks: 0, skipped: 0, maxLateMs: 0 };

  /** Number of streams (or other members) on this clock. */
  get size(): number {
    return this.phaseOf.size;
  }

  /** Monotonic ms on the clock's time base (hrtime). */
  nowMs(): number {
    return Number(process.hrtime.bigint() - this.startNs) / 1e6;
  }

  /** 8 kHz samples elapsed since the clock started: the media timestamp of "now". */
  samplesNow(): number {
    return Math.floor(Number(process.hrtime.bigint() - this.startNs) / 125_000);
  }

  /** The tick that runs next (the current tick while inside onTick is next - 1). */
  get nextTick(): number {
    return Math.floor(this.next / PHASES);
  }

  add(member: Tickable): void {
    if (this.phaseOf.has(member)) return;
    // The least crowded phase keeps the passes even as streams come and go.
    let phase = 0;
    for (let p = 1; p < PHASES; p++) if (this.phases[p]!.size < this.phases[phase]!.size) phase = p;
    this.phases[phase]!.add(member);
    this.phaseOf.set(member, phase);
    if (!this.running) this.start();
  }

  remove(member: Tickable): void {
    const phase = this.phaseOf.get(member);
    if (phase === undefined) return;
    this.phases[phase]!.delete(member);
    this.phaseOf.delete(member);
    if (this.phaseOf.size === 0) this.stop();
  }

  private start(): void {
    this.running = true;
    if (this.startNs === 0n) {
      this.startNs = process.hrtime.bigint();
      this.next = 0;
    } else {
      // Restarting after an idle spell: keep the time base (so timestamps stay
      // monotonic across members) but resume at the tick due now.
      this.next = (Number((process.hrtime.bigint() - this.startNs) / SUB_TICK_NS / BigInt(PHASES)) + 1) * PHASES;
    }
    this.arm();
  }

  private stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const dueNs = this.startNs + BigInt(this.next) * SUB_TICK_NS;
    const waitMs = Number(dueNs - process.hrtime.bigint()) / 1e6;
    // setTimeout rounds down to whole ms and may fire a little early on
    // libuv's cached loop time; run() checks the real time and re-arms.
    this.timer = setTimeout(this.run, Math.max(0, Math.ceil(waitMs)));
    // The sockets of live streams keep the process alive, not the clock.
    this.timer.unref();
  }

  private readonly run = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    const now = process.hrtime.bigint();
    const due = Number((now - this.startNs) / SUB_TICK_NS);
    if (due - this.next > MAX_CATCH_UP) {
      this.stats.skipped += Math.floor((due - MAX_CATCH_UP - this.next) / PHASES);
      // Resume at the start of a tick, so every phase keeps its place.
      this.next = Math.ceil((due - MAX_CATCH_UP) / PHASES) * PHASES;
    }
    const late = Number(now - this.startNs - BigInt(this.next) * SUB_TICK_NS) / 1e6;
    if (this.next <= due && late > this.stats.maxLateMs) this.stats.maxLateMs = late;
    while (this.next <= due && this.running) {
      const sub = this.next++;
      const tick = Math.floor(sub / PHASES);
      const nowMs = Number(process.hrtime.bigint() - this.startNs) / 1e6;
      if (sub % PHASES === 0) this.stats.ticks += 1;
      for (const m of this.phases[sub % PHASES]!) {
        try {
          m.onTick(tick, nowMs);
        } catch {
          // One broken stream must not stop the clock for all the others;
          // members handle their own errors, this is the last line.
        }
      }
    }
    if (this.running) this.arm();
  };
}
