/**
 * The one interface every IVR node type implements, jambonz-style: a node
 * is a small task with `exec(ctx)` and `kill()`.
 *
 * - `exec` does the node's work and resolves with the id of the next node,
 *   or undefined when the flow ends here (hang-up, the call went to an
 *   agent, a node without `next`).
 * - `kill` is called when the caller hangs up (or the session ends the
 *   call). It must make `exec` resolve promptly, with undefined: stop the
 *   media in progress, abort a request, stop waiting for a hook.
 *
 * A node instance runs once (the interpreter makes a fresh one per visit);
 * the module's `NodeType` describes the node for the loader: its settings'
 * JSON schema, the branches it may take, its checks, and how to create it.
 *
 * How outcomes become node ids: `branches[outcome]` when the flow names a
 * branch for that outcome, else `next`, else the flow ends. So
 * `{ type: hours, branches: { closed: stangt }, next: meny }` goes to
 * "meny" when open.
 */
import type { PromptSet } from '../../../media/speech.js';
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';

export interface IvrNode {
  readonly id: string;
  exec(ctx: IvrContext): Promise<string | undefined>;
  kill(): void;
}

/** Sounds a node plays: system prompts, files, or an operator's recording. */
export interface SoundSpec {
  /** System prompt names (media/prompts/manifest.json), played in order. */
  prompts?: readonly string[];
  /** WAV files, played after the prompts; relative paths are from the ivr-flows folder. */
  files?: readonly string[];
  /** A recorded announcement slot; when something is saved in it, it is played instead of prompts and files. */
  announcement?: string;
  /** Play in this language rather than the call's. */
  language?: string;
}

/** What a node type's checks may look at. */
export interface CheckEnv {
  readonly prompts: PromptSet;
  /** When known: the extensions and ACD queue ids that exist. */
  readonly extensions?: ReadonlySet<string>;
  readonly queues?: ReadonlySet<string>;
}

/** The loader's description of a node type; one per module in this folder. */
export interface NodeType<D extends NodeDefBase = NodeDefBase> {
  readonly type: string;
  /** JSON schema (ajv, draft-07) of the node's own settings, by name. */
  readonly settings: Readonly<Record<string, object>>;
  /** Settings that must be present. */
  readonly required?: readonly string[];
  /** Outcome names it may branch on; a RegExp with its description when they are open-ended (menu digits). */
  readonly branches: readonly string[] | { pattern: RegExp; text: string };
  /** Whether `next` means anything for this type (false for goto and hangup). */
  readonly next: boolean;
  /** Rules the schema cannot say; returns the reason when the node is wrong. */
  check?(def: D, env: CheckEnv): string | undefined;
  /** Node ids this node may go to besides next and branches, with how to name them in a message. */
  targets?(def: D): Array<{ label: string; to: string }>;
  /** The sounds it plays, for the loader to check prompts and resolve files (the node's own objects). */
  sounds?(def: D): SoundSpec[];
  create(def: D): IvrNode;
}

/** Declares a node type with its def type checked. */
export function nodeType<D extends NodeDefBase>(t: NodeType<D>): NodeType<D> {
  return t;
}

export const KILLED: unique symbol = Symbol('killed');
export type Killed = typeof KILLED;

/**
 * Base class of the node tasks: kill bookkeeping, `follow(outcome)`, and
 * `untilKilled(promise)` to stop waiting at once when killed.
 */
export abstract class NodeTask<D extends NodeDefBase> implements IvrNode {
  private readonly controller = new AbortController();
  private readonly killedPromise: Promise<Killed>;
  private ctx: IvrContext | undefined;

  constructor(protected readonly def: D) {
    this.killedPromise = new Promise((resolve) => {
      this.controller.signal.addEventListener('abort', () => resolve(KILLED), { once: true });
    });
  }

  get id(): string {
    return this.def.id;
  }

  /** Aborted when the node is killed; hand it to hooks and fetch. */
  protected get signal(): AbortSignal {
    return this.controller.signal;
  }

  protected get killed(): boolean {
    return this.controller.signal.aborted;
  }

  async exec(ctx: IvrContext): Promise<string | undefined> {
    this.ctx = ctx;
    if (this.killed) return undefined;
    const next = await this.run(ctx);
    return this.killed ? undefined : next;
  }

  /** The node's work: resolves with the next node id (use `follow`), or undefined to end the flow. */
  protected abstract run(ctx: IvrContext): Promise<string | undefined>;

  kill(): void {
    if (this.killed) return;
    this.controller.abort();
    // Ends a play, playCollect or record in progress; harmless when none is.
    try {
      this.ctx?.endpoint.stop();
    } catch {
      /* the endpoint may already be gone */
    }
  }

  /** The node an outcome leads to: its branch, else next, else the end of the flow. */
  protected follow(outcome?: string): string | undefined {
    return (outcome !== undefined ? this.def.branches?.[outcome] : undefined) ?? this.def.next;
  }

  /** Resolves with the promise's value, or KILLED as soon as the node is killed. */
  protected untilKilled<T>(p: Promise<T>): Promise<T | Killed> {
    if (this.killed) {
      p.catch(() => undefined);
      return Promise.resolve(KILLED);
    }
    return Promise.race([p, this.killedPromise]);
  }
}
