/**
 * The running configuration as one YAML document, to keep, move or edit
 * and import again: the operational keys as config/default.yaml writes
 * them, and `flows` with each flow's YAML as a block of text. An import is
 * read back into the same shape; whether it is a valid configuration is
 * the running configuration's whole check, made when it is applied.
 * The document holds the extensions' passwords and operators' PINs: an
 * export is a secret.
 */
import { stringify } from 'yaml';
import { parseYaml } from '../../config/validation-kit.js';
import { ConfigChangeError } from './errors.js';
import { OPERATIONAL_KEYS, type Operational } from './model.js';

const KEYS: readonly string[] = [...OPERATIONAL_KEYS, 'flows'];

export function exportYaml(operational: Readonly<Operational>, version: number): string {
  const doc = Object.fromEntries(KEYS.map((k) => [k, operational[k as keyof Operational]]));
  return `# Running configuration, version ${version}. Holds passwords and PINs: keep it secret.\n${stringify(doc, { lineWidth: 0, blockQuote: 'literal' })}`;
}

/** The operational part an exported document holds; throws ConfigChangeError when it is not one. */
export function parseExport(text: string): Operational {
  const parsed = parseYaml(text);
  if ('problem' in parsed) throw new ConfigChangeError([], parsed.problem);
  const doc = parsed.value;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigChangeError([], `must be a YAML mapping with ${KEYS.join(', ')}`);
  }
  const record = doc as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.includes(key)) throw new ConfigChangeError([key], `is not part of the running configuration (it holds ${KEYS.join(', ')})`);
  }
  for (const key of KEYS) {
    if (!(key in record)) throw new ConfigChangeError([key], 'is missing: an import replaces the whole running configuration');
  }
  return record as unknown as Operational;
}
