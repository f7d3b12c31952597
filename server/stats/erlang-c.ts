/**
 * Erlang C: the M/M/N queue behind staffing for a service-level goal.
 *
 * Calls arrive at random (Poisson), handling times are exponential with mean
 * AHT, N agents serve one first-come-first-served queue, nobody abandons.
 * The offered traffic A = calls × AHT / interval is in Erlang (busy agents
 * needed on average). With A >= N the queue grows without bound: everybody
 * waits, forever on average, and no call is answered within any T.
 *
 * Numerically stable: Erlang B by its recursion
 *   B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1))
 * (every step is a ratio in [0, 1], no factorials or powers that overflow),
 * then Erlang C from it:
 *   C(N, A) = N·B / (N - A·(1 - B)).
 *
 * Pure functions, no I/O: the staffing view (./staffing.ts) and the
 * simulation tests build on these.
 */

export interface QueueFigures {
  /** Agents serving the queue. */
  agents: number;
  /** Offered traffic in Erlang. */
  trafficErlangs: number;
  /** Mean handling time in seconds. */
  ahtSeconds: number;
}

export interface ServiceLevelGoal {
  /** Fraction of calls to answer within `targetSeconds`, 0..1 (0.85 for 85 %). */
  targetServiceLevel: number;
  /** The T of "answered within T seconds". */
  targetSeconds: number;
}

export interface AgentsNeededInput extends ServiceLevelGoal {
  /** Calls offered in the interval. */
  callsPerInterval: number;
  /** Length of the interval in seconds (900 for 15 min, 1800 for 30 min). */
  intervalSeconds: number;
  /** Mean handling time (talk + hold + wrap-up) in seconds. */
  ahtSeconds: number;
  /** Upper bound on occupancy A/N, 0..1 (e.g. 0.85); more agents are added until it holds. */
  maxOccupancy?: number;
  /**
   * Share of paid time agents are not available to take calls (breaks,
   * meetings, training, absence), 0..1. Scheduled staff = ceil(N / (1 - shrinkage)).
   */
  shrinkage?: number;
  /** Safety limit for the search; default max(1000, 10 × traffic). */
  maxAgents?: number;
}

export interface StaffingResult {
  /** Smallest N on the phones meeting the goal (and the occupancy cap). */
  agents: number;
  /** Staff to schedule so that `agents` are on the phones after shrinkage. */
  scheduledAgents: number;
  trafficErlangs: number;
  /** Achieved with `agents`: probability a call waits at all, 0..1. */
  probabilityOfWaiting: number;
  /** Achieved with `agents`: fraction answered within targetSeconds, 0..1. */
  serviceLevel: number;
  /** Achieved with `agents`: average speed of answer over all calls, seconds. */
  averageSpeedOfAnswer: number;
  /** Achieved with `agents`: A / N, 0..1. */
  occupancy: number;
  /** True when the service-level goal decided N, false when the occupancy cap did. */
  limitedBy: 'service-level' | 'occupancy';
}

export function assertFinite(name: string, value: number, min: number, allowEqualMin = true): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || (allowEqualMin ? value < min : value <= min)) {
    throw new RangeError(`${name} must be a finite number ${allowEqualMin ? '>=' : '>'} ${min}, got ${String(value)}`);
  }
}

export function assertAgents(agents: number): void {
  if (!Number.isInteger(agents) || agents < 0) {
    throw new RangeError(`agents must be a whole number >= 0, got ${String(agents)}`);
  }
}

export function assertFraction(name: string, value: number, { openLow = false, openHigh = false } = {}): void {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    value > 1 ||
    (openLow && value === 0) ||
    (openHigh && value === 1)
  ) {
    throw new RangeError(`${name} must be a fraction ${openLow ? '(' : '['}0, 1${openHigh ? ')' : ']'}, got ${String(value)}`);
  }
}

/** Offered traffic in Erlang: calls × AHT / interval. */
export function trafficIntensity(callsPerInterval: number, intervalSeconds: number, ahtSeconds: number): number {
  assertFinite('callsPerInterval', callsPerInterval, 0);
  assertFinite('intervalSeconds', intervalSeconds, 0, false);
  assertFinite('ahtSeconds', ahtSeconds, 0);
  return (callsPerInterval * ahtSeconds) / intervalSeconds;
}

/** Erlang B: probability that a call finds all N agents busy in a loss system (no queue). */
export function erlangB(agents: number, trafficErlangs: number): number {
  assertAgents(agents);
  assertFinite('trafficErlangs', trafficErlangs, 0);
  let b = 1;
  for (let n = 1; n <= agents; n++) {
    const ab = trafficErlangs * b;
    b = ab / (n + ab);
  }
  return b;
}

/**
 * Erlang C: probability that a call has to wait at all, P(W > 0).
 * 1 when A >= N (the queue is unstable, everybody waits); 0 when A = 0.
 */
export function probabilityOfWaiting(agents: number, trafficErlangs: number): number {
  assertAgents(agents);
  assertFinite('trafficErlangs', trafficErlangs, 0);
  if (trafficErlangs === 0) return 0;
  if (trafficErlangs >= agents) return 1;
  const b = erlangB(agents, trafficErlangs);
  const c = (agents * b) / (agents - trafficErlangs * (1 - b));
  // Rounding can push c a hair past 1 right at the edge of stability.
  return Math.min(1, Math.max(0, c));
}

/** Alias under the usual name. */
export const erlangC = probabilityOfWaiting;

/**
 * Service level: fraction of calls answered within `targetSeconds`,
 * P(W <= T) = 1 - C · exp(-(N - A) · T / AHT). 0 when A >= N.
 */
export function serviceLevel(q: QueueFigures, targetSeconds: number): number {
  assertFinite('targetSeconds', targetSeconds, 0);
  assertFinite('ahtSeconds', q.ahtSeconds, 0, false);
  const pw = probabilityOfWaiting(q.agents, q.trafficErlangs);
  if (q.trafficErlangs >= q.agents && q.trafficErlangs > 0) return 0;
  const sl = 1 - pw * Math.exp((-(q.agents - q.trafficErlangs) * targetSeconds) / q.ahtSeconds);
  return Math.min(1, Math.max(0, sl));
}

/**
 * Average speed of answer over all calls (those answered at once count as 0),
 * ASA = C · AHT / (N - A). Infinity when A >= N.
 */
export function averageSpeedOfAnswer(q: QueueFigures): number {
  assertFinite('ahtSeconds', q.ahtSeconds, 0);
  const pw = probabilityOfWaiting(q.agents, q.trafficErlangs);
  if (q.trafficErlangs === 0) return 0;
  if (q.trafficErlangs >= q.agents) return Infinity;
  return (pw * q.ahtSeconds) / (q.agents - q.trafficErlangs);
}

/**
 * Average wait of the calls that do wait: AHT / (N - A). Infinity when A >= N.
 */
export function averageWaitOfDelayed(q: QueueFigures): number {
  assertAgents(q.agents);
  assertFinite('trafficErlangs', q.trafficErlangs, 0);
  assertFinite('ahtSeconds', q.ahtSeconds, 0);
  if (q.trafficErlangs >= q.agents) return Infinity;
  return q.ahtSeconds / (q.agents - q.trafficErlangs);
}

/** Occupancy: share of agents' time spent handling calls, A / N, capped at 1 (0 with no agents). */
export function occupancy(agents: number, trafficErlangs: number): number {
  assertAgents(agents);
  assertFinite('trafficErlangs', trafficErlangs, 0);
  if (agents === 0) return trafficErlangs > 0 ? 1 : 0;
  return Math.min(1, trafficErlangs / agents);
}

/** Staff to schedule so that `agents` are on the phones: ceil(N / (1 - shrinkage)). */
export function scheduledStaff(agents: number, shrinkage = 0): number {
  assertAgents(agents);
  assertFraction('shrinkage', shrinkage, { openHigh: true });
  if (agents === 0) return 0;
  // Guard against 8 / (1 - 0.2) = 10.000000000000002 style noise before ceil.
  return Math.ceil(agents / (1 - shrinkage) - 1e-9);
}

/** Every figure for one staffing level. */
export function evaluate(q: QueueFigures, targetSeconds: number): Omit<StaffingResult, 'scheduledAgents' | 'limitedBy'> {
  return {
    agents: q.agents,
    trafficErlangs: q.trafficErlangs,
    probabilityOfWaiting: probabilityOfWaiting(q.agents, q.trafficErlangs),
    serviceLevel: serviceLevel(q, targetSeconds),
    averageSpeedOfAnswer: averageSpeedOfAnswer(q),
    occupancy: occupancy(q.agents, q.trafficErlangs),
  };
}

/**
 * Smallest number of agents reaching a service level with traffic A (Erlang),
 * and optionally keeping occupancy at or under `maxOccupancy`.
 */
export function agentsForTraffic(
  input: ServiceLevelGoal & { trafficErlangs: number; ahtSeconds: number; maxOccupancy?: number; shrinkage?: number; maxAgents?: number },
): StaffingResult {
  const { trafficErlangs: a, ahtSeconds, targetServiceLevel, targetSeconds } = input;
  assertFinite('trafficErlangs', a, 0);
  assertFinite('ahtSeconds', ahtSeconds, 0, false);
  assertFinite('targetSeconds', targetSeconds, 0);
  assertFraction('targetServiceLevel', targetServiceLevel, { openHigh: true });
  const maxOcc = input.maxOccupancy ?? 1;
  assertFraction('maxOccupancy', maxOcc, { openLow: true });
  const shrinkage = input.shrinkage ?? 0;
  assertFraction('shrinkage', shrinkage, { openHigh: true });
  const limit = input.maxAgents ?? Math.max(1000, Math.ceil(10 * a));

  if (a === 0) {
    return {
      ...evaluate({ agents: 0, trafficErlangs: 0, ahtSeconds }, targetSeconds),
      serviceLevel: 1,
      scheduledAgents: 0,
      limitedBy: 'service-level',
    };
  }

  // Below floor(A) + 1 the queue is unstable; the service level rises with N from there.
  let n = Math.floor(a) + 1;
  let bySl: number | undefined;
  for (; n <= limit; n++) {
    if (serviceLevel({ agents: n, trafficErlangs: a, ahtSeconds }, targetSeconds) >= targetServiceLevel) {
      bySl = n;
      break;
    }
  }
  if (bySl === undefined) {
    throw new RangeError(`no staffing up to ${limit} agents reaches the service level ${targetServiceLevel}`);
  }
  // Occupancy cap: smallest N with A / N <= maxOccupancy (tolerate float noise).
  const byOcc = Math.max(1, Math.ceil(a / maxOcc - 1e-9));
  const agents = Math.max(bySl, byOcc);
  return {
    ...evaluate({ agents, trafficErlangs: a, ahtSeconds }, targetSeconds),
    scheduledAgents: scheduledStaff(agents, shrinkage),
    limitedBy: byOcc > bySl ? 'occupancy' : 'service-level',
  };
}

/**
 * Smallest number of agents for a service-level goal from the volume of one
 * interval, e.g. 225 calls in 30 min at AHT 135 s for 85 % within 60 s.
 */
export function agentsNeeded(input: AgentsNeededInput): StaffingResult {
  const a = trafficIntensity(input.callsPerInterval, input.intervalSeconds, input.ahtSeconds);
  return agentsForTraffic({ ...input, trafficErlangs: a });
}
