/**
 * The engine's side of ./instances.ts: on a shared store it keeps this
 * instance's heartbeat, and takes away what instances without one held,
 * as it starts and with every beat.
 */
import type { Clock, TimerHandle } from './clock.js';
import { deadOwnersOf, fateOf, heldElsewhere, withoutCallsOf } from './instances.js';
import type { Lifecycle } from './lifecycle.js';
import type { StoreMirror } from './mirror.js';
import type { AcdEvent, AgentStatus, QueueEntry } from './model.js';
import { settled } from './other-calls.js';
import type { RoutingIndex } from './routing-index.js';
import type { Serial } from './serial.js';
import type { AcdStore } from './store-port.js';
import { wrapUpOver } from './wrapup.js';

export interface TakeoverParts {
  store: AcdStore;
  clock: Clock;
  index: RoutingIndex;
  mirror: StoreMirror;
  lifecycle: Lifecycle;
  serial: Serial;
  emit: (event: AcdEvent) => void;
  onError: (err: unknown) => void;
  instanceId: string;
  /** How often the heartbeat is written and dead instances looked for. */
  beatMs: number;
  /** How long a heartbeat keeps this instance alive. */
  beatTtlMs: number;
}

export class Takeover {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly p: TakeoverParts) {}

  /** This instance is alive for another TTL. */
  beat(): Promise<void> {
    return this.p.store.heartbeat(this.p.instanceId, this.p.clock.now(), this.p.beatTtlMs);
  }

  /** The next beat, and a look for dead instances' leftovers after it. */
  schedule(): void {
    const { clock, serial } = this.p;
    if (!this.p.store.shared || this.stopped) return;
    this.timer = clock.setTimer(clock.now() + this.p.beatMs, async () => {
      this.timer = undefined;
      if (this.stopped) return;
      try {
        await this.beat();
      } catch (err) {
        if (!this.stopped) this.p.onError(err);
      }
      await serial.timerOp(() => this.reapOrphans());
      this.schedule();
    });
  }

  /** No more beats: the heartbeat is left to lapse, and whatever calls this process still holds end with it. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.p.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Takes away what instances without a heartbeat held: entries, then agents' other calls. */
  async reapOrphans(): Promise<void> {
    const { index, instanceId } = this.p;
    const entries = [...index.entries.values()].filter((e) => heldElsewhere(e, instanceId));
    const agents = [...index.agents.values()].filter((a) => heldElsewhere(a, instanceId));
    if (entries.length === 0 && agents.length === 0) return;
    const live = new Set(await this.p.store.liveInstances(this.p.clock.now()));
    live.add(instanceId);
    // Every dead caller out of line before any agent is freed, or an agent
    // freed early could be offered the next of them (by any instance).
    const reaped: QueueEntry[] = [];
    for (const { id } of entries) {
      const entry = index.entries.get(id);
      if (entry?.owner !== undefined && !live.has(entry.owner) && (await this.takeAway(entry))) reaped.push(entry);
    }
    for (const entry of reaped) await this.afterTakenAway(entry);
    for (const { id } of agents) {
      const agent = index.agents.get(id);
      if (agent) await this.reapAgent(agent, deadOwnersOf(agent, live));
    }
  }

  /** Removes (or puts back in line) an entry of a dead instance; true when this instance did it. */
  private takeAway(entry: QueueEntry): Promise<boolean> {
    const fate = fateOf(entry);
    return this.p.mirror.reapEntry(entry, fate.kind === 'requeued' ? fate.entry : undefined, this.p.clock.now());
  }

  /** The agent an entry taken away held is free; the end of its call reported. */
  private async afterTakenAway(entry: QueueEntry): Promise<void> {
    const { index, lifecycle, emit } = this.p;
    const fate = fateOf(entry);
    const now = this.p.clock.now();
    if (entry.answeredAt === undefined) {
      await lifecycle.freeOfferedAgent(entry);
    } else {
      const agent = entry.offeredTo === undefined ? undefined : index.agents.get(entry.offeredTo);
      if (agent?.state === 'busy' && agent.entryId === entry.id) await lifecycle.changeAgent(agent, wrapUpOver(agent, now));
    }
    if (fate.kind === 'abandoned') {
      emit({ type: 'abandoned', at: now, entryId: entry.id, queueId: entry.queueId, waitMs: now - entry.enqueuedAt, reason: 'instance-gone' });
    } else if (fate.kind === 'ended') {
      emit({ type: 'ended', at: now, entryId: entry.id, agentId: entry.offeredTo!, handleMs: now - entry.answeredAt! });
    }
  }

  private async reapAgent(agent: AgentStatus, dead: string[]): Promise<void> {
    if (dead.length === 0) return;
    const now = this.p.clock.now();
    const after = settled(withoutCallsOf(agent, dead), now);
    if (await this.p.mirror.reapAgent(agent, after, dead, now)) this.p.lifecycle.agentChanged(agent, after);
  }
}
