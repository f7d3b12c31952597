/** A failed request in words for the user: the product's own reason, or that the server did not answer. */
import { ApiError } from './api.js';
import { texts } from './i18n/index.js';

export function failureText(err: unknown): string {
  return err instanceof ApiError ? err.detail : texts().serverUnreachable;
}
