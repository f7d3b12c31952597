/**
 * What changed between two versions of a text, as the audit log shows it:
 * the lines from the first that differs to the last that differs, with a
 * line of context either side, so a one-line change to a long flow is one
 * short excerpt rather than two copies of the whole flow.
 */

export interface ChangedPart {
  before: string;
  after: string;
  /** The line number (from 1) of the first line shown. */
  fromLine: number;
}

export function changedPart(before: string, after: string, context = 1): ChangedPart {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const from = Math.max(0, head - context);
  const keepTail = Math.max(0, tail - context);
  return {
    before: a.slice(from, a.length - keepTail).join('\n'),
    after: b.slice(from, b.length - keepTail).join('\n'),
    fromLine: from + 1,
  };
}
