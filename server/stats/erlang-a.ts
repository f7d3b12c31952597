/**
 * Erlang A: the M/M/n+M queue, Erlang C with callers who hang up.
 *
 * Poisson arrivals at rate λ, exponential handling with mean AHT (μ = 1/AHT),
 * n agents, one first-come-first-served line, and every caller's patience
 * exponential with mean P (θ = 1/P): a caller still waiting after their
 * patience abandons. The model is Palm's (1943); the formulation followed
 * here is Garnett, Mandelbaum & Reiman, "Designing a call center with
 * impatient customers", Manufacturing & Service Operations Management 4(3),
 * 2002, §2: the number of callers in the system is a birth-death process with
 * birth rate λ and death rate min(k, n)·μ + max(k - n, 0)·θ, so
 *
 *   π_k ∝ A^k / k!                                for k <= n,
 *   π_k ∝ A^n / n! · Π_{j=1..k-n} λ / (nμ + jθ)   for k > n,
 *
 * with A = λ/μ. By PASTA an arrival sees π: it waits when k >= n, and the
 * share that abandons is θ·E[queue] / λ (abandons per second over arrivals
 * per second). The product is computed in logarithms and the tail summed
 * until it no longer counts, so large centres neither overflow nor lose
 * accuracy. Unlike Erlang C the queue is stable at any load: impatience
 * empties it.
 *
 * Answered within T: an arrival finding m callers already waiting reaches an
 * agent after m + 1 departures ahead of it, each at rate nμ + (callers ahead)·θ,
 * unless its own patience (rate θ) runs out first. That pure-death chain is
 * solved for all m at once by uniformisation (its transient distribution at
 * T as a Poisson mixture of steps of the discretised chain), exact up to a
 * truncation error below 1e-12.
 */
import { assertAgents, assertFinite, assertFraction, scheduledStaff } from './erlang-c.js';

export interface ImpatientQueueFigures {
  agents: number;
  /** Offered traffic in Erlang: calls × AHT / interval. */
  trafficErlangs: number;
  /** Mean handling time, seconds. */
  ahtSeconds: number;
  /** Mean time callers are willing to wait before hanging up, seconds. */
  patienceSeconds: number;
}

export interface ErlangAResult {
  agents: number;
  trafficErlangs: number;
  /** Share of arrivals that wait at all (find every agent busy). */
  probabilityOfWaiting: number;
  /** Share of arrivals that hang up before an agent answers. */
  probabilityOfAbandoning: number;
  /** Share of all offered calls answered within the target (abandoned calls count as missed). */
  serviceLevel: number;
  /** Mean time in line over all arrivals (answered or not), seconds. */
  averageWait: number;
  /** Mean wait of the answered calls (those answered at once count as 0), seconds. */
  averageSpeedOfAnswer: number;
  /** Share of the agents' time spent on calls: answered traffic A·(1 - P(ab)) / n. */
  occupancy: number;
}

/** Far beyond any real queue; reached only when impatience barely drains an overloaded line. */
const MAX_STATES = 200_000;
/** A term this far below the largest (e^-40 ≈ 4e-18) no longer counts. */
const NEGLIGIBLE_LOG = -40;

function logSumExp(xs: number[]): number {
  const max = xs.reduce((m, x) => Math.max(m, x), -Infinity);
  return max + Math.log(xs.reduce((s, x) => s + Math.exp(x - max), 0));
}

/** π_k for k = 0..K (truncated where the tail no longer counts). */
function stationary(n: number, a: number, mu: number, theta: number): number[] {
  if (a === 0) return [1];
  const lambda = a * mu;
  const logs: number[] = [0];
  let log = 0;
  let largest = 0;
  for (let k = 1; ; k++) {
    if (k >= MAX_STATES) {
      throw new RangeError(`the queue is too long to compute (traffic ${a} Erlang on ${n} agents with patience ${1 / theta} s)`);
    }
    const death = Math.min(k, n) * mu + Math.max(k - n, 0) * theta;
    log += Math.log(lambda / death);
    logs.push(log);
    largest = Math.max(largest, log);
    // Past the mode every further term is smaller still: stop once negligible.
    if (lambda < death && log < largest + NEGLIGIBLE_LOG) break;
  }
  const total = logSumExp(logs);
  return logs.map((l) => Math.exp(l - total));
}

/**
 * Probability of being answered within `t` seconds for an arrival with
 * `waiting[m]` the probability of finding m callers in line (all agents busy).
 */
function answeredWithinFromQueue(waiting: number[], n: number, mu: number, theta: number, t: number): number {
  const mass = waiting.reduce((s, p) => s + p, 0);
  if (mass === 0 || t === 0) return 0;
  const m = waiting.length;
  // Uniformisation rate: the largest total rate out of any state.
  const rate = n * mu + m * theta;
  const lt = rate * t;
  let state = waiting.slice();
  let served = 0;
  let result = 0;
  // Poisson(lt) weights kept as logarithms: e^-lt alone underflows past lt ≈ 745.
  let logWeight = -lt;
  let cumulative = 0;
  for (let k = 0; ; k++) {
    const weight = Math.exp(logWeight);
    result += weight * served;
    cumulative += weight;
    if ((cumulative > 1 - 1e-13 && k > lt) || k > lt + 60 * Math.sqrt(lt + 1) + 200) break;
    // One step of the discretised chain.
    const next = new Array<number>(m).fill(0);
    for (let j = 0; j < m; j++) {
      const p = state[j]!;
      if (p === 0) continue;
      const ahead = (n * mu + j * theta) / rate;
      const stay = 1 - ahead - theta / rate;
      if (j === 0) served += p * ahead;
      else next[j - 1]! += p * ahead;
      next[j]! += p * stay;
    }
    state = next;
    logWeight += Math.log(lt) - Math.log(k + 1);
  }
  // The mass beyond the last weight counted is served at most: bound it in.
  return Math.min(mass, result + (1 - cumulative) * served);
}

/**
 * Σ_m P(find m waiting) · E[wait; answered | m]. The wait V of a caller
 * finding m waiting is a sum of exponential stages with rates
 * r_i = nμ + iθ (i = 0..m), with Laplace transform L(s) = Π r_i / (r_i + s);
 * the caller is answered when patience outlasts V, so
 * P(answered | m) = L(θ) and E[V; answered | m] = -L'(θ) = L(θ) · Σ 1 / (r_i + θ),
 * both built up stage by stage for every m at once.
 */
function answeredWaitTotal(waiting: number[], n: number, mu: number, theta: number): number {
  let answered = 1;
  let stages = 0;
  let total = 0;
  waiting.forEach((p, m) => {
    const r = n * mu + m * theta;
    answered *= r / (r + theta);
    stages += 1 / (r + theta);
    total += p * answered * stages;
  });
  return total;
}

/** Every figure of an M/M/n+M queue for one staffing level. */
export function erlangA(q: ImpatientQueueFigures, targetSeconds: number): ErlangAResult {
  assertAgents(q.agents);
  assertFinite('trafficErlangs', q.trafficErlangs, 0);
  assertFinite('ahtSeconds', q.ahtSeconds, 0, false);
  assertFinite('patienceSeconds', q.patienceSeconds, 0, false);
  assertFinite('targetSeconds', targetSeconds, 0);
  const { agents: n, trafficErlangs: a } = q;
  if (a === 0) {
    return { agents: n, trafficErlangs: 0, probabilityOfWaiting: 0, probabilityOfAbandoning: 0, serviceLevel: 1, averageWait: 0, averageSpeedOfAnswer: 0, occupancy: 0 };
  }
  const mu = 1 / q.ahtSeconds;
  const theta = 1 / q.patienceSeconds;
  const lambda = a * mu;
  const pi = stationary(n, a, mu, theta);
  const waiting = pi.slice(n);
  const pWait = waiting.reduce((s, p) => s + p, 0);
  const meanQueue = waiting.reduce((s, p, m) => s + m * p, 0);
  const pAbandon = Math.min(1, (theta * meanQueue) / lambda);
  const answeredAtOnce = 1 - pWait;
  const serviceLevel = answeredAtOnce + answeredWithinFromQueue(waiting, n, mu, theta, targetSeconds);
  return {
    agents: n,
    trafficErlangs: a,
    probabilityOfWaiting: pWait,
    probabilityOfAbandoning: pAbandon,
    serviceLevel: Math.min(1, Math.max(0, serviceLevel)),
    averageWait: meanQueue / lambda,
    averageSpeedOfAnswer: pAbandon >= 1 ? Infinity : answeredWaitTotal(waiting, n, mu, theta) / (1 - pAbandon),
    occupancy: n === 0 ? 0 : Math.min(1, (a * (1 - pAbandon)) / n),
  };
}

export interface ErlangAStaffingInput {
  trafficErlangs: number;
  ahtSeconds: number;
  patienceSeconds: number;
  /** Share of offered calls to answer within targetSeconds, 0..1. */
  targetServiceLevel: number;
  targetSeconds: number;
  /** Upper bound on the share of callers who hang up, 0..1 (optional). */
  maxAbandonment?: number;
  maxOccupancy?: number;
  shrinkage?: number;
  maxAgents?: number;
}

export interface ErlangAStaffing extends ErlangAResult {
  scheduledAgents: number;
  limitedBy: 'service-level' | 'abandonment' | 'occupancy';
}

/**
 * Smallest number of agents meeting the goal with impatient callers (and the
 * optional caps on abandonment and occupancy); scheduled staff after shrinkage.
 * Fewer than Erlang C's whenever patience is finite: callers who hang up take
 * no agent time.
 */
export function agentsForTrafficErlangA(input: ErlangAStaffingInput): ErlangAStaffing {
  assertFraction('targetServiceLevel', input.targetServiceLevel, { openHigh: true });
  const maxAb = input.maxAbandonment ?? 1;
  assertFraction('maxAbandonment', maxAb);
  const maxOcc = input.maxOccupancy ?? 1;
  assertFraction('maxOccupancy', maxOcc, { openLow: true });
  const shrinkage = input.shrinkage ?? 0;
  assertFraction('shrinkage', shrinkage, { openHigh: true });
  const limit = input.maxAgents ?? Math.max(1000, Math.ceil(10 * input.trafficErlangs));
  const figures = (agents: number): ErlangAResult =>
    erlangA({ agents, trafficErlangs: input.trafficErlangs, ahtSeconds: input.ahtSeconds, patienceSeconds: input.patienceSeconds }, input.targetSeconds);

  // No fewer agents than the answered traffic the goal implies; and none so
  // few that the line would hold more callers than can be computed (those
  // are far from any goal: only patience of days lets such a line build up).
  const a = input.trafficErlangs;
  const tooLongBelow = Math.ceil(a - (input.ahtSeconds / input.patienceSeconds) * (MAX_STATES / 4));
  const from = Math.max(0, Math.floor(input.targetServiceLevel * a), Math.floor(a * (1 - maxAb)), tooLongBelow);
  let bySl: number | undefined;
  let byAb: number | undefined;
  for (let n = from; n <= limit && (bySl === undefined || byAb === undefined); n++) {
    const r = figures(n);
    if (bySl === undefined && r.serviceLevel >= input.targetServiceLevel) bySl = n;
    if (byAb === undefined && r.probabilityOfAbandoning <= maxAb) byAb = n;
  }
  if (bySl === undefined || byAb === undefined) {
    throw new RangeError(`no staffing up to ${limit} agents reaches the goal`);
  }
  // Occupancy falls as agents are added (answered traffic grows slower than n).
  let agents = Math.max(bySl, byAb);
  let limitedBy: ErlangAStaffing['limitedBy'] = byAb > bySl ? 'abandonment' : 'service-level';
  let r = figures(agents);
  while (r.occupancy > maxOcc + 1e-12) {
    agents++;
    r = figures(agents);
    limitedBy = 'occupancy';
  }
  return { ...r, scheduledAgents: scheduledStaff(agents, shrinkage), limitedBy };
}
