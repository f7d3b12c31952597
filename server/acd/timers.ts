/**
 * The engine's timers, all on the injected clock: a waiting entry's next
 * step boundary (./eligibility.ts: one timer per waiting entry, no
 * polling), an offer's ring timeout (./offers.ts) and the end of an agent's
 * wrap-up (./wrapup.ts).
 *
 * Timers follow the mirror: after every change of an entry or agent the
 * engine syncs them, which sets, moves or clears them.
 *
 * An instance owns the ring timeout of the offers it rings (./ringing.ts)
 * and the wrap-up of the calls it ended; other instances sharing the store
 * watch those too and step in `grace` later if the owner did not (it may
 * have died).
 */
import type { Clock, TimerHandle } from './clock.js';
import type { AgentStatus, QueueEntry } from './model.js';
import { ringDeadline } from './offers.js';
import type { Ringing } from './ringing.js';
import type { RoutingIndex } from './routing-index.js';

/** What a timer does when it fires: an operation of the engine, settled when the engine is idle. */
export interface TimerActions {
  stepReached(entryId: string): Promise<void>;
  ringExpired(entryId: string, offeredAt: number): Promise<void>;
  wrapUpEnded(agentId: string, until: number): Promise<void>;
}

export class EngineTimers {
  private readonly steps = new Map<string, TimerHandle>();
  private readonly rings = new Map<string, { handle: TimerHandle; offeredAt: number }>();
  private readonly wrapUps = new Map<string, { handle: TimerHandle; until: number }>();
  /** Wrap-ups started here, `${agentId}@${wrapUpUntil}`. */
  private readonly ownWrapUps = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly index: RoutingIndex,
    private readonly ringing: Ringing,
    /** How long after an offer's ring timeout or an agent's wrap-up end this instance steps in for another. */
    private readonly grace: number,
    private readonly actions: TimerActions,
    private readonly stopped: () => boolean,
  ) {}

  /** The entry's step boundary or ring timeout, as the entry is now. */
  syncEntry(id: string): void {
    const entry = this.index.entries.get(id);
    if (!entry || entry.offeredTo !== undefined) this.setStep(id, undefined);
    if (!entry || entry.offeredTo === undefined || entry.answeredAt !== undefined) {
      this.clearRing(id, true);
      if (entry && entry.offeredTo === undefined) this.setStep(id, this.index.phaseOf(id)?.nextChangeAt);
      return;
    }
    const q = this.index.queues.get(entry.queueId);
    if (!q) return;
    const offeredAt = entry.offeredAt ?? this.clock.now();
    const due = ringDeadline(q.config, offeredAt) + (this.ringing.ringsHere(entry, offeredAt) ? 0 : this.grace);
    const existing = this.rings.get(id);
    if (existing && existing.offeredAt === offeredAt && existing.handle.at === due) return;
    this.clearRing(id, existing !== undefined && existing.offeredAt !== offeredAt);
    const handle = this.clock.setTimer(due, () => {
      this.rings.delete(id);
      return this.actions.ringExpired(id, offeredAt);
    });
    this.rings.set(id, { handle, offeredAt });
  }

  /** The entry's next step boundary at `at`, or none. */
  setStep(id: string, at: number | undefined): void {
    const existing = this.steps.get(id);
    if (existing && existing.at === at) return;
    if (existing) this.clock.clearTimer(existing);
    this.steps.delete(id);
    if (at === undefined || this.stopped()) return;
    this.steps.set(
      id,
      this.clock.setTimer(at, () => {
        this.steps.delete(id);
        return this.actions.stepReached(id);
      }),
    );
  }

  /** The offer of the entry is over here (answered, withdrawn, missed): no ring timeout, nothing of it left. */
  forgetOffer(entry: QueueEntry): void {
    this.ringing.forget(entry.id, entry.offeredAt);
    this.clearRing(entry.id);
  }

  /** `offerOver`: that offer ended, whoever ended it: nothing of it is left to handle here. */
  private clearRing(id: string, offerOver = false): void {
    const t = this.rings.get(id);
    if (!t) return;
    this.clock.clearTimer(t.handle);
    this.rings.delete(id);
    if (offerOver) this.ringing.forget(id, t.offeredAt);
  }

  /** This instance ended the call: it ends the wrap-up until `until` on time. */
  wrapUpStartedHere(agentId: string, until: number): void {
    this.ownWrapUps.add(`${agentId}@${until}`);
  }

  wrapUpHandled(agentId: string, until: number): void {
    this.ownWrapUps.delete(`${agentId}@${until}`);
  }

  /** The agent's end of wrap-up, as the agent is now. */
  syncAgent(agent: AgentStatus): void {
    const id = agent.id;
    const existing = this.wrapUps.get(id);
    if (agent.state !== 'wrap-up' || agent.wrapUpUntil === undefined) {
      if (existing) {
        this.clock.clearTimer(existing.handle);
        this.wrapUps.delete(id);
        this.ownWrapUps.delete(`${id}@${existing.until}`);
      }
      return;
    }
    const until = agent.wrapUpUntil;
    const due = until + (this.ownWrapUps.has(`${id}@${until}`) ? 0 : this.grace);
    if (existing && existing.until === until && existing.handle.at === due) return;
    if (existing) this.clock.clearTimer(existing.handle);
    if (this.stopped()) return;
    const handle = this.clock.setTimer(due, () => {
      this.wrapUps.delete(id);
      return this.actions.wrapUpEnded(id, until);
    });
    this.wrapUps.set(id, { handle, until });
  }

  /** What this instance waits on the clock for, by id. */
  pending(): { steps: string[]; rings: string[]; wrapUps: string[] } {
    return {
      steps: [...this.steps.keys()].sort(),
      rings: [...this.rings.keys()].sort(),
      wrapUps: [...this.wrapUps.keys()].sort(),
    };
  }

  stop(): void {
    for (const t of this.steps.values()) this.clock.clearTimer(t);
    for (const t of this.rings.values()) this.clock.clearTimer(t.handle);
    for (const t of this.wrapUps.values()) this.clock.clearTimer(t.handle);
    this.steps.clear();
    this.rings.clear();
    this.wrapUps.clear();
  }
}
