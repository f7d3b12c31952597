/**
 * The kinds of problem the configuration's checks name with a stable code,
 * besides their English wording: a client (the web pages) says them in its
 * user's language, filling in the parameters. A problem of a kind not
 * listed here has its English wording only.
 *
 * This module imports nothing, so the checks (./validation-kit.ts,
 * ./rules.ts) and the API's problems (server/api/problem.ts) share it.
 */

type NoParams = Record<string, never>;

/** Each code and the parameters its wording needs. */
export interface RefusalParams {
  /** A setting that must be there is missing. */
  'required': NoParams;
  /** A setting the configuration does not know. */
  'unknown-field': NoParams;
  /** An empty text or an empty list where one is needed. */
  'not-empty': NoParams;
  'integer-at-least': { min: number };
  'integer-between': { min: number; max: number };
  'too-long': { max: number };
  /** `values`: the words allowed, as the configuration spells them, separated by ", ". */
  'one-of': { values: string };
  /** Not a lower-case name of letters, digits, "-" and "_" (queue ids, skills, groups, recording slots). */
  'bad-name': NoParams;
  /** Not an extension of 2 to 6 digits. */
  'bad-extension': NoParams;
  /** Not a phone number in international form (+46...). */
  'bad-phone-number': NoParams;
  /** Not a time that exists, with its offset. */
  'bad-time': NoParams;
  /** Not a date in the calendar. */
  'bad-date': NoParams;
  /** Not one of the forms of an exception's hours (closed, closed from, open until, open from-to). */
  'bad-hours': NoParams;
  'time-after-midnight': NoParams;
  /** An end (a time, a last day) before its start. */
  'ends-before-start': NoParams;
  /** Covers a day another exception of the same service already covers: the one starting on `date`. */
  'overlaps': { date: string };
  /** A second entry with the same id (queue, extension, number, avalanche message). */
  'duplicate-id': { id: string };
  /** Names something that does not exist. */
  'unknown-reference': { kind: 'queue' | 'extension' | 'service'; id: string };
  /** A routing step names none or more than one of skill, group, everyone. */
  'step-one-kind': NoParams;
  /** A routing step's lowest level without a skill. */
  'step-level-without-skill': NoParams;
  /** A routing step that starts no later than the one before (at `before` seconds). */
  'steps-widen': { before: number };
  /** The first routing step starts later than 0 seconds. */
  'first-step-at-zero': NoParams;
  /** Answering on the mobile, but the extension has no mobile number. */
  'no-mobile': NoParams;
}

export type RefusalCode = keyof RefusalParams;

/** A kind of problem with its parameters. */
export type Refusal = { [C in RefusalCode]: { code: C; params: RefusalParams[C] } }[RefusalCode];

// Spelt out as a record so a code added above and not here is a compile error.
const EVERY_CODE: Record<RefusalCode, true> = {
  'required': true, 'unknown-field': true, 'not-empty': true, 'integer-at-least': true, 'integer-between': true, 'too-long': true,
  'one-of': true, 'bad-name': true, 'bad-extension': true, 'bad-phone-number': true, 'bad-time': true, 'bad-date': true,
  'bad-hours': true, 'time-after-midnight': true, 'ends-before-start': true, 'overlaps': true, 'duplicate-id': true,
  'unknown-reference': true, 'step-one-kind': true, 'step-level-without-skill': true, 'steps-widen': true,
  'first-step-at-zero': true, 'no-mobile': true,
};

export const REFUSAL_CODES = Object.keys(EVERY_CODE) as RefusalCode[];

/** A refusal: its code, and the parameters when its wording needs any. */
export function refusal<C extends RefusalCode>(code: C, ...params: RefusalParams[C] extends NoParams ? [] : [RefusalParams[C]]): Refusal {
  return { code, params: params[0] ?? {} } as Refusal;
}

/** `id` names no `kind` that exists. */
export function unknown(kind: RefusalParams['unknown-reference']['kind'], id: string): Refusal {
  return refusal('unknown-reference', { kind, id });
}
