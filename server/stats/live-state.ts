/**
 * The live state of the contact center, for supervisors and agents: per
 * queue the callers waiting, the longest and the estimated wait and the
 * members by state; per agent the state, since when, and the call they are
 * on; and every call to a service number in progress.
 *
 * A read model: the queues and agents come from the ACD's snapshot at the
 * moment of reading, the calls from the contact center's events
 * (server/calls/events.ts) joined to the ACD's by the entry's `callId`.
 * `onChange` says what moved, so a feed (./live-feed.ts) can publish it;
 * a queue or agent it names that is no longer there was removed.
 */
import type { Acd, AcdEvent, AgentState, AgentStatus, QueueSnapshot } from '../acd/index.js';
import type { CallEvent } from '../calls/events.js';

export const AGENT_STATES: readonly AgentState[] = ['ready', 'reserved', 'busy', 'wrap-up', 'paused', 'logged-out'];

export type AgentsByState = Record<AgentState, number>;

export interface QueueLive {
  id: string;
  name: string;
  /** Callers in line not being offered to an agent. */
  waiting: number;
  /** Callers in line whose agent is being rung. */
  offered: number;
  /** The longest wait among those in line, in seconds (0 when nobody is). */
  longestWaitSeconds: number;
  /** What a new caller would wait, in seconds; null when nobody staffs the queue. */
  estimatedWaitSeconds: number | null;
  /** The queue's members by state. */
  agents: AgentsByState;
}

/** The call an agent is ringing for, talking on or wrapping up after. */
export interface AgentCall {
  /** The caller's call (absent for a callback, whose caller is dialled once the agent answers). */
  callId?: string;
  /** The ACD entry offered to or handled by the agent; absent for a call that did not come from the ACD. */
  entryId?: string;
  queueId?: string;
  caller?: string;
  service?: string;
  /** A callback: the agent is connected to the customer once the customer answers. */
  callback?: true;
}

export interface AgentLive {
  id: string;
  name: string;
  state: AgentState;
  /** When the current state began (ISO 8601). */
  since: string;
  secondsInState: number;
  pauseReason?: string;
  /** Offers the agent let ring out in a row (the queue's maxMissedOffers pauses them); absent when none. */
  missedInRow?: number;
  call: AgentCall | null;
}

export type CallStage = 'ivr' | 'waiting' | 'ringing' | 'connected';

export interface CallLive {
  callId: string;
  service: string;
  dialled: string;
  caller: string;
  /** When the call was answered by the product (ISO 8601). */
  since: string;
  /** In the flow, waiting in a queue, an agent being rung, or connected to the agent. */
  stage: CallStage;
  /** The queue the caller is or was in; null before any. */
  queueId: string | null;
  /** Time in the queue, in seconds: so far while in line, final once answered or out of line; null before any queue. */
  waitSeconds: number | null;
  /** The agent rung or connected; null otherwise. */
  agentId: string | null;
  /** Marked VIP by the flow (a CRM lookup or a `set` node) when it entered the queue. */
  vip: boolean;
}

export interface LiveView {
  at: string;
  queues: QueueLive[];
  agents: AgentLive[];
  calls: CallLive[];
}

/** What moved: read it again to publish it. A call that ended comes with its last view. */
export type LiveChange =
  | { kind: 'queue'; id: string }
  | { kind: 'agent'; id: string }
  | { kind: 'call'; id: string }
  | { kind: 'call-ended'; call: CallLive };

export type LiveAcd = Pick<Acd, 'snapshot' | 'on' | 'profile' | 'entry'>;

/** Where the contact center's call events come from (CallCenter). */
export interface CallEventSource {
  on(event: 'event', listener: (e: CallEvent) => void): unknown;
  off(event: 'event', listener: (e: CallEvent) => void): unknown;
}

interface TrackedCall {
  callId: string;
  service: string;
  dialled: string;
  caller: string;
  startedAt: number;
  queueId?: string;
  entryId?: string;
  enqueuedAt?: number;
  vip?: boolean;
  /** Set once out of line (answered, abandoned, overflowed): the wait no longer grows. */
  waitMs?: number;
  ringing?: string;
  agentId?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const seconds = (ms: number): number => Math.max(0, Math.floor(ms / 1000));

export class LiveState {
  private readonly calls = new Map<string, TrackedCall>();
  /** ACD entry → the call it stands for. */
  private readonly callOfEntry = new Map<string, string>();
  private readonly listeners = new Set<(change: LiveChange) => void>();
  private readonly stopAcd: () => void;
  private readonly onCallEvent = (e: CallEvent): void => this.callEvent(e);
  /** The queues and agents as of the last configuration, to tell which a new one removed. */
  private configured: { queues: string[]; agents: string[] };

  constructor(private readonly acd: LiveAcd, private readonly callEvents: CallEventSource) {
    this.stopAcd = acd.on((e) => this.acdEvent(e));
    callEvents.on('event', this.onCallEvent);
    this.configured = configuredIds(acd);
  }

  stop(): void {
    this.stopAcd();
    this.callEvents.off('event', this.onCallEvent);
    this.listeners.clear();
  }

  /** Told of every change; returns a function that stops it. */
  onChange(listener: (change: LiveChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The ACD took new queues and agents (server/reconfigure.ts): any of them,
   * and any it had before, may have come, gone, been renamed or changed
   * members. Each is told as changed; one no longer there was removed.
   */
  configurationChanged(): void {
    const before = this.configured;
    this.configured = configuredIds(this.acd);
    for (const id of new Set([...before.queues, ...this.configured.queues])) this.changed({ kind: 'queue', id });
    for (const id of new Set([...before.agents, ...this.configured.agents])) this.changed({ kind: 'agent', id });
  }

  /** Everything, as of now. */
  view(): LiveView {
    return this.read().all();
  }

  /** One consistent reading of the ACD: look up as many queues, agents and calls in it as needed. */
  read(): LiveReading {
    return new LiveReading(this.acd, this.acd.snapshot(), this.calls, this.callOfEntry);
  }

  private changed(change: LiveChange): void {
    for (const l of this.listeners) l(change);
  }

  private callEvent(e: CallEvent): void {
    if (e.type === 'call-started') {
      this.calls.set(e.callId, { callId: e.callId, service: e.service, dialled: e.dialled, caller: e.caller, startedAt: e.at });
      this.changed({ kind: 'call', id: e.callId });
    } else if (e.type === 'call-ended') {
      const call = this.calls.get(e.callId);
      if (!call) return;
      const last = callView(call, e.at);
      this.calls.delete(e.callId);
      if (call.entryId !== undefined) this.callOfEntry.delete(call.entryId);
      this.changed({ kind: 'call-ended', call: last });
    }
  }

  private acdEvent(e: AcdEvent): void {
    if (e.type === 'agent-state') {
      // Also another instance's change told here (remote): not to be counted, but the state did change.
      this.changed({ kind: 'agent', id: e.agentId });
      for (const q of this.acd.profile(e.agentId)?.queues ?? []) this.changed({ kind: 'queue', id: q });
      return;
    }
    if (e.type === 'queued') {
      const callId = e.entry.data['callId'];
      const call = callId !== undefined ? this.calls.get(callId) : undefined;
      if (call) {
        Object.assign(call, { queueId: e.entry.queueId, entryId: e.entry.id, enqueuedAt: e.entry.enqueuedAt, vip: e.entry.data['vip'] === 'true' });
        delete call.waitMs;
        this.callOfEntry.set(e.entry.id, call.callId);
        this.changed({ kind: 'call', id: call.callId });
      }
      this.changed({ kind: 'queue', id: e.entry.queueId });
      return;
    }
    const queueId = 'queueId' in e ? e.queueId : 'entryId' in e ? this.acd.entry(e.entryId)?.queueId : undefined;
    if (queueId !== undefined) this.changed({ kind: 'queue', id: queueId });
    if (!('entryId' in e)) return;
    const call = this.calls.get(this.callOfEntry.get(e.entryId) ?? '');
    if (!call) return;
    switch (e.type) {
      case 'offered-to-agent':
        call.ringing = e.agentId;
        break;
      case 'offer-missed':
        delete call.ringing;
        break;
      case 'answered':
        delete call.ringing;
        call.agentId = e.agentId;
        call.waitMs = e.waitMs;
        break;
      case 'abandoned':
      case 'overflowed':
        delete call.ringing;
        call.waitMs = e.waitMs;
        this.callOfEntry.delete(e.entryId);
        break;
      default:
        return;
    }
    this.changed({ kind: 'call', id: call.callId });
  }
}

/** The live state as of one ACD snapshot. */
export class LiveReading {
  private readonly byQueue = new Map<string, QueueSnapshot>();
  private readonly byAgent = new Map<string, AgentStatus>();
  private membersByState?: Map<string, AgentsByState>;

  constructor(
    private readonly acd: LiveAcd,
    private readonly snapshot: ReturnType<Acd['snapshot']>,
    private readonly calls: ReadonlyMap<string, TrackedCall>,
    private readonly callOfEntry: ReadonlyMap<string, string>,
  ) {
    for (const q of snapshot.queues) this.byQueue.set(q.id, q);
    for (const a of snapshot.agents) this.byAgent.set(a.id, a);
  }

  get at(): number {
    return this.snapshot.at;
  }

  all(): LiveView {
    return {
      at: iso(this.at),
      queues: this.snapshot.queues.map((q) => this.queue(q.id)!),
      agents: this.snapshot.agents.map((a) => this.agent(a.id)!),
      calls: [...this.calls.keys()].map((id) => this.call(id)!),
    };
  }

  queue(id: string): QueueLive | undefined {
    const q = this.byQueue.get(id);
    if (!q) return undefined;
    const longest = q.entries.reduce((max, e) => Math.max(max, e.waitMs), 0);
    return {
      id: q.id,
      name: q.name,
      waiting: q.waiting,
      offered: q.entries.length - q.waiting,
      longestWaitSeconds: seconds(longest),
      estimatedWaitSeconds: Number.isFinite(q.estimatedWaitSeconds) ? Math.round(q.estimatedWaitSeconds) : null,
      agents: this.members().get(id) ?? emptyCounts(),
    };
  }

  agent(id: string): AgentLive | undefined {
    const a = this.byAgent.get(id);
    if (!a) return undefined;
    return {
      id: a.id,
      name: this.acd.profile(a.id)?.name ?? a.id,
      state: a.state,
      since: iso(a.since),
      secondsInState: seconds(this.at - a.since),
      ...(a.pauseReason !== undefined ? { pauseReason: a.pauseReason } : {}),
      ...(a.missedInRow > 0 ? { missedInRow: a.missedInRow } : {}),
      call: this.agentCall(a),
    };
  }

  call(id: string): CallLive | undefined {
    const c = this.calls.get(id);
    return c && callView(c, this.at);
  }

  private agentCall(a: AgentStatus): AgentCall | null {
    if (a.entryId !== undefined) {
      const entry = this.acd.entry(a.entryId);
      const callId = this.callOfEntry.get(a.entryId) ?? entry?.data['callId'];
      return {
        ...compact({ callId, entryId: a.entryId, queueId: entry?.queueId, caller: entry?.data['caller'], service: entry?.data['service'] }),
        ...(entry?.kind === 'callback' ? { callback: true as const } : {}),
      };
    }
    const other = a.otherCalls?.[0];
    return other !== undefined ? { callId: other } : null;
  }

  /** Members of each queue by state, counted once per reading. */
  private members(): Map<string, AgentsByState> {
    if (this.membersByState) return this.membersByState;
    const counts = new Map<string, AgentsByState>();
    for (const a of this.snapshot.agents) {
      for (const q of this.acd.profile(a.id)?.queues ?? []) {
        let c = counts.get(q);
        if (!c) counts.set(q, (c = emptyCounts()));
        c[a.state] += 1;
      }
    }
    return (this.membersByState = counts);
  }
}

function callView(c: TrackedCall, now: number): CallLive {
  const inLine = c.entryId !== undefined && c.waitMs === undefined;
  const stage: CallStage = c.ringing !== undefined ? 'ringing'
    : c.agentId !== undefined ? 'connected'
      : inLine ? 'waiting' : 'ivr';
  const waitMs = c.waitMs ?? (inLine ? now - c.enqueuedAt! : undefined);
  return {
    callId: c.callId,
    service: c.service,
    dialled: c.dialled,
    caller: c.caller,
    since: iso(c.startedAt),
    stage,
    queueId: c.queueId ?? null,
    waitSeconds: waitMs !== undefined ? seconds(waitMs) : null,
    agentId: c.ringing ?? c.agentId ?? null,
    vip: c.vip === true,
  };
}

function configuredIds(acd: LiveAcd): { queues: string[]; agents: string[] } {
  const { queues, agents } = acd.snapshot();
  return { queues: queues.map((q) => q.id), agents: agents.map((a) => a.id) };
}

function emptyCounts(): AgentsByState {
  return Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as AgentsByState;
}

function compact(call: Record<Exclude<keyof AgentCall, 'callback'>, string | undefined>): AgentCall {
  return Object.fromEntries(Object.entries(call).filter(([, v]) => v !== undefined)) as AgentCall;
}
