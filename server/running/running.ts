/**
 * The running configuration: the operational part of the configuration as
 * it is now (./model.ts), one immutable snapshot per version.
 *
 * A change is made on a copy, checked whole with the start-up checks
 * (./whole.ts), and then either committed to the store with its audit
 * record and applied, or refused with nothing applied (ConfigChangeError
 * naming the path, ConfigConflictError when another change came first).
 * Changes in this process run one at a time. Listeners (server/app.ts
 * hands the new snapshot to every part) are told after each change, made
 * here or, on a shared store, by another instance.
 *
 * The store keeps it across restarts; config/default.yaml (with CONFIG and
 * the environment) and the flow folder only seed a fresh installation.
 */
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { displayName } from '../../config/validation-kit.js';
import type { Config } from '../../config/schema.js';
import { FlowError } from '../ivr/flow-error.js';
import { readFlowFolder, type FlowSet } from '../ivr/flow-set.js';
import { auditChanges } from './audit.js';
import { ConfigChangeError, ConfigConflictError } from './errors.js';
import type { AuditPage, Operational, StoredVersion } from './model.js';
import type { RunningStore } from './store-port.js';
import { checkWhole, pickOperational, snapshotOf, type FlowChecks, type RunningSnapshot } from './whole.js';
import { exportYaml, parseExport } from './yaml-io.js';

export interface RunningConfigOptions {
  /** The configuration read at start (config/default.yaml, CONFIG, environment): its static part is used as is. */
  base: Config;
  store: RunningStore;
  /** The flow checks; `dir` is also the folder that seeds the flows. */
  flows: FlowChecks;
  logger: Logger;
  /** Time of changes; default the system clock. */
  now?: () => number;
}

/** Told of each new version; a promise returned is awaited before the next listener and before the change resolves. */
export type Listener = (snapshot: RunningSnapshot, previous: RunningSnapshot) => void | Promise<void>;

export interface ChangeOptions {
  /** The version the change was made against: another one current means ConfigConflictError. */
  expectedVersion?: number;
}

export class RunningConfig {
  private snapshot: RunningSnapshot;
  private readonly listeners = new Set<Listener>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unsubscribe: () => void;

  private constructor(private readonly opts: RunningConfigOptions, first: RunningSnapshot) {
    this.snapshot = first;
    this.unsubscribe = opts.store.onCommitted((stored) => {
      this.queue = this.queue.then(() => this.adopt(stored)).catch(() => {});
    });
    // A version committed elsewhere between our load and our listening.
    this.queue = opts.store.load().then((stored) => stored && this.adopt(stored)).catch((err: unknown) => {
      opts.logger.error({ err }, 'cannot read the running configuration store');
    });
  }

  /**
   * The stored configuration, or on a fresh installation the seed (the base
   * configuration and the flow folder) stored as version 1. A stored
   * version that no longer passes the checks (the static part or the
   * prompts changed under it) stops start-up with the path at fault.
   */
  static async open(opts: RunningConfigOptions): Promise<RunningConfig> {
    let stored = await opts.store.load();
    if (!stored) {
      const checked = checkedSeed(opts);
      const first: StoredVersion = { version: 1, at: new Date((opts.now ?? Date.now)()).toISOString(), actor: 'seed', operational: checked.operational };
      const committed = await opts.store.commit(first, {
        version: 1, at: first.at, actor: first.actor, summary: 'seeded from the configuration files', changes: auditChanges(undefined, checked.operational),
      });
      // Another instance seeded first: use theirs.
      stored = committed ? first : await opts.store.load();
      if (!stored) throw new Error('the running configuration store lost the seed it just accepted');
      opts.logger.info({ version: stored.version }, committed ? 'running configuration seeded from the configuration files' : 'running configuration seeded by another instance');
    } else {
      warnIfFilesDiffer(opts, stored);
    }
    let snapshot: RunningSnapshot;
    try {
      snapshot = snapshotOf(checkWhole(opts.base, stored.operational, opts.flows), stored);
    } catch (err) {
      if (err instanceof ConfigChangeError) {
        throw new ConfigChangeError(err.path, `${err.problem} (in the stored running configuration, version ${stored.version})`, { refusal: err.refusal });
      }
      throw err;
    }
    return new RunningConfig(opts, snapshot);
  }

  /** The version in use now. Keep the object for the whole of whatever it serves (a call). */
  get current(): RunningSnapshot {
    return this.snapshot;
  }

  /** Called with every new version, made here or elsewhere. Returns a function that stops listening. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Applies `mutate` to a copy of the operational part and, when the result
   * is valid as a whole, makes it the new version, audited as `summary` by
   * `actor`. Throws ConfigChangeError (nothing applied) or ConfigConflictError.
   */
  change(actor: string, summary: string, mutate: (draft: Operational) => void, opts: ChangeOptions = {}): Promise<RunningSnapshot> {
    const run = this.queue.then(() => this.apply(actor, summary, mutate, opts));
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Whether `mutate` would make a valid version, without making it: the
   * checks of a change. Throws ConfigChangeError; returns the checked flows.
   */
  check(mutate: (draft: Operational) => void): FlowSet {
    return this.changed(this.snapshot, mutate).flows;
  }

  /** The running configuration as a YAML document (./yaml-io.ts). */
  exportYaml(): string {
    return exportYaml(this.snapshot.operational, this.snapshot.version);
  }

  /** Replaces the whole running configuration with an exported document: checked whole, audited as one change. */
  async importYaml(actor: string, text: string, opts: ChangeOptions = {}): Promise<RunningSnapshot> {
    const imported = parseExport(text);
    return this.change(actor, 'imported the running configuration', (draft) => {
      Object.assign(draft, imported);
    }, opts);
  }

  auditPage(opts: { before?: number; limit: number }): Promise<AuditPage> {
    return this.opts.store.auditPage(opts);
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private async apply(actor: string, summary: string, mutate: (draft: Operational) => void, opts: ChangeOptions): Promise<RunningSnapshot> {
    const base = this.snapshot;
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== base.version) throw new ConfigConflictError(opts.expectedVersion, base.version);
    const checked = this.changed(base, mutate);
    const next: StoredVersion = {
      version: base.version + 1, at: new Date((this.opts.now ?? Date.now)()).toISOString(), actor, operational: checked.operational,
    };
    const changes = auditChanges(base.operational, checked.operational);
    if (!(await this.opts.store.commit(next, { version: next.version, at: next.at, actor, summary, changes }))) {
      // Another instance changed it first: take theirs, and say so.
      const latest = await this.opts.store.load();
      if (latest) await this.adopt(latest);
      throw new ConfigConflictError(opts.expectedVersion ?? base.version, this.snapshot.version);
    }
    this.opts.logger.info({ version: next.version, actor, summary, paths: changes.map((c) => c.path) }, 'running configuration changed');
    await this.use(snapshotOf(checked, next));
    return this.snapshot;
  }

  /** `mutate` applied to a copy of `from`'s operational part, checked whole. */
  private changed(from: RunningSnapshot, mutate: (draft: Operational) => void): ReturnType<typeof checkWhole> {
    const draft = structuredClone(from.operational) as Operational;
    mutate(draft);
    return checkWhole(this.opts.base, draft, this.opts.flows);
  }

  /** A version committed elsewhere: checked like any other, used when newer than ours. */
  private async adopt(stored: StoredVersion): Promise<void> {
    if (stored.version <= this.snapshot.version) return;
    try {
      await this.use(snapshotOf(checkWhole(this.opts.base, stored.operational, this.opts.flows), stored));
      this.opts.logger.info({ version: stored.version, actor: stored.actor }, 'running configuration changed by another instance');
    } catch (err) {
      // Another instance's static part or prompts differ from ours: keep what we have, loudly.
      this.opts.logger.error({ err, version: stored.version }, 'running configuration from another instance refused here: this instance keeps its version');
    }
  }

  private async use(snapshot: RunningSnapshot): Promise<void> {
    const previous = this.snapshot;
    this.snapshot = snapshot;
    for (const l of this.listeners) {
      try {
        await l(snapshot, previous);
      } catch (err) {
        this.opts.logger.error({ err, version: snapshot.version }, 'a part failed to take the new running configuration');
      }
    }
  }
}

/** The seed: the base configuration's operational part and the flow folder, checked. A bad flow file is named as at any load of the folder. */
function checkedSeed(opts: RunningConfigOptions): ReturnType<typeof checkWhole> {
  const files = readFlowFolder(opts.flows.dir).map((f) => ({ ...f, name: basename(f.path).replace(/\.ya?ml$/i, '') }));
  const seed: Operational = { ...pickOperational(opts.base), flows: Object.fromEntries(files.map((f) => [f.name, f.text])) };
  try {
    return checkWhole(opts.base, seed, opts.flows);
  } catch (err) {
    if (!(err instanceof ConfigChangeError) || err.path[0] !== 'flows') throw err;
    throw new FlowError(files.find((f) => f.name === err.path[1])?.file ?? displayName(opts.flows.dir), undefined, err.problem);
  }
}

/** Files edited after the first start are not used: say so, and what differs, so nobody waits for them to apply. */
function warnIfFilesDiffer(opts: RunningConfigOptions, stored: StoredVersion): void {
  let differ: string[];
  try {
    differ = auditChanges(stored.operational, checkedSeed(opts).operational).map((c) => c.path);
  } catch (err) {
    opts.logger.warn({ err: (err as Error).message }, 'the configuration files are not a valid configuration; they are not used: the running configuration is');
    return;
  }
  if (differ.length === 0) return;
  opts.logger.warn({ version: stored.version, differ },
    'the configuration files differ from the running configuration, which is used: they only seed a fresh installation (import them to use them)');
}
