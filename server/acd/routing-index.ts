/**
 * The engine's in-memory picture of the store (a mirror kept current by
 * AcdStore.onChange) and the index that makes a routing decision cheap
 * whatever the size of the centre.
 *
 * A *pool* is one step of one queue (queue q, step i). For each pool there
 * are two heaps:
 *
 * - the ready agents eligible for that step: members of q matching any of
 *   steps 0..i, as circles only widen (./eligibility.ts), ordered as
 *   ./selection.ts says: longest idle first, ties by level in the step's
 *   skill;
 * - the entries of q currently in step i and in line (not offered), ordered
 *   as ./ordering.ts says.
 *
 * Each agent also has a heap of the personal-queue entries waiting for them.
 * Which pools an agent belongs to is worked out once from the profile.
 *
 * Decisions are then peeks:
 * - an entry in step i of q: the top of q/i's ready heap (or its named agent
 *   when ready): O(1);
 * - a ready agent: the top of their personal heap, else the best of the tops
 *   of the waiting heaps of their pools: O(pools of the agent), typically a
 *   handful, never the number of entries or agents.
 * Keeping the index current is O(log n) per heap an agent or entry is in.
 *
 * Sort keys (idleSince, order key) are cached when an id goes into the heaps,
 * so a heap is never reordered behind its back: every change takes the id
 * out, updates, and puts it back.
 */
import { isOfferable, phaseAt, sortedSteps, stepsForAgent, type Phase, type PhaseAt } from './eligibility.js';
import { IndexedHeap } from './heap.js';
import type { AgentProfile, AgentStatus, QueueConfig, QueueEntry, RoutingStep } from './model.js';
import { orderKey, servedBefore, type OrderKey } from './ordering.js';
import { levelIn, offeredBefore, tieBreakSkill } from './selection.js';

export interface QueueRuntime {
  config: QueueConfig;
  /** Steps sorted by afterSeconds: step numbers in events and phases index this. */
  steps: RoutingStep[];
}

function poolKey(queueId: string, step: number): string {
  return `${queueId}\u0000${step}`;
}

export class RoutingIndex {
  readonly queues = new Map<string, QueueRuntime>();
  readonly profiles = new Map<string, AgentProfile>();
  /** Mirror of the store's agents. */
  readonly agents = new Map<string, AgentStatus>();
  /** Mirror of the store's entries. */
  readonly entries = new Map<string, QueueEntry>();

  private readonly phases = new Map<string, PhaseAt>();
  private readonly keys = new Map<string, OrderKey>();
  private readonly seqs = new Map<string, number>();
  private seq = 0;
  private readonly idle = new Map<string, number>();
  private readonly readyPools = new Map<string, IndexedHeap>();
  private readonly waitingPools = new Map<string, IndexedHeap>();
  private readonly personal = new Map<string, IndexedHeap>();
  private readonly agentPools = new Map<string, IndexedHeap[]>();
  private readonly agentWaitingPools = new Map<string, IndexedHeap[]>();
  private readonly entryHeaps = new Map<string, IndexedHeap[]>();
  private readonly ready = new Set<string>();
  private readonly excludedAgents = new Set<string>();
  private readonly excludedEntries = new Set<string>();
  private readonly byQueue = new Map<string, Set<string>>();
  private readonly members = new Map<string, string[]>();

  constructor(queues: readonly QueueConfig[], profiles: readonly AgentProfile[]) {
    this.build(queues, profiles);
  }

  /**
   * New queues and profiles (a change of the running configuration): the
   * pools are built again and every entry and agent the mirror holds is
   * put back in them, keeping the line's order (entries keep their
   * sequence numbers) and each agent's state and idle time. An id left out
   * of decisions stays left out.
   */
  reconfigure(queues: readonly QueueConfig[], profiles: readonly AgentProfile[], now: number): void {
    const excludedEntries = [...this.excludedEntries];
    const excludedAgents = [...this.excludedAgents];
    for (const m of [this.queues, this.profiles, this.phases, this.keys, this.idle, this.readyPools, this.waitingPools, this.personal,
      this.agentPools, this.agentWaitingPools, this.entryHeaps, this.byQueue, this.members]) m.clear();
    this.ready.clear();
    this.build(queues, profiles);
    for (const entry of [...this.entries.values()]) this.setEntry(entry, now);
    for (const agent of [...this.agents.values()]) this.setAgent(agent);
    for (const id of excludedEntries) if (this.entries.has(id)) this.excludeEntry(id);
    for (const id of excludedAgents) if (this.agents.has(id)) this.excludeAgent(id);
  }

  private build(queues: readonly QueueConfig[], profiles: readonly AgentProfile[]): void {
    const entryBefore = (a: string, b: string): boolean => servedBefore(this.keys.get(a)!, this.keys.get(b)!);
    for (const q of queues) {
      const steps = sortedSteps(q);
      this.queues.set(q.id, { config: q, steps });
      this.byQueue.set(q.id, new Set());
      this.members.set(q.id, []);
      steps.forEach((_, i) => {
        const skill = tieBreakSkill(steps, i);
        const level = (id: string): number => levelIn(this.profiles.get(id), skill);
        this.readyPools.set(
          poolKey(q.id, i),
          new IndexedHeap((a, b) =>
            offeredBefore(
              { id: a, idleSince: this.idle.get(a)!, level: level(a) },
              { id: b, idleSince: this.idle.get(b)!, level: level(b) },
            ),
          ),
        );
        this.waitingPools.set(poolKey(q.id, i), new IndexedHeap(entryBefore));
      });
    }
    for (const p of profiles) {
      this.profiles.set(p.id, p);
      const ready: IndexedHeap[] = [];
      const waiting: IndexedHeap[] = [];
      for (const qid of p.queues) {
        const q = this.queues.get(qid);
        if (!q) continue;
        this.members.get(qid)!.push(p.id);
        for (const i of stepsForAgent(p, q.config, q.steps)) {
          ready.push(this.readyPools.get(poolKey(qid, i))!);
          waiting.push(this.waitingPools.get(poolKey(qid, i))!);
        }
      }
      this.agentPools.set(p.id, ready);
      this.agentWaitingPools.set(p.id, waiting);
      this.personal.set(p.id, new IndexedHeap(entryBefore));
    }
  }

  // ---- entries -------------------------------------------------------------

  /** Puts (or replaces) an entry in the mirror and the index; returns its phase at `now`. */
  setEntry(entry: QueueEntry, now: number): PhaseAt {
    this.unindexEntry(entry.id);
    const q = this.queues.get(entry.queueId);
    const old = this.entries.get(entry.id);
    if (old && old.queueId !== entry.queueId) this.byQueue.get(old.queueId)?.delete(entry.id);
    this.entries.set(entry.id, entry);
    this.excludedEntries.delete(entry.id);
    if (!q) {
      // An entry for a queue this instance does not know: mirrored, never routed.
      this.phases.set(entry.id, { phase: { kind: 'none' } });
      return this.phases.get(entry.id)!;
    }
    this.byQueue.get(entry.queueId)!.add(entry.id);
    let seq = this.seqs.get(entry.id);
    if (seq === undefined) this.seqs.set(entry.id, (seq = this.seq++));
    this.keys.set(entry.id, orderKey(q.config, entry, seq));
    const at = phaseAt(q.config, q.steps, entry, now);
    this.phases.set(entry.id, at);
    this.indexEntry(entry.id);
    return at;
  }

  /** Works out the entry's phase again (a step boundary was reached). */
  refreshPhase(id: string, now: number): { before: Phase | undefined; after: PhaseAt } | undefined {
    const entry = this.entries.get(id);
    const q = entry && this.queues.get(entry.queueId);
    if (!entry || !q) return undefined;
    const before = this.phases.get(id)?.phase;
    this.unindexEntry(id);
    const after = phaseAt(q.config, q.steps, entry, now);
    this.phases.set(id, after);
    this.indexEntry(id);
    return { before, after };
  }

  deleteEntry(id: string): QueueEntry | undefined {
    const entry = this.entries.get(id);
    this.unindexEntry(id);
    this.entries.delete(id);
    this.phases.delete(id);
    this.keys.delete(id);
    this.seqs.delete(id);
    this.excludedEntries.delete(id);
    if (entry) this.byQueue.get(entry.queueId)?.delete(id);
    return entry;
  }

  phaseOf(id: string): PhaseAt | undefined {
    return this.phases.get(id);
  }

  /** Leaves an entry out of decisions until its next change (a claim said it is taken). */
  excludeEntry(id: string): void {
    this.excludedEntries.add(id);
    this.unindexEntry(id);
  }

  /** In line, in an offerable phase, not offered. */
  isOfferable(id: string): boolean {
    return this.entryHeaps.has(id);
  }

  private indexEntry(id: string): void {
    const entry = this.entries.get(id)!;
    if (entry.offeredTo !== undefined || this.excludedEntries.has(id)) return;
    const phase = this.phases.get(id)?.phase;
    if (!isOfferable(phase)) return;
    const heaps: IndexedHeap[] = [];
    if (entry.personalAgentId !== undefined) {
      const h = this.personal.get(entry.personalAgentId);
      if (h) heaps.push(h);
    }
    if (phase!.kind === 'step') heaps.push(this.waitingPools.get(poolKey(entry.queueId, phase!.step))!);
    for (const h of heaps) h.add(id);
    this.entryHeaps.set(id, heaps);
  }

  private unindexEntry(id: string): void {
    const heaps = this.entryHeaps.get(id);
    if (!heaps) return;
    for (const h of heaps) h.delete(id);
    this.entryHeaps.delete(id);
  }

  // ---- agents --------------------------------------------------------------

  setAgent(status: AgentStatus): void {
    this.unindexAgent(status.id);
    this.agents.set(status.id, status);
    this.excludedAgents.delete(status.id);
    this.indexAgent(status.id);
  }

  /** Leaves an agent out of decisions until their next change (a claim said they are not ready). */
  excludeAgent(id: string): void {
    this.excludedAgents.add(id);
    this.unindexAgent(id);
  }

  /** Ready, known by profile, and not left out. */
  isReady(id: string): boolean {
    return this.ready.has(id);
  }

  private indexAgent(id: string): void {
    const status = this.agents.get(id)!;
    if (status.state !== 'ready' || !this.profiles.has(id) || this.excludedAgents.has(id)) return;
    this.idle.set(id, status.idleSince);
    for (const h of this.agentPools.get(id)!) h.add(id);
    this.ready.add(id);
  }

  private unindexAgent(id: string): void {
    if (!this.ready.delete(id)) return;
    for (const h of this.agentPools.get(id)!) h.delete(id);
    this.idle.delete(id);
  }

  // ---- decisions -----------------------------------------------------------

  /** The agent to offer an entry to now, if any (./selection.ts). */
  bestAgentFor(entryId: string): string | undefined {
    if (!this.entryHeaps.has(entryId)) return undefined;
    const entry = this.entries.get(entryId)!;
    const named = entry.personalAgentId;
    if (named !== undefined && this.ready.has(named)) return named;
    const phase = this.phases.get(entryId)!.phase;
    if (phase.kind !== 'step') return undefined;
    return this.readyPools.get(poolKey(entry.queueId, phase.step))!.peek();
  }

  /** Whether entry a is served before entry b (both known). */
  servedBefore(a: string, b: string): boolean {
    return servedBefore(this.keys.get(a)!, this.keys.get(b)!);
  }

  /** The best entry waiting for this agent personally, if any. */
  personalHead(agentId: string): string | undefined {
    return this.personal.get(agentId)?.peek();
  }

  /** The entry a ready agent takes now, if any (./selection.ts). */
  bestEntryFor(agentId: string): string | undefined {
    if (!this.ready.has(agentId)) return undefined;
    const mine = this.personal.get(agentId)!.peek();
    if (mine !== undefined) return mine;
    let best: string | undefined;
    let bestKey: OrderKey | undefined;
    for (const h of this.agentWaitingPools.get(agentId)!) {
      const top = h.peek();
      if (top === undefined) continue;
      const key = this.keys.get(top)!;
      if (!bestKey || servedBefore(key, bestKey)) {
        best = top;
        bestKey = key;
      }
    }
    return best;
  }

  // ---- views ---------------------------------------------------------------

  /** A queue's entries not yet answered, in the line's order (offered ones included). */
  lineOf(queueId: string): QueueEntry[] {
    const ids = [...(this.byQueue.get(queueId) ?? [])].filter((id) => this.entries.get(id)!.answeredAt === undefined);
    ids.sort((a, b) => (servedBefore(this.keys.get(a)!, this.keys.get(b)!) ? -1 : 1));
    return ids.map((id) => this.entries.get(id)!);
  }

  /** 1-based place among the queue's entries in line and not being offered; undefined when not in line. */
  positionOf(entryId: string): number | undefined {
    const entry = this.entries.get(entryId);
    if (!entry || entry.offeredTo !== undefined) return undefined;
    const key = this.keys.get(entryId);
    if (!key) return undefined;
    let ahead = 0;
    for (const id of this.byQueue.get(entry.queueId) ?? []) {
      const other = this.entries.get(id)!;
      if (id !== entryId && other.offeredTo === undefined && servedBefore(this.keys.get(id)!, key)) ahead++;
    }
    return ahead + 1;
  }

  /** Entries of a queue in line and not being offered. */
  waitingCount(queueId: string): number {
    let n = 0;
    for (const id of this.byQueue.get(queueId) ?? []) if (this.entries.get(id)!.offeredTo === undefined) n++;
    return n;
  }

  /** Members of a queue logged in and not paused, and how many of those are ready. */
  staffing(queueId: string): { staffed: number; free: number } {
    let staffed = 0;
    let free = 0;
    for (const id of this.members.get(queueId) ?? []) {
      const s = this.agents.get(id)?.state;
      if (s === undefined || s === 'logged-out' || s === 'paused') continue;
      staffed++;
      if (s === 'ready') free++;
    }
    return { staffed, free };
  }
}
