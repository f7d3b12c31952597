/**
 * Serial execution: every action of the engine is one operation, and
 * operations run one after another, never interleaved. An operation awaits
 * the store; were two interleaved, each could decide on a picture the
 * other is changing.
 *
 * Each operation ends by settling: the engine matches whatever changed
 * meanwhile (./matching.ts), so assignment is re-tried whenever anything
 * changes. A change that reaches the engine between operations (another
 * instance's, from the store) gets an operation of its own that only
 * settles.
 *
 * Listeners are called synchronously during an operation; a listener that
 * calls back into the engine queues an operation that runs after the
 * current one.
 */
import { AcdError } from './errors.js';

export interface Settle {
  /** Whether anything waits to be settled. */
  needed(): boolean;
  run(): Promise<void>;
}

export class Serial {
  private chain: Promise<unknown> = Promise.resolve();
  private running = false;
  private settleScheduled = false;
  private halted = false;

  constructor(
    private readonly settle: Settle,
    /** Errors nobody awaits: a failed settle, a timer's operation. */
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Whether an operation is running now. */
  get inOp(): boolean {
    return this.running;
  }

  get stopped(): boolean {
    return this.halted;
  }

  /** No operation runs from now on; those still queued reject. */
  stop(): void {
    this.halted = true;
  }

  /** Runs `op` after every operation before it, then settles. */
  run<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(async () => {
      if (this.halted) throw new AcdError('the ACD is stopped');
      this.running = true;
      try {
        return await op();
      } finally {
        try {
          if (this.settle.needed()) await this.settle.run();
        } catch (err) {
          this.onError(err);
        }
        this.running = false;
        if (this.settle.needed()) this.scheduleSettle();
      }
    });
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** What a timer does: an operation whose errors go to onError; settles when idle (the simulated clock waits for it). */
  timerOp(op: () => Promise<void>): Promise<void> {
    if (this.halted) return Promise.resolve();
    return this.run(op)
      .catch((err) => this.onError(err))
      .then(() => this.idle());
  }

  /** An operation that only settles, unless one is queued already. */
  scheduleSettle(): void {
    if (this.settleScheduled || this.halted) return;
    this.settleScheduled = true;
    this.run(async () => {
      this.settleScheduled = false;
    }).catch((err) => this.onError(err));
  }

  /** Resolves when no operation is running or queued. */
  async idle(): Promise<void> {
    for (;;) {
      const c = this.chain;
      await c;
      if (c === this.chain) return;
    }
  }
}
