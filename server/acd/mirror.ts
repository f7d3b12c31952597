/**
 * The engine's mirror of the store, and the echo protocol that keeps it
 * current.
 *
 * State lives in the AcdStore (./store-port.ts). The engine mirrors it in
 * its RoutingIndex (./routing-index.ts), kept current by `store.onChange`,
 * whether a change was made here or by another instance sharing the store,
 * in the store's order. Writes from here reach the mirror the same way: a
 * write says what it expects to hear back, and its echo is applied as ours
 * (`known`). A store that does not echo a write before the write settles
 * gets the write applied then. When a write said what it writes, a change
 * of the same record that is not that (another instance's, delivered with
 * ours before our write settles) is applied as another's. A claim's echo
 * is recognised by its entry, agent and time.
 *
 * What a change means beyond the mirror (timers, matching, ringing, events)
 * is the observer's: it is told of every change applied.
 */
import type { Clock } from './clock.js';
import type { Phase, PhaseAt } from './eligibility.js';
import type { AgentStatus, QueueEntry } from './model.js';
import { sameRecord } from './records.js';
import type { RoutingIndex } from './routing-index.js';
import type { AcdStore, ClaimResult, StoreChange } from './store-port.js';

export interface MirrorObserver {
  /** An entry went into the mirror: `old` its version before, `before` its phase before, `after` its phase now. */
  entryApplied(entry: QueueEntry, old: QueueEntry | undefined, before: Phase | undefined, after: PhaseAt): void;
  entryDeleted(id: string): void;
  /** An agent went into the mirror; `known`: our own write. */
  agentApplied(old: AgentStatus | undefined, agent: AgentStatus, known: boolean): void;
  /** A change from the store was applied between writes of ours (another instance's, or a late echo). */
  changedByStore(): void;
}

type Kind = 'entry' | 'agent' | 'entry-deleted';

export class StoreMirror {
  private unsubscribe: (() => void) | undefined;
  /** Changes that arrived while loading, applied after the load. */
  private buffered: StoreChange[] | undefined;
  private claiming: { entryId: string; agentId: string; at: number; seen: boolean } | undefined;
  /** A write of ours in progress: its echo from the store is applied as is. */
  private expecting: { kind: Kind; id: string; seen: boolean; record?: unknown } | undefined;

  constructor(
    private readonly store: AcdStore,
    private readonly index: RoutingIndex,
    private readonly clock: Clock,
    private readonly observer: MirrorObserver,
    private readonly onError: (err: unknown) => void,
    private readonly stopped: () => boolean,
  ) {}

  /** Listens to the store; what arrives is kept until `endBuffering` (the load is under way). */
  listen(): void {
    this.buffered = [];
    this.unsubscribe = this.store.onChange((c) => this.onStoreChange(c));
  }

  /** The changes that arrived while loading; from now on changes are applied as they come. */
  endBuffering(): StoreChange[] {
    const buffered = this.buffered ?? [];
    this.buffered = undefined;
    return buffered;
  }

  unlisten(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.buffered = undefined;
  }

  // ---- writes -------------------------------------------------------------------

  putEntry(entry: QueueEntry): Promise<void> {
    return this.write('entry', entry.id, () => this.store.putEntry(entry), () => this.applyEntry(entry, true));
  }

  deleteEntry(id: string): Promise<void> {
    return this.write('entry-deleted', id, () => this.store.deleteEntry(id), () => this.applyEntryDeleted(id));
  }

  putAgent(agent: AgentStatus): Promise<void> {
    return this.write('agent', agent.id, () => this.store.putAgent(agent), () => this.applyAgent(agent, true), agent);
  }

  /** store.claim; on success the offered entry and the reserved agent are in the mirror, as ours. */
  async claim(entryId: string, agentId: string, at: number): Promise<ClaimResult> {
    const claiming = (this.claiming = { entryId, agentId, at, seen: false });
    let result: ClaimResult;
    try {
      result = await this.store.claim(entryId, agentId, at);
    } finally {
      this.claiming = undefined;
    }
    if (result.ok && !claiming.seen) {
      this.applyEntry(result.entry);
      this.applyAgent(result.agent);
    }
    return result;
  }

  /** store.reapEntry: `replacement` or nothing in place of `expected`; true when this call did it. */
  async reapEntry(expected: QueueEntry, replacement: QueueEntry | undefined, at: number): Promise<boolean> {
    let won = false;
    if (replacement) {
      await this.write('entry', expected.id, async () => {
        won = await this.store.reapEntry(expected, replacement, at);
      }, () => { if (won) this.applyEntry(replacement, true); });
    } else {
      await this.write('entry-deleted', expected.id, async () => {
        won = await this.store.reapEntry(expected, undefined, at);
      }, () => { if (won) this.applyEntryDeleted(expected.id); });
    }
    return won;
  }

  /** store.reapAgent; true when this call wrote `replacement`. */
  async reapAgent(expected: AgentStatus, replacement: AgentStatus, owners: string[], at: number): Promise<boolean> {
    let won = false;
    await this.write('agent', expected.id, async () => {
      won = await this.store.reapAgent(expected, replacement, owners, at);
    }, () => { if (won) this.applyAgent(replacement, true); }, replacement);
    return won;
  }

  private async write(kind: Kind, id: string, doWrite: () => Promise<void>, apply: () => void, record?: unknown): Promise<void> {
    const x = (this.expecting = { kind, id, seen: false, record });
    try {
      await doWrite();
    } finally {
      if (this.expecting === x) this.expecting = undefined;
    }
    if (!x.seen) apply();
  }

  // ---- changes ------------------------------------------------------------------

  private onStoreChange(change: StoreChange): void {
    if (this.buffered) {
      this.buffered.push(change);
      return;
    }
    if (this.stopped()) return;
    try {
      this.applyChange(change);
    } catch (err) {
      this.onError(err);
    }
    this.observer.changedByStore();
  }

  applyChange(change: StoreChange): void {
    if (change.kind === 'entry') this.applyEntry(change.entry);
    else if (change.kind === 'agent') this.applyAgent(change.agent);
    else this.applyEntryDeleted(change.id);
  }

  /** Puts an entry into the mirror; `known`: our own write (no need to check it changes anything). */
  applyEntry(entry: QueueEntry, known = false): void {
    const c = this.claiming;
    if (c && entry.id === c.entryId && entry.offeredTo === c.agentId && entry.offeredAt === c.at) {
      c.seen = true;
      known = true;
    }
    known = this.echo('entry', entry.id) || known;
    const old = this.index.entries.get(entry.id);
    if (!known && old && sameRecord(old, entry)) return;
    const before = this.index.phaseOf(entry.id)?.phase;
    const after = this.index.setEntry(entry, this.clock.now());
    this.observer.entryApplied(entry, old, before, after);
  }

  applyEntryDeleted(id: string): void {
    this.echo('entry-deleted', id);
    this.index.deleteEntry(id);
    this.observer.entryDeleted(id);
  }

  applyAgent(agent: AgentStatus, known = false): void {
    known = this.echo('agent', agent.id, agent) || known;
    const old = this.index.agents.get(agent.id);
    if (!known && old && sameRecord(old, agent)) return;
    this.index.setAgent(agent);
    this.observer.agentApplied(old, agent, known);
  }

  /**
   * Whether a change is the echo of the write in progress (then marked
   * seen). When the write said what it writes, a change of the same record
   * that is not that is marked seen but is not ours.
   */
  private echo(kind: Kind, id: string, record?: unknown): boolean {
    const x = this.expecting;
    if (!x || x.kind !== kind || x.id !== id) return false;
    x.seen = true;
    return x.record === undefined || sameRecord(x.record, record);
  }
}
