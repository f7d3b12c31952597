/**
 * What the engine does to entries and agents as offers, calls and
 * callbacks go on and end, and as agents act: the steps of each action,
 * in order, written through the mirror (./mirror.ts). The rules each step
 * applies are in ./offers.ts (answer, miss, withdrawal), ./wrapup.ts,
 * ./callbacks.ts, ./agents.ts and ./other-calls.ts.
 *
 * Order matters where an entry goes back in line because of an agent: it
 * is offered to the next agent (a drain, ./matching.ts) before that agent
 * is free again, so it goes to someone else whenever anyone else can take
 * it.
 *
 * Every method runs inside one operation of the engine (./serial.ts).
 */
import * as agentRules from './agents.js';
import { afterNoAnswer, asCallback } from './callbacks.js';
import type { Clock } from './clock.js';
import { AcdError } from './errors.js';
import type { Matcher } from './matching.js';
import type { StoreMirror } from './mirror.js';
import type { AcdEvent, AgentStatus, QueueConfig, QueueEntry } from './model.js';
import { afterMiss, afterWithdraw, answeredAgent, answeredEntry, withdrawn } from './offers.js';
import { settled, withOtherCall, withoutOtherCall } from './other-calls.js';
import { sameRecord } from './records.js';
import type { Ringing } from './ringing.js';
import type { RoutingIndex } from './routing-index.js';
import type { EngineTimers } from './timers.js';
import { afterCall, wrapUpOver } from './wrapup.js';

export interface LifecycleParts {
  index: RoutingIndex;
  mirror: StoreMirror;
  timers: EngineTimers;
  ringing: Ringing;
  matcher: Matcher;
  clock: Clock;
  emit: (event: AcdEvent) => void;
  /** This instance: it holds the calls answered and the other calls reported here (./instances.ts). */
  instanceId: string;
  /** A call of the queue ended after occupying its agent this long (talk and wrap-up), for the estimated wait. */
  handled: (queueId: string, seconds: number) => void;
}

export class Lifecycle {
  private readonly index: RoutingIndex;
  private readonly mirror: StoreMirror;
  private readonly timers: EngineTimers;
  private readonly clock: Clock;
  private readonly emit: (event: AcdEvent) => void;

  constructor(private readonly parts: LifecycleParts) {
    this.index = parts.index;
    this.mirror = parts.mirror;
    this.timers = parts.timers;
    this.clock = parts.clock;
    this.emit = parts.emit;
  }

  // ---- entries ----------------------------------------------------------------

  /** The caller hung up: out of line, `abandoned` (a callback: `callback-done` cancelled); answered: the call ended. */
  async abandon(entry: QueueEntry): Promise<void> {
    if (entry.answeredAt !== undefined) return this.endCall(entry);
    const now = this.clock.now();
    await this.mirror.deleteEntry(entry.id);
    await this.freeOfferedAgent(entry);
    if (entry.kind === 'callback') this.emit({ type: 'callback-done', at: now, entryId: entry.id, outcome: 'cancelled', entry });
    else this.emit({ type: 'abandoned', at: now, entryId: entry.id, queueId: entry.queueId, waitMs: now - entry.enqueuedAt });
  }

  async cancelCallback(entry: QueueEntry): Promise<void> {
    if (entry.kind !== 'callback') throw new AcdError(`entry ${entry.id} is a call, not a callback`);
    if (entry.answeredAt !== undefined) throw new AcdError(`callback ${entry.id} is being made by agent ${entry.offeredTo}: too late to cancel`);
    return this.abandon(entry);
  }

  async overflow(entry: QueueEntry): Promise<void> {
    if (entry.answeredAt !== undefined) throw new AcdError(`entry ${entry.id} is answered: it cannot overflow`);
    const now = this.clock.now();
    await this.mirror.deleteEntry(entry.id);
    await this.freeOfferedAgent(entry);
    this.emit({ type: 'overflowed', at: now, entryId: entry.id, queueId: entry.queueId, waitMs: now - entry.enqueuedAt });
  }

  async requestCallback(entry: QueueEntry, data: Readonly<Record<string, string>> | undefined): Promise<void> {
    if (entry.answeredAt !== undefined) throw new AcdError(`entry ${entry.id} is answered: too late for a callback`);
    if (entry.kind === 'callback') return;
    await this.mirror.putEntry(asCallback(entry, data));
    await this.freeOfferedAgent(entry);
    this.emit({ type: 'callback-requested', at: this.clock.now(), entryId: entry.id, queueId: entry.queueId });
  }

  async callbackNoAnswer(entry: QueueEntry): Promise<void> {
    const agentId = dialledBy(entry);
    const now = this.clock.now();
    const outcome = afterNoAnswer(entry, this.queue(entry.queueId), now);
    if ('retry' in outcome) {
      await this.mirror.putEntry(outcome.retry);
    } else {
      await this.mirror.deleteEntry(entry.id);
      this.emit({ type: 'callback-done', at: now, entryId: entry.id, outcome: 'failed', entry: { ...entry, attempts: outcome.attempts } });
    }
    const agent = this.index.agents.get(agentId);
    if (agent?.state === 'busy' && agent.entryId === entry.id) await this.changeAgent(agent, wrapUpOver(agent, now));
  }

  async callbackAgentLeft(entry: QueueEntry): Promise<void> {
    const agentId = dialledBy(entry);
    this.emit({ type: 'offer-missed', at: this.clock.now(), entryId: entry.id, agentId });
    await this.mirror.putEntry(withdrawn(entry));
    await this.parts.matcher.drain();
    const agent = this.index.agents.get(agentId);
    if (agent?.state === 'busy' && agent.entryId === entry.id) {
      const now = this.clock.now();
      // A pause or log-out asked for during the call takes effect instead.
      await this.changeAgent(agent, agent.next ? wrapUpOver(agent, now) : afterMiss(agent, this.queue(entry.queueId), now));
    }
  }

  // ---- offers and calls -------------------------------------------------------

  /** `entry` rings `agentId`, who answered. */
  async offerAccepted(entry: QueueEntry, agentId: string): Promise<void> {
    this.timers.forgetOffer(entry);
    const now = this.clock.now();
    await this.mirror.putEntry({ ...answeredEntry(entry, now), owner: this.parts.instanceId });
    const agent = this.index.agents.get(agentId);
    if (agent) await this.changeAgent(agent, answeredAgent(agent, entry.id, now));
    this.emit({ type: 'answered', at: now, entryId: entry.id, agentId, queueId: entry.queueId, waitMs: now - entry.enqueuedAt });
  }

  /** A ring timeout or rejection: the entry goes to the next agent first, then the agent is ready or paused. */
  async missed(entry: QueueEntry): Promise<void> {
    const agentId = entry.offeredTo!;
    const now = this.clock.now();
    this.timers.forgetOffer(entry);
    this.emit({ type: 'offer-missed', at: now, entryId: entry.id, agentId });
    await this.mirror.putEntry(withdrawn(entry));
    await this.parts.matcher.drain();
    const agent = this.index.agents.get(agentId);
    if (agent?.state === 'reserved' && agent.entryId === entry.id) {
      await this.changeAgent(agent, afterMiss(agent, this.queue(entry.queueId), this.clock.now()));
    }
  }

  /** The call ended: `ended` with the handling time; the agent goes to wrap-up, then ready. Before an answer: abandoned. */
  async callEnded(entry: QueueEntry): Promise<void> {
    if (entry.answeredAt === undefined) return this.abandon(entry);
    return this.endCall(entry);
  }

  /** The offer's ring timeout passed (here, or on the instance that should have handled it, and a grace). */
  async ringExpired(entryId: string, offeredAt: number): Promise<void> {
    const entry = this.index.entries.get(entryId);
    if (!entry || entry.offeredTo === undefined || entry.offeredAt !== offeredAt || entry.answeredAt !== undefined) {
      this.parts.ringing.forget(entryId, offeredAt);
      return;
    }
    if (this.parts.ringing.ringsHere(entry, offeredAt)) await this.missed(entry);
    else await this.takeBack(entry);
  }

  /** If the entry was offered (not answered), the agent it rang is ready again: not their miss. */
  async freeOfferedAgent(entry: QueueEntry): Promise<void> {
    if (entry.offeredTo === undefined || entry.answeredAt !== undefined) return;
    this.timers.forgetOffer(entry);
    const agent = this.index.agents.get(entry.offeredTo);
    if (agent?.state === 'reserved' && agent.entryId === entry.id) {
      await this.changeAgent(agent, afterWithdraw(agent, this.clock.now()));
    }
  }

  /**
   * An offer made by another instance outlived its ring timeout: that
   * instance is gone. Like a miss, the entry goes to the next agent first;
   * unlike one, it is not held against the agent.
   */
  private async takeBack(entry: QueueEntry): Promise<void> {
    await this.mirror.putEntry(withdrawn(entry));
    await this.parts.matcher.drain();
    await this.freeOfferedAgent(entry);
  }

  private async endCall(entry: QueueEntry): Promise<void> {
    const now = this.clock.now();
    const agentId = entry.offeredTo!;
    const q = this.index.queues.get(entry.queueId)?.config;
    const handleMs = now - entry.answeredAt!;
    this.parts.handled(entry.queueId, handleMs / 1000 + (q?.wrapUpSeconds ?? 0));
    await this.mirror.deleteEntry(entry.id);
    this.emit({ type: 'ended', at: now, entryId: entry.id, agentId, handleMs });
    if (entry.kind === 'callback') this.emit({ type: 'callback-done', at: now, entryId: entry.id, outcome: 'completed', entry });
    const agent = this.index.agents.get(agentId);
    if (agent?.state === 'busy' && agent.entryId === entry.id) {
      const next = afterCall(agent, q, now);
      if (next.state === 'wrap-up') this.timers.wrapUpStartedHere(agentId, next.wrapUpUntil!);
      await this.changeAgent(agent, next);
    }
  }

  // ---- agents -----------------------------------------------------------------

  /** An agent's own action (./agents.ts); an offer ringing them is taken back first. */
  async agentAction(agentId: string, rule: (status: AgentStatus, at: number) => agentRules.Transition): Promise<void> {
    const before = this.index.agents.get(agentId)!;
    const now = this.clock.now();
    let current = before;
    const t0 = rule(current, now);
    if (!t0.ok) throw new AcdError(t0.problem);
    if (sameRecord(t0.status, before)) return;
    if (before.state === 'reserved') {
      // Pausing or logging out while an offer rings: take the offer back first.
      await this.withdrawOfferOf(before);
      current = afterWithdraw(before, now);
    }
    const t = rule(current, now);
    if (!t.ok) throw new AcdError(t.problem);
    await this.changeAgent(before, t.status);
  }

  async otherCallStarted(before: AgentStatus, callId: string): Promise<void> {
    if (withOtherCall(before, callId) === before) return;
    let current = before;
    if (before.state === 'reserved') {
      await this.withdrawOfferOf(before);
      current = afterWithdraw(before, this.clock.now());
      // Reserved to ready first: that event is what stops the ringing.
      await this.changeAgent(before, current);
    }
    await this.changeAgent(current, withOtherCall(current, callId, this.parts.instanceId));
  }

  async otherCallEnded(before: AgentStatus, callId: string): Promise<void> {
    const after = withoutOtherCall(before, callId);
    if (after !== before) await this.changeAgent(before, after);
  }

  async wrapUpEnded(agentId: string, until: number): Promise<void> {
    this.timers.wrapUpHandled(agentId, until);
    const agent = this.index.agents.get(agentId);
    if (agent?.state !== 'wrap-up' || agent.wrapUpUntil !== until) return;
    await this.changeAgent(agent, wrapUpOver(agent, this.clock.now()));
  }

  /** Writes the agent's new status, as their other calls make it (./other-calls.ts), and reports the change of state. */
  async changeAgent(before: AgentStatus, proposed: AgentStatus): Promise<void> {
    const after = settled(proposed, this.clock.now());
    await this.mirror.putAgent(after);
    this.agentChanged(before, after);
  }

  /** `agent-state`, when the state (or the pause's reason) changed. */
  agentChanged(before: AgentStatus, after: AgentStatus): void {
    if (before.state !== after.state || before.pauseReason !== after.pauseReason) {
      const event: AcdEvent = { type: 'agent-state', at: this.clock.now(), agentId: after.id, state: after.state, previous: before.state };
      if (after.state === 'paused' && after.pauseReason !== undefined) event.reason = after.pauseReason;
      this.emit(event);
    }
  }

  /** The offer ringing a reserved agent goes back in line (the agent is changed by the caller). */
  private async withdrawOfferOf(agent: AgentStatus): Promise<void> {
    const entry = agent.entryId === undefined ? undefined : this.index.entries.get(agent.entryId);
    if (entry && entry.offeredTo === agent.id && entry.answeredAt === undefined) {
      this.timers.forgetOffer(entry);
      await this.mirror.putEntry(withdrawn(entry));
    }
  }

  private queue(id: string): QueueConfig {
    const q = this.index.queues.get(id);
    if (!q) throw new AcdError(`unknown queue ${id}`);
    return q.config;
  }
}

/** The agent dialling a callback; throws when the entry is no callback being dialled. */
function dialledBy(entry: QueueEntry): string {
  if (entry.kind !== 'callback' || entry.answeredAt === undefined || entry.offeredTo === undefined) {
    throw new AcdError(`entry ${entry.id} is not a callback being dialled`);
  }
  return entry.offeredTo;
}
