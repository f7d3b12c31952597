/**
 * Runs a flow for one call: from the start node, one node at a time, each
 * node's answer naming the next (./nodes/node.ts), until a node ends the
 * flow, the caller hangs up, or the step limit says the flow loops.
 *
 *   const run = runFlow(flow, ctx);        // starts at once
 *   ...
 *   const result = await run.result;       // { reason: 'completed' | 'killed' | 'max-steps' | 'error', ... }
 *   await run.kill();                      // the session ends the call: kills the current node, resolves
 *
 * - A fresh node instance per visit; `run.current` is the node running.
 * - A hang-up (ctx.hangupSignal aborted) or `run.kill()` kills the current
 *   node (it stops its media, request or wait) and the run resolves with
 *   reason 'killed' as soon as that node has returned.
 * - `flow.maxSteps` (or the option) bounds the nodes run in one call: a
 *   flow that loops for ever (goto back and forth, a menu that keeps
 *   sending callers round) ends with 'max-steps', logged as an error.
 * - A node that throws ends the run with 'error', logged.
 * After 'completed' the call is wherever the last node left it (with an
 * agent, transferred, hung up); after 'max-steps' or 'error' the session
 * should hang up (or put the call in a fallback queue).
 *
 * Events: `ivr-node` for every node entered, `ivr-ended` once at the end.
 */
import { emitEvent, type IvrContext } from './context.js';
import { DEFAULT_MAX_STEPS, type Flow } from './flow.js';
import { NODE_TYPES } from './nodes/index.js';
import type { IvrNode } from './nodes/node.js';

export type EndReason =
  /** A node ended the flow: hang-up node, queue answered or callback, transfer connected, no `next`. */
  | 'completed'
  /** The caller hung up, or the session killed the run. */
  | 'killed'
  /** The step limit was reached: the flow loops. */
  | 'max-steps'
  /** A node threw. */
  | 'error';

export interface FlowResult {
  reason: EndReason;
  /** The last node run. */
  lastNode?: string;
  steps: number;
  error?: Error;
}

export interface RunOptions {
  /** Overrides the flow's `maxSteps`. */
  maxSteps?: number;
}

export class FlowRun {
  /** Settles (never rejects) when the run is over. */
  readonly result: Promise<FlowResult>;
  private killed = false;
  private node: IvrNode | undefined;
  private readonly onHangup = (): void => void this.kill();

  constructor(
    readonly flow: Flow,
    private readonly ctx: IvrContext,
    options: RunOptions = {},
  ) {
    if (ctx.hangupSignal.aborted) this.killed = true;
    else ctx.hangupSignal.addEventListener('abort', this.onHangup, { once: true });
    this.result = this.run(options.maxSteps ?? flow.maxSteps ?? DEFAULT_MAX_STEPS).finally(() => {
      ctx.hangupSignal.removeEventListener('abort', this.onHangup);
    });
  }

  /** The id of the node running now. */
  get current(): string | undefined {
    return this.node?.id;
  }

  /** Kills the current node and stops the flow; resolves with the result. */
  kill(): Promise<FlowResult> {
    if (!this.killed) {
      this.killed = true;
      this.node?.kill();
    }
    return this.result;
  }

  private async run(maxSteps: number): Promise<FlowResult> {
    const { flow, ctx } = this;
    const log = ctx.logger;
    let id: string | undefined = flow.start;
    let steps = 0;
    let lastNode: string | undefined;
    const end = (reason: EndReason, error?: Error): FlowResult => {
      this.node = undefined;
      try {
        emitEvent(ctx, { type: 'ivr-ended', flow: flow.name, reason, ...(lastNode ? { node: lastNode } : {}), steps });
      } catch (err) {
        log.error({ err }, 'the event sink failed');
      }
      return { reason, ...(lastNode ? { lastNode } : {}), steps, ...(error ? { error } : {}) };
    };

    log.info({ flow: flow.name, file: flow.file }, 'flow started');
    while (id !== undefined) {
      if (this.killed) break;
      if (steps >= maxSteps) {
        log.error({ flow: flow.name, node: id, steps }, `flow stopped after ${steps} steps: it loops (${flow.file})`);
        return end('max-steps');
      }
      const def = flow.nodes.get(id);
      const type = def && NODE_TYPES.get(def.type);
      if (!def || !type) {
        // The loader makes this impossible for a loaded flow.
        const error = new Error(`${flow.file}: node "${id}" ${def ? `has unknown type "${def.type}"` : 'does not exist'}`);
        log.error({ flow: flow.name, err: error }, 'flow failed');
        return end('error', error);
      }
      const node = type.create(def);
      this.node = node;
      steps++;
      lastNode = id;
      log.debug({ flow: flow.name, node: id, type: def.type }, 'node');
      try {
        emitEvent(ctx, { type: 'ivr-node', flow: flow.name, node: id, nodeType: def.type });
        id = await node.exec(ctx);
      } catch (err) {
        if (this.killed) break;
        const error = err instanceof Error ? err : new Error(String(err));
        log.error({ flow: flow.name, node: lastNode, err: error }, 'node failed');
        return end('error', error);
      }
    }
    if (this.killed) {
      log.info({ flow: flow.name, node: lastNode }, 'flow stopped: hang-up');
      return end('killed');
    }
    log.info({ flow: flow.name, node: lastNode, steps }, 'flow completed');
    return end('completed');
  }
}

/** Starts running `flow` for the call `ctx`. */
export function runFlow(flow: Flow, ctx: IvrContext, options?: RunOptions): FlowRun {
  return new FlowRun(flow, ctx, options);
}
