/**
 * The flows in use (ivr-flows/*.yaml), reloaded when the folder changes.
 *
 * Every problem is ONE line naming the file, the node and the reason
 * (./flow-error.ts; the checks: ./parse-flow.ts and ./flow-set.ts):
 *
 *   ivr-flows/kundtjanst.yaml: node "meny": branch "2" goes to "saknas", which does not exist
 *   ivr-flows/kundtjanst.yaml: node "meny": promts: is not a known setting of a menu node (did you mean "prompts"?)
 *   ivr-flows/kundtjanst.yaml: line 7, column 3: invalid YAML: Map keys must be unique
 *
 * `FlowLibrary` keeps the last good set: a bad change is logged and
 * refused, the flows loaded before stay, and calls in progress keep the
 * Flow object they started with (flows are frozen; a reload makes new ones).
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { displayName } from '../../config/validation-kit.js';
import type { Flow } from './flow.js';
import { FlowError } from './flow-error.js';
import { loadFlowsIn, type CallKey, type FlowSet } from './flow-set.js';
import { flowEnv, type FlowEnv, type LoadOptions } from './parse-flow.js';

export interface FlowLibraryOptions extends LoadOptions {
  /** The flow folder, e.g. ivr-flows/. */
  dir: string;
  logger: Logger;
  /** Quiet time after the last change before reloading (editors write in several steps). Default 200 ms. */
  debounceMs?: number;
}

export type ReloadResult = { ok: true; flows: FlowSet } | { ok: false; error: FlowError };

/**
 * The flows in use, reloaded when the folder changes. Start-up:
 * `FlowLibrary.open(...)` throws FlowError when a flow is bad. Then
 * `watch()`: a valid change replaces every flow at once; a bad one is
 * logged and refused, and the flows loaded before stay.
 */
export class FlowLibrary {
  private current: FlowSet;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(result: ReloadResult) => void>();
  private readonly env: FlowEnv;

  private constructor(
    private readonly opts: FlowLibraryOptions,
    env: FlowEnv,
    flows: FlowSet,
  ) {
    this.env = env;
    this.current = flows;
  }

  /** Loads the folder; throws FlowError (one line: file, node, reason) when a flow is bad. */
  static open(opts: FlowLibraryOptions): FlowLibrary {
    const env = flowEnv(opts);
    const flows = loadFlowsIn(env, opts.dir);
    const lib = new FlowLibrary(opts, env, flows);
    lib.logLoaded(flows, 'ivr flows loaded');
    return lib;
  }

  /** The flows now in use. */
  get flows(): FlowSet {
    return this.current;
  }

  /** The flow a new call runs (see FlowSet.forCall). Keep the object for the whole call. */
  forCall(call: CallKey): Flow | undefined {
    return this.current.forCall(call);
  }

  /** Loads the folder again: takes the new flows when all are good, else keeps the old ones. */
  reload(): ReloadResult {
    let result: ReloadResult;
    try {
      const flows = loadFlowsIn(this.env, this.opts.dir);
      this.current = flows;
      this.logLoaded(flows, 'ivr flows reloaded');
      result = { ok: true, flows };
    } catch (err) {
      const error = err instanceof FlowError ? err : new FlowError(displayName(this.opts.dir), undefined, String(err));
      this.opts.logger.error({ file: error.file, node: error.node }, `ivr flow change refused, the flows loaded before stay in use: ${error.message}`);
      result = { ok: false, error };
    }
    for (const l of this.listeners) l(result);
    return result;
  }

  /** Called after every reload, good or refused. Returns a function that stops listening. */
  onReload(listener: (result: ReloadResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Watches the folder (fs.watch) and reloads `debounceMs` after the last change. */
  watch(): void {
    if (this.watcher) return;
    const debounce = this.opts.debounceMs ?? 200;
    this.watcher = watch(this.opts.dir, { persistent: false }, (_event, name) => {
      if (name && !/\.ya?ml$/i.test(String(name))) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.reload();
      }, debounce);
    });
    this.watcher.on('error', (err) => this.opts.logger.error({ err, dir: this.opts.dir }, 'cannot watch the ivr flow folder'));
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private logLoaded(flows: FlowSet, msg: string): void {
    for (const w of flows.warnings) this.opts.logger.warn(w);
    this.opts.logger.info({ flows: [...flows.flows.keys()] }, msg);
  }
}
