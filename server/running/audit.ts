/**
 * What an audit record says changed between two versions: one entry per
 * extension, queue, number, operator, avalanche message or flow added,
 * changed or removed, the dial-out policy as one, and a service's
 * opening-hour exceptions as one. Secrets (extension
 * passwords, operator PINs) never reach the log in clear: masked, saying
 * only whether they changed.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AuditChange, Operational } from './model.js';

const MASK = '(secret)';
const MASK_CHANGED = '(secret, changed)';

/** How each list is keyed in the audit paths. */
const KEYS = {
  extensions: (e: Operational['extensions'][number]) => e.extension,
  queues: (q: Operational['queues'][number]) => q.id,
  numbers: (n: Operational['numbers'][number]) => n.number,
  operators: (o: Operational['operators'][number]) => o.name,
  avalanche: (a: Operational['avalanche'][number]) => a.id,
} as const;

export function auditChanges(before: Operational | undefined, after: Operational): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const [list, keyOf] of Object.entries(KEYS) as Array<[keyof typeof KEYS, (v: unknown) => string]>) {
    changes.push(...byKey(list, (before?.[list] ?? []) as unknown[], after[list] as unknown[], keyOf));
  }
  if (!isDeepStrictEqual(before?.dialOut, after.dialOut)) {
    changes.push({ path: 'dialOut', ...(before ? { before: before.dialOut } : {}), after: after.dialOut });
  }
  changes.push(...byName('hoursExceptions', before?.hoursExceptions ?? {}, after.hoursExceptions));
  changes.push(...byName('flows', before?.flows ?? {}, after.flows));
  return changes;
}

function byName(map: string, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): AuditChange[] {
  const out: AuditChange[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [b, a] = [before[name], after[name]];
    if (!isDeepStrictEqual(b, a)) out.push({ path: `${map}.${name}`, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
  }
  return out;
}

function byKey(list: string, before: unknown[], after: unknown[], keyOf: (v: unknown) => string): AuditChange[] {
  const old = new Map(before.map((v) => [keyOf(v), v]));
  const now = new Map(after.map((v) => [keyOf(v), v]));
  const out: AuditChange[] = [];
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const [b, a] = [old.get(key), now.get(key)];
    if (isDeepStrictEqual(b, a)) continue;
    out.push({
      path: `${list}.${key}`,
      ...(b !== undefined ? { before: masked(b, undefined) } : {}),
      ...(a !== undefined ? { after: masked(a, b) } : {}),
    });
  }
  return out;
}

/** A copy with `password` and `pin` masked; against `before`, whether each changed. */
function masked(value: unknown, before: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  const prev = (before ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'password' || k === 'pin') out[k] = before !== undefined && prev[k] !== v ? MASK_CHANGED : MASK;
    else out[k] = v;
  }
  return out;
}
