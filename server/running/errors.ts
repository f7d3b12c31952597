/**
 * Why a change was not applied. Neither leaves anything half-applied: the
 * running configuration stays as it was.
 */
import type { Refusal } from '../../config/refusals.js';
import { formatPath } from '../../config/validation-kit.js';

/**
 * The changed configuration is not valid: `path` is where (e.g. ["queues", 2, "steps", 0]), `problem` what is wrong;
 * `refusal` its kind, when a client may word it itself (config/refusals.ts); in a flow, `flowNode` is the node at
 * fault and what is wrong with it, when it is one node (`problem` says both).
 */
export class ConfigChangeError extends Error {
  readonly refusal: Refusal | undefined;
  readonly flowNode: { id: string; reason: string } | undefined;

  constructor(readonly path: ReadonlyArray<string | number>, readonly problem: string,
    more: { refusal?: Refusal | undefined; flowNode?: { id: string; reason: string } } = {}) {
    super(path.length ? `${formatPath(path)}: ${problem}` : problem);
    this.name = 'ConfigChangeError';
    this.refusal = more.refusal;
    this.flowNode = more.flowNode;
  }
}

/** The change was made against a version that is no longer the current one. */
export class ConfigConflictError extends Error {
  constructor(readonly expected: number, readonly current: number) {
    super(`the running configuration is at version ${current}, not ${expected}: read it again and redo the change`);
    this.name = 'ConfigConflictError';
  }
}
