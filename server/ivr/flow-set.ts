/**
 * Flows as one consistent set (a folder, or the texts the running
 * configuration holds): every flow parsed
 * (./parse-flow.ts), then the rules across files: flow names, services
 * and numbers each belong to one flow; at most one default flow; services
 * exist in the configuration (when the caller says which exist); every
 * service that runs a flow has one (its own or the default flow), and every
 * internal code that runs a flow (*77) is listed by one, so a missing
 * standard.yaml or inspelning.yaml stops start-up instead of failing calls.
 *
 * All or nothing: a set takes every file or, on any problem, none.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { didYouMean, displayName } from '../../config/validation-kit.js';
import type { Flow } from './flow.js';
import { FlowError } from './flow-error.js';
import { flowEnv, parseFlowIn, type FlowEnv, type LoadOptions } from './parse-flow.js';

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

/** One flow's YAML text and the name it is shown by in messages (a file, or where the running configuration keeps it). */
export interface FlowSource {
  file: string;
  text: string;
}

/** The flow files in a folder (*.yaml, *.yml), sorted by name, read. */
export function readFlowFolder(dir: string): Array<FlowSource & { path: string }> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new FlowError(displayName(dir), undefined, 'is not a folder');
    names = readdirSync(dir);
  } catch (err) {
    if (err instanceof FlowError) throw err;
    throw new FlowError(displayName(dir), undefined, `cannot read the flow folder: ${(err as Error).message}`);
  }
  return names.filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort().map((n) => {
    const path = join(dir, n);
    const file = displayName(path);
    try {
      return { path, file, text: readFileSync(path, 'utf8') };
    } catch (err) {
      throw new FlowError(file, undefined, `cannot read the file: ${(err as Error).message}`);
    }
  });
}

/**
 * Loads every flow in `dir` (ivr-flows/). All or nothing: throws FlowError
 * with the first problem found.
 */
export function loadFlows(dir: string, opts: LoadOptions = {}): FlowSet {
  return flowSetOf(flowEnv(opts), readFlowFolder(dir), dir, displayName(dir));
}

/**
 * The flows of `sources` as one set, checked across each other. Relative
 * `files:` in play nodes resolve against `dir`; `whole` names the set in
 * messages about it as a whole (a service without a flow). All or nothing:
 * throws FlowError with the first problem found.
 */
export function flowSetOf(env: FlowEnv, sources: readonly FlowSource[], dir: string, whole: string): FlowSet {
  const flows: Flow[] = [];
  const warnings: string[] = [];
  const names = new Map<string, string>();
  const services = new Map<string, string>();
  const numbers = new Map<string, string>();
  let defaultFile: string | undefined;
  for (const { file, text } of sources) {
    const { flow, warnings: w } = parseFlowIn(env, text, file, dir);
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
  if (!defaultFile) {
    const orphan = env.flowServices.find((s) => !services.has(s));
    if (orphan !== undefined) {
      throw new FlowError(whole, undefined, `service "${orphan}" (config numbers[].service) has no flow: no flow lists it under services, `
        + 'and no flow is the default one ("default: true", as standard.yaml is in the demo)');
    }
  }
  for (const { number, setting } of env.flowNumbers) {
    if (!numbers.has(number)) {
      throw new FlowError(whole, undefined, `no flow runs ${number} (config ${setting}): a flow must list "${number}" under numbers (as inspelning.yaml does in the demo)`);
    }
  }
  return new FlowSet(flows, warnings);
}
