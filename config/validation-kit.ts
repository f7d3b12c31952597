/**
 * One way to read a YAML file, check it against a JSON schema and say what
 * is wrong, shared by the configuration (config/) and the IVR flows
 * (server/ivr/), so both speak alike:
 *
 *   <file>: <path>: <problem>
 *   config/local.yaml: sip.wsport: is not a known setting (did you mean "wsPort"?)
 *   ivr-flows/kundtjanst.yaml: node "meny": promts: is not a known setting of a menu node (did you mean "prompts"?)
 *
 * A problem is a predicate about the value at the path ("is required",
 * "must be ..., got ..."); a misspelt key is named by the path and the key
 * it probably meant by the suggestion. Schemas word their own problems with
 * the `errorHint` annotation; secrets (keys like password, secret, pin) are
 * never echoed.
 *
 * A problem of a kind a client may word itself carries its `refusal`
 * (./refusals.ts): a code and its parameters, read from the failing schema
 * (its range, its allowed words) or named by its `errorCode` annotation.
 *
 * This module imports nothing of the product but ./refusals.ts, so both
 * config/ and server/ may use it.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { refusal, type Refusal, type RefusalCode } from './refusals.js';

/** One thing wrong with a value: where (path segments) and what. */
export interface Issue {
  path: Array<string | number>;
  problem: string;
  /** Its kind, for a client to word it; absent when only `problem` says it. */
  refusal?: Refusal;
}

// One ajv for every schema: defaults filled in (useDefaults), unknown
// keywords refused (strict), the failing value kept for the message (verbose).
const ajv = new Ajv({ allErrors: false, useDefaults: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
// Our own annotation keyword: the wording used when the value fails.
ajv.addKeyword({ keyword: 'errorHint', schemaType: 'string' });
// And the kind of problem (./refusals.ts) where the schema's keywords cannot say it (what a pattern means).
ajv.addKeyword({ keyword: 'errorCode', schemaType: 'string' });

/** A validator for `schema` (draft-07); its first error becomes a message with `issueFromAjv`. */
export function compileSchema<T = unknown>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** `['numbers', 3, 'number']` -> `numbers[3].number`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** `path: problem`, or the problem alone when it concerns the whole value. */
export function formatIssue(issue: Issue): string {
  const path = formatPath(issue.path);
  return path ? `${path}: ${issue.problem}` : issue.problem;
}

/** A file name as shown in messages: relative to the working directory when inside it. */
export function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

/**
 * Parses YAML text (duplicate keys are errors). A syntax error is one
 * problem naming its line and column, e.g.
 * `line 3, column 1: invalid YAML: Map keys must be unique`.
 */
export function parseYaml(text: string): { value: unknown } | { problem: string } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
    const what = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    return { problem: `${where}invalid YAML: ${what}` };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    return { problem: `invalid YAML: ${(e as Error).message}` };
  }
}

/** Edit distance, ignoring case, counting a swap of neighbours as one step ("plya" is one step from "play"). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[x.length]![y.length]!;
}

/** The one of `known` that `word` is probably a misspelling of: within a third of its length. */
function closest(word: string, known: Iterable<string>): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d <= Math.max(1, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

/** ' (did you mean "x"?)' when one of `known` is close to `word`, else ''. */
export function didYouMean(word: string, known: Iterable<string>): string {
  const k = closest(word, known);
  return k !== undefined ? ` (did you mean "${k}"?)` : '';
}

/** databaseUrl: a connection URL carries its password. */
const SECRET_KEY = /password|secret|^pins?$|^databaseUrl$/i;

/** A value as it should appear in a message; the values of secret keys are never echoed. */
export function describeValue(path: ReadonlyArray<string | number>, value: unknown): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && SECRET_KEY.test(last)) return 'a value that is not accepted';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

function typeName(t: unknown): string {
  return String(t)
    .split(',')
    .map((n) => (n === 'integer' ? 'a whole number' : n === 'array' ? 'a list' : n === 'object' ? 'a mapping' : n === 'null' ? 'null' : `a ${n}`))
    .join(' or ');
}

function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** What of a failing schema a refusal is read from. */
interface SchemaFacts {
  errorCode?: string;
  type?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  enum?: unknown[];
}

/** The kind of an ajv error: the schema's own `errorCode`, else read from its keywords (a range, a length, the words allowed). */
function refusalOf(err: ErrorObject): Refusal | undefined {
  const schema = (err.parentSchema ?? {}) as SchemaFacts;
  // The annotation names kinds whose wording needs no parameters (what a pattern means).
  if (schema.errorCode !== undefined) return { code: schema.errorCode as RefusalCode, params: {} } as Refusal;
  const limit = (err.params as { limit?: unknown }).limit;
  if ((err.keyword === 'minLength' || err.keyword === 'minItems') && limit === 1) return refusal('not-empty');
  if (err.keyword === 'maxLength' && typeof schema.maxLength === 'number') return refusal('too-long', { max: schema.maxLength });
  if (err.keyword === 'enum' && Array.isArray(schema.enum)) return refusal('one-of', { values: schema.enum.join(', ') });
  if (schema.type === 'integer' && typeof schema.minimum === 'number') {
    return typeof schema.maximum === 'number'
      ? refusal('integer-between', { min: schema.minimum, max: schema.maximum })
      : refusal('integer-at-least', { min: schema.minimum });
  }
  return undefined;
}

/** `issue` with the kind of `err`, when it has one. */
function withRefusal(issue: Issue, kind: Refusal | undefined): Issue {
  return kind === undefined ? issue : { ...issue, refusal: kind };
}

/**
 * The issue behind ajv's errors (validator.errors after a failed check).
 * `what` names the value checked, e.g. "a menu node": problems with its own
 * keys then say whose keys they are.
 */
export function issueFromAjv(errors: readonly ErrorObject[] | null | undefined, what?: string): Issue {
  // A bad property name reports the name's own failure first; the propertyNames error says what names are allowed.
  const err = errors?.find((e) => e.keyword === 'propertyNames') ?? errors?.[0];
  if (!err) return { path: [], problem: `is not valid${what ? ` as ${what}` : ''}` };
  const path = pointerToPath(err.instancePath);
  const of = what && path.length === 0 ? what : undefined;
  const hint = (err.parentSchema as { errorHint?: string } | undefined)?.errorHint;
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      // A required key spelt wrong is missing only because of the misspelling: name that.
      const known = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const given = typeof err.data === 'object' && err.data !== null ? Object.keys(err.data) : [];
      const misspelt = given.find((k) => !known.includes(k) && closest(k, known) === missing);
      if (misspelt !== undefined) {
        return { path: [...path, misspelt], problem: `is not a known setting${of ? ` of ${of}` : ''} (did you mean "${missing}"?)`, refusal: refusal('unknown-field') };
      }
      return { path: [...path, missing], problem: `is required${of ? ` for ${of}` : ''}`, refusal: refusal('required') };
    }
    case 'additionalProperties': {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const help = didYouMean(extra, known) || (known.length ? ` (known settings: ${known.join(', ')})` : '');
      return { path: [...path, extra], problem: `is not a known setting${of ? ` of ${of}` : ''}${help}`, refusal: refusal('unknown-field') };
    }
    case 'propertyNames': {
      const name = (err.params as { propertyName: string }).propertyName;
      return { path, problem: `"${name}" is not allowed here: ${hint ?? 'not a known name'}` };
    }
    case 'type': {
      const expected = String((err.params as { type: string }).type);
      const base = hint ?? `must be ${typeName(expected)}`;
      const quote = expected.startsWith('string') && typeof err.data === 'number' ? ' (put it in quotes in YAML)' : '';
      return withRefusal({ path, problem: `${base}, got ${describeValue(path, err.data)}${quote}` }, refusalOf(err));
    }
    case 'const': {
      const base = hint ?? `must be ${JSON.stringify((err.params as { allowedValue: unknown }).allowedValue)}`;
      return withRefusal({ path, problem: `${base}, got ${describeValue(path, err.data)}` }, refusalOf(err));
    }
    default: {
      const base = hint ?? `must satisfy ${err.keyword}: ${err.message ?? 'invalid'}`;
      return withRefusal({ path, problem: `${base}, got ${describeValue(path, err.data)}` }, refusalOf(err));
    }
  }
}
