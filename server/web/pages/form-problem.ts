/**
 * A refused save as a form shows it: the product's message beside the field
 * it names, or above the form when it names none of the form's fields; a
 * 409 (someone else changed the configuration since it was read) as an
 * offer to read it again. The product applies a change whole or not at
 * all, so a refusal never leaves part of the form saved.
 */
import { ApiError } from '../api.js';
import { problemText } from '../failure.js';
import { texts } from '../i18n/index.js';

export interface FormProblem {
  message: string;
  /** The form's field the message belongs beside; none: it is about the whole form. */
  field?: string;
  /** Someone else changed it meanwhile: the form must be read again before saving. */
  conflict: boolean;
}

/**
 * The first segment of the problem's pointer that is one of `fields`: the
 * configuration's place (/extensions/3/agent/skills/kort) and the body's
 * (/skills/kort) both lead to the form's `skills`. A form that saves no
 * version of the configuration (a new user) is not `versioned`: its 409 is
 * the product's own reason (a name taken), shown as the product words it.
 */
export function formProblem(err: unknown, fields: readonly string[], { versioned = true }: { versioned?: boolean } = {}): FormProblem {
  if (!(err instanceof ApiError)) return { message: texts().serverUnreachable, conflict: false };
  if (err.status === 409 && versioned) return { message: texts().changedMeanwhile, conflict: true };
  const field = err.field?.split('/').find((segment) => fields.includes(segment));
  return { message: problemText(err), conflict: false, ...(field === undefined ? {} : { field }) };
}
