/**
 * The agent's own situation, from their own events (the events socket sends
 * an agent only what concerns them): their state, the call offered to
 * them or in progress with what the caller dialled, their wait and VIP
 * mark, and notices of what happened to them rather than by their hand:
 * an offer they let ring out, a pause they did not ask for from this page
 * (a supervisor's, or the ACD's after missed offers).
 */
import type { AgentLive, CallLive, LiveMessage } from '../live/wire.js';

/** A call offered to the agent, or the one they are on. */
export interface DeskCall {
  entryId?: string;
  callId?: string;
  queueId?: string;
  service?: string;
  dialled?: string;
  caller?: string;
  vip: boolean;
  callback: boolean;
  /** Seconds waited in the queue as of `seenAt`; undefined when not known (a callback). */
  waitSeconds?: number;
  /** When this page learnt the wait (its own clock, ms). */
  seenAt: number;
  /** Still in line while offered: the wait grows until answered. */
  waiting: boolean;
}

export type Notice =
  | { kind: 'missed-offer'; at: number; caller?: string; service?: string }
  | { kind: 'paused'; at: number; reason?: string };

const MAX_NOTICES = 5;
const MAX_CALLS = 20;

export class DeskState {
  agent: AgentLive | undefined;
  /** The newest first, at most MAX_NOTICES. */
  readonly notices: Notice[] = [];
  private readonly calls = new Map<string, { call: CallLive; seenAt: number }>();
  private askedPause: string | undefined;

  constructor(readonly agentId: string) {}

  /** The agent asked for this pause here: it is no news to them when it comes. */
  pauseAsked(reason: string): void {
    this.askedPause = reason;
  }

  /** The agent as read whole (at the start, after a resync), with the call they are rung for or on: no news to notify. */
  load(agent: AgentLive, call: CallLive | null, now: number): void {
    this.agent = agent;
    if (call) this.seen(call, now);
  }

  /** Applies one message; true when it concerned this agent. */
  apply(message: LiveMessage, now: number): boolean {
    switch (message.type) {
      case 'agent':
        if (message.agent.id !== this.agentId) return false;
        this.agentChanged(message.agent, now);
        return true;
      case 'call':
        this.seen(message.call, now);
        return true;
      case 'call-ended':
        this.calls.delete(message.call.callId);
        return true;
      default:
        return false;
    }
  }

  /** The call ringing for the agent; undefined when none is. */
  get offer(): DeskCall | undefined {
    return this.agent?.state === 'reserved' ? this.deskCall(true) : undefined;
  }

  /** The call the agent is on, or wrapping up after. */
  get current(): DeskCall | undefined {
    return this.agent?.state === 'busy' || this.agent?.state === 'wrap-up' ? this.deskCall(false) : undefined;
  }

  dismiss(notice: Notice): void {
    const i = this.notices.indexOf(notice);
    if (i >= 0) this.notices.splice(i, 1);
  }

  private seen(call: CallLive, now: number): void {
    this.calls.delete(call.callId);
    this.calls.set(call.callId, { call, seenAt: now });
    // A call offered and then given to another agent never ends here: the oldest go.
    if (this.calls.size > MAX_CALLS) this.calls.delete(this.calls.keys().next().value!);
  }

  private agentChanged(next: AgentLive, now: number): void {
    const before = this.agent;
    this.agent = next;
    if ((next.missedInRow ?? 0) > (before?.missedInRow ?? 0) && before?.call) {
      this.notify({ kind: 'missed-offer', at: now, ...defined({ caller: before.call.caller, service: before.call.service }) });
    }
    if (next.state === 'paused' && before?.state !== 'paused') {
      if (next.pauseReason !== undefined && next.pauseReason === this.askedPause) this.askedPause = undefined;
      else this.notify({ kind: 'paused', at: now, ...defined({ reason: next.pauseReason }) });
    }
  }

  private deskCall(offered: boolean): DeskCall | undefined {
    const a = this.agent?.call;
    if (!a) return undefined;
    const seen = a.callId !== undefined ? this.calls.get(a.callId) : undefined;
    const call = seen?.call;
    return {
      ...defined({
        entryId: a.entryId, callId: a.callId, queueId: a.queueId ?? call?.queueId ?? undefined,
        service: call?.service ?? a.service, dialled: call?.dialled, caller: call?.caller ?? a.caller,
        waitSeconds: call?.waitSeconds ?? undefined,
      }),
      vip: call?.vip ?? false,
      callback: a.callback === true,
      seenAt: seen?.seenAt ?? 0,
      waiting: offered && call?.stage === 'ringing',
    };
  }

  private notify(notice: Notice): void {
    this.notices.unshift(notice);
    this.notices.length = Math.min(this.notices.length, MAX_NOTICES);
  }
}

/** The seconds waited as of `now`: still growing while the caller is in line. */
export function waitedSeconds(call: DeskCall, now: number): number | undefined {
  if (call.waitSeconds === undefined) return undefined;
  return call.waiting ? call.waitSeconds + Math.max(0, Math.floor((now - call.seenAt) / 1000)) : call.waitSeconds;
}

function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
