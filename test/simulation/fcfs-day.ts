/**
 * The textbook day the routing replay must reproduce, worked out directly:
 * one queue, first come first served, identical agents all logged in from
 * `loginAt` to past the last call, each caller answered the moment an agent
 * is free (at once: no ringing), the agent busy for the call's handling
 * time plus the wrap-up. A caller whose wait would exceed their patience
 * hangs up at the end of it and takes no agent.
 *
 * Under first come first served nobody behind a caller is answered before
 * them, so a caller's answer time is the moment the first agent comes free
 * after the callers before them were placed: one pass in arrival order.
 * No ACD, no clock, no events.
 */
import type { ReplayArrival } from '../../server/stats/replay.js';

export interface FcfsCall {
  arrival: ReplayArrival;
  outcome: 'answered' | 'abandoned';
  waitMs: number;
  /** When the agent who answered is free again (after the wrap-up). */
  freeAt?: number;
}

export function fcfsDay(arrivals: readonly ReplayArrival[], opts: { agents: number; wrapUpSeconds: number; loginAt: number }): FcfsCall[] {
  const freeAt: number[] = Array.from({ length: opts.agents }, () => opts.loginAt);
  return arrivals.map((arrival) => {
    let first = 0;
    for (let i = 1; i < freeAt.length; i++) if (freeAt[i]! < freeAt[first]!) first = i;
    const answerAt = Math.max(arrival.at, freeAt[first]!);
    const waitMs = answerAt - arrival.at;
    if (arrival.patienceSeconds !== undefined && waitMs > arrival.patienceSeconds * 1000) {
      return { arrival, outcome: 'abandoned', waitMs: Math.round(arrival.patienceSeconds * 1000) };
    }
    freeAt[first] = answerAt + Math.round(arrival.handleSeconds * 1000) + opts.wrapUpSeconds * 1000;
    return { arrival, outcome: 'answered', waitMs, freeAt: freeAt[first] };
  });
}
