/**
 * Loads and checks the flows in ivr-flows/*.yaml, and reloads them when the
 * folder changes.
 *
 * Every problem is ONE line naming the file, the node and the reason:
 *
 *   ivr-flows/kundtjanst.yaml: node "meny": branch "2" goes to "saknas", which does not exist
 *   ivr-flows/kundtjanst.yaml: node "meny": "promts" is not a setting of a menu node (did you mean "prompts"?)
 *   ivr-flows/kundtjanst.yaml: line 7, column 3: Map keys must be unique
 *
 * The checks, in order (the first problem found is the one reported):
 *
 * 1. YAML syntax; the file's own settings (flow, services, numbers,
 *    default, language, start, maxSteps, nodes) against their schema.
 * 2. Each node in file order: an id (unique), a known type, its settings
 *    against the type's JSON schema (ajv; ./nodes/<type>.ts holds it), its
 *    branch names, the type's own rules (opening hours that parse, a time
 *    zone that exists, ...), the prompts it plays exist in the prompt
 *    manifest in every prompt language, the files it plays exist.
 * 3. The graph: the start node exists, every next / branch / goto target
 *    exists, no loop made only of set and goto nodes (it would spin without
 *    the caller hearing anything). Nodes the start cannot reach are a
 *    warning, not an error.
 * 4. Across files: flow names, services and numbers each belong to one
 *    flow; at most one default flow; services exist in the configuration
 *    (when the caller of the loader says which exist).
 *
 * A set of flows is all or nothing: loading (and reloading) takes every
 * file or, on any problem, none. `FlowLibrary` keeps the last good set: a
 * bad change is logged and refused, the flows loaded before stay, and calls
 * in progress keep the Flow object they started with (flows are frozen;
 * a reload makes new ones).
 */
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import { parseDocument } from 'yaml';
import { loadPromptSet, PROMPT_LANGUAGES, type PromptSet } from '../../media/speech.js';
import { DEFAULT_MAX_STEPS, type Flow, type NodeDef } from './flow.js';
import { NODE_TYPES } from './nodes/index.js';
import type { CheckEnv, NodeType } from './nodes/node.js';

/** A flow that cannot be used: `message` is the one line to show. */
export class FlowError extends Error {
  constructor(
    /** The file as shown, e.g. "ivr-flows/kundtjanst.yaml". */
    readonly file: string,
    /** The node's id, when the problem is in one node. */
    readonly node: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}: ${node !== undefined ? `node "${node}": ` : ''}${reason}`);
    this.name = 'FlowError';
  }
}

export interface LoadOptions {
  /** The system prompts flows may name; default: media/prompts. */
  prompts?: PromptSet;
  /** How the manifest is named in messages; default "media/prompts/manifest.json". */
  manifestName?: string;
  /** The services that exist (config `numbers[].service`); flows naming another are refused. Default: not checked. */
  services?: Iterable<string>;
  /** The extensions that exist (transfer targets). Default: not checked. */
  extensions?: Iterable<string>;
  /** The ACD queue ids that exist (queue and callback nodes). Default: not checked. */
  queues?: Iterable<string>;
}

/** Which flow a call runs. */
export interface CallKey {
  /** What was dialled: an E.164 number or an internal code. */
  dialled: string;
  /** The service of the dialled number, when it is a service number. */
  service?: string;
}

/** One consistent set of flows: what a load or reload produces. */
export class FlowSet {
  /** By flow name, in file order. */
  readonly flows: ReadonlyMap<string, Flow>;
  /** Nodes never reached, and the like: logged, not fatal. */
  readonly warnings: readonly string[];
  private readonly byNumber = new Map<string, Flow>();
  private readonly byService = new Map<string, Flow>();
  private readonly fallback: Flow | undefined;

  constructor(flows: readonly Flow[], warnings: readonly string[] = []) {
    this.flows = new Map(flows.map((f) => [f.name, f]));
    this.warnings = Object.freeze([...warnings]);
    for (const f of flows) {
      for (const n of f.numbers) this.byNumber.set(n, f);
      for (const s of f.services) this.byService.set(s, f);
    }
    this.fallback = flows.find((f) => f.isDefault);
  }

  /** The flow for a call: by the number dialled, else by its service, else the default flow. */
  forCall(call: CallKey): Flow | undefined {
    return this.byNumber.get(call.dialled) ?? (call.service !== undefined ? this.byService.get(call.service) : undefined) ?? this.fallback;
  }
}

// ---------------------------------------------------------------- schemas

const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'errorHint', schemaType: 'string' });

const ID_PATTERN = '^[\\p{L}\\p{N}_][\\p{L}\\p{N}_.-]*$';
const nodeId = { type: 'string', pattern: ID_PATTERN, errorHint: 'must be a node id of letters, digits, "_", "-" and "."' };

const fileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['nodes'],
  properties: {
    flow: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', errorHint: 'must be a flow name of lower-case letters, digits, "-" and "_"' },
    description: { type: 'string' },
    services: { type: 'array', items: { type: 'string', minLength: 1, errorHint: 'must be a service name' }, errorHint: 'must be a list of service names' },
    numbers: {
      type: 'array',
      items: {
        type: 'string',
        pattern: '^(\\+[1-9][0-9]{6,14}|[0-9*#]{2,10})$',
        errorHint: 'must be an E.164 number such as "+46313900601" or an internal code such as "*77" (in quotes)',
      },
      errorHint: 'must be a list of numbers',
    },
    default: { type: 'boolean', errorHint: 'must be true or false' },
    language: { type: 'string', enum: [...PROMPT_LANGUAGES], errorHint: `must be one of ${PROMPT_LANGUAGES.join(', ')}` },
    start: nodeId,
    maxSteps: { type: 'integer', minimum: 1, maximum: 100_000, errorHint: 'must be a whole number from 1' },
    nodes: { type: 'array', minItems: 1, items: { type: 'object', errorHint: 'must be a mapping with id and type' }, errorHint: 'must be a list of nodes' },
  },
} as const;
const validateFile = ajv.compile(fileSchema);

interface FileHead {
  flow?: string;
  description?: string;
  services?: string[];
  numbers?: string[];
  default?: boolean;
  language?: string;
  start?: string;
  maxSteps?: number;
  nodes: Array<Record<string, unknown>>;
}

const nodeValidators = new Map<string, ValidateFunction>();

function nodeValidator(t: NodeType): ValidateFunction {
  let v = nodeValidators.get(t.type);
  if (!v) {
    const target = { type: 'string', minLength: 1, errorHint: 'must be the id of a node' };
    const hasBranches = !Array.isArray(t.branches) || t.branches.length > 0;
    v = ajv.compile({
      type: 'object',
      additionalProperties: false,
      required: ['id', 'type', ...(t.required ?? [])],
      properties: {
        id: nodeId,
        type: { const: t.type },
        ...(t.next ? { next: target } : {}),
        ...(hasBranches
          ? { branches: { type: 'object', additionalProperties: target, errorHint: 'must map outcomes to node ids, such as open: meny' } }
          : {}),
        ...t.settings,
      },
    });
    nodeValidators.set(t.type, v);
  }
  return v;
}

// ---------------------------------------------------------------- messages

function article(word: string): string {
  return /^([aeiou]|hour)/i.test(word) ? `an ${word}` : `a ${word}`;
}

function pathOf(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(0|[1-9][0-9]*)$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Edit distance with adjacent transpositions ("plya" is one step from "play"). */
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

/** ' (did you mean "x"?)' when one of `known` is close to `word`. */
function didYouMean(word: string, known: Iterable<string>): string {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d <= Math.max(1, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { k, d };
  }
  return best ? ` (did you mean "${best.k}"?)` : '';
}

function describeValue(value: unknown): string {
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

/** One line from ajv's first error; `what` names the thing, e.g. "a menu node". */
function ajvProblem(errors: readonly ErrorObject[], what: string): string {
  const err = errors.find((e) => e.keyword === 'propertyNames') ?? errors[0]!;
  const path = pathOf(err.instancePath);
  const at = path ? `${path}: ` : '';
  const hint = (err.parentSchema as { errorHint?: string } | undefined)?.errorHint;
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      return path ? `${path}: "${missing}" is required` : `"${missing}" is required for ${what}`;
    }
    case 'additionalProperties': {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `${at}"${extra}" is not a setting of ${what}${didYouMean(extra, known) || (known.length ? ` (its settings: ${known.join(', ')})` : '')}`;
    }
    case 'propertyNames': {
      const name = (err.params as { propertyName: string }).propertyName;
      return `${at}"${name}" is not allowed here: ${hint ?? 'not a known name'}`;
    }
    case 'const':
      return `${at}must be ${JSON.stringify((err.params as { allowedValue: unknown }).allowedValue)}, got ${describeValue(err.data)}`;
    case 'type': {
      const base = hint ?? `must be ${typeName((err.params as { type: string }).type)}`;
      return `${at}${base}, got ${describeValue(err.data)}`;
    }
    default:
      return `${at}${hint ?? `must satisfy ${err.keyword}: ${err.message ?? 'invalid'}`}, got ${describeValue(err.data)}`;
  }
}

/** A file name as shown: relative to the working directory when inside it. */
export function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

// ---------------------------------------------------------------- one file

interface Env {
  prompts: PromptSet;
  manifestName: string;
  services: ReadonlySet<string> | undefined;
  check: CheckEnv;
}

function environment(opts: LoadOptions): Env {
  const prompts = opts.prompts ?? loadPromptSet();
  const extensions = opts.extensions ? new Set(opts.extensions) : undefined;
  const queues = opts.queues ? new Set(opts.queues) : undefined;
  return {
    prompts,
    manifestName: opts.manifestName ?? 'media/prompts/manifest.json',
    services: opts.services ? new Set(opts.services) : undefined,
    check: { prompts, ...(extensions ? { extensions } : {}), ...(queues ? { queues } : {}) },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Every node id `def` may go to, with how to name the edge in a message. */
function edges(def: NodeDef, t: NodeType): Array<{ label: string; to: string }> {
  const out: Array<{ label: string; to: string }> = [];
  if (def.next !== undefined) out.push({ label: 'next', to: def.next });
  for (const [k, to] of Object.entries(def.branches ?? {})) out.push({ label: `branch "${k}"`, to });
  out.push(...(t.targets?.(def) ?? []));
  return out;
}

/**
 * Parses and checks one flow file's text. `file` is the name shown in
 * messages; relative `files:` are resolved against `dir`. Throws FlowError.
 * The checks across files (names, services, numbers, default) are loadFlows'.
 */
export function parseFlow(text: string, file: string, dir: string, opts: LoadOptions = {}): { flow: Flow; warnings: string[] } {
  return parseWith(text, file, dir, environment(opts));
}

function parseWith(text: string, file: string, dir: string, env: Env): { flow: Flow; warnings: string[] } {
  const fail = (reason: string, node?: string): never => {
    throw new FlowError(file, node, reason);
  };

  // 1. YAML and the file's own settings.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const message = yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    fail(pos ? `line ${pos.line}, column ${pos.col}: ${message}` : message);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    fail((err as Error).message);
  }
  if (value === null || value === undefined) fail('the file is empty: a flow needs "nodes"');
  if (typeof value !== 'object' || Array.isArray(value)) fail('must be a mapping with "nodes" (and flow, services, numbers, language, start)');
  if (!validateFile(value)) fail(ajvProblem(validateFile.errors ?? [], 'a flow file'));
  const head = value as FileHead;
  const name = head.flow ?? (file.split('/').pop() ?? file).replace(/\.ya?ml$/i, '');
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) fail(`the file name gives the flow name "${name}"; name the flow with "flow:" (lower-case letters, digits, "-", "_")`);

  // 2. Each node.
  const nodes = new Map<string, NodeDef>();
  const index = new Map<string, number>();
  head.nodes.forEach((raw, i) => {
    const id = raw['id'];
    if (id === undefined) fail(`nodes[${i}]: "id" is required`);
    if (typeof id !== 'string' || !new RegExp(ID_PATTERN, 'u').test(id)) {
      fail(`nodes[${i}]: id ${describeValue(id)} must be a node id of letters, digits, "_", "-" and "."`);
    }
    const nodeName = id as string;
    const seen = index.get(nodeName);
    if (seen !== undefined) fail(`the id is used twice (nodes[${seen}] and nodes[${i}])`, nodeName);
    index.set(nodeName, i);

    const typeName_ = raw['type'];
    if (typeName_ === undefined) fail('"type" is required', nodeName);
    const t = typeof typeName_ === 'string' ? NODE_TYPES.get(typeName_) : undefined;
    if (!t) {
      const known = [...NODE_TYPES.keys()];
      fail(`unknown type ${describeValue(typeName_)}${typeof typeName_ === 'string' ? didYouMean(typeName_, known) : ''} (known types: ${known.join(', ')})`, nodeName);
    }
    const type = t as NodeType;
    const what = `${article(type.type)} node`;
    const validate = nodeValidator(type);
    if (!validate(raw)) fail(ajvProblem(validate.errors ?? [], what), nodeName);
    const def = raw as unknown as NodeDef;

    for (const key of Object.keys(def.branches ?? {})) {
      const ok = Array.isArray(type.branches) ? type.branches.includes(key) : (type.branches as { pattern: RegExp }).pattern.test(key);
      if (!ok) {
        const text = Array.isArray(type.branches)
          ? `its branches: ${type.branches.join(', ')}`
          : `a branch is ${(type.branches as { text: string }).text}`;
        fail(`branch "${key}" is not a branch of ${what}${Array.isArray(type.branches) ? didYouMean(key, type.branches) : ''} (${text})`, nodeName);
      }
    }
    const bad = type.check?.(def, env.check);
    if (bad) fail(bad, nodeName);

    for (const spec of type.sounds?.(def) ?? []) {
      for (const prompt of spec.prompts ?? []) {
        for (const lang of spec.language ? [spec.language] : PROMPT_LANGUAGES) {
          const inLang = env.prompts.prompts.get(lang as (typeof PROMPT_LANGUAGES)[number]);
          if (!inLang?.has(prompt)) {
            fail(`prompt "${prompt}" is not in ${env.manifestName} for language "${lang}"${didYouMean(prompt, inLang?.keys() ?? [])}`, nodeName);
          }
        }
      }
      if (spec.files) {
        const resolved = spec.files.map((f) => resolve(dir, f));
        resolved.forEach((abs, j) => {
          if (!existsSync(abs)) fail(`file "${spec.files![j]}" does not exist (looked for ${abs})`, nodeName);
        });
        (spec as { files: string[] }).files = resolved;
      }
    }
    nodes.set(nodeName, def);
  });

  // 3. The graph.
  const start = head.start ?? head.nodes[0]!['id'] as string;
  if (!nodes.has(start)) fail(`start node "${start}" does not exist${didYouMean(start, nodes.keys())}`);
  for (const def of nodes.values()) {
    for (const e of edges(def, NODE_TYPES.get(def.type)!)) {
      if (!nodes.has(e.to)) fail(`${e.label} goes to "${e.to}", which does not exist${didYouMean(e.to, nodes.keys())}`, def.id);
    }
  }
  const spin = instantLoop(nodes);
  if (spin) fail(`loops for ever without the caller hearing anything: ${spin.join(' -> ')} (only set and goto nodes)`, spin[0]);

  const warnings: string[] = [];
  const reached = new Set<string>([start]);
  const todo = [start];
  while (todo.length > 0) {
    const def = nodes.get(todo.pop()!)!;
    for (const e of edges(def, NODE_TYPES.get(def.type)!)) {
      if (!reached.has(e.to)) {
        reached.add(e.to);
        todo.push(e.to);
      }
    }
  }
  for (const id of nodes.keys()) {
    if (!reached.has(id)) warnings.push(`${file}: node "${id}" is never reached from the start node "${start}"`);
  }
  if (!head.services?.length && !head.numbers?.length && !head.default) {
    warnings.push(`${file}: no call runs this flow (give it "services", "numbers" or "default: true")`);
  }

  const flow: Flow = {
    name,
    file,
    ...(head.description !== undefined ? { description: head.description } : {}),
    services: head.services ?? [],
    numbers: head.numbers ?? [],
    isDefault: head.default ?? false,
    language: head.language ?? 'sv',
    start,
    maxSteps: head.maxSteps ?? DEFAULT_MAX_STEPS,
    nodes,
  };
  for (const def of nodes.values()) deepFreeze(def);
  Object.freeze(flow.services);
  Object.freeze(flow.numbers);
  return { flow: Object.freeze(flow), warnings };
}

/** A cycle made only of set and goto nodes (they take no time: the call would spin), as the ids around it. */
function instantLoop(nodes: ReadonlyMap<string, NodeDef>): string[] | undefined {
  const instant = (id: string): boolean => {
    const t = nodes.get(id)?.type;
    return t === 'set' || t === 'goto';
  };
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'open');
    stack.push(id);
    const def = nodes.get(id)!;
    for (const e of edges(def, NODE_TYPES.get(def.type)!)) {
      if (!instant(e.to)) continue;
      const s = state.get(e.to);
      if (s === 'open') return [...stack.slice(stack.indexOf(e.to)), e.to];
      if (s === undefined) {
        const found = visit(e.to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of nodes.keys()) {
    if (instant(id) && !state.has(id)) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- a folder

/** The flow files in a folder (*.yaml, *.yml), sorted by name. */
function flowFiles(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new FlowError(displayName(dir), undefined, 'is not a folder');
    names = readdirSync(dir);
  } catch (err) {
    if (err instanceof FlowError) throw err;
    throw new FlowError(displayName(dir), undefined, `cannot read the flow folder: ${(err as Error).message}`);
  }
  return names.filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort().map((n) => join(dir, n));
}

/**
 * Loads every flow in `dir` (ivr-flows/). All or nothing: throws FlowError
 * with the first problem found.
 */
export function loadFlows(dir: string, opts: LoadOptions = {}): FlowSet {
  return loadWith(dir, environment(opts));
}

function loadWith(dir: string, env: Env): FlowSet {
  const flows: Flow[] = [];
  const warnings: string[] = [];
  const names = new Map<string, string>();
  const services = new Map<string, string>();
  const numbers = new Map<string, string>();
  let defaultFile: string | undefined;
  for (const path of flowFiles(dir)) {
    const file = displayName(path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new FlowError(file, undefined, `cannot read the file: ${(err as Error).message}`);
    }
    const { flow, warnings: w } = parseWith(text, file, dir, env);
    const fail = (reason: string): never => {
      throw new FlowError(file, undefined, reason);
    };
    const sameName = names.get(flow.name);
    if (sameName) fail(`flow "${flow.name}" is also the name of the flow in ${sameName}`);
    names.set(flow.name, file);
    for (const s of flow.services) {
      if (env.services && !env.services.has(s)) {
        fail(`service "${s}" is not a service in the configuration${didYouMean(s, env.services)} (config numbers[].service)`);
      }
      const other = services.get(s);
      if (other) fail(`service "${s}" already runs the flow in ${other}`);
      services.set(s, file);
    }
    for (const n of flow.numbers) {
      const other = numbers.get(n);
      if (other) fail(`number "${n}" already runs the flow in ${other}`);
      numbers.set(n, file);
    }
    if (flow.isDefault) {
      if (defaultFile) fail(`only one flow can be the default, and ${defaultFile} already is`);
      defaultFile = file;
    }
    flows.push(flow);
    warnings.push(...w);
  }
  return new FlowSet(flows, warnings);
}

// ---------------------------------------------------------------- hot reload

export interface FlowLibraryOptions extends LoadOptions {
  /** The flow folder, e.g. ivr-flows/. */
  dir: string;
  logger: Logger;
  /** Quiet time after the last change before reloading (editors write in several steps). Default 200 ms. */
  debounceMs?: number;
}

export type ReloadResult = { ok: true; flows: FlowSet } | { ok: false; error: FlowError };

/**
 * The flows in use, reloaded when the folder changes. Start-up:
 * `FlowLibrary.open(...)` throws FlowError when a flow is bad. Then
 * `watch()`: a valid change replaces every flow at once; a bad one is
 * logged and refused, and the flows loaded before stay.
 */
export class FlowLibrary {
  private current: FlowSet;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(result: ReloadResult) => void>();
  private readonly env: Env;

  private constructor(
    private readonly opts: FlowLibraryOptions,
    env: Env,
    flows: FlowSet,
  ) {
    this.env = env;
    this.current = flows;
  }

  /** Loads the folder; throws FlowError (one line: file, node, reason) when a flow is bad. */
  static open(opts: FlowLibraryOptions): FlowLibrary {
    const env = environment(opts);
    const flows = loadWith(opts.dir, env);
    const lib = new FlowLibrary(opts, env, flows);
    lib.logLoaded(flows, 'ivr flows loaded');
    return lib;
  }

  /** The flows now in use. */
  get flows(): FlowSet {
    return this.current;
  }

  /** The flow a new call runs (see FlowSet.forCall). Keep the object for the whole call. */
  forCall(call: CallKey): Flow | undefined {
    return this.current.forCall(call);
  }

  /** Loads the folder again: takes the new flows when all are good, else keeps the old ones. */
  reload(): ReloadResult {
    let result: ReloadResult;
    try {
      const flows = loadWith(this.opts.dir, this.env);
      this.current = flows;
      this.logLoaded(flows, 'ivr flows reloaded');
      result = { ok: true, flows };
    } catch (err) {
      const error = err instanceof FlowError ? err : new FlowError(displayName(this.opts.dir), undefined, String(err));
      this.opts.logger.error({ file: error.file, node: error.node }, `ivr flow change refused, the flows loaded before stay in use: ${error.message}`);
      result = { ok: false, error };
    }
    for (const l of this.listeners) l(result);
    return result;
  }

  /** Called after every reload, good or refused. Returns a function that stops listening. */
  onReload(listener: (result: ReloadResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Watches the folder (fs.watch) and reloads `debounceMs` after the last change. */
  watch(): void {
    if (this.watcher) return;
    const debounce = this.opts.debounceMs ?? 200;
    this.watcher = watch(this.opts.dir, { persistent: false }, (_event, name) => {
      if (name && !/\.ya?ml$/i.test(String(name))) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.reload();
      }, debounce);
    });
    this.watcher.on('error', (err) => this.opts.logger.error({ err, dir: this.opts.dir }, 'cannot watch the ivr flow folder'));
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private logLoaded(flows: FlowSet, msg: string): void {
    for (const w of flows.warnings) this.opts.logger.warn(w);
    this.opts.logger.info({ flows: [...flows.flows.keys()] }, msg);
  }
}
