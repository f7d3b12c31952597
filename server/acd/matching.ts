/**
 * Matching: which waiting entry goes to which ready agent, whenever
 * anything changed.
 *
 * Every operation of the engine ends by draining (./serial.ts): every entry
 * or agent that changed since is given a chance to be matched, a waiting
 * entry with the best eligible ready agent (./selection.ts), a ready agent
 * with the best entry they may take (./ordering.ts). So assignment is
 * re-tried whenever anything changes: an entry added, an agent ready, a
 * step boundary reached, an offer missed.
 *
 * Every offer is made with `store.claim`, atomic across instances: when it
 * fails (another instance was quicker) the engine leaves that entry or
 * agent out until its next change and tries the next candidate.
 */
import type { Clock } from './clock.js';
import type { StoreMirror } from './mirror.js';
import type { AcdEvent } from './model.js';
import type { Ringing } from './ringing.js';
import type { RoutingIndex } from './routing-index.js';
import type { EngineTimers } from './timers.js';

export class Matcher {
  /** Entries and agents changed since the last drain. */
  private readonly dirtyEntries = new Set<string>();
  private readonly dirtyAgents = new Set<string>();

  constructor(
    private readonly index: RoutingIndex,
    private readonly mirror: StoreMirror,
    private readonly ringing: Ringing,
    private readonly timers: EngineTimers,
    private readonly clock: Clock,
    private readonly emit: (event: AcdEvent) => void,
  ) {}

  entryChanged(id: string): void {
    this.dirtyEntries.add(id);
  }

  agentChanged(id: string): void {
    this.dirtyAgents.add(id);
  }

  isDirty(): boolean {
    return this.dirtyEntries.size > 0 || this.dirtyAgents.size > 0;
  }

  /** After a start: every match involves an entry, so the next drain serves every entry, in line order. */
  everyEntry(): void {
    this.dirtyAgents.clear();
    for (const id of this.index.entries.keys()) this.dirtyEntries.add(id);
  }

  /**
   * Matches what changed, until nothing more can be matched. The candidates
   * are the changed entries and, for each changed agent now ready, the entry
   * they would take; the best candidate in line order goes first (an
   * agent's personal calls before anything else) to the longest-idle
   * eligible agent. So when several things change at once (an offer taken
   * back from an agent who is free again, a start-up) the line is still
   * served in order and the longest idle still go first.
   */
  async drain(): Promise<void> {
    let budget = 1000 + 10 * (this.dirtyEntries.size + this.dirtyAgents.size);
    while (this.isDirty()) {
      const entries = [...this.dirtyEntries].filter((id) => this.index.isOfferable(id));
      entries.sort((a, b) => (this.index.servedBefore(a, b) ? -1 : 1));
      const agents = new Set(this.dirtyAgents);
      this.dirtyEntries.clear();
      this.dirtyAgents.clear();
      let next = 0;
      for (;;) {
        while (next < entries.length && !this.index.isOfferable(entries[next]!)) next++;
        let best = entries[next];
        let bestIsPersonal = false;
        for (const a of agents) {
          const e = this.index.bestEntryFor(a);
          if (e === undefined) {
            agents.delete(a);
            continue;
          }
          const personal = this.index.entries.get(e)!.personalAgentId === a;
          if (best === undefined || (personal && !bestIsPersonal) || (personal === bestIsPersonal && this.index.servedBefore(e, best))) {
            best = e;
            bestIsPersonal = personal;
          }
        }
        if (best === undefined) break;
        const agentId = this.index.bestAgentFor(best);
        if (agentId === undefined) {
          if (best === entries[next]) next++;
          else agents.clear(); // cannot happen: the agent who would take it is eligible
          continue;
        }
        // An agent takes the calls waiting for them personally first.
        const entryId = this.index.personalHead(agentId) ?? best;
        if (!(await this.offer(entryId, agentId)) && --budget < 0) {
          throw new Error('acd: routing did not settle (claims keep failing); will retry on the next change');
        }
      }
    }
  }

  /** Claims the entry for the agent in the store; on success the agent is reserved and rung. */
  private async offer(entryId: string, agentId: string): Promise<boolean> {
    const entry = this.index.entries.get(entryId)!;
    const before = this.index.agents.get(agentId)!;
    const at = this.clock.now();
    this.ringing.making(entryId, at);
    let result: Awaited<ReturnType<StoreMirror['claim']>>;
    try {
      result = await this.mirror.claim(entryId, agentId, at);
    } catch (err) {
      this.ringing.forget(entryId, at);
      throw err;
    }
    if (!result.ok) {
      this.ringing.forget(entryId, at);
      if (result.reason === 'entry-gone') this.mirror.applyEntryDeleted(entryId);
      else if (result.reason === 'entry-offered') this.index.excludeEntry(entryId);
      else this.index.excludeAgent(agentId);
      // The winning claim came in while ours was out and may have been taken
      // for ours (same entry, agent and time): seen again as another's.
      this.timers.syncEntry(entryId);
      this.ringing.remoteOffer(agentId);
      this.ringing.remoteOffer(this.index.entries.get(entryId)?.offeredTo);
      return false;
    }
    if (this.ringing.ringsHere(entry, at)) this.ringing.ringing(agentId, entryId);
    this.emit({ type: 'agent-state', at, agentId, state: 'reserved', previous: before.state });
    this.emit({ type: 'offered-to-agent', at, entryId, agentId, queueId: entry.queueId });
    return true;
  }
}
