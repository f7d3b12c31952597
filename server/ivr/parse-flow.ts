/**
 * Parses and checks one flow file (ivr-flows/*.yaml). The checks, in order
 * (the first problem found is the one reported, as a FlowError):
 *
 * 1. YAML syntax; the file's own settings (flow, services, numbers,
 *    default, language, start, maxSteps, nodes) against their schema.
 * 2. Each node in file order: an id (unique), a known type, its settings
 *    against the type's JSON schema (./nodes/<type>.ts holds it), its
 *    branch names, the type's own rules (opening hours that parse, a time
 *    zone that exists, ...), the prompts it plays exist in the prompt
 *    manifest in every prompt language, the files it plays exist.
 * 3. The graph (./flow-graph.ts): the start node exists, every next /
 *    branch / goto target exists, no loop made only of set and goto nodes.
 *    Nodes the start cannot reach are a warning, not an error.
 *
 * The checks across files (names, services, numbers, default) are
 * ./flow-set.ts's. Schemas and messages: config/validation-kit.ts.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { loadPromptSet, PROMPT_LANGUAGES, type PromptSet } from '../../media/speech.js';
import { compileSchema, describeValue, didYouMean, formatIssue, issueFromAjv, parseYaml } from '../../config/validation-kit.js';
import { DEFAULT_MAX_STEPS, type Flow, type NodeDef } from './flow.js';
import { FlowError } from './flow-error.js';
import { edges, instantLoop, unreached } from './flow-graph.js';
import { NODE_TYPES } from './nodes/index.js';
import type { CheckEnv, NodeType } from './nodes/node.js';

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
  /** Services whose calls run a flow: each needs a flow of its own or the default flow. Default: not checked. */
  flowServices?: Iterable<string>;
  /** Internal codes that run a flow (the recording code), with the setting that names each. Default: not checked. */
  flowNumbers?: Iterable<{ number: string; setting: string }>;
}

/** LoadOptions made ready for checking many files. */
export interface FlowEnv {
  prompts: PromptSet;
  manifestName: string;
  services: ReadonlySet<string> | undefined;
  flowServices: readonly string[];
  flowNumbers: ReadonlyArray<{ number: string; setting: string }>;
  check: CheckEnv;
}

export function flowEnv(opts: LoadOptions): FlowEnv {
  const prompts = opts.prompts ?? loadPromptSet();
  const extensions = opts.extensions ? new Set(opts.extensions) : undefined;
  const queues = opts.queues ? new Set(opts.queues) : undefined;
  return {
    prompts,
    manifestName: opts.manifestName ?? 'media/prompts/manifest.json',
    services: opts.services ? new Set(opts.services) : undefined,
    flowServices: [...new Set(opts.flowServices ?? [])],
    flowNumbers: [...(opts.flowNumbers ?? [])],
    check: { prompts, ...(extensions ? { extensions } : {}), ...(queues ? { queues } : {}) },
  };
}

// ---------------------------------------------------------------- schemas

const ID_PATTERN = '^[\\p{L}\\p{N}_][\\p{L}\\p{N}_.-]*$';
const NODE_ID_HINT = 'must be a node id of letters, digits, "_", "-" and "."';
const nodeId = { type: 'string', pattern: ID_PATTERN, errorHint: NODE_ID_HINT };

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

const validateFile = compileSchema<FileHead>(fileSchema);

const nodeValidators = new Map<string, ValidateFunction>();

/** The validator of a node type's settings, with id, type, next and branches. */
function nodeValidator(t: NodeType): ValidateFunction {
  let v = nodeValidators.get(t.type);
  if (!v) {
    const target = { type: 'string', minLength: 1, errorHint: 'must be the id of a node' };
    const hasBranches = !Array.isArray(t.branches) || t.branches.length > 0;
    v = compileSchema({
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

// ---------------------------------------------------------------- one file

function article(word: string): string {
  return /^([aeiou]|hour)/i.test(word) ? `an ${word}` : `a ${word}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Parses and checks one flow file's text. `file` is the name shown in
 * messages; relative `files:` are resolved against `dir`. Throws FlowError.
 */
export function parseFlow(text: string, file: string, dir: string, opts: LoadOptions = {}): { flow: Flow; warnings: string[] } {
  return parseFlowIn(flowEnv(opts), text, file, dir);
}

/** parseFlow with the options already made ready (a folder's files share them). */
export function parseFlowIn(env: FlowEnv, text: string, file: string, dir: string): { flow: Flow; warnings: string[] } {
  const fail = (reason: string, node?: string): never => {
    throw new FlowError(file, node, reason);
  };

  // 1. YAML and the file's own settings.
  const parsed = parseYaml(text);
  if ('problem' in parsed) fail(parsed.problem);
  const { value } = parsed as { value: unknown };
  if (value === null || value === undefined) fail('the file is empty: a flow needs "nodes"');
  if (typeof value !== 'object' || Array.isArray(value)) fail('must be a mapping with "nodes" (and flow, services, numbers, language, start)');
  if (!validateFile(value)) fail(formatIssue(issueFromAjv(validateFile.errors, 'a flow file')));
  const head = value as FileHead;
  const name = head.flow ?? (file.split('/').pop() ?? file).replace(/\.ya?ml$/i, '');
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) fail(`the file name gives the flow name "${name}"; name the flow with "flow:" (lower-case letters, digits, "-", "_")`);

  // 2. Each node.
  const nodes = new Map<string, NodeDef>();
  const index = new Map<string, number>();
  head.nodes.forEach((raw, i) => {
    const id = raw['id'];
    if (id === undefined) fail(`nodes[${i}].id: is required`);
    if (typeof id !== 'string' || !new RegExp(ID_PATTERN, 'u').test(id)) fail(`nodes[${i}].id: ${NODE_ID_HINT}, got ${describeValue([], id)}`);
    const nodeName = id as string;
    const seen = index.get(nodeName);
    if (seen !== undefined) fail(`the id is used twice (nodes[${seen}] and nodes[${i}])`, nodeName);
    index.set(nodeName, i);

    const typeName = raw['type'];
    if (typeName === undefined) fail('type: is required', nodeName);
    const t = typeof typeName === 'string' ? NODE_TYPES.get(typeName) : undefined;
    if (!t) {
      const known = [...NODE_TYPES.keys()];
      fail(`unknown type ${describeValue([], typeName)}${typeof typeName === 'string' ? didYouMean(typeName, known) : ''} (known types: ${known.join(', ')})`, nodeName);
    }
    const type = t as NodeType;
    const what = `${article(type.type)} node`;
    const validate = nodeValidator(type);
    if (!validate(raw)) fail(formatIssue(issueFromAjv(validate.errors, what)), nodeName);
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
  const start = head.start ?? (head.nodes[0]!['id'] as string);
  if (!nodes.has(start)) fail(`start node "${start}" does not exist${didYouMean(start, nodes.keys())}`);
  for (const def of nodes.values()) {
    for (const e of edges(def)) {
      if (!nodes.has(e.to)) fail(`${e.label} goes to "${e.to}", which does not exist${didYouMean(e.to, nodes.keys())}`, def.id);
    }
  }
  const spin = instantLoop(nodes);
  if (spin) fail(`loops for ever without the caller hearing anything: ${spin.join(' -> ')} (only set and goto nodes)`, spin[0]);

  const warnings = unreached(nodes, start).map((id) => `${file}: node "${id}" is never reached from the start node "${start}"`);
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
