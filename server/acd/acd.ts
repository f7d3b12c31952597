/**
 * The ACD: the routing brain. It takes events (a call enters a queue, the
 * caller hangs up or asks for a callback, an agent logs in, pauses, answers
 * or does not) and emits decisions and events (`offered-to-agent` tells the
 * telephony layer to ring that agent). It knows nothing of SIP, media or
 * HTTP, and its time comes from an injected Clock.
 *
 * The rules live one per file:
 *   eligibility.ts  who may take an entry as it waits (circles that widen, personal queue)
 *   ordering.ts     the order of the line (priority classes or head start)
 *   selection.ts    longest-idle agent first, ties by skill level; personal calls first
 *   offers.ts       ringing, no answer, skip and pause
 *   wrapup.ts       wrap-up after a call
 *   agents.ts       agent states and the agent's own actions
 *   other-calls.ts  an agent on a call that did not come from the ACD is busy until it ends
 *   callbacks.ts    callbacks keeping their place, retries
 *   ewt.ts          estimated wait time
 *   instances.ts    heartbeats; what a dead instance's calls left is taken away
 *   restart.ts      what a restart on a store only this engine uses ends
 * and the engine that applies them, one job per file:
 *   serial.ts       operations one after another, each ending with matching
 *   mirror.ts       the mirror of the store (store-port.ts) and the echo of our writes
 *   matching.ts     matching what changed: offers, claimed atomically in the store
 *   lifecycle.ts    what each action does to entries and agents
 *   timers.ts       step boundaries, ring timeouts, wrap-ups, and stepping in for others
 *   ringing.ts      offers across instances: who rings, and telling the ringing instance
 *   takeover.ts     heartbeat, and taking away a dead instance's calls
 *   startup.ts      the loaded state taken over as the engine starts
 *   snapshot.ts     the line, the agents and the estimated wait, for display
 * This file is the public face: it ties them together.
 *
 * Public methods return a promise that settles when the engine is idle
 * again: the action and everything it set off (offers, listeners' calls
 * back into the engine) are done. Wrong use (an unknown entry, an offer
 * that is not ringing that agent) rejects with an AcdError. Listeners are
 * called synchronously during an operation; a listener may call back into
 * the engine (that call runs after the current operation).
 *
 * Events are emitted by the instance that performed the action, so several
 * instances sharing a store do not double-count; step changes are reported
 * by the instance where the entry was enqueued. The `remote` events
 * (./ringing.ts) repeat another instance's for the ringing here: not to be
 * counted.
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
import type { Clock } from './clock.js';
import { samePhase, type Phase, type PhaseAt } from './eligibility.js';
import { AcdError } from './errors.js';
import { DEFAULT_HEARTBEAT_MS, HEARTBEAT_TTL_BEATS } from './instances.js';
import { Lifecycle } from './lifecycle.js';
import { Matcher } from './matching.js';
import { StoreMirror } from './mirror.js';
import type { AcdEvent, AgentProfile, AgentStatus, NewEntry, QueueConfig, QueueEntry } from './model.js';
import { compact, omit } from './records.js';
import { Ringing } from './ringing.js';
import { RoutingIndex } from './routing-index.js';
import { Serial } from './serial.js';
import { Views, type AcdSnapshot } from './snapshot.js';
import { takeOverLoaded, unplaceableEntries, type UnplaceableEntry } from './startup.js';
import type { AcdStore } from './store-port.js';
import { Takeover } from './takeover.js';
import { EngineTimers } from './timers.js';
import { validateAgents, validateNewEntry, validateQueues } from './validate.js';

export { AcdError } from './errors.js';
export type { NewEntry } from './model.js';
export type { AcdSnapshot, QueueSnapshot, SnapshotEntry } from './snapshot.js';

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
  /** Each loaded entry that cannot be placed, at start (./startup.ts). Default: one line on stderr. */
  onUnplaceable?: (unplaceable: UnplaceableEntry) => void;
}

export type AcdListener = (event: AcdEvent) => void;

const DEFAULT_GRACE_MS = 2_000;

export class Acd {
  /** Who holds the calls enqueued and answered here (./instances.ts). */
  readonly instanceId: string;
  private readonly store: AcdStore;
  private readonly clock: Clock;
  private readonly onError: (err: unknown) => void;
  private readonly onUnplaceable: (unplaceable: UnplaceableEntry) => void;
  /** Loaded entries the store kept aside: their id was taken. */
  private duplicates: QueueEntry[] = [];
  private readonly listeners = new Set<AcdListener>();
  private readonly index: RoutingIndex;
  private readonly serial: Serial;
  private readonly mirror: StoreMirror;
  private readonly ringing: Ringing;
  private readonly timers: EngineTimers;
  private readonly matcher: Matcher;
  private readonly lifecycle: Lifecycle;
  private readonly takeover: Takeover;
  private readonly views: Views;
  /** Entries enqueued here: this instance reports their step changes. */
  private readonly ownEntries = new Set<string>();
  private starting = false;
  private started = false;
  /**
   * Queues taken out of the configuration while callers waited in them:
   * kept, with the agents who answered them, until their line is empty;
   * nobody new joins them.
   */
  private readonly retired = new Set<string>();

  constructor(options: AcdOptions) {
    validateQueues(options.queues);
    validateAgents(options.agents, new Set(options.queues.map((q) => q.id)));
    const { store, clock } = options;
    this.store = store;
    this.clock = clock;
    this.onError = options.onError ?? ((err) => console.error('acd:', err));
    this.onUnplaceable = options.onUnplaceable
      ?? (({ entry, reason }) => console.error(`acd: entry ${entry.id} of queue ${entry.queueId} cannot be placed (${reason}): kept, never offered`));
    this.instanceId = options.instanceId ?? randomUUID();
    const beatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    const beatTtlMs = options.heartbeatTtlMs ?? HEARTBEAT_TTL_BEATS * beatMs;
    if (!(beatMs > 0) || !(beatTtlMs > beatMs)) {
      throw new AcdError(`heartbeatTtlMs (${beatTtlMs}) must be longer than heartbeatMs (${beatMs}), which must be positive`);
    }
    const emit = (event: AcdEvent) => this.emit(event);
    const index = (this.index = new RoutingIndex(options.queues, options.agents));
    const serial = (this.serial = new Serial({ needed: () => this.matcher.isDirty(), run: () => this.matcher.drain() }, this.onError));
    const stopped = () => serial.stopped;
    const mirror = (this.mirror = new StoreMirror(store, index, clock, {
      entryApplied: (entry, old, before, after) => this.entryApplied(entry, old, before, after),
      entryDeleted: (id) => {
        this.ownEntries.delete(id);
        this.timers.syncEntry(id);
      },
      agentApplied: (old, agent, known) => {
        this.timers.syncAgent(agent);
        this.matcher.agentChanged(agent.id);
        this.ringing.agentChanged(old, agent, known);
      },
      changedByStore: () => {
        if (!serial.inOp && this.matcher.isDirty()) serial.scheduleSettle();
      },
    }, this.onError, stopped));
    const ringing = (this.ringing = new Ringing(index, this.instanceId, clock, emit));
    const timers = (this.timers = new EngineTimers(clock, index, ringing, options.takeoverGraceMs ?? DEFAULT_GRACE_MS, {
      stepReached: (id) => serial.timerOp(() => this.stepReached(id)),
      ringExpired: (id, offeredAt) => serial.timerOp(() => this.lifecycle.ringExpired(id, offeredAt)),
      wrapUpEnded: (id, until) => serial.timerOp(() => this.lifecycle.wrapUpEnded(id, until)),
    }, stopped));
    const matcher = (this.matcher = new Matcher(index, mirror, ringing, timers, clock, emit));
    this.views = new Views(index);
    const lifecycle = (this.lifecycle = new Lifecycle({
      index, mirror, timers, ringing, matcher, clock, emit, instanceId: this.instanceId,
      handled: (queueId, seconds) => this.views.handled(queueId, seconds),
    }));
    this.takeover = new Takeover({
      store, clock, index, mirror, lifecycle, serial, emit, onError: this.onError, instanceId: this.instanceId, beatMs, beatTtlMs,
    });
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
    this.mirror.listen();
    let loaded: Awaited<ReturnType<AcdStore['load']>>;
    try {
      // Alive before anything of ours can be in the store.
      if (this.store.shared) await this.takeover.beat();
      loaded = await this.store.load();
    } catch (err) {
      this.mirror.unlisten();
      this.starting = false;
      throw err;
    }
    const buffered = this.mirror.endBuffering();
    // From here actions queue behind the start-up operation.
    this.started = true;
    await this.serial.run(async () => {
      const now = this.clock.now();
      for (const a of loaded.agents) this.mirror.applyAgent(a);
      for (const id of this.index.profiles.keys()) {
        if (!this.index.agents.has(id)) this.index.setAgent(agentRules.loggedOut(id, now));
      }
      for (const e of loaded.entries) this.mirror.applyEntry(e);
      for (const c of buffered) this.mirror.applyChange(c);
      await takeOverLoaded({ index: this.index, mirror: this.mirror, lifecycle: this.lifecycle, clock: this.clock }, this.store.shared);
      this.duplicates = loaded.duplicates ?? [];
      for (const u of unplaceableEntries(this.index, this.duplicates)) this.onUnplaceable(u);
      if (this.store.shared) await this.takeover.reapOrphans();
      this.matcher.everyEntry();
    });
    this.takeover.schedule();
    await this.idle();
  }

  /** Stops timers and listening to the store (the store stays open: close it yourself). */
  async stop(): Promise<void> {
    if (!this.started || this.serial.stopped) return;
    await this.idle();
    this.serial.stop();
    this.mirror.unlisten();
    this.takeover.stop();
    this.timers.stop();
    this.ringing.stop();
  }

  /** Resolves when no operation is running or queued. */
  idle(): Promise<void> {
    return this.serial.idle();
  }

  // ---- entries ----------------------------------------------------------------

  /** A call (or callback) joins its queue: `queued`, then an offer when an agent can take it. */
  enqueue(input: NewEntry): Promise<void> {
    return this.act(async () => {
      validateNewEntry(input);
      if (!this.index.queues.has(input.queueId) || this.retired.has(input.queueId)) throw new AcdError(`entry ${input.id}: unknown queue ${input.queueId}`);
      if (this.index.entries.has(input.id)) throw new AcdError(`entry ${input.id} is already queued`);
      const fields = omit(input as QueueEntry, 'offeredTo', 'offeredAt', 'answeredAt', 'owner');
      const entry = compact({ ...fields, ...(input.kind === 'call' ? { owner: this.instanceId } : {}), data: { ...input.data } });
      this.ownEntries.add(entry.id);
      await this.mirror.putEntry(entry);
      this.emit({ type: 'queued', at: this.clock.now(), entry });
    });
  }

  /**
   * The caller hung up before an answer: `abandoned` with the wait time (an
   * offer ringing is taken back). For a callback: `callback-done`
   * `cancelled`. For an answered entry it is the end of the call (callEnded).
   */
  abandon(entryId: string): Promise<void> {
    return this.act(() => this.lifecycle.abandon(this.entryOrThrow(entryId)));
  }

  /**
   * The caller waited as long as the flow lets them (its maximum wait) and
   * leaves the line to go on in the flow: `overflowed` with the wait time,
   * an offer ringing is taken back (not a miss). Counted apart from
   * abandons: the caller did not give up.
   */
  overflow(entryId: string): Promise<void> {
    return this.act(() => this.lifecycle.overflow(this.entryOrThrow(entryId)));
  }

  /**
   * A callback taken out of line by hand before it is made: `callback-done`
   * `cancelled`; an agent rung for it is ready again, not their miss.
   * Refused once an agent answered it (the customer is being dialled, or
   * talking): that call ends as calls do.
   */
  cancelCallback(entryId: string): Promise<void> {
    return this.act(() => this.lifecycle.cancelCallback(this.entryOrThrow(entryId)));
  }

  /**
   * The waiting caller asked to be called back: same place, same enqueue
   * time, now a callback. `data` is merged into the entry's (e.g. the
   * number to call back).
   */
  requestCallback(entryId: string, data?: Readonly<Record<string, string>>): Promise<void> {
    return this.act(() => this.lifecycle.requestCallback(this.entryOrThrow(entryId), data));
  }

  /**
   * The agent answered a callback but the caller did not: the agent is free,
   * the callback is tried again later at its old place, or given up
   * (./callbacks.ts).
   */
  callbackNoAnswer(entryId: string): Promise<void> {
    return this.act(() => this.lifecycle.callbackNoAnswer(this.entryOrThrow(entryId)));
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
    return this.act(() => this.lifecycle.callbackAgentLeft(this.entryOrThrow(entryId)));
  }

  // ---- agents -----------------------------------------------------------------

  login(agentId: string): Promise<void> {
    return this.agentAction(agentId, (s, at) => agentRules.login(s, at));
  }

  /** Logged out (after the current call and its wrap-up, when busy). */
  logout(agentId: string): Promise<void> {
    return this.agentAction(agentId, (s, at) => agentRules.logout(s, at));
  }

  /** Ready for calls (from paused or wrap-up; while busy: cancels a pending pause or log-out). */
  ready(agentId: string): Promise<void> {
    return this.agentAction(agentId, (s, at) => agentRules.ready(s, at));
  }

  /** Paused with a reason (after the current call and its wrap-up, when busy). */
  pause(agentId: string, reason: string): Promise<void> {
    return this.agentAction(agentId, (s, at) => agentRules.pause(s, reason, at));
  }

  /**
   * The agent is on a call that did not come from the ACD (./other-calls.ts),
   * known by the telephony layer's `callId`: busy and offered nothing until
   * otherCallEnded with the same id, unless logged out or paused. An offer
   * ringing them is taken back first, not counted as a miss. Reporting the
   * same call again changes nothing.
   */
  otherCallStarted(agentId: string, callId: string): Promise<void> {
    return this.act(() => this.lifecycle.otherCallStarted(this.agentOrThrow(agentId, callId), callId));
  }

  /** That other call ended: when it was the last, the agent is ready again (or what they asked for meanwhile). */
  otherCallEnded(agentId: string, callId: string): Promise<void> {
    return this.act(() => this.lifecycle.otherCallEnded(this.agentOrThrow(agentId, callId), callId));
  }

  // ---- offers and calls -------------------------------------------------------

  /** The agent answered the offer: `answered` with the wait; the agent is busy. */
  offerAccepted(entryId: string, agentId: string): Promise<void> {
    return this.act(() => this.lifecycle.offerAccepted(this.ringingEntry(entryId, agentId), agentId));
  }

  /** The agent rejected the offer; the same as a ring timeout: a miss (./offers.ts). */
  offerRejected(entryId: string, agentId: string): Promise<void> {
    return this.act(() => this.lifecycle.missed(this.ringingEntry(entryId, agentId)));
  }

  /** The call ended: `ended` with the handling time; the agent goes to wrap-up, then ready. Before an answer: abandon. */
  callEnded(entryId: string): Promise<void> {
    return this.act(() => this.lifecycle.callEnded(this.entryOrThrow(entryId)));
  }

  // ---- configuration ----------------------------------------------------------

  /**
   * New queues and agent profiles while running (./README.md, "Changing
   * queues and agents"). Callers keep their place and agents their state;
   * each waiting caller's step is worked out again under the new steps. A
   * queue removed while callers wait in it is retired: its callers are
   * still served, by the agents who answered it, until its line is empty;
   * nobody new joins it. An agent removed keeps their state and finishes a
   * call in progress, and is offered nothing more. An agent added starts
   * logged out.
   */
  reconfigure(queues: QueueConfig[], agents: AgentProfile[]): Promise<void> {
    return this.act(async () => {
      validateQueues(queues);
      validateAgents(agents, new Set(queues.map((q) => q.id)));
      const configured = new Set(queues.map((q) => q.id));
      const waiting = new Set([...this.index.entries.values()].filter((e) => e.answeredAt === undefined).map((e) => e.queueId));
      const kept = [...this.index.queues.values()].filter((q) => !configured.has(q.config.id) && waiting.has(q.config.id));
      this.retired.clear();
      for (const q of kept) this.retired.add(q.config.id);
      const profiles = agents.map((p) => {
        const answered = this.index.profiles.get(p.id)?.queues.filter((id) => this.retired.has(id)) ?? [];
        return answered.length ? { ...p, queues: [...p.queues, ...answered] } : p;
      });
      const now = this.clock.now();
      const before = new Map([...this.ownEntries].map((id) => [id, this.index.phaseOf(id)?.phase]));
      this.index.reconfigure([...queues, ...kept.map((q) => q.config)], profiles, now);
      // As at start: an agent the store knows nothing of is logged out, without a write.
      for (const p of profiles) if (!this.index.agents.has(p.id)) this.index.setAgent(agentRules.loggedOut(p.id, now));
      for (const [id, phase] of before) {
        const after = this.index.phaseOf(id)?.phase;
        const entry = this.index.entries.get(id);
        if (entry && after?.kind === 'step' && !samePhase(phase, after)) {
          this.emit({ type: 'step-changed', at: now, entryId: id, queueId: entry.queueId, step: after.step });
        }
      }
      for (const id of this.index.entries.keys()) this.timers.syncEntry(id);
      for (const agent of this.index.agents.values()) {
        this.timers.syncAgent(agent);
        this.matcher.agentChanged(agent.id);
      }
      this.matcher.everyEntry();
    });
  }

  // ---- views ------------------------------------------------------------------

  /**
   * Estimated wait in seconds for a new caller of the queue, or for an entry
   * already in line (from its place); Infinity when nobody staffs the queue.
   */
  estimatedWaitSeconds(queueId: string, entryId?: string): number {
    if (!this.index.queues.has(queueId)) throw new AcdError(`unknown queue ${queueId}`);
    return this.views.estimatedWaitSeconds(queueId, entryId);
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
    return this.timers.pending();
  }

  /** The agent's configuration (device, skills, queues): whom to ring for an offer. */
  profile(agentId: string): AgentProfile | undefined {
    return this.index.profiles.get(agentId);
  }

  /** Queues with their line in order, agents with their states. */
  snapshot(): AcdSnapshot {
    return this.views.snapshot(this.clock.now(), unplaceableEntries(this.index, this.duplicates));
  }

  // ---- the engine -------------------------------------------------------------

  /** A public action: one operation, settled when the engine is idle again. */
  private act<T>(op: () => Promise<T>): Promise<T> {
    if (!this.started) return Promise.reject(new AcdError('the ACD is not started: call start() first'));
    return this.serial.run(op).finally(() => this.idle());
  }

  private agentAction(agentId: string, rule: (status: AgentStatus, at: number) => agentRules.Transition): Promise<void> {
    return this.act(async () => {
      if (!this.index.profiles.has(agentId)) throw new AcdError(`unknown agent ${agentId}`);
      await this.lifecycle.agentAction(agentId, rule);
    });
  }

  /** An entry went into the mirror: its timers, its matching, and a step boundary it passed while offered. */
  private entryApplied(entry: QueueEntry, old: QueueEntry | undefined, before: Phase | undefined, after: PhaseAt): void {
    if (old && after.phase.kind === 'step' && !samePhase(before, after.phase) && this.ownEntries.has(entry.id)) {
      this.emit({ type: 'step-changed', at: this.clock.now(), entryId: entry.id, queueId: entry.queueId, step: after.phase.step });
    }
    this.timers.syncEntry(entry.id);
    this.matcher.entryChanged(entry.id);
  }

  /** A waiting entry's step boundary: its new phase, reported where it was enqueued, and matched. */
  private async stepReached(entryId: string): Promise<void> {
    const r = this.index.refreshPhase(entryId, this.clock.now());
    if (!r) return;
    if (!samePhase(r.before, r.after.phase)) {
      const entry = this.index.entries.get(entryId)!;
      if (r.after.phase.kind === 'step' && this.ownEntries.has(entryId)) {
        this.emit({ type: 'step-changed', at: this.clock.now(), entryId, queueId: entry.queueId, step: r.after.phase.step });
      }
      this.matcher.entryChanged(entryId);
    }
    this.timers.setStep(entryId, r.after.nextChangeAt);
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
  private ringingEntry(entryId: string, agentId: string): QueueEntry {
    const entry = this.entryOrThrow(entryId);
    if (entry.offeredTo !== agentId || entry.answeredAt !== undefined) {
      throw new AcdError(`entry ${entryId} is not ringing agent ${agentId}`);
    }
    return entry;
  }
}
