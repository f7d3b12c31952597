/**
 * What the queue monitor shows, kept from the live view and the events
 * that follow it. Each event carries a whole queue, agent or call, so
 * applying one replaces what was there: events received while the view was
 * being fetched can be applied after it, in order, and leave the latest
 * state of everything they touch.
 *
 * Times tick here between events: a wait or a time in state is the
 * server's figure when it came plus the time since it came (`now`, local
 * milliseconds), so the monitor moves every second without asking the server.
 */
import type { AgentLive, CallLive, LiveMessage, LiveView, QueueLive } from './wire.js';

interface Received<T> {
  value: T;
  /** Local time (ms) the value came. */
  at: number;
}

export interface WaitingCaller {
  /** 1 for the caller who has waited longest in their queue. */
  position: number;
  call: CallLive;
  queueName: string;
  waitSeconds: number;
}

export class Board {
  private readonly queues = new Map<string, Received<QueueLive>>();
  private readonly agents = new Map<string, Received<AgentLive>>();
  private readonly calls = new Map<string, Received<CallLive>>();

  /** Starts again from a whole view. */
  load(view: LiveView, now: number): void {
    this.queues.clear();
    this.agents.clear();
    this.calls.clear();
    for (const q of view.queues) this.queues.set(q.id, { value: q, at: now });
    for (const a of view.agents) this.agents.set(a.id, { value: a, at: now });
    for (const c of view.calls) this.calls.set(c.callId, { value: c, at: now });
  }

  apply(message: LiveMessage, now: number): void {
    switch (message.type) {
      case 'hello':
      case 'resync':
        return;
      case 'queue':
        this.queues.set(message.queue.id, { value: message.queue, at: now });
        return;
      case 'queue-removed':
        this.queues.delete(message.queueId);
        return;
      case 'agent':
        this.agents.set(message.agent.id, { value: message.agent, at: now });
        return;
      case 'agent-removed':
        this.agents.delete(message.agentId);
        return;
      case 'call':
        this.calls.set(message.call.callId, { value: message.call, at: now });
        return;
      case 'call-ended':
        this.calls.delete(message.call.callId);
    }
  }

  /** The queues by name. */
  queueList(): QueueLive[] {
    return [...this.queues.values()].map((q) => q.value).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Callers in line now (waiting or being offered) in this queue. */
  inLine(queue: QueueLive): number {
    return queue.waiting + queue.offered;
  }

  longestWaitSeconds(queueId: string, now: number): number {
    const q = this.queues.get(queueId);
    if (!q || this.inLine(q.value) === 0) return 0;
    return q.value.longestWaitSeconds + elapsedSeconds(q.at, now);
  }

  /** Everyone in line, by queue name, then longest waiting first. */
  waitingCallers(now: number): WaitingCaller[] {
    const byQueue = new Map<string, WaitingCaller[]>();
    for (const { value: call, at } of this.calls.values()) {
      if (call.queueId === null || (call.stage !== 'waiting' && call.stage !== 'ringing')) continue;
      const list = byQueue.get(call.queueId) ?? [];
      const queueName = this.queues.get(call.queueId)?.value.name ?? call.queueId;
      list.push({ position: 0, call, queueName, waitSeconds: (call.waitSeconds ?? 0) + elapsedSeconds(at, now) });
      byQueue.set(call.queueId, list);
    }
    const rows: WaitingCaller[] = [];
    for (const list of byQueue.values()) {
      list.sort((a, b) => b.waitSeconds - a.waitSeconds);
      list.forEach((row, i) => rows.push({ ...row, position: i + 1 }));
    }
    return rows.sort((a, b) => a.queueName.localeCompare(b.queueName) || a.position - b.position);
  }

  /** The agents by name, each with their time in state now. */
  agentList(now: number): Array<{ agent: AgentLive; secondsInState: number }> {
    return [...this.agents.values()]
      .map(({ value, at }) => ({ agent: value, secondsInState: value.secondsInState + elapsedSeconds(at, now) }))
      .sort((a, b) => a.agent.name.localeCompare(b.agent.name));
  }
}

function elapsedSeconds(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / 1000));
}
