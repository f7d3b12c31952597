/**
 * Spoken numbers, queue positions and waiting times, built from the system
 * prompts in media/prompts/ (made by scripts/make-prompts.sh).
 *
 * A phrase is a list of WAV files to play one after the other, e.g. in
 * Swedish "Du är nummer" + "sju" + "i kön". The builders return absolute
 * paths under a prompt root, ready for `endpoint.play(files)`.
 *
 * How numbers are composed (each item is one prompt file):
 *
 * | n           | sv                                   | en                                          |
 * | ----------- | ------------------------------------ | ------------------------------------------- |
 * | 0..100      | number_n ("tjugoett", "etthundra")   | number_n ("twenty one", "one hundred")      |
 * | 137         | number_100 number_37                 | number_100 number_and number_37             |
 * | 200..900    | number_200 ("tvåhundra")             | number_200 ("two hundred")                  |
 * | 1000        | number_1000 ("ettusen")              | number_1000 ("one thousand")                |
 * | 21 000      | number_21 number_thousand            | number_21 number_thousand                   |
 * | 1005        | number_1000 number_5                 | number_1000 number_and number_5             |
 * | 1 000 000   | number_1_common number_million ("en miljon") | number_1 number_million             |
 * | 2 000 000   | number_2 number_millions ("miljoner") | number_2 number_million                    |
 *
 * English follows British usage ("one hundred and thirty seven"). Swedish
 * compounds ("etthundratrettiosju") are spoken piece by piece. A count of
 * one minute is "en minut" in Swedish (common gender), "one minute" in
 * English; every other count takes the plural.
 *
 * Everything here is pure except `loadPromptSet`, which reads the manifest
 * once: the builders check every prompt they use against that manifest, so
 * a missing prompt is an error when the phrase is built, not silence on the
 * line.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROMPT_LANGUAGES = ['sv', 'en'] as const;
export type PromptLanguage = (typeof PROMPT_LANGUAGES)[number];

/** The largest number `speakNumber` can say. */
export const MAX_SPOKEN_NUMBER = 999_999_999;

/** A prompt as media/prompts/manifest.json lists it. */
export interface PromptEntry {
  name: string;
  lang: string;
  /** What is said (or, for a tone, what it is). */
  text: string;
  /** Relative to the prompt root, e.g. "sv/welcome.wav". */
  file: string;
  durationSec: number;
  /** Silence deliberately left at the end, in seconds: a confirmation that ends a call, heard whole before the hang-up. */
  tailSec?: number;
}

export interface PromptManifest {
  format: { sampleRate: number; channels: number; bitsPerSample: number };
  languages: string[];
  prompts: PromptEntry[];
  /** Music on hold, e.g. { name: 'default', file: 'moh/default.wav' }. */
  music: PromptEntry[];
}

/** The prompts that exist under one root: what the builders may use. */
export interface PromptSet {
  /** Absolute folder holding <lang>/<name>.wav and moh/<name>.wav. */
  readonly root: string;
  readonly prompts: ReadonlyMap<PromptLanguage, ReadonlyMap<string, PromptEntry>>;
  readonly music: ReadonlyMap<string, PromptEntry>;
}

/** Bad language, missing prompt, or a manifest that cannot be used. */
export class PromptError extends Error {
  override name = 'PromptError';
}

export function isPromptLanguage(lang: string): lang is PromptLanguage {
  return (PROMPT_LANGUAGES as readonly string[]).includes(lang);
}

function language(lang: string): PromptLanguage {
  if (!isPromptLanguage(lang)) {
    throw new PromptError(`unknown prompt language "${lang}": the system prompts exist in ${PROMPT_LANGUAGES.join(', ')}`);
  }
  return lang;
}

/**
 * media/prompts beside this module; from a build in dist/media/, the
 * source tree's media/prompts.
 */
export function defaultPromptRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'prompts'), path.resolve(here, '..', '..', 'media', 'prompts')];
  return candidates.find((dir) => existsSync(path.join(dir, 'manifest.json'))) ?? candidates[0]!;
}

/** Reads <root>/manifest.json. The only function here that touches the disk. */
export function loadPromptSet(root: string = defaultPromptRoot()): PromptSet {
  const file = path.join(root, 'manifest.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PromptError(`cannot read the prompt manifest ${file}: ${(err as Error).message} (make it with scripts/make-prompts.sh)`);
  }
  return promptSetFromManifest(manifest, root, file);
}

/** A PromptSet from a manifest already in memory; `source` names it in errors. */
export function promptSetFromManifest(manifest: unknown, root: string, source = 'prompt manifest'): PromptSet {
  const m = manifest as Partial<PromptManifest> | null;
  if (!m || typeof m !== 'object' || !Array.isArray(m.prompts)) {
    throw new PromptError(`${source}: expected an object with a "prompts" list`);
  }
  const prompts = new Map<PromptLanguage, Map<string, PromptEntry>>(PROMPT_LANGUAGES.map((l) => [l, new Map()]));
  m.prompts.forEach((p, i) => {
    if (!p || typeof p.name !== 'string' || typeof p.lang !== 'string' || typeof p.file !== 'string') {
      throw new PromptError(`${source}: prompts[${i}] needs a name, lang and file`);
    }
    // A language this code cannot compose for is not an error in the
    // manifest: its prompts are just not used here.
    if (isPromptLanguage(p.lang)) prompts.get(p.lang)!.set(p.name, p);
  });
  const music = new Map<string, PromptEntry>();
  (Array.isArray(m.music) ? m.music : []).forEach((p, i) => {
    if (!p || typeof p.name !== 'string' || typeof p.file !== 'string') {
      throw new PromptError(`${source}: music[${i}] needs a name and file`);
    }
    music.set(p.name, p);
  });
  return { root: path.resolve(root), prompts, music };
}

/** The file of one prompt, e.g. promptFile(set, 'sv', 'welcome'). */
export function promptFile(set: PromptSet, lang: string, name: string): string {
  const l = language(lang);
  const entry = set.prompts.get(l)?.get(name);
  if (!entry) {
    throw new PromptError(`missing prompt "${name}" for language "${l}" in ${set.root} (run scripts/make-prompts.sh)`);
  }
  return path.join(set.root, entry.file);
}

/** The files of several prompts, in order. */
export function promptFiles(set: PromptSet, lang: string, names: readonly string[]): string[] {
  return names.map((name) => promptFile(set, lang, name));
}

/** A music-on-hold file, 'default' unless named. */
export function musicFile(set: PromptSet, name = 'default'): string {
  const entry = set.music.get(name);
  if (!entry) throw new PromptError(`missing music on hold "${name}" in ${set.root} (run scripts/make-prompts.sh)`);
  return path.join(set.root, entry.file);
}

function wholeNumber(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPOKEN_NUMBER) {
    throw new RangeError(`cannot speak ${what} ${n}: only whole numbers from 0 to ${MAX_SPOKEN_NUMBER}`);
  }
  return n;
}

const num = (n: number): string => `number_${n}`;

function swedish(n: number): string[] {
  if (n <= 100) return [num(n)];
  if (n < 1000) {
    const rest = n % 100;
    return [num(n - rest), ...(rest ? [num(rest)] : [])];
  }
  if (n < 1_000_000) {
    const thousands = Math.floor(n / 1000);
    const rest = n % 1000;
    return [...(thousands === 1 ? [num(1000)] : [...swedish(thousands), 'number_thousand']), ...(rest ? swedish(rest) : [])];
  }
  const millions = Math.floor(n / 1_000_000);
  const rest = n % 1_000_000;
  return [
    ...(millions === 1 ? ['number_1_common', 'number_million'] : [...swedish(millions), 'number_millions']),
    ...(rest ? swedish(rest) : []),
  ];
}

function english(n: number): string[] {
  // British "and" before the last part when it is under a hundred:
  // "one thousand and five", "two million and forty".
  const after = (rest: number): string[] => (rest === 0 ? [] : rest < 100 ? ['number_and', num(rest)] : english(rest));
  if (n <= 100) return [num(n)];
  if (n < 1000) {
    const rest = n % 100;
    return [num(n - rest), ...after(rest)];
  }
  if (n < 1_000_000) {
    const thousands = Math.floor(n / 1000);
    return [...(thousands === 1 ? [num(1000)] : [...english(thousands), 'number_thousand']), ...after(n % 1000)];
  }
  return [...english(Math.floor(n / 1_000_000)), 'number_million', ...after(n % 1_000_000)];
}

/**
 * The prompt names that say `n` (a whole number, 0 to MAX_SPOKEN_NUMBER),
 * without checking that they exist: numberPromptNames('en', 137) is
 * ['number_100', 'number_and', 'number_37'].
 */
export function numberPromptNames(lang: string, n: number): string[] {
  const l = language(lang);
  wholeNumber(n, 'the number');
  return l === 'sv' ? swedish(n) : english(n);
}

/** Says a number: speakNumber(set, 'sv', 137) -> [.../sv/number_100.wav, .../sv/number_37.wav]. */
export function speakNumber(set: PromptSet, lang: string, n: number): string[] {
  return promptFiles(set, lang, numberPromptNames(lang, n));
}

/** "You are number N in the queue." Positions start at 1. */
export function speakQueuePosition(set: PromptSet, lang: string, position: number): string[] {
  if (!Number.isInteger(position) || position < 1) {
    throw new RangeError(`cannot speak queue position ${position}: positions are whole numbers from 1`);
  }
  return promptFiles(set, lang, ['queue_position_prefix', ...numberPromptNames(lang, position), 'queue_position_suffix']);
}

/** "N minutes", "1 minute" (sv "en minut"). */
export function speakMinutes(set: PromptSet, lang: string, minutes: number): string[] {
  const l = language(lang);
  wholeNumber(minutes, 'minutes');
  const count = minutes === 1 && l === 'sv' ? ['number_1_common'] : numberPromptNames(l, minutes);
  return promptFiles(set, l, [...count, minutes === 1 ? 'minute' : 'minutes']);
}

/**
 * "The estimated waiting time is N minutes." Takes whole minutes: rounding
 * a wait in seconds (up, to promise no less than the truth) is the caller's
 * policy.
 */
export function speakEstimatedWait(set: PromptSet, lang: string, minutes: number): string[] {
  return [promptFile(set, lang, 'estimated_wait_prefix'), ...speakMinutes(set, lang, minutes)];
}

/**
 * A phone number digit by digit ("noll sju noll ..."), e.g. after
 * callback_confirm_number. Spaces and dashes are skipped; anything else
 * (a "+", letters) is an error: give the national form.
 */
export function speakDigits(set: PromptSet, lang: string, digits: string): string[] {
  if (!/^[0-9][0-9 -]*$/.test(digits)) {
    throw new RangeError(`cannot speak "${digits}" digit by digit: only 0-9, spaces and dashes`);
  }
  return promptFiles(set, lang, [...digits.replace(/[ -]/g, '')].map((d) => num(Number(d))));
}
