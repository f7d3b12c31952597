/**
 * Booking a callback for a caller on the line.
 *
 * - The flow's `callback` node (`bookFromFlow`): "press 1 to be called
 *   back", the dialogue (./dialogue.ts), then a callback entry in the ACD
 *   that keeps the place of the call's earlier wait in a queue (a callback
 *   offered after an overflow loses nothing). The in-queue offer
 *   (./queue-offer.ts) turns the waiting entry itself into a callback.
 * - Either way the booking is on disk before the caller is told
 *   (`callback_confirmed`): a crash after that still makes the call.
 * - Only a number the callback may be made to is booked
 *   (`callbackNumberUsable`): the caller's own extension, for a call from
 *   one (called back on its phones), or a number the dial-out policy lets
 *   a callback dial through the trunk (server/sip/dial-out.ts). The dialler
 *   asks the policy again before dialling.
 */
import { randomUUID } from 'node:crypto';
import { promptFile } from '../../../media/speech.js';
import type { CallbackRequest, CallbackResult } from '../../ivr/context.js';
import { entryData, type CallerSide } from '../caller.js';
import type { CallServices } from '../services.js';
import { CALLBACK_NUMBER_KEY, callbackDialogue } from './dialogue.js';

/** Whether a callback for this caller may be booked to `number` (dialled form); a refusal raises the dial-out alarm. */
export function callbackNumberUsable(services: Pick<CallServices, 'legs'>, caller: CallerSide): (number: string) => boolean {
  const { legs } = services;
  // Only a caller who proved they are on that extension is called back on it: a trunk caller id is anyone's to claim.
  const own = caller.fromExtension;
  return (number) => (own !== undefined && number === own) || legs.checkOutside(number, { callerClass: 'callback' }).allowed;
}

/** The callback is in the ACD: on disk first, then the caller is told. */
export async function confirmBooked(services: CallServices, caller: CallerSide, entryId: string, number: string): Promise<void> {
  await services.persistNow();
  caller.logger.info({ entryId, number }, 'callback booked');
  services.emit({ type: 'callback-booked', at: services.clock.now(), callId: caller.call.callId, entryId, number });
  if (caller.line.active) {
    await caller.line.caller.play(promptFile(services.prompts, caller.call.language, 'callback_confirmed')).catch(() => {});
  }
}

export interface FlowBooking {
  request: CallbackRequest;
  /** When the call first entered a queue, if it did: the callback keeps that place. */
  placeSince: number | undefined;
  /** The flow's variables, carried on the entry. */
  variables: Record<string, string>;
}

/** The flow's callback node: ask, confirm the number, book a callback entry. */
export async function bookFromFlow(services: CallServices, caller: CallerSide, booking: FlowBooking, signal: AbortSignal): Promise<CallbackResult> {
  const { acd, queues, clock, prompts } = services;
  const { call, logger } = caller;
  const queueId = booking.request.queueId ?? queues.ofService(call.service);
  if (!queueId || !queues.get(queueId)) {
    logger.warn({ queue: queueId }, 'no queue for a callback: declined');
    return { outcome: 'declined' };
  }
  const stop = AbortSignal.any([signal, caller.hangupSignal]);
  const number = await callbackDialogue({
    endpoint: caller.line.caller, prompts, language: call.language, caller: call.caller, askFirst: true, signal: stop,
    usable: callbackNumberUsable(services, caller),
  });
  if (!number || stop.aborted) return { outcome: 'declined' };
  const entryId = randomUUID();
  const { caller: from, dialled, service, language, callId } = call;
  try {
    await acd.enqueue({
      id: entryId, queueId, kind: 'callback', enqueuedAt: booking.placeSince ?? clock.now(), priority: booking.request.priority,
      data: entryData({ ...booking.variables, caller: from, dialled, service, language, callId, [CALLBACK_NUMBER_KEY]: number }),
    });
  } catch (err) {
    logger.error({ err }, 'the ACD refused the callback');
    return { outcome: 'declined' };
  }
  await confirmBooked(services, caller, entryId, number);
  return { outcome: 'accepted', number };
}
