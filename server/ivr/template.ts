/**
 * `{{field}}` placeholders in flow settings (an http node's URL, a set
 * node's values), filled from the call when the node runs:
 *
 *   {{caller}} {{callerName}} {{dialled}} {{service}} {{callId}} {{language}}
 *   {{vars.NAME}}   a flow variable (empty when unset)
 *
 * An unknown field is a load error, not an empty string on the line.
 */
import type { IvrContext } from './context.js';

export const TEMPLATE_FIELDS = ['caller', 'callerName', 'dialled', 'service', 'callId', 'language'] as const;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const VARIABLE = /^vars\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** Why a template cannot be filled, or undefined when every placeholder is known. */
export function templateProblem(text: string): string | undefined {
  for (const m of text.matchAll(PLACEHOLDER)) {
    const field = m[1]!;
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(field) && !VARIABLE.test(field)) {
      return `"{{${field}}}" is not a known placeholder (use ${TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(', ')} or {{vars.NAME}})`;
    }
  }
  return undefined;
}

/** The text with its placeholders filled; `encode` is applied to each value (e.g. encodeURIComponent in a URL). */
export function fillTemplate(text: string, ctx: IvrContext, encode: (s: string) => string = (s) => s): string {
  return text.replace(PLACEHOLDER, (_, field: string) => {
    const v = VARIABLE.exec(field);
    const value = v ? ctx.variables[v[1]!] : (ctx.call as unknown as Record<string, string | undefined>)[field];
    return encode(value ?? '');
  });
}
