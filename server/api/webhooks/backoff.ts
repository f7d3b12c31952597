/**
 * How long to wait before the next try after a failed delivery: doubling
 * from `firstMs` up to `maxMs`, each pause drawn at random from its upper
 * half ("equal jitter"), so that receivers coming back are not hit by every
 * sender at the same moment, and no pause is much shorter than planned.
 */
export interface RetryPolicy {
  firstMs: number;
  maxMs: number;
}

/** 1 s, 2 s, 4 s, ... up to 5 minutes. */
export const DEFAULT_RETRY: RetryPolicy = { firstMs: 1_000, maxMs: 300_000 };

/** The pause after the `failures`-th failure in a row (1 for the first); `random` in [0, 1). */
export function retryDelayMs(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
