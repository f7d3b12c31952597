/**
 * Waiting for what a wire test expects, never for a fixed time: a condition
 * polled until it holds. It ends as soon as the thing happens, so deadlines
 * are generous (a loaded machine is slow, not wrong); it fails with a
 * message that says what was awaited.
 */

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

/** Resolves with what `probe` gave once `accept` holds for it; for conditions that need a read (a store, a database). */
export async function waitUntil<T>(probe: () => Promise<T>, accept: (value: T) => boolean, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 20));
  }
}
