/**
 * The caller's side of a callback ("ring-back"): the dialogue that confirms
 * the number to call back or takes another. The flow's `callback` node
 * (./booking.ts) and the in-queue offer (./queue-offer.ts) both run it; the
 * call itself is made later by the dialler (./dialler.ts), and the ACD side
 * (keeping the place, retries, `callback-done`) is server/acd/callbacks.ts.
 *
 * The dialogue: "we will call you back on the number" + the caller's number
 * digit by digit (national form) + "press 1"; 1 accepts, any other key asks
 * for another number (`callback_enter_number`, ended by #), which is read
 * back the same way. No key: declined, the caller stays in line.
 *
 * A number the booking may not use (`usable`: the dial-out policy refuses
 * it, server/sip/dial-out.ts) is never accepted: the caller hears
 * `invalid_choice` and is asked for another, as for a number too short.
 */
import type { Endpoint } from '../../../media/port.js';
import { promptFile, promptFiles, speakDigits, type PromptSet } from '../../../media/speech.js';
import type { QueueEntry } from '../../acd/model.js';

/** The entry's data key holding the number to call back (E.164 or as keyed). */
export const CALLBACK_NUMBER_KEY = 'callbackNumber';

/** The number a callback entry is to dial: the one the caller gave, else their own; undefined when it has neither. */
export function callbackNumberOf(entry: Pick<QueueEntry, 'data'>): string | undefined {
  return entry.data[CALLBACK_NUMBER_KEY] ?? entry.data.caller;
}

/** +46701740651 -> 0701740651 (what a Swedish caller recognises); other E.164 -> 00...; digits as they are. */
export function nationalNumber(number: string): string | undefined {
  const n = number.replace(/[ -]/g, '');
  if (/^\+46[0-9]+$/.test(n)) return `0${n.slice(3)}`;
  if (/^\+[0-9]+$/.test(n)) return `00${n.slice(1)}`;
  if (/^[0-9]+$/.test(n)) return n;
  return undefined;
}

/** Keyed digits to the number dialled through the trunk: 00.. -> +.., 0.. -> +46.., else as keyed. */
export function dialledForm(digits: string): string {
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  if (digits.startsWith('0')) return `+46${digits.slice(1)}`;
  return digits;
}

export interface DialogueOptions {
  endpoint: Endpoint;
  prompts: PromptSet;
  language: string;
  /** The caller's number as it came (E.164, or an extension). */
  caller: string;
  /** Ask "press 1 to be called back" first (the flow's callback node); false once the caller pressed 1 in the queue. */
  askFirst: boolean;
  /** Stop (hang-up, left the queue): resolves undefined. */
  signal: AbortSignal;
  /** Whether a callback may be booked to this number (dialled form). */
  usable: (dialled: string) => boolean;
}

const CONFIRM_TIMEOUT_MS = 6_000;

/** Runs the dialogue; resolves the number to call back (dialled form), or undefined when declined. */
export async function callbackDialogue(o: DialogueOptions): Promise<string | undefined> {
  const p = (name: string): string => promptFile(o.prompts, o.language, name);
  const collect = async (file: string[], max: number, terminators = '', timeout = CONFIRM_TIMEOUT_MS): Promise<string | undefined> => {
    if (o.signal.aborted) return undefined;
    const r = await o.endpoint.playCollect({ file, max, terminators, timeout, digitTimeout: 5_000 }).catch(() => undefined);
    if (!r || o.signal.aborted) return undefined;
    return r.digits;
  };
  if (o.askFirst) {
    const key = await collect([p('press_1_callback')], 1);
    if (key !== '1') return undefined;
  }
  const refused = (): Promise<unknown> => o.endpoint.play(promptFiles(o.prompts, o.language, ['invalid_choice'])).catch(() => {});
  const offered = nationalNumber(o.caller);
  // The caller's own number is read back only when it could be used.
  let candidate = offered && o.usable(dialledForm(offered)) ? offered : undefined;
  for (let round = 0; round < 3; round++) {
    if (candidate) {
      const key = await collect([p('callback_confirm_number'), ...speakDigits(o.prompts, o.language, candidate), p('press_1_callback')], 1);
      if (key === undefined || key === '') return undefined; // no answer: declined
      if (key === '1') return dialledForm(candidate);
    }
    const keyed = await collect([p('callback_enter_number')], 20, '#', 10_000);
    if (keyed === undefined) return undefined;
    candidate = /^[0-9]{3,}$/.test(keyed) && o.usable(dialledForm(keyed)) ? keyed : undefined;
    if (!candidate) await refused();
  }
  return undefined;
}
