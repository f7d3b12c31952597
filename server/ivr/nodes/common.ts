/**
 * What several node types share: schema fragments for their settings and
 * how a SoundSpec becomes the files to play.
 */
import { PROMPT_LANGUAGES, promptFiles } from '../../../media/speech.js';
import type { IvrContext } from '../context.js';
import type { SoundSpec } from './node.js';

/** `errorHint` replaces ajv's wording in load errors (see config/validation-kit.ts). */
export const schema = {
  promptName: { type: 'string', pattern: '^[A-Za-z0-9_]+$', errorHint: 'must be a prompt name such as "welcome"' },
  slot: {
    type: 'string',
    pattern: '^[a-z0-9][a-z0-9_-]*$',
    errorHint: 'must be an announcement slot name of lower-case letters, digits, "-" and "_", such as "kundtjanst-halsning"',
  },
  language: { type: 'string', enum: [...PROMPT_LANGUAGES], errorHint: `must be one of ${PROMPT_LANGUAGES.join(', ')}` },
  seconds: { type: 'number', exclusiveMinimum: 0, maximum: 86_400, errorHint: 'must be a number of seconds above 0' },
  count: { type: 'integer', minimum: 0, maximum: 20, errorHint: 'must be a whole number from 0 to 20' },
  text: { type: 'string', minLength: 1, errorHint: 'must be a non-empty string' },
  digits: { type: 'string', pattern: '^[0-9*#]$', errorHint: 'must be one key: 0-9, * or #' },
  priority: { type: 'integer', minimum: 0, maximum: 100, errorHint: 'must be a whole number from 0 to 100' },
  queueId: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', errorHint: 'must be a queue id of letters, digits, "-" and "_"' },
} as const;

export const promptList = { type: 'array', items: schema.promptName, minItems: 1, errorHint: 'must be a list of prompt names' } as const;

/** The settings of a SoundSpec, for node types that play one. */
export const soundSettings = {
  prompts: promptList,
  files: { type: 'array', minItems: 1, items: schema.text, errorHint: 'must be a list of WAV files' },
  announcement: schema.slot,
  language: schema.language,
} as const;

export function hasSound(spec: SoundSpec): boolean {
  return Boolean(spec.prompts?.length || spec.files?.length || spec.announcement);
}

/**
 * The files a SoundSpec plays now: the slot's saved recording when there is
 * one, else its prompts (in the spec's language, else the call's) and files.
 */
export async function soundFiles(ctx: IvrContext, spec: SoundSpec): Promise<string[]> {
  if (spec.announcement) {
    const recorded = await ctx.announcements.current(spec.announcement);
    if (recorded) return [recorded];
  }
  return [...promptFiles(ctx.prompts, spec.language ?? ctx.call.language, spec.prompts ?? []), ...(spec.files ?? [])];
}
