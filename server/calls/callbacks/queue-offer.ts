/**
 * The callback offered in the queue: in a queue whose flow sets
 * `offerCallbackAfterSeconds` or `offerCallbackWhenWaitOverSeconds`, the
 * waiting caller hears "press 1 to be called back" once that time comes (on
 * the call's clock), or as soon as the estimated wait is longer than that
 * (the estimate changes only with the ACD's state, so it is checked again
 * on each of the ACD's events; nobody staffing the queue counts as the
 * longest wait of all). From then on a 1 at any moment starts the dialogue
 * (./dialogue.ts); the queue experience pauses meanwhile (it would talk
 * over it).
 *
 * - Accepted: the waiting entry becomes a callback in the ACD (same place,
 *   same enqueue time; the number in `data.callbackNumber`), on disk before
 *   the caller hears `callback_confirmed` (./booking.ts), and the call ends
 *   without abandoning the entry.
 * - Declined (no key): the queue experience starts over as on entry, and
 *   the offer stands (a 1 starts the dialogue again).
 * - The wait ending (an agent answers, the caller hangs up, the maximum
 *   wait) ends the dialogue at once.
 */
import { promptFile } from '../../../media/speech.js';
import type { QueueExperience } from '../../ivr/context.js';
import type { CallerSide } from '../caller.js';
import type { CallServices } from '../services.js';
import { callbackNumberUsable } from './booking.js';
import type { Speaker } from '../speaker.js';
import { callbackDialogue } from './dialogue.js';

/** What the offer needs of the queue wait (../queue-wait.ts). */
export interface CallbackWait {
  readonly entryId: string;
  readonly queueId: string;
  /** Aborted when the stay in the queue is over. */
  readonly over: AbortSignal;
  /** Aborted when the queue experience stops (answered, left the queue, the dialogue takes the line): the offer stops listening with it. */
  readonly listening: AbortSignal;
  /** Says the offer after (or before) the queue experience's messages, never over them. */
  readonly speaker: Speaker;
  /** The dialogue takes the line: the queue experience pauses. */
  pauseForDialogue(): void;
  /** Declined: the queue experience starts over, and the offer stands. */
  resumeAfterDialogue(): void;
  /** The caller chose a callback to `number`: the entry becomes one, and the stay ends. */
  book(number: string): Promise<void>;
}

/** Offers the callback once it is due, and runs the dialogue on a 1, until the wait stops listening. */
export async function offerCallbackInQueue(services: CallServices, caller: CallerSide, wait: CallbackWait,
  experience: QueueExperience): Promise<void> {
  const after = experience.offerCallbackAfterSeconds;
  const whenOver = experience.offerCallbackWhenWaitOverSeconds;
  if (after === undefined && whenOver === undefined) return;
  const stop = wait.listening;
  if (!(await offerDue(services, wait, after, whenOver))) return;
  const { line, logger } = caller;
  if (stop.aborted || wait.over.aborted || !line.active) return;
  const endpoint = line.caller;
  logger.info({ entryId: wait.entryId }, 'callback offered in the queue: press 1');
  let dialogue: Promise<void> | undefined;
  const onDigit = (e: { dtmf: string }): void => {
    logger.debug({ digit: e.dtmf }, 'digit while queued');
    if (e.dtmf !== '1' || dialogue || wait.over.aborted) return;
    dialogue = runDialogue(services, caller, wait)
      .catch((err: unknown) => logger.error({ err }, 'callback dialogue failed'));
  };
  endpoint.on('dtmf', onDigit);
  stop.addEventListener('abort', () => endpoint.off('dtmf', onDigit), { once: true });
  if (services.acd.positionOf(wait.entryId) === undefined) return; // an agent's phone rings right now: just listen
  await wait.speaker.say(promptFile(services.prompts, caller.call.language, 'press_1_callback'));
}

/** Resolves true once the offer is due, false when the wait stops listening first. */
function offerDue(services: CallServices, wait: CallbackWait, afterSeconds: number | undefined,
  whenOverSeconds: number | undefined): Promise<boolean> {
  const { clock, acd } = services;
  const stop = wait.listening;
  const estimateOver = (): boolean =>
    whenOverSeconds !== undefined && acd.estimatedWaitSeconds(wait.queueId, wait.entryId) > whenOverSeconds;
  if (stop.aborted) return Promise.resolve(false);
  if (afterSeconds === 0 || estimateOver()) return Promise.resolve(true);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (due: boolean): void => {
      if (settled) return;
      settled = true;
      if (timer) clock.clearTimer(timer);
      unsubscribe?.();
      stop.removeEventListener('abort', onStop);
      resolve(due);
    };
    const onStop = (): void => finish(false);
    const timer = afterSeconds !== undefined ? clock.setTimer(clock.now() + afterSeconds * 1000, () => finish(true)) : undefined;
    const unsubscribe = whenOverSeconds !== undefined ? acd.on(() => { if (estimateOver()) finish(true); }) : undefined;
    stop.addEventListener('abort', onStop, { once: true });
  });
}

async function runDialogue(services: CallServices, caller: CallerSide, wait: CallbackWait): Promise<void> {
  wait.pauseForDialogue();
  const { call, line } = caller;
  const number = await callbackDialogue({
    endpoint: line.caller, prompts: services.prompts, language: call.language, caller: call.caller, askFirst: false,
    signal: AbortSignal.any([wait.over, caller.hangupSignal]), usable: callbackNumberUsable(services, caller),
  });
  if (wait.over.aborted || !line.active) return;
  if (number) await wait.book(number);
  else wait.resumeAfterDialogue();
}
