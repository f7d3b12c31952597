/**
 * A flow's transfer node: the call put through to an extension (every
 * phone registered for it rings) or to a number through the trunk, as far
 * as the dial-out policy lets a transfer go (server/sip/dial-out.ts), without
 * the ACD. The callee sees the service and the caller as an agent does; the
 * caller hears music while it rings, at most `timeoutSeconds` on the call's
 * clock. An agent whose extension takes the call is busy for the ACD until
 * the call ends (./other-calls.ts). A trunk that does not answer is
 * reported at once (./trunk.ts) and the caller hears "please hold" before
 * the flow's failed branch, rather than silence until the trunk times out.
 */
import type { TransferFailure, TransferRequest, TransferResult } from '../ivr/context.js';
import { musicFile, promptFile } from '../../media/speech.js';
import type { Leg } from '../sip/fork.js';
import { shownToCallee, type CallerSide } from './caller.js';
import type { OtherCallEnd } from './other-calls.js';
import type { CallServices } from './services.js';
import { clockTimeout } from './sleep.js';
import { reportUnreachableTrunk } from './trunk.js';

export interface TransferOutcome {
  result: TransferResult;
  /** Connected to an extension: tells the ACD the call ended (call it when it does). */
  ended?: OtherCallEnd;
}

export async function transferCall(services: CallServices, caller: CallerSide, request: TransferRequest,
  signal: AbortSignal): Promise<TransferOutcome> {
  const { line, call, logger } = caller;
  const legs = transferLegs(services, request, shownToCallee(call));
  if (legs.length === 0) return { result: { outcome: 'failed', reason: 'unavailable' } };
  const ringOut = clockTimeout(services.clock, request.timeoutSeconds * 1000);
  const timeout = AbortSignal.any([signal, ringOut.signal]);
  void line.caller.play(musicFile(services.prompts), { loop: true }).catch(() => {});
  let status: number | undefined;
  try {
    status = await line.connect(legs, { signal: timeout });
  } finally {
    // However the ringing ended (even the caller hanging up), its timer goes with it.
    ringOut.cancel();
  }
  if (status === undefined) {
    // Still up, so the session has yet to see the end and will report it.
    const ended = request.kind === 'extension' && line.active ? services.otherCall([request.to], call.callId, logger) : undefined;
    return { result: { outcome: 'connected' }, ...(ended ? { ended } : {}) };
  }
  // The caller hung up while the target rang (the flow is killed with the call).
  if (!line.active || signal.aborted) return { result: { outcome: 'failed', reason: 'caller-left' } };
  if (ringOut.signal.aborted) return { result: { outcome: 'failed', reason: 'no-answer' } };
  if (reportUnreachableTrunk(services, caller, legs, status)) {
    await line.caller.play(promptFile(services.prompts, call.language, 'please_hold')).catch(() => {});
    return { result: { outcome: 'failed', reason: 'unavailable' } };
  }
  return { result: { outcome: 'failed', reason: failureOf(status) } };
}

/** Why a target's phones refused a transfer, from their final status. */
export function failureOf(status: number): TransferFailure {
  if (status === 486 || status === 600 || status === 603) return 'busy';
  if (status === 404 || status === 480 || status === 503) return 'unavailable';
  return 'error';
}

/** The extension's phones, or the number out through the trunk; none when the extension has no phone or the policy refuses the number. */
function transferLegs(services: CallServices, request: TransferRequest, headers: Record<string, string>): Leg[] {
  if (request.kind === 'extension') return services.legs.device({ kind: 'desk', extension: request.to }, headers);
  const out = services.legs.outside(request.to, headers, { callerClass: 'transfer' });
  return 'leg' in out ? [out.leg] : [];
}
