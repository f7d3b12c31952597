/**
 * The caller's side of a call, as the parts of a session (the queue wait,
 * the callback offer, the transfer) see it, and what the phone that takes
 * the call is shown.
 */
import type { Logger } from 'pino';
import type { CallData } from '../ivr/context.js';
import { presentationHeaders } from '../sip/legs.js';
import type { CallLine } from './telephony.js';

export interface CallerSide {
  readonly call: CallData;
  readonly line: CallLine;
  /** Bound to the call. */
  readonly logger: Logger;
  /** Aborted when the caller hangs up. */
  readonly hangupSignal: AbortSignal;
  /** The caller's own extension when they call from its phone (authenticated); undefined from the trunk. */
  readonly fromExtension?: string;
}

/** What the phone that takes the call shows: service and caller; the wait, for a call from a queue. */
export function shownToCallee(call: CallData, waitMs?: number): Record<string, string> {
  const { caller, service, dialled } = call;
  return presentationHeaders({ number: caller, service: { name: service, dialled }, ...(waitMs !== undefined ? { waitMs } : {}) });
}

/** Flow values as an ACD entry's data: strings only, nothing undefined. */
export function entryData(data: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}
