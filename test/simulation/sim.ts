/**
 * A discrete-event simulation of a contact centre that drives the real ACD
 * on its simulated clock.
 *
 * Calls arrive as a Poisson process (exponential gaps from a seeded PRNG, so
 * every run is the same), each with an exponential handling time drawn when
 * it is generated, so two set-ups fed the same seed see exactly the same
 * callers (common random numbers: the separate-vs-pooled comparison differs
 * only in how the ACD is configured). Agents answer every offer at once,
 * hang up after the call's handling time and have no wrap-up, no caller
 * abandons: the M/M/N queue Erlang C describes, with the ACD making every
 * routing decision.
 *
 * Every arrival, answer and hang-up is a timer on the ACD's SimulatedClock,
 * the same clock its own timers (ring timeouts, wrap-up, routing steps) run
 * on, so one `runAll()` plays the whole day in time order without waiting for
 * real time. The waits measured are the ACD's own: the `waitMs` of its
 * 'answered' events, cross-checked against the driver's arrival and offer
 * times.
 */
import type { AcdEvent } from '../../server/acd/model.js';
import type { SimulatedClock } from '../../server/acd/clock.js';

// ---------------------------------------------------------------------------
// Seeded randomness

/** xoshiro128** seeded through splitmix32: fast, 2^128 - 1 period, repeatable. */
export class Prng {
  private s: Uint32Array;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = new Uint32Array([next(), next(), next(), next()]);
  }

  /** Uniform in [0, 1). */
  next(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3]! = rotl(s[3]!, 11);
    return result / 4294967296;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    // 1 - u is in (0, 1], so the log is finite.
    return -Math.log(1 - this.next()) * mean;
  }

  /** Poisson with the given mean (Knuth's method: for means up to a few hundred, where e^-mean is a normal double). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// ---------------------------------------------------------------------------
// The callers

/** A stream of calls for one queue (or one unit whose calls may be pooled). */
export interface CallStream {
  /** Which stream (unit) the calls belong to; the set-up maps it to a queue. */
  stream: string;
  /** Offered traffic in Erlang; the arrival rate is trafficErlangs / AHT. */
  trafficErlangs: number;
}

export interface SimCall {
  index: number;
  id: string;
  stream: string;
  arrivalMs: number;
  handleMs: number;
}

/**
 * The day's callers, in arrival order: the streams merged into one Poisson
 * process of rate Σλ, each call belonging to stream i with probability λ_i/Σλ
 * (the same as independent Poisson streams), with an exponential handling
 * time of mean AHT.
 */
export function generateCalls(opts: { seed: number; calls: number; ahtSeconds: number; streams: CallStream[] }): SimCall[] {
  const rng = new Prng(opts.seed);
  const aht = opts.ahtSeconds * 1000;
  const rates = opts.streams.map((s) => s.trafficErlangs / aht); // calls per ms
  const total = rates.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('streams must offer some traffic');
  const calls: SimCall[] = [];
  let t = 0;
  for (let i = 0; i < opts.calls; i++) {
    t += rng.exponential(1 / total);
    let u = rng.next() * total;
    let k = 0;
    while (k < rates.length - 1 && u >= rates[k]!) u -= rates[k++]!;
    // Whole milliseconds, as a real clock would give; at least 1 ms of handling.
    calls.push({
      index: i,
      id: `call-${i}`,
      stream: opts.streams[k]!.stream,
      arrivalMs: Math.round(t),
      handleMs: Math.max(1, Math.round(rng.exponential(aht))),
    });
  }
  return calls;
}

// ---------------------------------------------------------------------------
// What the driver needs of the engine

/**
 * The ACD as the simulation uses it, on its simulated clock. `./acd-engine.ts`
 * builds one from the real Acd; nothing here knows the Acd's constructor.
 */
export interface SimEngine {
  readonly clock: SimulatedClock;
  /** A caller enters queue `queueId`. */
  enqueue(call: { id: string; queueId: string; at: number; data: Record<string, string> }): Promise<unknown>;
  /** The agent offered the entry answers. */
  accept(entryId: string, agentId: string): Promise<unknown>;
  /** The call handled by the agent ends. */
  end(entryId: string, agentId: string): Promise<unknown>;
  /** Every event the ACD emits. */
  onEvent(listener: (e: AcdEvent) => void): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Running and measuring

export interface Measured {
  offered: number;
  answered: number;
  answeredWithinTarget: number;
  /** answeredWithinTarget / answered. */
  serviceLevel: number;
  /** Fraction of calls that waited at all (more than 0 ms). */
  waitedFraction: number;
  /** Average speed of answer, seconds. */
  averageSpeedOfAnswer: number;
  /** Mean handling time of the calls that ended, seconds (the ACD's 'ended' events). */
  averageHandleSeconds: number;
  /** Half-width of a ~95 % confidence interval of the service level, by batch means (20 batches). */
  serviceLevelHalfWidth: number;
}

export interface SimResult {
  total: Measured;
  /** Per stream (unit), whatever queue served it. */
  byStream: Record<string, Measured>;
  /** Simulated time from the first arrival to the last hang-up, seconds. */
  simulatedSeconds: number;
  /** Real time the run took, milliseconds. */
  wallMs: number;
  /** Offers the ACD made, and how many went to an agent who already had a call or were of a call already offered (must be 0). */
  offers: number;
  doubleOffers: number;
  /** Calls whose wait by the ACD's 'answered' event differs from the driver's own measurement. */
  waitMismatches: number;
  /** Calls still waiting or talking when the run ended (must be 0). */
  unfinished: number;
}

export interface RunOptions {
  engine: SimEngine;
  calls: SimCall[];
  /** Which queue a stream's calls enter. */
  queueFor: (stream: string) => string;
  /** The T of "answered within T seconds". */
  targetSeconds: number;
  /** Calls at the start left out of the figures while the empty centre fills up. */
  warmupCalls: number;
}

interface CallState {
  call: SimCall;
  offeredTo?: string;
  offeredAt?: number;
  answeredAt?: number;
  waitMs?: number;
  endedAt?: number;
  handleMs?: number;
}

/** Plays the calls through the engine and measures what the callers got. */
export async function runSimulation(opts: RunOptions): Promise<SimResult> {
  const started = performance.now();
  const { engine, calls } = opts;
  const { clock } = engine;
  const byId = new Map<string, CallState>();
  const busyAgents = new Map<string, string>(); // agent -> entry offered/handled
  let offers = 0;
  let doubleOffers = 0;
  let waitMismatches = 0;
  const failures: unknown[] = [];

  /** Runs `fn` as a timer at `at` on the engine's clock; a failure stops the run. */
  const at = (when: number, fn: () => Promise<unknown>): void => {
    clock.setTimer(when, () =>
      fn().catch((err: unknown) => {
        failures.push(err);
      }),
    );
  };

  engine.onEvent((e) => {
    switch (e.type) {
      case 'offered-to-agent': {
        const s = byId.get(e.entryId);
        if (!s) return;
        offers++;
        if (busyAgents.has(e.agentId) || s.offeredTo !== undefined) doubleOffers++;
        busyAgents.set(e.agentId, e.entryId);
        s.offeredTo = e.agentId;
        s.offeredAt = clock.now();
        // The agent answers at once: a timer now, run as soon as the ACD's
        // current step is done (never re-entering it from its own event).
        at(clock.now(), async () => {
          await engine.accept(e.entryId, e.agentId);
          at(clock.now() + s.call.handleMs, () => engine.end(e.entryId, e.agentId));
        });
        break;
      }
      case 'answered': {
        const s = byId.get(e.entryId);
        if (!s) return;
        s.answeredAt = clock.now();
        s.waitMs = e.waitMs;
        if (s.offeredAt === undefined || Math.abs(s.offeredAt - s.call.arrivalMs - e.waitMs) > 0) waitMismatches++;
        break;
      }
      case 'ended': {
        const s = byId.get(e.entryId);
        if (!s) return;
        s.endedAt = clock.now();
        s.handleMs = e.handleMs;
        if (busyAgents.get(e.agentId) === e.entryId) busyAgents.delete(e.agentId);
        break;
      }
      default:
        break;
    }
  });

  // Arrivals as a chain of timers (one pending at a time keeps the heap small).
  const arrive = (i: number): void => {
    const call = calls[i];
    if (!call) return;
    at(call.arrivalMs, async () => {
      byId.set(call.id, { call });
      if (i + 1 < calls.length) arrive(i + 1);
      await engine.enqueue({
        id: call.id,
        queueId: opts.queueFor(call.stream),
        at: call.arrivalMs,
        data: { stream: call.stream },
      });
    });
  };
  arrive(0);
  await clock.runAll();
  if (failures.length > 0) throw failures[0];

  const states = [...byId.values()];
  const measured = states.filter((s) => s.call.index >= opts.warmupCalls);
  const byStream: Record<string, Measured> = {};
  for (const stream of new Set(calls.map((c) => c.stream))) {
    byStream[stream] = measure(
      measured.filter((s) => s.call.stream === stream),
      opts.targetSeconds,
    );
  }
  const lastEnd = Math.max(0, ...states.map((s) => s.endedAt ?? 0));
  return {
    total: measure(measured, opts.targetSeconds),
    byStream,
    simulatedSeconds: (lastEnd - (calls[0]?.arrivalMs ?? 0)) / 1000,
    wallMs: performance.now() - started,
    offers,
    doubleOffers,
    waitMismatches,
    unfinished: calls.length - states.filter((s) => s.endedAt !== undefined).length,
  };
}

function measure(states: CallState[], targetSeconds: number): Measured {
  const target = targetSeconds * 1000;
  const answered = states.filter((s) => s.waitMs !== undefined);
  const within = (xs: CallState[]): number => xs.filter((s) => s.waitMs! <= target).length;
  const ended = states.filter((s) => s.handleMs !== undefined);
  // Batch means: consecutive calls are correlated (they share the queue), so
  // the spread of 20 batch levels, not of single calls, gives the error.
  const batches = 20;
  const size = Math.floor(answered.length / batches);
  let halfWidth = Number.NaN;
  if (size > 0) {
    const levels = Array.from({ length: batches }, (_, b) => within(answered.slice(b * size, (b + 1) * size)) / size);
    const mean = levels.reduce((a, x) => a + x, 0) / batches;
    const variance = levels.reduce((a, x) => a + (x - mean) ** 2, 0) / (batches - 1);
    halfWidth = 2.093 * Math.sqrt(variance / batches); // t(0.975, 19)
  }
  return {
    offered: states.length,
    answered: answered.length,
    answeredWithinTarget: within(answered),
    serviceLevel: answered.length === 0 ? Number.NaN : within(answered) / answered.length,
    waitedFraction: answered.length === 0 ? Number.NaN : answered.filter((s) => s.waitMs! > 0).length / answered.length,
    averageSpeedOfAnswer: answered.length === 0 ? Number.NaN : answered.reduce((a, s) => a + s.waitMs!, 0) / answered.length / 1000,
    averageHandleSeconds: ended.length === 0 ? Number.NaN : ended.reduce((a, s) => a + s.handleMs!, 0) / ended.length / 1000,
    serviceLevelHalfWidth: halfWidth,
  };
}
