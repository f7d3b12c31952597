/**
 * A failed request in words for the user: the product's own reason, in the
 * user's language when the product gave its kind (the problem's `code`),
 * or that the server did not answer.
 */
import { ApiError } from './api.js';
import { texts } from './i18n/index.js';

export function failureText(err: unknown): string {
  return err instanceof ApiError ? problemText(err) : texts().serverUnreachable;
}

/** The pages' own text for a refusal whose code they know; otherwise the product's detail. */
export function problemText(err: ApiError): string {
  return err.code === undefined ? err.detail : texts()[`problem_${err.code}`];
}
