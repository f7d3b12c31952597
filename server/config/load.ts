/**
 * Loads the configuration: config/default.yaml, deep-merged with the file
 * named in CONFIG, then the environment variables (ENV_OVERRIDES below).
 * It is read once, at start-up: a change to a file needs a restart. Its
 * operational part only seeds the running configuration (server/running),
 * which changes while the product runs. Any problem throws a `ConfigError` whose message is
 * one line: where the bad value came from (file or environment variable), the
 * path inside the configuration and what is wrong, e.g.
 *
 *   config/local.yaml: numbers[3].number: must be an E.164 number such as +46313900600, got "0313900600"
 *   environment variable SIP_PORT: sip.port: must be a port number 1..65535, got "abc"
 *
 * Merging: mappings merge key by key; lists and scalars replace (a list in the
 * CONFIG file replaces the default list entirely). An environment variable
 * that is unset or empty changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.js';
import { validateConfig } from '../../config/validate.js';
import { displayName, formatPath, parseYaml } from '../../config/validation-kit.js';

export type { Config } from '../../config/schema.js';

export class ConfigError extends Error {
  /** The file (as displayed) or `environment variable NAME` the bad value came from. */
  readonly source: string;
  /** Path inside the configuration, e.g. `numbers[3].number`; '' for the whole file. */
  readonly path: string;
  readonly problem: string;

  constructor(source: string, path: string, problem: string) {
    super(path ? `${source}: ${path}: ${problem}` : `${source}: ${problem}`);
    this.name = 'ConfigError';
    this.source = source;
    this.path = path;
    this.problem = problem;
  }
}

type EnvKind = 'port' | 'string' | 'boolean';

/** The environment variables of the runtime contract and the setting each one overrides. */
export const ENV_OVERRIDES: ReadonlyArray<{ name: string; path: readonly string[]; kind: EnvKind }> = [
  { name: 'SIP_PORT', path: ['sip', 'port'], kind: 'port' },
  { name: 'SIP_WS_PORT', path: ['sip', 'wsPort'], kind: 'port' },
  { name: 'HTTP_PORT', path: ['http', 'port'], kind: 'port' },
  { name: 'RTP_PORT_MIN', path: ['rtp', 'portMin'], kind: 'port' },
  { name: 'RTP_PORT_MAX', path: ['rtp', 'portMax'], kind: 'port' },
  { name: 'DATA_DIR', path: ['dataDir'], kind: 'string' },
  { name: 'DRACHTIO_HOST', path: ['drachtio', 'host'], kind: 'string' },
  { name: 'DRACHTIO_PORT', path: ['drachtio', 'port'], kind: 'port' },
  { name: 'DRACHTIO_SECRET', path: ['drachtio', 'secret'], kind: 'string' },
  { name: 'FREESWITCH_HOST', path: ['freeswitch', 'host'], kind: 'string' },
  { name: 'FREESWITCH_PORT', path: ['freeswitch', 'port'], kind: 'port' },
  { name: 'FREESWITCH_SECRET', path: ['freeswitch', 'secret'], kind: 'string' },
  { name: 'REDIS_URL', path: ['redisUrl'], kind: 'string' },
  { name: 'DATABASE_URL', path: ['databaseUrl'], kind: 'string' },
  { name: 'ADMIN_PASSWORD', path: ['adminPassword'], kind: 'string' },
  { name: 'TLS_CERT', path: ['tls', 'cert'], kind: 'string' },
  { name: 'TLS_KEY', path: ['tls', 'key'], kind: 'string' },
  { name: 'LOG_LEVEL', path: ['logLevel'], kind: 'string' },
  { name: 'ALWAYS_OPEN', path: ['ivr', 'alwaysOpen'], kind: 'boolean' },
];

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** The package root: the nearest directory above this file holding package.json (works from src and dist). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The default configuration file: <package root>/config/default.yaml. */
export function defaultConfigFile(): string {
  return join(packageRoot(), 'config', 'default.yaml');
}

type Plain = Record<string, unknown>;

function isMapping(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readYaml(file: string, label: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read file (${code ?? (e as Error).message})`;
    throw new ConfigError(label, '', why);
  }
  const parsed = parseYaml(text);
  if ('problem' in parsed) throw new ConfigError(label, '', parsed.problem);
  const { value } = parsed;
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) throw new ConfigError(label, '', 'must be a YAML mapping (key: value lines) at the top level');
  return value;
}

/** Where each value came from, keyed by formatted path; the most specific entry wins. */
class Provenance {
  private readonly sources = new Map<string, string>();

  constructor(private readonly rootSource: string) {}

  set(path: ReadonlyArray<string | number>, source: string): void {
    const key = formatPath(path);
    for (const k of [...this.sources.keys()]) {
      if (key === '' || k.startsWith(key + '.') || k.startsWith(key + '[')) this.sources.delete(k);
    }
    this.sources.set(key, source);
  }

  of(path: ReadonlyArray<string | number>): string {
    for (let n = path.length; n >= 0; n--) {
      const found = this.sources.get(formatPath(path.slice(0, n)));
      if (found !== undefined) return found;
    }
    return this.rootSource;
  }
}

function mergeInto(target: Plain, source: Plain, path: Array<string | number>, label: string, prov: Provenance): void {
  for (const [key, value] of Object.entries(source)) {
    const here = [...path, key];
    const existing = target[key];
    if (isMapping(existing) && isMapping(value)) {
      mergeInto(existing, value, here, label, prov);
    } else {
      target[key] = structuredClone(value);
      prov.set(here, label);
    }
  }
}

function setPath(target: Plain, path: readonly string[], value: unknown): void {
  let obj = target;
  for (const key of path.slice(0, -1)) {
    const next = obj[key];
    if (!isMapping(next)) obj[key] = {};
    obj = obj[key] as Plain;
  }
  obj[path[path.length - 1]!] = value;
}

export interface LoadConfigOptions {
  /** Environment to read CONFIG and the overrides from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Base file instead of <package root>/config/default.yaml. */
  defaultFile?: string;
}

/** Loads, merges, overrides and validates the configuration. Throws `ConfigError` on any problem. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const baseFile = resolve(opts.defaultFile ?? defaultConfigFile());
  const baseLabel = displayName(baseFile);

  const merged: Plain = {};
  const prov = new Provenance(baseLabel);
  mergeInto(merged, readYaml(baseFile, baseLabel), [], baseLabel, prov);

  const overlay = env['CONFIG'];
  if (overlay !== undefined && overlay !== '') {
    const file = resolve(overlay);
    const label = displayName(file);
    mergeInto(merged, readYaml(file, label), [], label, prov);
  }

  for (const { name, path, kind } of ENV_OVERRIDES) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const label = `environment variable ${name}`;
    const text = raw.trim();
    let value: string | number | boolean = text;
    if (kind === 'port') {
      const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
      if (!(n >= 1 && n <= 65535)) throw new ConfigError(label, formatPath(path), `must be a port number 1..65535, got ${JSON.stringify(raw)}`);
      value = n;
    }
    if (kind === 'boolean') {
      if (!TRUE.test(text) && !FALSE.test(text)) throw new ConfigError(label, formatPath(path), `must be 1 or 0 (true or false), got ${JSON.stringify(raw)}`);
      value = TRUE.test(text);
    }
    setPath(merged, path, value);
    prov.set(path, label);
  }

  const issue = validateConfig(merged);
  if (issue) throw new ConfigError(prov.of(issue.path), formatPath(issue.path), issue.problem);
  return merged as unknown as Config;
}

/** Where a configuration comes from: the files read, in order, and the environment variables that override them. */
export function configSources(opts: LoadConfigOptions = {}): { files: string[]; variables: string[] } {
  const env = opts.env ?? process.env;
  const files = [displayName(resolve(opts.defaultFile ?? defaultConfigFile()))];
  const overlay = env['CONFIG'];
  if (overlay !== undefined && overlay !== '') files.push(displayName(resolve(overlay)));
  const variables = ENV_OVERRIDES.map((o) => o.name).filter((name) => (env[name] ?? '') !== '');
  return { files, variables };
}
