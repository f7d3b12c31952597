/**
 * Offers across instances: which offers ring on this instance, and what
 * its telephony layer is told of offers other instances make or end.
 *
 * Any instance may offer any waiting entry, so the line is served in its
 * order and the longest idle agent goes first whichever instance notices
 * first. Only the instance holding a caller (the entry's `owner`,
 * ./instances.ts) can ring the agent for them, so it rings every offer of
 * its callers: one made elsewhere it learns from the store (the agent
 * reserved for its entry, by a claim not its own) and says
 * `offered-to-agent` with `remote: true`; it runs that offer's ring timeout
 * (./timers.ts), so the answer and the timeout are decided one after the
 * other in the engine that hears the answer; and when another instance ends
 * an offer rung here (the agent paused or logged out there, ...) it says the
 * agent's `agent-state` from `reserved`, `remote: true`, so the ringing
 * stops. A callback in line has no owner: the instance that offered it
 * makes it and rings it, told the same way when another ends the offer;
 * nobody else is told of that offer, so exactly one instance dials.
 * (Letting only the owner offer its own callers was weighed: each instance
 * would serve its callers in its own order rather than the line's, and an
 * agent made ready elsewhere would wait for the owner.)
 */
import type { Clock } from './clock.js';
import type { AcdEvent, AgentStatus, QueueEntry } from './model.js';
import type { RoutingIndex } from './routing-index.js';

const offerKey = (entryId: string, offeredAt: number | undefined): string => `${entryId}@${offeredAt}`;

export class Ringing {
  /** Offers made here. */
  private readonly made = new Set<string>();
  /**
   * Agents this instance's telephony layer rings (for its call or its
   * callback), with the entry: when another instance ends such an offer,
   * the end is told here too.
   */
  private readonly rung = new Map<string, string>();

  constructor(
    private readonly index: RoutingIndex,
    private readonly instanceId: string,
    private readonly clock: Clock,
    private readonly emit: (event: AcdEvent) => void,
  ) {}

  /** This instance is making the offer of the entry at `at`. */
  making(entryId: string, at: number): void {
    this.made.add(offerKey(entryId, at));
  }

  /** That offer is over (or was never made): nothing of it is left to handle here. */
  forget(entryId: string, offeredAt: number | undefined): void {
    this.made.delete(offerKey(entryId, offeredAt));
  }

  /**
   * Whether this instance's telephony layer rings the offer of the entry
   * made at `offeredAt`: for a call, the instance holding the caller,
   * whoever made the offer; for a callback (nobody's while in line) or a
   * call written before owners existed, the instance that made it.
   */
  ringsHere(entry: QueueEntry, offeredAt: number | undefined): boolean {
    if (entry.kind === 'call' && entry.owner !== undefined) return entry.owner === this.instanceId;
    return this.made.has(offerKey(entry.id, offeredAt));
  }

  /** An offer made here that rings here. */
  ringing(agentId: string, entryId: string): void {
    this.rung.set(agentId, entryId);
  }

  /**
   * A change to an agent, as it touches the ringing here: an agent rung
   * here leaving `reserved` by another instance's change is `agent-state`,
   * remote; an agent reserved elsewhere for a call held here is
   * `offered-to-agent`, remote. Our own changes (`known`) say so where they
   * are made.
   */
  agentChanged(old: AgentStatus | undefined, agent: AgentStatus, known: boolean): void {
    const ringing = this.rung.get(agent.id);
    if (ringing !== undefined && !(agent.state === 'reserved' && agent.entryId === ringing)) {
      this.rung.delete(agent.id);
      if (!known && old?.state === 'reserved' && old.entryId === ringing) {
        const event: AcdEvent = { type: 'agent-state', at: this.clock.now(), agentId: agent.id, state: agent.state, previous: 'reserved', remote: true };
        if (agent.state === 'paused' && agent.pauseReason !== undefined) event.reason = agent.pauseReason;
        this.emit(event);
      }
    }
    if (!known) this.remoteOffer(agent.id);
  }

  /** An offer of a call held here, made by another instance, not yet told here: `offered-to-agent`, remote. */
  remoteOffer(agentId: string | undefined): void {
    const agent = agentId === undefined ? undefined : this.index.agents.get(agentId);
    if (agent?.state !== 'reserved' || agent.entryId === undefined || this.rung.get(agent.id) === agent.entryId) return;
    const entry = this.index.entries.get(agent.entryId);
    if (!entry || entry.offeredTo !== agent.id || entry.answeredAt !== undefined || entry.kind !== 'call') return;
    if (entry.owner !== this.instanceId || this.made.has(offerKey(entry.id, entry.offeredAt))) return;
    this.rung.set(agent.id, entry.id);
    this.emit({ type: 'offered-to-agent', at: entry.offeredAt ?? this.clock.now(), entryId: entry.id, agentId: agent.id, queueId: entry.queueId, remote: true });
  }

  /** The engine stops: nothing rings here any more. */
  stop(): void {
    this.rung.clear();
  }
}
