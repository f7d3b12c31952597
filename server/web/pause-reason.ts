/**
 * A pause reason in the user's language: the reasons the product gives on
 * its own (the ACD's after offers rang out, the phone's pause code keyed
 * without a reason) are worded by the pages; a reason a person wrote or
 * picked from the configured list is shown as written.
 */
import type { NO_ANSWER } from '../acd/index.js';
import type { DEFAULT_PAUSE_REASON } from '../calls/feature-codes.js';
import { texts } from './i18n/index.js';
import type { Texts } from './i18n/sv.js';

/** Typed by the product's own constants: a reason changed there no longer compiles here. */
const PRODUCT_REASONS: Record<typeof NO_ANSWER | typeof DEFAULT_PAUSE_REASON, keyof Texts> = {
  'no answer': 'pauseReason_noAnswer',
  pause: 'pauseReason_pause',
};

export function pauseReasonText(reason: string): string {
  const key = Object.hasOwn(PRODUCT_REASONS, reason) ? PRODUCT_REASONS[reason as keyof typeof PRODUCT_REASONS] : undefined;
  const text = key === undefined ? undefined : texts()[key];
  return typeof text === 'string' ? text : reason;
}

/** "Paused: <reason>", the reason worded as above. */
export function pausedText(reason: string): string {
  return texts().pausedBecause(pauseReasonText(reason));
}
