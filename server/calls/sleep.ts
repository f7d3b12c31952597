/**
 * Waiting on the injected clock (server/acd/clock.ts) instead of setTimeout,
 * so that every pause of a call moves with a simulated clock in tests.
 */
import type { Clock } from '../acd/index.js';

/** Resolves after `ms` on the clock, or at once when `signal` is aborted; the timer goes either way. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clock.clearTimer(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimer(clock.now() + ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** An AbortSignal aborted `ms` from now on the clock; `cancel` clears the timer (always call it when done). */
export function clockTimeout(clock: Clock, ms: number): { signal: AbortSignal; cancel(): void } {
  const controller = new AbortController();
  const timer = clock.setTimer(clock.now() + ms, () => controller.abort());
  return { signal: controller.signal, cancel: () => clock.clearTimer(timer) };
}
