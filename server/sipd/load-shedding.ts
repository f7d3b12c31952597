/**
 * Shedding load at the door: when the server falls behind, new INVITEs are
 * refused at once (503 with Retry-After, RFC 3261 section 21.5.4) instead
 * of queueing.
 *
 * Past its capacity a SIP server that takes everything collapses: requests
 * wait in the socket's receive queue for longer than the callers' T1, the
 * callers retransmit, the retransmissions join the queue, and soon every
 * call fails (RFC 7339 section 1). What matters is how long a datagram waits
 * between its arrival and its handling. A timer alone does not see it: the
 * loop keeps reading the queue in short turns and a timer between two turns
 * is hardly late. So the server sends a probe datagram to its own UDP socket
 * every tick; it comes out behind everything queued before it, and the time
 * it took is the wait (the loop's own lateness included). A probe not yet
 * back counts as late as it is old; the timer's own lateness counts too.
 *
 * The delay is smoothed (an exponential average over the ticks), refusal
 * starts above `maxDelayMs` and stops once the average is back under half of
 * it, so one slow garbage collection does not refuse calls and the server
 * does not flap.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

/** How often the delay is sampled and a probe sent. */
export const SHEDDING_TICK_MS = 50;
/**
 * The weight of the newest sample in the average: about half a second of
 * memory. A burst that is worked off within that (a hundred INVITEs at
 * once) is not refused; a flood, whose wait keeps growing, passes the limit
 * within a second or so, long before callers retransmit in numbers.
 */
const SMOOTHING = 0.1;

export interface LoadSheddingOptions {
  /**
   * The smoothed wait in ms above which new INVITEs are refused. Below the
   * callers' T1 (500 ms), so that a call taken is answered before its
   * INVITE is retransmitted. 0: never refused for the wait (no probes sent).
   */
  maxDelayMs: number;
  /** What refused callers are told to wait, in seconds. */
  retryAfterSeconds: number;
}

export const DEFAULT_LOAD_SHEDDING: LoadSheddingOptions = { maxDelayMs: 250, retryAfterSeconds: 2 };

/** Sends a probe through the socket whose queue is measured; `undefined`: the server has no such socket. */
export type ProbeSender = (payload: string) => void;

/** The wait measured by probes through the server's own socket, plus the tick's own lateness. */
export class QueueDelay {
  /** What probes start with; the nonce makes them this process's own. */
  readonly prefix = `\u0000probe ${randomBytes(8).toString('hex')} `;
  private outstanding: { seq: number; sentAt: number } | undefined;
  private seq = 0;
  private last = 0;
  private lastTickAt: number | undefined;

  constructor(private readonly send: ProbeSender, private readonly now: () => number = () => performance.now()) {}

  /** The wait now, in ms; sends the next probe unless one is still under way. */
  sample(): number {
    const now = this.now();
    const lateness = this.lastTickAt === undefined ? 0 : Math.max(0, now - this.lastTickAt - SHEDDING_TICK_MS);
    this.lastTickAt = now;
    if (this.outstanding) return Math.max(this.last, now - this.outstanding.sentAt, lateness);
    this.outstanding = { seq: ++this.seq, sentAt: now };
    this.send(`${this.prefix}${this.seq}`);
    return Math.max(this.last, lateness);
  }

  /** A datagram that starts with `prefix` came out of the queue. */
  received(payload: string): void {
    if (!this.outstanding || payload !== `${this.prefix}${this.outstanding.seq}`) return;
    this.last = this.now() - this.outstanding.sentAt;
    this.outstanding = undefined;
  }
}

export class LoadShedder {
  private average = 0;
  private refusing = false;
  private refusedSinceLog = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly opts: LoadSheddingOptions,
    /** The wait now, in ms, read once a tick. */
    private readonly delay: () => number,
    private readonly log: Logger,
  ) {}

  /** New INVITEs are refused now. */
  get shedding(): boolean {
    return this.refusing;
  }

  /** The smoothed wait, in ms. */
  get delayMs(): number {
    return this.average;
  }

  /** False with `maxDelayMs` 0: nothing is measured and nothing refused. */
  get enabled(): boolean {
    return this.opts.maxDelayMs > 0;
  }

  start(): void {
    if (!this.enabled) return;
    this.timer ??= setInterval(() => this.tick(), SHEDDING_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A new INVITE was refused: counted for the log line that ends the episode. */
  refused(): void {
    this.refusedSinceLog++;
  }

  tick(): void {
    if (!this.enabled) return;
    this.average += SMOOTHING * (this.delay() - this.average);
    if (!this.refusing && this.average > this.opts.maxDelayMs) {
      this.refusing = true;
      this.log.warn({ delayMs: Math.round(this.average), maxDelayMs: this.opts.maxDelayMs },
        'SIP server overloaded: refusing new calls with 503 until it catches up');
    } else if (this.refusing && this.average < this.opts.maxDelayMs / 2) {
      this.refusing = false;
      this.log.warn({ delayMs: Math.round(this.average), refused: this.refusedSinceLog }, 'SIP server caught up: taking new calls again');
      this.refusedSinceLog = 0;
    }
  }
}
