/**
 * A loaded flow: what ./parse-flow.ts makes of one ivr-flows/*.yaml file and
 * what ./interpreter.ts runs. Flows are frozen: a reload makes new objects,
 * and a call keeps the flow it started with.
 */

/** What every node has; the rest of a node's fields are its type's settings. */
export interface NodeDefBase {
  /** Unique in the flow; what `next`, branches and `goto` name. */
  readonly id: string;
  readonly type: string;
  /** Where to go after this node, and for any outcome that has no branch of its own. */
  readonly next?: string;
  /** Outcome (a digit, open / closed, fallback, ...) -> node id. */
  readonly branches?: Readonly<Record<string, string>>;
}

/** A node as it appears in a flow, its settings not yet narrowed to its type. */
export type NodeDef = NodeDefBase & Readonly<Record<string, unknown>>;

export interface Flow {
  /** The flow's name: `flow:` in the file, else the file name without .yaml. */
  readonly name: string;
  /** The file as shown in messages, e.g. "ivr-flows/kundtjanst.yaml". */
  readonly file: string;
  readonly description?: string;
  /** Services (config `numbers[].service`) whose calls run this flow. */
  readonly services: readonly string[];
  /** Dialled numbers or internal codes that run this flow, whatever their service. */
  readonly numbers: readonly string[];
  /** Runs for services that have no flow of their own. */
  readonly isDefault: boolean;
  /** The language calls start in. */
  readonly language: string;
  readonly start: string;
  /** The interpreter stops a call that has run this many nodes (a loop in the flow). */
  readonly maxSteps: number;
  /** In file order. */
  readonly nodes: ReadonlyMap<string, NodeDef>;
}

export const DEFAULT_MAX_STEPS = 200;
