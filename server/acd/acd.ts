/**
 * The ACD: the routing brain. It takes events (a call enters a queue, the
 * caller hangs up or asks for a callback, an agent logs in, pauses, answers
 * or does not) and emits decisions and events (`offered-to-agent` tells the
 * telephony layer to ring that agent). It knows nothing of SIP, media or
 * HTTP, and its time comes from an injected Clock.
 *
 * The rules live one per file:
 *   eligibility.ts  who may take an entry as it waits (widening steps, personal queue)
 *   ordering.ts     the order of the line (priority classes or head start)
 *   selection.ts    longest-idle agent first, ties by skill level; personal calls first
 *   offers.ts       ringing, no answer, skip and pause
 *   wrapup.ts       wrap-up after a call
 *   agents.ts       agent states and the agent's own actions
 *   other-calls.ts  an agent on a call that did not come from the ACD is busy until it ends
 *   callbacks.ts    callbacks keeping their place, retries
 *   ewt.ts          estimated wait time
 *   instances.ts    heartbeats; what a dead instance's calls left is taken away
 * This file ties them to the store, the clock and the listeners.
 *
 * How it runs:
 *
 * - State lives in the AcdStore. The engine mirrors it (./routing-index.ts),
 *   kept current by `store.onChange`, whether a change was made here or by
 *   another instance sharing the store, in the store's order. Writes from
 *   here reach the mirror the same way (or, from a store that does not echo
 *   a write before it settles, when it settles).
 * - Every action is one operation; operations run one after another (never
 *   interleaved), and each ends by *draining*: every entry or agent that
 *   changed since is given a chance to be matched (a waiting entry with the
 *   best eligible ready agent, a ready agent with the best entry they may
 *   take). So assignment is re-tried whenever anything changes: an entry
 *   added, an agent ready, a step boundary reached (a timer per waiting
 *   entry at its next boundary, no polling), an offer missed.
 * - Every offer is made with `store.claim`, atomic across instances: when it
 *   fails (another instance was quicker) the engine leaves that entry or
 *   agent out until its next change and tries the next candidate.
 * - Timers (step boundaries, ring timeouts, wrap-up) are set on the clock.
 *   An instance owns the ring timeout of the offers it rings (below) and the
 *   wrap-up of the calls it ended; other instances watch those too and step
 *   in `takeoverGraceMs` later if the owner did not (it may have died).
 * - Offers across instances: any instance may offer any waiting entry, so
 *   the line is served in its order and the longest idle agent goes first
 *   whichever instance notices first. Only the instance holding a caller
 *   (the entry's `owner`, ./instances.ts) can ring the agent for them, so it
 *   rings every offer of its callers: one made elsewhere it learns from the
 *   store (the agent reserved for its entry, by a claim not its own) and
 *   says `offered-to-agent` with `remote: true`; it runs that offer's ring
 *   timeout, so the answer and the timeout are decided one after the other
 *   in the engine that hears the answer; and when another instance ends an
 *   offer rung here (the agent paused or logged out there, ...) it says the
 *   agent's `agent-state` from `reserved`, `remote: true`, so the ringing
 *   stops. A callback in line has no owner: the instance that offered it
 *   makes it and rings it, told the same way when another ends the offer;
 *   nobody else is told of that offer, so exactly one instance dials.
 *   (Letting only the owner offer its own callers was weighed: each
 *   instance would serve its callers in its own order rather than the
 *   line's, and an agent made ready elsewhere would wait for the owner.)
 * - On a shared store each instance keeps a heartbeat and takes away what
 *   the calls of a dead one left (./instances.ts).
 * - Public methods return a promise that settles when the engine is idle
 *   again: the action and everything it set off (offers, listeners' calls
 *   back into the engine) are done. Wrong use (an unknown entry, an offer
 *   that is not ringing that agent) rejects with an AcdError.
 * - Listeners are called synchronously during an operation; a listener may
 *   call back into the engine (that call runs after the current operation).
 *
 * Events are emitted by the instance that performed the action, so several
 * instances sharing a store do not double-count; step changes are reported
 * by the instance where the entry was enqueued. The `remote` events above
 * repeat another instance's for the ringing here: not to be counted.
 *
 * For the telephony layer: `offered-to-agent` means ring that agent
 * (`profile(agentId).device`; `entry(entryId).data` says who calls and what
 * they dialled; a `callback` entry means: once the agent answers, dial the
 * caller). Ringing stops whenever an `agent-state` event moves that agent
 * from `reserved` to anything but `busy`: the offer was missed or taken back
 * (the caller hung up or asked for a callback, the agent paused, logged out
 * or answered another call), here or (`remote`) on another instance.
 * Report back with offerAccepted / offerRejected / callEnded / abandon /
 * overflow / callbackNoAnswer / callbackAgentLeft; and, for the calls an
 * agent takes or makes without the ACD (a call to or from their extension,
 * a flow's transfer to them), otherCallStarted / otherCallEnded from answer
 * to hang-up, so they are offered nothing meanwhile.
 */
import { randomUUID } from 'node:crypto';
import * as agentRules from './agents.js';
import { afterNoAnswer, asCallback } from './callbacks.js';
import type { Clock, TimerHandle } from './clock.js';
import { samePhase, type Phase } from './eligibility.js';
import { AcdError } from './errors.js';
import { DEFAULT_HANDLE_SECONDS, RecentHandleTimes, estimateWaitSeconds } from './ewt.js';
import type { AcdEvent, AgentProfile, AgentStatus, QueueConfig, QueueEntry } from './model.js';
import { DEFAULT_HEARTBEAT_MS, HEARTBEAT_TTL_BEATS, deadOwnersOf, fateOf, heldElsewhere, withoutCallsOf } from './instances.js';
import { afterMiss, afterWithdraw, answeredAgent, answeredEntry, ringDeadline, withdrawn } from './offers.js';
import { settled, withOtherCall, withoutOtherCall } from './other-calls.js';
import { compact, omit, sameRecord } from './records.js';
import { agentAfterRestart, entryAfterRestart } from './restart.js';
import { RoutingIndex } from './routing-index.js';
import { validateAgents, validateQueues } from './validate.js';
import { afterCall, wrapUpOver } from './wrapup.js';
import type { AcdStore, StoreChange } from './store-port.js';

export { AcdError } from './errors.js';

export interface AcdOptions {
  store: AcdStore;
  clock: Clock;
  queues: QueueConfig[];
  agents: AgentProfile[];
  /**
   * Errors nobody awaits: work started by a timer or by another instance's
   * change, a listener that threw. Default: one line on stderr.
   */
  onError?: (err: unknown) => void;
  /** How long after an offer's ring timeout or an agent's wrap-up end another instance steps in. Default 2,000 ms. */
  takeoverGraceMs?: number;
  /** This instance's id in the store (./instances.ts). Default: random, new at every start of the process. */
  instanceId?: string;
  /** On a shared store: how often the heartbeat is written and dead instances looked for. Default 5,000 ms. */
  heartbeatMs?: number;
  /** How long a heartbeat keeps an instance alive. Default three beats. */
  heartbeatTtlMs?: number;
}

/** What `enqueue` takes: an entry not yet offered. */
export type NewEntry = Omit<QueueEntry, 'offeredTo' | 'offeredAt' | 'owner'>;

export type AcdListener = (event: AcdEvent) => void;

export interface SnapshotEntry extends QueueEntry {
  /** How long it has waited (from its enqueue time, also for callbacks). */
  waitMs: number;
  /** Where it is in the widening (./eligibility.ts). */
  phase: Phase['kind'];
  /** The routing step, when phase is 'step'. */
  step?: number;
}

export interface QueueSnapshot {
  id: string;
  name: string;
  /** In line (waiting or being offered, not answered), in the order they will be served. */
  entries: SnapshotEntry[];
  /** Of those, not being offered. */
  waiting: number;
  /** Members logged in and not paused. */
  staffed: number;
  /** Members ready. */
  free: number;
  estimatedWaitSeconds: number;
}

export interface AcdSnapshot {
  at: number;
  queues: QueueSnapshot[];
  /** Every configured agent, by id. */
  agents: AgentStatus[];
}

const DEFAULT_GRACE_MS = 2_000;

export class Acd {
  /** Who holds the calls enqueued and answered here (./instances.ts). */
  readonly instanceId: string;
  private readonly store: AcdStore;
  private readonly clock: Clock;
  private readonly index: RoutingIndex;
  private readonly onError: (err: unknown) => void;
  private readonly grace: number;
  private readonly beatMs: number;
  private readonly beatTtlMs: number;
  private beatTimer: TimerHandle | undefined;
  private readonly listeners = new Set<AcdListener>();

  private starting = false;
  private started = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  /** Changes that arrived while loading, applied after the load. */
  private buffered: StoreChange[] | undefined;

  private chain: Promise<unknown> = Promise.resolve();
  private inOp = false;
  private drainScheduled = false;
  /** Entries and agents changed since the last drain. */
  private readonly dirtyEntries = new Set<string>();
  private readonly dirtyAgents = new Set<string>();

  private readonly stepTimers = new Map<string, TimerHandle>();
  private readonly ringTimers = new Map<string, { handle: TimerHandle; offeredAt: number }>();
  private readonly wrapTimers = new Map<string, { handle: TimerHandle; until: number }>();
  /** Offers made here, `${entryId}@${offeredAt}`. */
  private readonly ownOffers = new Set<string>();
  /**
   * Agents this instance's telephony layer rings (for its call or its
   * callback), with the entry: when another instance ends such an offer,
   * the end is told here too.
   */
  private readonly ringingHere = new Map<string, string>();
  /** Wrap-ups started here, `${agentId}@${wrapUpUntil}`. */
  private readonly ownWrapUps = new Set<string>();
  /** Entries enqueued here: this instance reports their step changes. */
  private readonly ownEntries = new Set<string>();
  private claiming: { entryId: string; agentId: string; at: number; seen: boolean } | undefined;
  /** A write of ours in progress: its echo from the store is applied as is. */
  private expecting: { kind: 'entry' | 'agent' | 'entry-deleted'; id: string; seen: boolean; record?: unknown } | undefined;
  private readonly handleTimes = new Map<string, RecentHandleTimes>();

  constructor(options: AcdOptions) {
    validateQueues(options.queues);
    validateAgents(options.agents, new Set(options.queues.map((q) => q.id)));
    this.store = options.store;
    this.clock = options.clock;
    this.index = new RoutingIndex(options.queues, options.agents);
    this.onError = options.onError ?? ((err) => console.error('acd:', err));
    this.grace = options.takeoverGraceMs ?? DEFAULT_GRACE_MS;
    this.instanceId = options.instanceId ?? randomUUID();
    this.beatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.beatTtlMs = options.heartbeatTtlMs ?? HEARTBEAT_TTL_BEATS * this.beatMs;
    if (!(this.beatMs > 0) || !(this.beatTtlMs > this.beatMs)) {
      throw new AcdError(`heartbeatTtlMs (${this.beatTtlMs}) must be longer than heartbeatMs (${this.beatMs}), which must be positive`);
    }
    for (const q of options.queues) this.handleTimes.set(q.id, new RecentHandleTimes());
  }

  /** Listens to every event; returns a function that stops listening. */
  on(listener: AcdListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the store's state, takes over what was in flight, and starts routing. */
  async start(): Promise<void> {
    if (this.starting) throw new AcdError('the ACD is already started');
    this.starting = true;
    this.buffered = [];
    this.unsubscribe = this.store.onChange((c) => this.onStoreChange(c));
    let loaded: Awaited<ReturnType<AcdStore['load']>>;
    try {
      // Alive before anything of ours can be in the store.
      if (this.store.shared) await this.beat();
      loaded = await this.store.load();
    } catch (err) {
      this.unsubscribe();
      this.unsubscribe = undefined;
      this.buffered = undefined;
      this.starting = false;
      throw err;
    }
    const buffered = this.buffered;
    this.buffered = undefined;
    // From here actions queue behind the start-up operation.
    this.started = true;
    await this.run(async () => {
      const now = this.clock.now();
      for (const a of loaded.agents) this.applyAgent(a);
      for (const id of this.index.profiles.keys()) {
        if (!this.index.agents.has(id)) this.index.setAgent(agentRules.loggedOut(id, now));
      }
      for (const e of loaded.entries) this.applyEntry(e);
      for (const c of buffered) this.applyChange(c);
      if (!this.store.shared) await this.restarted();
      await this.reconcile();
      if (this.store.shared) await this.reapOrphans();
      // Every match involves an entry: the drain serves them in line order.
      this.dirtyAgents.clear();
      for (const id of this.index.entries.keys()) this.dirtyEntries.add(id);
    });
    this.scheduleBeat();
    await this.idle();
  }

  /** Stops timers and listening to the store (the store stays open: close it yourself). */
  async stop(): Promise<void> {
    if (!this.started || this.stopped) return;
    await this.idle();
    this.stopped = true;
    this.unsubscribe?.();
    // The heartbeat is left to lapse: whatever calls this process still holds end with it.
    if (this.beatTimer) this.clock.clearTimer(this.beatTimer);
    this.beatTimer = undefined;
    for (const t of this.stepTimers.values()) this.clock.clearTimer(t);
    for (const t of this.ringTimers.values()) this.clock.clearTimer(t.handle);
    for (const t of this.wrapTimers.values()) this.clock.clearTimer(t.handle);
    this.stepTimers.clear();
    this.ringTimers.clear();
    this.wrapTimers.clear();
    this.ringingHere.clear();
  }

  /** Resolves when no operation is running or queued. */
  async idle(): Promise<void> {
    for (;;) {
      const c = this.chain;
      await c;
      if (c === this.chain) return;
    }
  }

  // ---- entries ----------------------------------------------------------------

  /** A call (or callback) joins its queue: `queued`, then an offer when an agent can take it. */
  enqueue(input: NewEntry): Promise<void> {
    return this.act(async () => {
      checkNewEntry(input);
      if (!this.index.queues.has(input.queueId)) throw new AcdError(`entry ${input.id}: unknown queue ${input.queueId}`);
      if (this.index.entries.has(input.id)) throw new AcdError(`entry ${input.id} is already queued`);
      const fields = omit(input as QueueEntry, 'offeredTo', 'offeredAt', 'answeredAt', 'owner');
      const entry = compact({ ...fields, ...(input.kind === 'call' ? { owner: this.instanceId } : {}), data: { ...input.data } });
      this.ownEntries.add(entry.id);
      await this.putEntry(entry);
      this.emit({ type: 'queued', at: this.clock.now(), entry });
    });
  }

  /**
   * The caller hung up before an answer: `abandoned` with the wait time (an
   * offer ringing is taken back). For a callback: `callback-done`
   * `cancelled`. For an answered entry it is the end of the call (callEnded).
   */
  abandon(entryId: string): Promise<void> {
    return this.act(async () => this.abandonNow(this.entryOrThrow(entryId)));
  }

  /**
   * The caller waited as long as the flow lets them (its maximum wait) and
   * leaves the line to go on in the flow: `overflowed` with the wait time,
   * an offer ringing is taken back (not a miss). Counted apart from
   * abandons: the caller did not give up.
   */
  overflow(entryId: string): Promise<void> {
    return this.act(async () => {
      const entry = this.entryOrThrow(entryId);
      if (entry.answeredAt !== undefined) throw new AcdError(`entry ${entryId} is answered: it cannot overflow`);
      const now = this.clock.now();
      await this.deleteEntry(entry.id);
      await this.freeOfferedAgent(entry);
      this.emit({ type: 'overflowed', at: now, entryId: entry.id, queueId: entry.queueId, waitMs: now - entry.enqueuedAt });
    });
  }

  /**
   * The waiting caller asked to be called back: same place, same enqueue
   * time, now a callback. `data` is merged into the entry's (e.g. the
   * number to call back).
   */
  requestCallback(entryId: string, data?: Readonly<Record<string, string>>): Promise<void> {
    return this.act(async () => {
      const entry = this.entryOrThrow(entryId);
      if (entry.answeredAt !== undefined) throw new AcdError(`entry ${entryId} is answered: too late for a callback`);
      if (entry.kind === 'callback') return;
      await this.putEntry(asCallback(entry, data));
      await this.freeOfferedAgent(entry);
      this.emit({ type: 'callback-requested', at: this.clock.now(), entryId, queueId: entry.queueId });
    });
  }

  /**
   * The agent answered a callback but the caller did not: the agent is free,
   * the callback is tried again later at its old place, or given up
   * (./callbacks.ts).
   */
  callbackNoAnswer(entryId: string): Promise<void> {
    return this.act(async () => {
      const entry = this.entryOrThrow(entryId);
      if (entry.kind !== 'callback' || entry.answeredAt === undefined || entry.offeredTo === undefined) {
        throw new AcdError(`entry ${entryId} is not a callback being dialled`);
      }
      const now = this.clock.now();
      const outcome = afterNoAnswer(entry, this.queue(entry.queueId), now);
      if ('retry' in outcome) {
        await this.putEntry(outcome.retry);
      } else {
        await this.deleteEntry(entryId);
        this.emit({ type: 'callback-done', at: now, entryId, outcome: 'failed' });
      }
      const agent = this.index.agents.get(entry.offeredTo);
      if (agent?.state === 'busy' && agent.entryId === entryId) await this.changeAgent(agent, wrapUpOver(agent, now));
    });
  }

  /**
   * The agent hung up a callback before the customer answered (during the
   * whisper, or while the customer's phone rang): they turned it down, a
   * miss as if they had not answered the offer (./offers.ts). The callback
   * goes back in line at its old place, to the next agent first; the
   * customer did not fail to answer, so no dial attempt is counted
   * (./callbacks.ts).
   */
  callbackAgentLeft(entryId: string): Promise<void> {
    return this.act(async () => {
      const entry = this.entryOrThrow(entryId);
      if (entry.kind !== 'callback' || entry.answeredAt === undefined || entry.offeredTo === undefined) {
        throw new AcdError(`entry ${entryId} is not a callback being dialled`);
      }
      const agentId = entry.offeredTo;
      this.emit({ type: 'offer-missed', at: this.clock.now(), entryId, agentId });
      await this.putEntry(withdrawn(entry));
      await this.drain();
      const agent = this.index.agents.get(agentId);
      if (agent?.state === 'busy' && agent.entryId === entryId) {
        const now = this.clock.now();
        // A pause or log-out asked for during the call takes effect instead.
        await this.changeAgent(agent, agent.next ? wrapUpOver(agent, now) : afterMiss(agent, this.queue(entry.queueId), now));
      }
    });
  }

  // ---- agents -----------------------------------------------------------------

  login(agentId: string): Promise<void> {
    return this.act(() => this.agentAction(agentId, (s, at) => agentRules.login(s, at)));
  }

  /** Logged out (after the current call and its wrap-up, when busy). */
  logout(agentId: string): Promise<void> {
    return this.act(() => this.agentAction(agentId, (s, at) => agentRules.logout(s, at)));
  }

  /** Ready for calls (from paused or wrap-up; while busy: cancels a pending pause or log-out). */
  ready(agentId: string): Promise<void> {
    return this.act(() => this.agentAction(agentId, (s, at) => agentRules.ready(s, at)));
  }

  /** Paused with a reason (after the current call and its wrap-up, when busy). */
  pause(agentId: string, reason: string): Promise<void> {
    return this.act(() => this.agentAction(agentId, (s, at) => agentRules.pause(s, reason, at)));
  }

  /**
   * The agent is on a call that did not come from the ACD (./other-calls.ts),
   * known by the telephony layer's `callId`: busy and offered nothing until
   * otherCallEnded with the same id, unless logged out or paused. An offer
   * ringing them is taken back first, not counted as a miss. Reporting the
   * same call again changes nothing.
   */
  otherCallStarted(agentId: string, callId: string): Promise<void> {
    return this.act(async () => {
      const before = this.agentOrThrow(agentId, callId);
      if (withOtherCall(before, callId) === before) return;
      let current = before;
      if (before.state === 'reserved') {
        await this.withdrawOfferOf(before);
        current = afterWithdraw(before, this.clock.now());
        // Reserved to ready first: that event is what stops the ringing.
        await this.changeAgent(before, current);
      }
      await this.changeAgent(current, withOtherCall(current, callId, this.instanceId));
    });
  }

  /** That other call ended: when it was the last, the agent is ready again (or what they asked for meanwhile). */
  otherCallEnded(agentId: string, callId: string): Promise<void> {
    return this.act(async () => {
      const before = this.agentOrThrow(agentId, callId);
      const after = withoutOtherCall(before, callId);
      if (after !== before) await this.changeAgent(before, after);
    });
  }

  // ---- offers and calls -------------------------------------------------------

  /** The agent answered the offer: `answered` with the wait; the agent is busy. */
  offerAccepted(entryId: string, agentId: string): Promise<void> {
    return this.act(async () => {
      const entry = this.ringing(entryId, agentId);
      this.forgetOffer(entry);
      const now = this.clock.now();
      await this.putEntry({ ...answeredEntry(entry, now), owner: this.instanceId });
      const agent = this.index.agents.get(agentId);
      if (agent) await this.changeAgent(agent, answeredAgent(agent, entryId, now));
      this.emit({ type: 'answered', at: now, entryId, agentId, queueId: entry.queueId, waitMs: now - entry.enqueuedAt });
    });
  }

  /** The agent rejected the offer; the same as a ring timeout: a miss (./offers.ts). */
  offerRejected(entryId: string, agentId: string): Promise<void> {
    return this.act(async () => this.missed(this.ringing(entryId, agentId)));
  }

  /** The call ended: `ended` with the handling time; the agent goes to wrap-up, then ready. Before an answer: abandon. */
  callEnded(entryId: string): Promise<void> {
    return this.act(async () => {
      const entry = this.entryOrThrow(entryId);
      if (entry.answeredAt === undefined) return this.abandonNow(entry);
      return this.endCall(entry);
    });
  }

  // ---- views ------------------------------------------------------------------

  /**
   * Estimated wait in seconds for a new caller of the queue, or for an entry
   * already in line (from its place); Infinity when nobody staffs the queue.
   */
  estimatedWaitSeconds(queueId: string, entryId?: string): number {
    const q = this.queue(queueId);
    const { staffed, free } = this.index.staffing(queueId);
    let ahead: number;
    let available = free;
    if (entryId !== undefined) {
      ahead = (this.index.positionOf(entryId) ?? 1) - 1;
      available = 0; // still in line with agents free: none of them may take it yet
    } else {
      ahead = this.index.waitingCount(queueId);
      if (ahead > 0) available = 0;
    }
    const handleSeconds = this.handleTimes.get(queueId)!.mean() ?? q.defaultHandleSeconds ?? DEFAULT_HANDLE_SECONDS;
    return estimateWaitSeconds({ ahead, staffed, free: available, handleSeconds });
  }

  /** 1-based place of an entry among the entries of its queue waiting (not being offered). */
  positionOf(entryId: string): number | undefined {
    return this.index.positionOf(entryId);
  }

  entry(entryId: string): QueueEntry | undefined {
    return this.index.entries.get(entryId);
  }

  agent(agentId: string): AgentStatus | undefined {
    return this.index.agents.get(agentId);
  }

  /**
   * What this instance waits on the clock for, by id: entries' step
   * boundaries and ring timeouts, agents' wrap-ups. A call that is over
   * leaves none of its own behind.
   */
  pendingTimers(): { steps: string[]; rings: string[]; wrapUps: string[] } {
    return {
      steps: [...this.stepTimers.keys()].sort(),
      rings: [...this.ringTimers.keys()].sort(),
      wrapUps: [...this.wrapTimers.keys()].sort(),
    };
  }

  /** The agent's configuration (device, skills, queues): whom to ring for an offer. */
  profile(agentId: string): AgentProfile | undefined {
    return this.index.profiles.get(agentId);
  }

  /** Queues with their line in order, agents with their states. */
  snapshot(): AcdSnapshot {
    const at = this.clock.now();
    const queues: QueueSnapshot[] = [];
    for (const [id, q] of this.index.queues) {
      const entries = this.index.lineOf(id).map((e): SnapshotEntry => {
        const phase = this.index.phaseOf(e.id)?.phase ?? { kind: 'none' };
        return phase.kind === 'step'
          ? { ...e, waitMs: at - e.enqueuedAt, phase: 'step', step: phase.step }
          : { ...e, waitMs: at - e.enqueuedAt, phase: phase.kind };
      });
      const { staffed, free } = this.index.staffing(id);
      queues.push({
        id,
        name: q.config.name,
        entries,
        waiting: entries.filter((e) => e.offeredTo === undefined).length,
        staffed,
        free,
        estimatedWaitSeconds: this.estimatedWaitSeconds(id),
      });
    }
    const agents = [...this.index.profiles.keys()].sort().map((id) => this.index.agents.get(id)!);
    return { at, queues, agents };
  }

  // ---- operations -------------------------------------------------------------

  /** A public action: one operation, settled when the engine is idle again. */
  private act<T>(op: () => Promise<T>): Promise<T> {
    if (!this.started) return Promise.reject(new AcdError('the ACD is not started: call start() first'));
    return this.run(op).finally(() => this.idle());
  }

  /** Runs `op` after every operation before it, then drains. */
  private run<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(async () => {
      if (this.stopped) throw new AcdError('the ACD is stopped');
      this.inOp = true;
      try {
        return await op();
      } finally {
        try {
          if (this.isDirty()) await this.drain();
        } catch (err) {
          this.onError(err);
        }
        this.inOp = false;
        if (this.isDirty()) this.scheduleDrain();
      }
    });
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** What a timer does: an operation whose errors go to onError; settles when idle (the simulated clock waits for it). */
  private timerOp(op: () => Promise<void>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.run(op)
      .catch((err) => this.onError(err))
      .then(() => this.idle());
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.stopped) return;
    this.drainScheduled = true;
    this.run(async () => {
      this.drainScheduled = false;
    }).catch((err) => this.onError(err));
  }

  private markDirty(id: string, kind: 'entry' | 'agent'): void {
    (kind === 'entry' ? this.dirtyEntries : this.dirtyAgents).add(id);
  }

  private isDirty(): boolean {
    return this.dirtyEntries.size > 0 || this.dirtyAgents.size > 0;
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
  private async drain(): Promise<void> {
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
    const key = `${entryId}@${at}`;
    this.ownOffers.add(key);
    const claiming = (this.claiming = { entryId, agentId, at, seen: false });
    let result: Awaited<ReturnType<AcdStore['claim']>>;
    try {
      result = await this.store.claim(entryId, agentId, at);
    } catch (err) {
      this.ownOffers.delete(key);
      throw err;
    } finally {
      this.claiming = undefined;
    }
    if (!result.ok) {
      this.ownOffers.delete(key);
      if (result.reason === 'entry-gone') this.applyEntryDeleted(entryId);
      else if (result.reason === 'entry-offered') this.index.excludeEntry(entryId);
      else this.index.excludeAgent(agentId);
      // The winning claim came in while ours was out and may have been taken
      // for ours (same entry, agent and time): seen again as another's.
      this.syncEntryTimers(entryId);
      this.remoteOffer(agentId);
      this.remoteOffer(this.index.entries.get(entryId)?.offeredTo);
      return false;
    }
    if (!claiming.seen) {
      this.applyEntry(result.entry);
      this.applyAgent(result.agent);
    }
    if (this.ringsHere(entry, at)) this.ringingHere.set(agentId, entryId);
    this.emit({ type: 'agent-state', at, agentId, state: 'reserved', previous: before.state });
    this.emit({ type: 'offered-to-agent', at, entryId, agentId, queueId: entry.queueId });
    return true;
  }

  /** A ring timeout or rejection: the entry goes to the next agent first, then the agent is ready or paused. */
  private async missed(entry: QueueEntry): Promise<void> {
    const agentId = entry.offeredTo!;
    const now = this.clock.now();
    this.forgetOffer(entry);
    this.emit({ type: 'offer-missed', at: now, entryId: entry.id, agentId });
    await this.putEntry(withdrawn(entry));
    await this.drain();
    const agent = this.index.agents.get(agentId);
    if (agent?.state === 'reserved' && agent.entryId === entry.id) {
      await this.changeAgent(agent, afterMiss(agent, this.queue(entry.queueId), this.clock.now()));
    }
  }

  /**
   * An offer made by another instance outlived its ring timeout: that
   * instance is gone. Like a miss, the entry goes to the next agent first;
   * unlike one, it is not held against the agent.
   */
  private async takeBack(entry: QueueEntry): Promise<void> {
    await this.putEntry(withdrawn(entry));
    await this.drain();
    await this.freeOfferedAgent(entry);
  }

  private async abandonNow(entry: QueueEntry): Promise<void> {
    if (entry.answeredAt !== undefined) return this.endCall(entry);
    const now = this.clock.now();
    await this.deleteEntry(entry.id);
    await this.freeOfferedAgent(entry);
    if (entry.kind === 'callback') this.emit({ type: 'callback-done', at: now, entryId: entry.id, outcome: 'cancelled' });
    else this.emit({ type: 'abandoned', at: now, entryId: entry.id, queueId: entry.queueId, waitMs: now - entry.enqueuedAt });
  }

  private async endCall(entry: QueueEntry): Promise<void> {
    const now = this.clock.now();
    const agentId = entry.offeredTo!;
    const q = this.index.queues.get(entry.queueId)?.config;
    const handleMs = now - entry.answeredAt!;
    this.handleTimes.get(entry.queueId)?.add(handleMs / 1000 + (q?.wrapUpSeconds ?? 0));
    await this.deleteEntry(entry.id);
    this.emit({ type: 'ended', at: now, entryId: entry.id, agentId, handleMs });
    if (entry.kind === 'callback') this.emit({ type: 'callback-done', at: now, entryId: entry.id, outcome: 'completed' });
    const agent = this.index.agents.get(agentId);
    if (agent?.state === 'busy' && agent.entryId === entry.id) {
      const next = afterCall(agent, q, now);
      if (next.state === 'wrap-up') this.ownWrapUps.add(`${agentId}@${next.wrapUpUntil}`);
      await this.changeAgent(agent, next);
    }
  }

  /** If the entry was offered (not answered), the agent it rang is ready again: not their miss. */
  private async freeOfferedAgent(entry: QueueEntry): Promise<void> {
    if (entry.offeredTo === undefined || entry.answeredAt !== undefined) return;
    this.forgetOffer(entry);
    const agent = this.index.agents.get(entry.offeredTo);
    if (agent?.state === 'reserved' && agent.entryId === entry.id) {
      await this.changeAgent(agent, afterWithdraw(agent, this.clock.now()));
    }
  }

  private async agentAction(
    agentId: string,
    rule: (status: AgentStatus, at: number) => agentRules.Transition,
  ): Promise<void> {
    if (!this.index.profiles.has(agentId)) throw new AcdError(`unknown agent ${agentId}`);
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

  /** The offer ringing a reserved agent goes back in line (the agent is changed by the caller). */
  private async withdrawOfferOf(agent: AgentStatus): Promise<void> {
    const entry = agent.entryId === undefined ? undefined : this.index.entries.get(agent.entryId);
    if (entry && entry.offeredTo === agent.id && entry.answeredAt === undefined) {
      this.forgetOffer(entry);
      await this.putEntry(withdrawn(entry));
    }
  }

  private async wrapUpEnded(agentId: string, until: number): Promise<void> {
    this.ownWrapUps.delete(`${agentId}@${until}`);
    const agent = this.index.agents.get(agentId);
    if (agent?.state !== 'wrap-up' || agent.wrapUpUntil !== until) return;
    await this.changeAgent(agent, wrapUpOver(agent, this.clock.now()));
  }

  private async ringExpired(entryId: string, offeredAt: number): Promise<void> {
    const key = `${entryId}@${offeredAt}`;
    const entry = this.index.entries.get(entryId);
    if (!entry || entry.offeredTo === undefined || entry.offeredAt !== offeredAt || entry.answeredAt !== undefined) {
      this.ownOffers.delete(key);
      return;
    }
    if (this.ringsHere(entry, offeredAt)) await this.missed(entry);
    else await this.takeBack(entry);
  }

  private async stepReached(entryId: string): Promise<void> {
    const r = this.index.refreshPhase(entryId, this.clock.now());
    if (!r) return;
    if (!samePhase(r.before, r.after.phase)) {
      const entry = this.index.entries.get(entryId)!;
      if (r.after.phase.kind === 'step' && this.ownEntries.has(entryId)) {
        this.emit({ type: 'step-changed', at: this.clock.now(), entryId, queueId: entry.queueId, step: r.after.phase.step });
      }
      this.markDirty(entryId, 'entry');
    }
    this.setStepTimer(entryId, r.after.nextChangeAt);
  }

  /** On a store only this engine uses: what its previous process left, as that process's end left it (./restart.ts). */
  private async restarted(): Promise<void> {
    const now = this.clock.now();
    for (const entry of [...this.index.entries.values()]) {
      const after = entryAfterRestart(entry);
      if (after === undefined) await this.deleteEntry(entry.id);
      else if (!sameRecord(after, entry)) await this.putEntry(after);
    }
    for (const agent of [...this.index.agents.values()]) {
      const after = agentAfterRestart(agent, now);
      if (!sameRecord(after, agent)) {
        await this.write('agent', agent.id, () => this.store.putAgent(after), () => this.applyAgent(after, true), after);
      }
    }
  }

  /**
   * After a load: what refers to nothing any more is released. An offer
   * whose agent is not reserved for it goes back in line; an agent reserved
   * or busy for an entry that is not offered to or answered by them is ready.
   * An agent busy with no entry is on another call (./other-calls.ts),
   * perhaps through another instance: left as is.
   */
  private async reconcile(): Promise<void> {
    const now = this.clock.now();
    for (const entry of [...this.index.entries.values()]) {
      if (entry.offeredTo === undefined || entry.answeredAt !== undefined) continue;
      const agent = this.index.agents.get(entry.offeredTo);
      if (!(agent?.state === 'reserved' && agent.entryId === entry.id)) await this.putEntry(withdrawn(entry));
    }
    for (const agent of [...this.index.agents.values()]) {
      if (!this.index.profiles.has(agent.id)) continue;
      const entry = agent.entryId === undefined ? undefined : this.index.entries.get(agent.entryId);
      const mine = entry?.offeredTo === agent.id;
      if (agent.state === 'reserved' && !(mine && entry!.answeredAt === undefined)) {
        await this.changeAgent(agent, afterWithdraw(agent, now));
      } else if (agent.state === 'busy' && agent.entryId !== undefined && !(mine && entry!.answeredAt !== undefined)) {
        await this.changeAgent(agent, wrapUpOver(agent, now));
      }
    }
  }

  // ---- instances (./instances.ts) -------------------------------------------------

  private beat(): Promise<void> {
    return this.store.heartbeat(this.instanceId, this.clock.now(), this.beatTtlMs);
  }

  private scheduleBeat(): void {
    if (!this.store.shared || this.stopped) return;
    this.beatTimer = this.clock.setTimer(this.clock.now() + this.beatMs, async () => {
      this.beatTimer = undefined;
      if (this.stopped) return;
      try {
        await this.beat();
      } catch (err) {
        if (!this.stopped) this.onError(err);
      }
      await this.timerOp(() => this.reapOrphans());
      this.scheduleBeat();
    });
  }

  /** Takes away what instances without a heartbeat held: entries, then agents' other calls. */
  private async reapOrphans(): Promise<void> {
    const entries = [...this.index.entries.values()].filter((e) => heldElsewhere(e, this.instanceId));
    const agents = [...this.index.agents.values()].filter((a) => heldElsewhere(a, this.instanceId));
    if (entries.length === 0 && agents.length === 0) return;
    const live = new Set(await this.store.liveInstances(this.clock.now()));
    live.add(this.instanceId);
    // Every dead caller out of line before any agent is freed, or an agent
    // freed early could be offered the next of them (by any instance).
    const reaped: QueueEntry[] = [];
    for (const { id } of entries) {
      const entry = this.index.entries.get(id);
      if (entry?.owner !== undefined && !live.has(entry.owner) && (await this.takeAway(entry))) reaped.push(entry);
    }
    for (const entry of reaped) await this.afterTakenAway(entry);
    for (const { id } of agents) {
      const agent = this.index.agents.get(id);
      if (agent) await this.reapAgent(agent, deadOwnersOf(agent, live));
    }
  }

  /** Removes (or puts back in line) an entry of a dead instance; true when this instance did it. */
  private async takeAway(entry: QueueEntry): Promise<boolean> {
    const fate = fateOf(entry);
    const now = this.clock.now();
    let won = false;
    if (fate.kind === 'requeued') {
      await this.write('entry', entry.id, async () => {
        won = await this.store.reapEntry(entry, fate.entry, now);
      }, () => { if (won) this.applyEntry(fate.entry, true); });
    } else {
      await this.write('entry-deleted', entry.id, async () => {
        won = await this.store.reapEntry(entry, undefined, now);
      }, () => { if (won) this.applyEntryDeleted(entry.id); });
    }
    return won;
  }

  /** The agent an entry taken away held is free; the end of its call reported. */
  private async afterTakenAway(entry: QueueEntry): Promise<void> {
    const fate = fateOf(entry);
    const now = this.clock.now();
    if (entry.answeredAt === undefined) {
      await this.freeOfferedAgent(entry);
    } else {
      const agent = entry.offeredTo === undefined ? undefined : this.index.agents.get(entry.offeredTo);
      if (agent?.state === 'busy' && agent.entryId === entry.id) await this.changeAgent(agent, wrapUpOver(agent, now));
    }
    if (fate.kind === 'abandoned') {
      this.emit({ type: 'abandoned', at: now, entryId: entry.id, queueId: entry.queueId, waitMs: now - entry.enqueuedAt, reason: 'instance-gone' });
    } else if (fate.kind === 'ended') {
      this.emit({ type: 'ended', at: now, entryId: entry.id, agentId: entry.offeredTo!, handleMs: now - entry.answeredAt! });
    }
  }

  private async reapAgent(agent: AgentStatus, dead: string[]): Promise<void> {
    if (dead.length === 0) return;
    const now = this.clock.now();
    const after = settled(withoutCallsOf(agent, dead), now);
    let won = false;
    await this.write('agent', agent.id, async () => {
      won = await this.store.reapAgent(agent, after, dead, now);
    }, () => { if (won) this.applyAgent(after, true); }, after);
    if (won) this.agentChanged(agent, after);
  }

  // ---- the mirror ---------------------------------------------------------------

  private onStoreChange(change: StoreChange): void {
    if (this.buffered) {
      this.buffered.push(change);
      return;
    }
    if (this.stopped) return;
    try {
      this.applyChange(change);
    } catch (err) {
      this.onError(err);
    }
    if (!this.inOp && this.isDirty()) this.scheduleDrain();
  }

  private applyChange(change: StoreChange): void {
    if (change.kind === 'entry') this.applyEntry(change.entry);
    else if (change.kind === 'agent') this.applyAgent(change.agent);
    else this.applyEntryDeleted(change.id);
  }

  /** Puts an entry into the mirror; `known`: our own write (no need to check it changes anything). */
  private applyEntry(entry: QueueEntry, known = false): void {
    const c = this.claiming;
    if (c && entry.id === c.entryId && entry.offeredTo === c.agentId && entry.offeredAt === c.at) {
      c.seen = true;
      known = true;
    }
    known = this.echo('entry', entry.id) || known;
    const old = this.index.entries.get(entry.id);
    if (!known && old && sameRecord(old, entry)) return;
    const before = this.index.phaseOf(entry.id)?.phase;
    const after = this.index.setEntry(entry, this.clock.now()).phase;
    if (old && after.kind === 'step' && !samePhase(before, after) && this.ownEntries.has(entry.id)) {
      // It passed a step boundary while it was being offered.
      this.emit({ type: 'step-changed', at: this.clock.now(), entryId: entry.id, queueId: entry.queueId, step: after.step });
    }
    this.syncEntryTimers(entry.id);
    this.markDirty(entry.id, 'entry');
  }

  private applyEntryDeleted(id: string): void {
    this.echo('entry-deleted', id);
    this.index.deleteEntry(id);
    this.ownEntries.delete(id);
    this.syncEntryTimers(id);
  }

  private applyAgent(agent: AgentStatus, known = false): void {
    known = this.echo('agent', agent.id, agent) || known;
    const old = this.index.agents.get(agent.id);
    if (!known && old && sameRecord(old, agent)) return;
    this.index.setAgent(agent);
    this.syncAgentTimers(agent);
    this.markDirty(agent.id, 'agent');
    this.offerSeen(old, agent, known);
  }

  /**
   * A change to an agent, as it touches the ringing here. Any instance may
   * offer the caller held here to an agent (the claim is atomic in the
   * store), and any may end an offer rung here (the agent paused or logged
   * out through it, ...); its events stay there. So this instance says so
   * itself, with `remote`: an agent reserved for a call held here, offered
   * elsewhere, is `offered-to-agent`; an agent rung here leaving `reserved`
   * is `agent-state`. Our own changes (`known`) say so where they are made.
   */
  private offerSeen(old: AgentStatus | undefined, agent: AgentStatus, known: boolean): void {
    const now = this.clock.now();
    const ringing = this.ringingHere.get(agent.id);
    if (ringing !== undefined && !(agent.state === 'reserved' && agent.entryId === ringing)) {
      this.ringingHere.delete(agent.id);
      if (!known && old?.state === 'reserved' && old.entryId === ringing) {
        const event: AcdEvent = { type: 'agent-state', at: now, agentId: agent.id, state: agent.state, previous: 'reserved', remote: true };
        if (agent.state === 'paused' && agent.pauseReason !== undefined) event.reason = agent.pauseReason;
        this.emit(event);
      }
    }
    if (!known) this.remoteOffer(agent.id);
  }

  /** An offer of a call held here, made by another instance, not yet told here: `offered-to-agent`, remote. */
  private remoteOffer(agentId: string | undefined): void {
    const agent = agentId === undefined ? undefined : this.index.agents.get(agentId);
    if (agent?.state !== 'reserved' || agent.entryId === undefined || this.ringingHere.get(agent.id) === agent.entryId) return;
    const entry = this.index.entries.get(agent.entryId);
    if (!entry || entry.offeredTo !== agent.id || entry.answeredAt !== undefined || entry.kind !== 'call') return;
    if (entry.owner !== this.instanceId || this.ownOffers.has(`${entry.id}@${entry.offeredAt}`)) return;
    this.ringingHere.set(agent.id, entry.id);
    this.emit({ type: 'offered-to-agent', at: entry.offeredAt ?? this.clock.now(), entryId: entry.id, agentId: agent.id, queueId: entry.queueId, remote: true });
  }

  /**
   * Whether a change is the echo of the write in progress (then marked
   * seen). When the write said what it writes, a change of the same record
   * that is not that (another instance's, delivered with ours before our
   * write settles) is marked seen but is not ours.
   */
  private echo(kind: 'entry' | 'agent' | 'entry-deleted', id: string, record?: unknown): boolean {
    const x = this.expecting;
    if (!x || x.kind !== kind || x.id !== id) return false;
    x.seen = true;
    return x.record === undefined || sameRecord(x.record, record);
  }

  /**
   * Our writes reach the mirror through the store's echo (onChange), in the
   * store's order with everyone else's changes; a store that did not echo
   * before the write settled gets the write applied then.
   */
  private async write(
    kind: 'entry' | 'agent' | 'entry-deleted', id: string, doWrite: () => Promise<void>, apply: () => void, record?: unknown,
  ): Promise<void> {
    const x = (this.expecting = { kind, id, seen: false, record });
    try {
      await doWrite();
    } finally {
      if (this.expecting === x) this.expecting = undefined;
    }
    if (!x.seen) apply();
  }

  private putEntry(entry: QueueEntry): Promise<void> {
    return this.write('entry', entry.id, () => this.store.putEntry(entry), () => this.applyEntry(entry, true));
  }

  private deleteEntry(id: string): Promise<void> {
    return this.write('entry-deleted', id, () => this.store.deleteEntry(id), () => this.applyEntryDeleted(id));
  }

  /** Writes the agent's new status, as their other calls make it (./other-calls.ts), and reports the change of state. */
  private async changeAgent(before: AgentStatus, proposed: AgentStatus): Promise<void> {
    const after = settled(proposed, this.clock.now());
    await this.write('agent', after.id, () => this.store.putAgent(after), () => this.applyAgent(after, true), after);
    this.agentChanged(before, after);
  }

  private agentChanged(before: AgentStatus, after: AgentStatus): void {
    if (before.state !== after.state || before.pauseReason !== after.pauseReason) {
      const event: AcdEvent = { type: 'agent-state', at: this.clock.now(), agentId: after.id, state: after.state, previous: before.state };
      if (after.state === 'paused' && after.pauseReason !== undefined) event.reason = after.pauseReason;
      this.emit(event);
    }
  }

  // ---- timers -------------------------------------------------------------------

  private syncEntryTimers(id: string): void {
    const entry = this.index.entries.get(id);
    if (!entry || entry.offeredTo !== undefined) this.setStepTimer(id, undefined);
    if (!entry || entry.offeredTo === undefined || entry.answeredAt !== undefined) {
      this.clearRingTimer(id, true);
      if (entry && entry.offeredTo === undefined) this.setStepTimer(id, this.index.phaseOf(id)?.nextChangeAt);
      return;
    }
    const q = this.index.queues.get(entry.queueId);
    if (!q) return;
    const offeredAt = entry.offeredAt ?? this.clock.now();
    const due = ringDeadline(q.config, offeredAt) + (this.ringsHere(entry, offeredAt) ? 0 : this.grace);
    const existing = this.ringTimers.get(id);
    if (existing && existing.offeredAt === offeredAt && existing.handle.at === due) return;
    this.clearRingTimer(id, existing !== undefined && existing.offeredAt !== offeredAt);
    const handle = this.clock.setTimer(due, () => {
      this.ringTimers.delete(id);
      return this.timerOp(() => this.ringExpired(id, offeredAt));
    });
    this.ringTimers.set(id, { handle, offeredAt });
  }

  private setStepTimer(id: string, at: number | undefined): void {
    const existing = this.stepTimers.get(id);
    if (existing && existing.at === at) return;
    if (existing) this.clock.clearTimer(existing);
    this.stepTimers.delete(id);
    if (at === undefined || this.stopped) return;
    this.stepTimers.set(
      id,
      this.clock.setTimer(at, () => {
        this.stepTimers.delete(id);
        return this.timerOp(() => this.stepReached(id));
      }),
    );
  }

  /** `offerOver`: that offer ended, whoever ended it: nothing of it is left to handle here. */
  private clearRingTimer(id: string, offerOver = false): void {
    const t = this.ringTimers.get(id);
    if (!t) return;
    this.clock.clearTimer(t.handle);
    this.ringTimers.delete(id);
    if (offerOver) this.ownOffers.delete(`${id}@${t.offeredAt}`);
  }

  private syncAgentTimers(agent: AgentStatus): void {
    const id = agent.id;
    const existing = this.wrapTimers.get(id);
    if (agent.state !== 'wrap-up' || agent.wrapUpUntil === undefined) {
      if (existing) {
        this.clock.clearTimer(existing.handle);
        this.wrapTimers.delete(id);
        this.ownWrapUps.delete(`${id}@${existing.until}`);
      }
      return;
    }
    const until = agent.wrapUpUntil;
    const due = until + (this.ownWrapUps.has(`${id}@${until}`) ? 0 : this.grace);
    if (existing && existing.until === until && existing.handle.at === due) return;
    if (existing) this.clock.clearTimer(existing.handle);
    if (this.stopped) return;
    const handle = this.clock.setTimer(due, () => {
      this.wrapTimers.delete(id);
      return this.timerOp(() => this.wrapUpEnded(id, until));
    });
    this.wrapTimers.set(id, { handle, until });
  }

  // ---- helpers ------------------------------------------------------------------

  private forgetOffer(entry: QueueEntry): void {
    this.ownOffers.delete(`${entry.id}@${entry.offeredAt}`);
    this.clearRingTimer(entry.id);
  }

  /**
   * Whether this instance's telephony layer rings the offer of the entry
   * made at `offeredAt`: for a call, the instance holding the caller,
   * whoever made the offer; for a callback (nobody's while in line) or a
   * call written before owners existed, the instance that made it.
   */
  private ringsHere(entry: QueueEntry, offeredAt: number | undefined): boolean {
    if (entry.kind === 'call' && entry.owner !== undefined) return entry.owner === this.instanceId;
    return this.ownOffers.has(`${entry.id}@${offeredAt}`);
  }

  private emit(event: AcdEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private queue(id: string): QueueConfig {
    const q = this.index.queues.get(id);
    if (!q) throw new AcdError(`unknown queue ${id}`);
    return q.config;
  }

  private agentOrThrow(id: string, callId: string): AgentStatus {
    if (!this.index.profiles.has(id)) throw new AcdError(`unknown agent ${id}`);
    if (typeof callId !== 'string' || callId === '') throw new AcdError(`agent ${id}: a call id is needed, got ${JSON.stringify(callId)}`);
    return this.index.agents.get(id)!;
  }

  private entryOrThrow(id: string): QueueEntry {
    const e = this.index.entries.get(id);
    if (!e) throw new AcdError(`unknown entry ${id} (not in any queue)`);
    return e;
  }

  /** The entry, if it is ringing this agent now (offered, not answered). */
  private ringing(entryId: string, agentId: string): QueueEntry {
    const entry = this.entryOrThrow(entryId);
    if (entry.offeredTo !== agentId || entry.answeredAt !== undefined) {
      throw new AcdError(`entry ${entryId} is not ringing agent ${agentId}`);
    }
    return entry;
  }
}

function checkNewEntry(e: NewEntry): void {
  const bad = (field: string, problem: string, got: unknown): never => {
    throw new AcdError(`entry ${JSON.stringify(e?.id)}: ${field}: ${problem}, got ${JSON.stringify(got)}`);
  };
  if (typeof e !== 'object' || e === null) throw new AcdError('enqueue: an entry object is needed');
  if (typeof e.id !== 'string' || e.id === '') bad('id', 'must be a non-empty string', e.id);
  if (e.kind !== 'call' && e.kind !== 'callback') bad('kind', "must be 'call' or 'callback'", e.kind);
  if (typeof e.enqueuedAt !== 'number' || !Number.isFinite(e.enqueuedAt)) bad('enqueuedAt', 'must be a time in ms', e.enqueuedAt);
  if (typeof e.priority !== 'number' || !Number.isFinite(e.priority)) bad('priority', 'must be a number', e.priority);
  if (typeof e.data !== 'object' || e.data === null) bad('data', 'must be an object of strings', e.data);
  if (e.personalAgentId !== undefined && typeof e.personalAgentId !== 'string') bad('personalAgentId', 'must be an agent id', e.personalAgentId);
}
