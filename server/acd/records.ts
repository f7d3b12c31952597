/**
 * Small helpers for the plain records the ACD and its store exchange.
 */

/** A copy without the given keys (absent, not set to undefined: stores compare and serialise records). */
export function omit<T extends object, K extends keyof T>(record: T, ...keys: K[]): Omit<T, K> {
  // Built key by key rather than copied and `delete`d: deleting turns an object slow in V8.
  const copy: Record<string, unknown> = {};
  for (const k in record) if (!keys.includes(k as unknown as K)) copy[k] = record[k];
  return copy as Omit<T, K>;
}

/** A copy with `undefined` values dropped. */
export function compact<T extends object>(record: T): T {
  const copy: Record<string, unknown> = {};
  for (const k in record) if (record[k] !== undefined) copy[k] = record[k];
  return copy as T;
}

/**
 * Deep equality of JSON-like values, where an undefined property equals an
 * absent one and key order does not matter. Used to recognise a store's echo
 * of a change this instance already applied.
 */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameRecord(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k in ao) if (ao[k] !== undefined && !sameRecord(ao[k], bo[k])) return false;
  for (const k in bo) if (bo[k] !== undefined && ao[k] === undefined) return false;
  return true;
}
