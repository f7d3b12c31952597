/**
 * The running configuration checked as a whole, with the checks start-up
 * makes: the configuration's schema and cross-field rules (config/validate.ts)
 * on the static part joined with the operational part, then every flow and
 * the rules across flows (server/ivr/flow-set.ts: every service has a flow,
 * flows name queues, extensions and services that exist). The result is a
 * frozen snapshot; a problem throws ConfigChangeError naming the path.
 */
import type { Config } from '../../config/schema.js';
import { validateConfig } from '../../config/validate.js';
import { FlowError } from '../ivr/flow-error.js';
import { flowSetOf, type FlowSet } from '../ivr/flow-set.js';
import { flowEnv } from '../ivr/parse-flow.js';
import type { PromptSet } from '../../media/speech.js';
import { ConfigChangeError } from './errors.js';
import { OPERATIONAL_KEYS, type Operational } from './model.js';

export interface FlowChecks {
  prompts: PromptSet;
  /** Where relative `files:` of play nodes are looked for (the flow folder). */
  dir: string;
  /**
   * Some services have no flow on purpose (a test of one flow): skip the
   * check that every service and the recording code have one. Calls to a
   * service without one are refused (480).
   */
  partial?: boolean;
}

/** One version of the running configuration, checked, frozen, in the form the parts use. */
export interface RunningSnapshot {
  readonly version: number;
  readonly at: string;
  readonly actor: string;
  /** The whole configuration: the static part with this version's operational part. */
  readonly config: Readonly<Config>;
  readonly operational: Readonly<Operational>;
  readonly flows: FlowSet;
}

/** Checks `operational` with `base`'s static part; throws ConfigChangeError. Defaults are filled in the result. */
export function checkWhole(base: Config, operational: Operational, checks: FlowChecks): { config: Config; operational: Operational; flows: FlowSet } {
  const candidate: Record<string, unknown> = structuredClone({ ...base, ...pickOperational(operational) });
  const issue = validateConfig(candidate);
  if (issue) throw new ConfigChangeError(issue.path, issue.problem, { refusal: issue.refusal });
  const config = candidate as unknown as Config;
  const flows = checkFlows(config, operational.flows, checks);
  return { config, operational: { ...pickOperational(config), flows: { ...operational.flows } }, flows };
}

/** Freezes a checked version: nothing a call holds on to can change under it. */
export function snapshotOf(checked: ReturnType<typeof checkWhole>, meta: { version: number; at: string; actor: string }): RunningSnapshot {
  // The flows freeze themselves (server/ivr/flow.ts).
  return Object.freeze({ ...meta, config: deepFreeze(checked.config), operational: deepFreeze(checked.operational), flows: checked.flows });
}

export function pickOperational(config: Pick<Config, (typeof OPERATIONAL_KEYS)[number]>): Omit<Operational, 'flows'> {
  return Object.fromEntries(OPERATIONAL_KEYS.map((k) => [k, config[k]])) as Omit<Operational, 'flows'>;
}

function checkFlows(config: Config, texts: Record<string, unknown>, checks: FlowChecks): FlowSet {
  if (texts === null || typeof texts !== 'object' || Array.isArray(texts)) {
    throw new ConfigChangeError(['flows'], 'must be a mapping of flow name to the flow\'s YAML text');
  }
  const env = flowEnv({
    prompts: checks.prompts,
    services: config.numbers.map((n) => n.service),
    extensions: config.extensions.map((e) => e.extension),
    queues: config.queues.map((q) => q.id),
    ...(checks.partial ? {} : {
      flowServices: config.numbers.filter((n) => n.target === undefined).map((n) => n.service),
      flowNumbers: [{ number: config.featureCodes.recordAnnouncements, setting: 'featureCodes.recordAnnouncements' }],
    }),
  });
  const sources = Object.entries(texts).map(([name, text]) => {
    if (!/^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u.test(name)) throw new ConfigChangeError(['flows', name], 'a flow name is letters, digits, "_", "-" and "."');
    if (typeof text !== 'string') throw new ConfigChangeError(['flows', name], 'must be the flow\'s YAML text');
    return { file: `flows.${name}`, text };
  });
  try {
    return flowSetOf(env, sources, checks.dir, 'flows');
  } catch (err) {
    if (!(err instanceof FlowError)) throw err;
    const name = err.file.startsWith('flows.') ? err.file.slice('flows.'.length) : undefined;
    const path = name !== undefined ? ['flows', name] : ['flows'];
    if (err.node === undefined) throw new ConfigChangeError(path, err.reason);
    throw new ConfigChangeError(path, `node "${err.node}": ${err.reason}`, { flowNode: { id: err.node, reason: err.reason } });
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
