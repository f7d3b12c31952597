/**
 * Whether a value is a valid `Config`: the JSON schema first (filling in
 * defaults), then the cross-field rules. The answer is the first problem as
 * an `Issue` (a path and what is wrong), or null. This module knows nothing
 * about files or the environment: server/config/load.ts adds which file or
 * environment variable the offending value came from.
 */
import { configSchema } from './json-schema.js';
import { checkConfigRules } from './rules.js';
import type { Config } from './schema.js';
import { compileSchema, issueFromAjv, type Issue } from './validation-kit.js';

const validateShape = compileSchema<Config>(configSchema);

/**
 * Checks a value against the schema (filling defaults in place: engine hosts,
 * redisUrl and databaseUrl become null when absent), then the cross-field rules.
 * Returns the first problem, or null when the value is a valid `Config`.
 */
export function validateConfig(value: unknown): Issue | null {
  if (!validateShape(value)) return issueFromAjv(validateShape.errors);
  return checkConfigRules(value);
}
