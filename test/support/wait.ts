/**
 * Waiting for what a wire test expects, never for a fixed time: a condition
 * polled until it holds, or the next event an emitter sends that matches.
 * Both end as soon as the thing happens, so their deadlines are generous (a
 * loaded machine is slow, not wrong); both fail with a message that says
 * what was awaited.
 */
import type { EventEmitter } from 'node:events';

export interface WaitOptions {
  /** What is awaited, for the failure message ("agent 1001 ready"). */
  what: string;
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** How often to look. Default 20 ms. */
  everyMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Resolves once `condition` holds (checked at once, then every `everyMs`); works in hooks too, unlike expect.poll. */
export async function waitFor(condition: () => boolean, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 20));
  }
}

/** Resolves with what `value` returns once it is defined (polled like waitFor). */
export async function waitForValue<T>(value: () => T | undefined, opts: WaitOptions): Promise<T> {
  let found: T | undefined;
  await waitFor(() => (found = value()) !== undefined, opts);
  return found as T;
}

/**
 * The next `name` event of `emitter` (from now on) that `match` accepts.
 * Subscribe before doing what causes it, then await.
 */
export function nextEvent<T>(emitter: EventEmitter, name: string, match: (e: T) => boolean, opts: WaitOptions): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise<T>((resolve, reject) => {
    const onEvent = (e: T): void => {
      if (!match(e)) return;
      clearTimeout(timer);
      emitter.off(name, onEvent);
      resolve(e);
    };
    const timer = setTimeout(() => {
      emitter.off(name, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}`));
    }, timeoutMs);
    emitter.on(name, onEvent);
  });
}
