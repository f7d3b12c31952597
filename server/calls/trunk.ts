/**
 * A trunk that does not answer: a leg out through it (a transfer to an
 * outside number, a mobile agent) got no response at all within the
 * trunk's `answerTimeoutSeconds`, and failed with 408 at once
 * (server/sip/fork.ts). It is told there and then: `trunk-unreachable` on
 * the call's events and one warning line for the operator, who has to look
 * at the trunk; what the caller hears is the caller's part's to decide.
 */
import type { Leg } from '../sip/fork.js';
import type { CallerSide } from './caller.js';
import type { CallServices } from './services.js';

/** Reports the trunk when `status` says a leg out through it was unreachable; true when it did. */
export function reportUnreachableTrunk(services: Pick<CallServices, 'emit' | 'clock'>, caller: Pick<CallerSide, 'call' | 'logger'>,
  legs: readonly Leg[], status: number | undefined): boolean {
  const leg = status === 408 ? legs.find((l) => l.answerTimeoutSeconds !== undefined) : undefined;
  if (!leg) return false;
  caller.logger.warn({ uri: leg.uri, seconds: leg.answerTimeoutSeconds }, 'the trunk does not answer');
  services.emit({ type: 'trunk-unreachable', at: services.clock.now(), callId: caller.call.callId, uri: leg.uri });
  return true;
}
