/**
 * Callbacks ("ring-back"): a waiting caller presses a key and hangs up
 * without losing their place.
 *
 * - The entry becomes kind `callback` and keeps everything else: its
 *   `enqueuedAt` (so its place in line and in the widening steps), priority,
 *   data. It is persisted by the store, so a restart loses no callback.
 * - When its turn comes it is offered to an agent like a call
 *   (`offered-to-agent` with a callback entry): the agent is reserved; once
 *   the agent answers (`offerAccepted`) the telephony layer dials the caller.
 * - The caller answers: a call like any other; when it ends, `callback-done`
 *   with outcome `completed`.
 * - The caller does not answer (`callbackNoAnswer`): the agent is free, and
 *   the callback waits `callbackRetrySeconds` (default 120) before it is
 *   offered again, still at its old place; after `callbackMaxAttempts`
 *   (default 3) dial attempts it is given up: `callback-done` outcome
 *   `failed`.
 * - The agent hangs up before the caller answered (`callbackAgentLeft`):
 *   the agent turned the callback down, a miss like an offer not answered.
 *   The callback goes back in line at its old place at once, to the next
 *   agent first, and no dial attempt is counted: the caller was not the
 *   one who failed to answer, so the callback must not be given up for it.
 * - Cancelled (`abandon` of a callback, or `cancelCallback` by hand before
 *   an agent answered it): `callback-done` outcome `cancelled`.
 */
import type { QueueConfig, QueueEntry } from './model.js';
import { omit } from './records.js';

export const DEFAULT_CALLBACK_RETRY_SECONDS = 120;
export const DEFAULT_CALLBACK_MAX_ATTEMPTS = 3;

/** The waiting call turned callback: same place, same enqueue time, no offer. */
export function asCallback(entry: QueueEntry, data?: Readonly<Record<string, string>>): QueueEntry {
  // The caller hangs up: the callback is no live call any more, nobody owns it (./instances.ts).
  const callback: QueueEntry = { ...omit(entry, 'offeredTo', 'offeredAt', 'answeredAt', 'owner'), kind: 'callback' };
  return data ? { ...callback, data: { ...entry.data, ...data } } : callback;
}

/** After a dial attempt the caller did not answer: wait and try again, or give up. */
export function afterNoAnswer(
  entry: QueueEntry,
  queue: QueueConfig,
  at: number,
): { retry: QueueEntry } | { giveUp: true; attempts: number } {
  const attempts = (entry.attempts ?? 0) + 1;
  const max = queue.callbackMaxAttempts ?? DEFAULT_CALLBACK_MAX_ATTEMPTS;
  if (attempts >= max) return { giveUp: true, attempts };
  const retrySeconds = queue.callbackRetrySeconds ?? DEFAULT_CALLBACK_RETRY_SECONDS;
  return {
    retry: { ...omit(entry, 'offeredTo', 'offeredAt', 'answeredAt', 'owner'), attempts, notBefore: at + retrySeconds * 1000 },
  };
}
