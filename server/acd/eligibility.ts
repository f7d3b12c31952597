/**
 * Who may take a waiting entry, and how that widens while it waits.
 *
 * An entry is in one phase at a time, decided by how long it has waited
 * (`now - enqueuedAt`; a callback keeps its call's enqueue time, so it keeps
 * its place in the widening too):
 *
 * - `deferred`: a callback whose caller did not answer, until `notBefore`
 *   (./callbacks.ts): nobody is offered it.
 * - `personal`: a call for one named agent (personal queue), for the queue's
 *   first `personalOverflowSeconds`: only that agent may take it.
 * - `step` k: the queue's routing steps, sorted by `afterSeconds`; step k
 *   holds from its `afterSeconds` until the next step's. The circle only
 *   widens: a call at step k may be taken by the members of the queue
 *   (AgentProfile.queues) matching any of steps 0..k (a skill at a minimum
 *   level, a group, or everyone). E.g. steps "0 s: skill kort level 3+;
 *   120 s: group frontoffice": for the first 120 s the card specialists,
 *   from then on the card specialists and the whole front office.
 * - `none`: the queue's first step starts later than 0 s and has not yet.
 *
 * So an agent may take a queue's calls from the first step they match on
 * (stepsForAgent). Among those eligible, the longest idle goes first
 * (./selection.ts). The named agent of a personal-queue call stays its
 * first choice after the overflow.
 *
 * Pure functions. The engine calls `phaseAt` when an entry arrives and again
 * at `nextChangeAt`, with a timer: no polling.
 */
import type { AgentProfile, Eligibility, QueueConfig, QueueEntry, RoutingStep } from './model.js';

export type Phase =
  | { kind: 'deferred' }
  | { kind: 'personal' }
  | { kind: 'step'; step: number }
  | { kind: 'none' };

export interface PhaseAt {
  phase: Phase;
  /** When the phase changes next; undefined when it never does (the last step). */
  nextChangeAt?: number;
}

/** The queue's steps in time order (the configuration may list them in any order). */
export function sortedSteps(queue: QueueConfig): RoutingStep[] {
  return [...queue.steps].sort((a, b) => a.afterSeconds - b.afterSeconds);
}

/** The phase of an entry at `now`; `steps` are the queue's steps sorted by sortedSteps. */
export function phaseAt(queue: QueueConfig, steps: readonly RoutingStep[], entry: QueueEntry, now: number): PhaseAt {
  if (entry.notBefore !== undefined && now < entry.notBefore) {
    return { phase: { kind: 'deferred' }, nextChangeAt: entry.notBefore };
  }
  const waited = now - entry.enqueuedAt;
  if (entry.personalAgentId !== undefined) {
    const overflowAt = entry.enqueuedAt + queue.personalOverflowSeconds * 1000;
    if (now < overflowAt) return { phase: { kind: 'personal' }, nextChangeAt: overflowAt };
  }
  let current = -1;
  for (let i = 0; i < steps.length; i++) {
    if (steps[i]!.afterSeconds * 1000 <= waited) current = i;
    else break;
  }
  const next = steps[current + 1];
  const nextChangeAt = next ? entry.enqueuedAt + next.afterSeconds * 1000 : undefined;
  if (current < 0) return nextChangeAt === undefined ? { phase: { kind: 'none' } } : { phase: { kind: 'none' }, nextChangeAt };
  return nextChangeAt === undefined
    ? { phase: { kind: 'step', step: current } }
    : { phase: { kind: 'step', step: current }, nextChangeAt };
}

/** Whether an agent's profile matches one step's rule (queue membership is checked apart). */
function matchesStep(agent: AgentProfile, eligible: Eligibility): boolean {
  if ('everyone' in eligible) return eligible.everyone === true;
  if ('group' in eligible) return agent.groups.includes(eligible.group);
  const level = agent.skills[eligible.skill];
  return level !== undefined && level >= (eligible.minLevel ?? 1);
}

/**
 * The steps (indexes into the sorted steps) of a queue whose calls the agent
 * may take: every step from the first one they match, as circles only widen.
 */
export function stepsForAgent(agent: AgentProfile, queue: QueueConfig, steps: readonly RoutingStep[]): number[] {
  if (!agent.queues.includes(queue.id)) return [];
  const first = steps.findIndex((s) => matchesStep(agent, s.eligible));
  if (first < 0) return [];
  return steps.map((_, i) => i).filter((i) => i >= first);
}

export function samePhase(a: Phase | undefined, b: Phase): boolean {
  if (!a || a.kind !== b.kind) return false;
  return a.kind !== 'step' || a.step === (b as { step: number }).step;
}

/** Whether agents may be offered an entry in this phase at all. */
export function isOfferable(phase: Phase | undefined): boolean {
  return phase !== undefined && (phase.kind === 'personal' || phase.kind === 'step');
}
