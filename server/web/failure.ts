/**
 * A failed request in words for the user: the product's own reason, in the
 * user's language when the product gave its kind (the problem's `code`,
 * with the `params` its wording needs), or that the server did not answer.
 */
import type { ProblemCode, ProblemParams } from '../api/problem.js';
import { ApiError } from './api.js';
import { texts } from './i18n/index.js';

/** A text for every code, in each language: a code with parameters is worded by a function of them. */
type ProblemTexts = {
  [C in ProblemCode as `problem_${C}`]: C extends keyof ProblemParams
    ? ProblemParams[C] extends Record<string, never> ? string : (params: ProblemParams[C]) => string
    : string;
};

export function failureText(err: unknown): string {
  return err instanceof ApiError ? problemText(err) : texts().serverUnreachable;
}

/** The pages' own text for a refusal whose code they know; otherwise the product's detail. */
export function problemText(err: ApiError): string {
  if (err.code === undefined) return err.detail;
  // Assigned to the type above, the texts of either language must word every code.
  const words: ProblemTexts = texts();
  const text = words[`problem_${err.code}`] as string | ((params: unknown) => string);
  return typeof text === 'string' ? text : text(err.params ?? {});
}
