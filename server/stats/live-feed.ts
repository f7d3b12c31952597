/**
 * The live state as a stream of events, each numbered in order, the last
 * ones kept so a client that lost its connection can take up where it left
 * off.
 *
 * Changes (./live-state.ts) are gathered and published together once the
 * current turn of the event loop is over: one ACD operation moves a caller,
 * an agent and their queue at once, and is published as one consistent
 * reading, each thing once. Event types:
 *
 * - `queue`: a queue's figures (QueueLive)
 * - `queue-removed`: a queue the running configuration no longer has
 * - `agent`: an agent's state (AgentLive)
 * - `agent-removed`: an agent the running configuration no longer has
 * - `call`: a call in progress started or moved (CallLive)
 * - `call-ended`: a call is over (its last CallLive)
 * - `staffing-shortfall`: a queue's shortfall alarm started or ended
 *   (./shortfall-monitor.ts), told with `announce`
 *
 * Each event is serialised once, for every subscriber, and names the agent
 * it concerns (an agent's own state, the call they are rung for or on), so
 * a subscriber that may see only one agent's events can filter cheaply.
 */
import { randomUUID } from 'node:crypto';
import type { AgentLive, CallLive, LiveChange, LiveReading, LiveState, QueueLive } from './live-state.js';
import type { ShortfallLive } from './shortfall-monitor.js';

export type LiveEvent =
  | { seq: number; at: string; type: 'queue'; queue: QueueLive }
  | { seq: number; at: string; type: 'queue-removed'; queueId: string }
  | { seq: number; at: string; type: 'agent'; agent: AgentLive }
  | { seq: number; at: string; type: 'agent-removed'; agentId: string }
  | { seq: number; at: string; type: 'call'; call: CallLive }
  | { seq: number; at: string; type: 'call-ended'; call: CallLive }
  | { seq: number; at: string; type: 'staffing-shortfall'; shortfall: ShortfallLive };

export interface Published {
  seq: number;
  event: LiveEvent;
  /** The event as JSON, made once for all subscribers. */
  json: string;
  /** The agent the event concerns; absent for a queue, or a call no agent is on yet. */
  agentId?: string;
}

export interface LiveFeedOptions {
  /** How many of the last events are kept for clients resuming. Default 10,000. */
  capacity?: number;
  /** Runs the publishing after the current changes; default setImmediate. */
  defer?: (publish: () => void) => void;
}

export const DEFAULT_FEED_CAPACITY = 10_000;

export class LiveFeed {
  /** Names this run of the numbering: after a restart the numbers start again under another stream. */
  readonly stream = randomUUID();
  private seq = 0;
  /** How many of the last events are kept. */
  readonly capacity: number;
  private readonly kept: Published[] = [];
  private readonly pending = new Map<string, LiveChange>();
  private scheduled = false;
  private stopped = false;
  private readonly subscribers = new Set<(p: Published) => void>();
  private readonly defer: (publish: () => void) => void;
  private readonly unlisten: () => void;

  constructor(private readonly live: LiveState, opts: LiveFeedOptions = {}) {
    this.capacity = opts.capacity ?? DEFAULT_FEED_CAPACITY;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new Error(`feed capacity must be a positive integer, not ${this.capacity}`);
    this.defer = opts.defer ?? ((fn) => { setImmediate(fn); });
    this.unlisten = live.onChange((c) => this.gather(c));
  }

  /** The number of the last event published (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Every event from now on; returns a function that stops it. */
  subscribe(subscriber: (p: Published) => void): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /**
   * The events after `after`, in order; undefined when some of them are no
   * longer kept, or `after` was never published (another stream's number).
   */
  since(after: number): Published[] | undefined {
    const oldest = Math.max(1, this.seq - this.capacity + 1);
    if (!Number.isInteger(after) || after > this.seq || after < oldest - 1) return undefined;
    const out: Published[] = [];
    for (let s = after + 1; s <= this.seq; s++) out.push(this.kept[s % this.capacity]!);
    return out;
  }

  /** Publishes a shortfall alarm's start or end now. */
  announce(shortfall: ShortfallLive, at: number): void {
    if (this.stopped) return;
    this.publish({ seq: this.seq + 1, at: new Date(at).toISOString(), type: 'staffing-shortfall', shortfall });
  }

  stop(): void {
    this.stopped = true;
    this.unlisten();
    this.subscribers.clear();
    this.pending.clear();
  }

  private gather(change: LiveChange): void {
    const id = change.kind === 'call-ended' ? change.call.callId : change.id;
    const key = `${change.kind === 'call-ended' ? 'call' : change.kind}:${id}`;
    this.pending.set(key, change);
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(() => this.publishPending());
  }

  private publishPending(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const changes = [...this.pending.values()];
    this.pending.clear();
    const reading = this.live.read();
    for (const change of changes) {
      const event = eventOf(change, reading, this.seq + 1);
      if (event) this.publish(event);
    }
  }

  private publish(event: LiveEvent): void {
    this.seq = event.seq;
    const agentId = event.type === 'agent' ? event.agent.id
      : event.type === 'agent-removed' ? event.agentId
        : event.type === 'queue' || event.type === 'queue-removed' || event.type === 'staffing-shortfall' ? null : event.call.agentId;
    const published: Published = { seq: event.seq, event, json: JSON.stringify(event), ...(agentId !== null ? { agentId } : {}) };
    this.kept[event.seq % this.capacity] = published;
    for (const s of this.subscribers) s(published);
  }
}

function eventOf(change: LiveChange, reading: LiveReading, seq: number): LiveEvent | undefined {
  const at = new Date(reading.at).toISOString();
  switch (change.kind) {
    case 'call-ended':
      return { seq, at, type: 'call-ended', call: change.call };
    case 'queue': {
      const queue = reading.queue(change.id);
      return queue ? { seq, at, type: 'queue', queue } : { seq, at, type: 'queue-removed', queueId: change.id };
    }
    case 'agent': {
      const agent = reading.agent(change.id);
      return agent ? { seq, at, type: 'agent', agent } : { seq, at, type: 'agent-removed', agentId: change.id };
    }
    case 'call': {
      const call = reading.call(change.id);
      return call && { seq, at, type: 'call', call };
    }
  }
}
