/**
 * An agent transfers the caller from their phone (REFER, ./refer.ts, on the
 * agent's leg of a queue call). Consulted: Replaces names the agent's call
 * to a colleague through the switch, and the caller is joined to that
 * colleague (./line.ts `join`). Blind, to
 *
 * - an extension (`sip:1002@…`): every phone registered for it rings;
 * - a queue (`sip:queue-<id>@…`, the queue's id in the configuration), or
 *   a service number (the queue its callers wait in, `numbers[].queue`;
 *   one that rings an extension directly, `numbers[].target`, rings it):
 *   the call waits there again with its data (caller, service, the flow's
 *   values), as a new entry;
 * - a number, out through the trunk only with the dial-out policy's yes for
 *   the transfer caller class and the agent's extension
 *   (server/sip/dial-out.ts): an agent's phone is no way around it.
 *
 * The phone hears 100 Trying at once. A target we refuse (no such queue,
 * an extension with no phone, a number the policy does not let out) is told
 * to it next (NOTIFY with 404, 480 or 403) and the call stays as it was: the
 * agent still has the caller. Otherwise the agent's media is taken off the
 * caller and the caller hears music while the target rings, at most
 * RING_SECONDS. When the target answers: 200 OK, the agent's leg is hung up
 * and the agent is done with the call for the ACD (wrap-up as the queue's
 * rules say). When it does not: the failure's status, and the caller goes
 * back to the agent if the agent's leg is still up, else back to the queue
 * the call was answered from (likewise when the consultation call is gone). Every attempt is a `transfer` event (the
 * contact record's transfers), with the node `agent:<extension>`.
 */
import { musicFile } from '../../media/speech.js';
import type { TransferFailure } from '../ivr/context.js';
import type { Leg } from '../sip/fork.js';
import { shownToCallee, type CallerSide } from './caller.js';
import type { CallServices } from './services.js';
import { clockTimeout } from './sleep.js';
import type { DialogRef, PhoneTransfer } from './telephony.js';
import { failureOf } from './transfer.js';
import { reportUnreachableTrunk } from './trunk.js';

/** How long a transfer target rings before the transfer counts as not answered. */
export const RING_SECONDS = 30;

/** A target's user part in Refer-To that names a queue: `queue-<id>`. */
const QUEUE_TARGET = /^queue-(.+)$/;

/** The call whose agent transfers it, as the transfer needs it. */
export interface TransferringCall extends CallerSide {
  /** The agent (their extension) who has the call. */
  readonly agentId: string;
  /** The agent is done with the call: the ACD is told (wrap-up follows). */
  agentDone(): Promise<void>;
  /** The call waits in a queue again with its data; undefined: the queue it was answered from. */
  requeue(queueId?: string): Promise<void>;
  /** The call went through to an extension: it is busy for the ACD until the call ends. */
  putThrough(extension: string): void;
}

type Target =
  | { kind: 'queue'; queueId: string }
  | { kind: 'consulted'; replaces: DialogRef }
  | { kind: 'phones'; legs: Leg[]; extension?: string }
  | { kind: 'refused'; status: number; reason: string; failure: TransferFailure };

export async function transferByAgent(services: CallServices, call: TransferringCall, transfer: PhoneTransfer): Promise<void> {
  const { line } = call;
  const log = call.logger.child({ agent: call.agentId, transferTo: transfer.target });
  const record = (outcome: 'connected' | TransferFailure, to = transfer.target): void => {
    const { callId, service, dialled } = call.call;
    services.emit({ type: 'transfer', at: services.clock.now(), callId, service, dialled, node: `agent:${call.agentId}`, to, outcome });
  };
  transfer.progress(100, 'Trying');
  const target: Target = transfer.replaces ? { kind: 'consulted', replaces: transfer.replaces } : resolve(services, call, transfer.target);
  if (target.kind === 'refused') {
    log.warn({ status: target.status }, 'transfer refused: the agent keeps the caller');
    transfer.progress(target.status, target.reason);
    record(target.failure);
    return;
  }
  const aside = await line.setAside();
  if (!aside) {
    transfer.progress(481, 'Call Does Not Exist');
    return;
  }
  log.info({ kind: target.kind }, 'transferring');
  void line.caller.play(musicFile(services.prompts), { loop: true }).catch(() => {});

  /** The transfer went through: the agent is off the call and done with it. */
  const through = async (extension?: string): Promise<void> => {
    log.info('transferred');
    transfer.progress(200, 'OK');
    await aside.release();
    await call.agentDone();
    if (extension !== undefined && line.active) call.putThrough(extension);
    record('connected', extension ?? transfer.target);
  };
  /** It did not: the caller back to the agent, or to the queue when the agent has left. */
  const failed = async (status: number, reason: string, failure: TransferFailure): Promise<void> => {
    log.info({ status }, 'transfer failed');
    transfer.progress(status, reason);
    record(failure);
    if (await aside.restore()) return;
    log.info('the agent left meanwhile: the caller goes back to the queue');
    await aside.release();
    await call.agentDone();
    await call.requeue();
  };

  if (target.kind === 'queue') {
    await through();
    await call.requeue(target.queueId);
    return;
  }
  if (target.kind === 'consulted') {
    const joined = await line.join(target.replaces);
    if (joined) {
      await through(joined.extension);
    } else if (line.active) {
      await failed(481, 'Call Does Not Exist', 'unavailable');
    }
    return;
  }

  const ringOut = clockTimeout(services.clock, RING_SECONDS * 1000);
  let status: number | undefined;
  try {
    status = await line.connect(target.legs, { signal: ringOut.signal });
  } finally {
    ringOut.cancel();
  }
  if (status === undefined) {
    await through(target.extension);
    return;
  }
  if (!line.active) {
    transfer.progress(487, 'Request Terminated');
    await aside.release();
    record('caller-left');
    return;
  }
  reportUnreachableTrunk(services, call, target.legs, status);
  if (ringOut.signal.aborted) await failed(408, 'Request Timeout', 'no-answer');
  else await failed(status, 'Transfer Failed', failureOf(status));
}

function resolve(services: CallServices, call: TransferringCall, to: string): Target {
  // A service number leads where a caller dialling it waits or rings, never out through the trunk and back in.
  const number = services.queues.ofNumber(to);
  const queueId = QUEUE_TARGET.exec(to)?.[1] ?? (number && 'queue' in number ? number.queue : undefined);
  if (queueId !== undefined) {
    return services.queues.get(queueId)
      ? { kind: 'queue', queueId }
      : { kind: 'refused', status: 404, reason: 'Not Found', failure: 'unavailable' };
  }
  const shown = shownToCallee(call.call);
  const extension = number && 'extension' in number ? number.extension : to;
  if (services.legs.isExtension(extension)) {
    const legs = services.legs.device({ kind: 'desk', extension }, shown);
    return legs.length > 0
      ? { kind: 'phones', legs, extension }
      : { kind: 'refused', status: 480, reason: 'Temporarily Unavailable', failure: 'unavailable' };
  }
  const out = services.legs.outside(to, shown, { callerClass: 'transfer', extension: call.agentId });
  return 'leg' in out
    ? { kind: 'phones', legs: [out.leg] }
    : { kind: 'refused', status: 403, reason: 'Forbidden', failure: 'unavailable' };
}
