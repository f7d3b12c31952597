/**
 * Which agent takes an entry, and which entry a free agent takes.
 *
 * Among the ready agents eligible for an entry at its step k (the members
 * of the queue matching any of steps 0..k, ./eligibility.ts), the one idle
 * the longest (smallest `idleSince`) is offered it. An agent who missed an
 * offer counts as idle from the miss (./offers.ts), so they come last.
 * Ties go to the higher level in the step's skill; a step by group or for
 * everyone uses the skill of the nearest earlier skill step of the queue
 * (the queue's "own" skill, which the widened circle still holds: its
 * specialists win a tie over the newcomers), and with none, ties go by
 * agent id so the choice is repeatable.
 *
 * A personal-queue call goes to its named agent whenever that agent is
 * ready, before the overflow and after it. A free agent takes the calls
 * waiting for them personally first, the best one by the line's order; then
 * the best entry (./ordering.ts) across the queues and steps they may serve.
 */
import type { AgentProfile, RoutingStep } from './model.js';

/** The skill that breaks ties between equally idle agents in step i. */
export function tieBreakSkill(steps: readonly RoutingStep[], i: number): string | undefined {
  for (let j = i; j >= 0; j--) {
    const e = steps[j]!.eligible;
    if ('skill' in e) return e.skill;
  }
  return undefined;
}

export interface Candidate {
  id: string;
  idleSince: number;
  /** Level in the tie-break skill, 0 without it. */
  level: number;
}

/** Whether agent a is offered before agent b. */
export function offeredBefore(a: Candidate, b: Candidate): boolean {
  if (a.idleSince !== b.idleSince) return a.idleSince < b.idleSince;
  if (a.level !== b.level) return a.level > b.level;
  return a.id < b.id;
}

export function levelIn(agent: AgentProfile | undefined, skill: string | undefined): number {
  return skill === undefined || !agent ? 0 : (agent.skills[skill] ?? 0);
}
