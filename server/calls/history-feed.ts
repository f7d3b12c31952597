/**
 * Turns what the contact center and the ACD tell (CallEvent, AcdEvent) into
 * contact-record writes (server/history/records.ts): the contact and the
 * path through its flow, each stay in a queue, each offer and how it went,
 * each callback attempt, transfers, time on hold, wrap-up, and the agents' state
 * intervals.
 *
 * Facts that span two events (when an offer began, when a callback was
 * dialled, which call an agent is wrapping up) are kept here between them;
 * the writes themselves carry the keys of their rows, so the history can
 * write them again without doubling anything.
 *
 * Only what this instance did is recorded: an ACD event another instance
 * made (`remote`) is that instance's to record. An offer is the exception:
 * it is recorded where it rings, which hears how it ends. That is the
 * instance holding the caller, which is told (`remote`) of offers of its
 * callers made elsewhere; an instance that offers another's caller leaves
 * the offer to it. A callback's offer rings where it was made.
 */
import type { AcdEvent, QueueEntry } from '../acd/index.js';
import type { HistoryWrite } from '../history/records.js';
import type { CallEvent } from './events.js';
import { QueueEntries } from './queue-entries.js';

/** The flow variable that sets the case type (ärendetyp) of the calls it queues. */
export const CASE_TYPE_VARIABLE = 'caseType';

/** A call an agent answered: its contact and the queue it came through. */
export interface AgentCall {
  contactId: string;
  queue: string;
}

interface EntryNote {
  callId: string;
  /** A callback, booked by the flow or turned into one while waiting: its answer is the callback's, not the wait's. */
  callback: boolean;
  offer?: { agent: string; at: number };
}

export class HistoryFeed {
  private readonly entries: QueueEntries<EntryNote>;
  /** Steps through the flow so far, by call. */
  private readonly steps = new Map<string, number>();
  /** When each callback attempt in progress was dialled, by entry. */
  private readonly dialled = new Map<string, number>();
  /** Time on hold so far by answered entry, and since when it is held now. */
  private readonly holds = new Map<string, { totalMs: number; since?: number }>();
  /** Each agent's current or last answered call here, and the queue it came through. */
  private readonly agentCalls = new Map<string, AgentCall>();
  /** The entry each agent is wrapping up and when its call ended. */
  private readonly wrapping = new Map<string, { entryId: string; endedAt: number }>();

  /** `instanceId`: this instance's in the ACD, whose callers' offers it records. */
  constructor(
    private readonly write: (w: HistoryWrite) => void,
    private readonly lookup: (entryId: string) => QueueEntry | undefined,
    private readonly instanceId: string,
  ) {
    this.entries = new QueueEntries(noteOf, lookup);
  }

  /** An entry in line before the feed listened (a callback kept across a restart). */
  remember(entry: QueueEntry): void {
    this.entries.remember(entry);
  }

  /** The case type of a contact, set by the agent at wrap-up (with their note, if any) or by the flow. */
  setCaseType(contactId: string, caseType: string, by: 'agent' | 'flow', note?: string): void {
    this.write({ kind: 'contact', id: contactId, fields: { caseType, caseTypeBy: by, ...(note !== undefined ? { wrapUpNote: note } : {}) } });
  }

  /** The agent's current or last call answered on this instance (since it started). */
  agentCall(agentId: string): AgentCall | undefined {
    return this.agentCalls.get(agentId);
  }

  readonly fromCall = (e: CallEvent): void => {
    switch (e.type) {
      case 'call-started':
        this.steps.set(e.callId, 0);
        this.contact(e.callId, { startedAt: e.at, caller: e.caller, dialled: e.dialled, service: e.service, flow: e.flow });
        return;
      case 'ivr-node': {
        const seq = (this.steps.get(e.callId) ?? 0) + 1;
        this.steps.set(e.callId, seq);
        this.write({ kind: 'step', contactId: e.callId, seq, at: e.at, node: e.node, nodeType: e.nodeType });
        return;
      }
      case 'ivr-ended':
        this.contact(e.callId, { flow: e.flow, flowEnd: e.reason });
        return;
      case 'avalanche-played':
        this.contact(e.callId, { avalancheMessages: e.messageIds.join(','), avalancheAt: e.at });
        return;
      case 'avalanche-deflected':
        this.contact(e.callId, { avalancheMessages: e.messageIds.join(','), deflected: 1 });
        return;
      case 'transfer':
        this.write({ kind: 'transfer', contactId: e.callId, at: e.at, node: e.node, target: e.to, outcome: e.outcome });
        return;
      case 'call-held': {
        const hold = this.holds.get(e.entryId) ?? { totalMs: 0 };
        hold.since ??= e.at;
        this.holds.set(e.entryId, hold);
        return;
      }
      case 'call-resumed':
        this.holdEnds(e.entryId, e.at);
        return;
      case 'call-ended':
        this.steps.delete(e.callId);
        this.contact(e.callId, { endedAt: e.at, endedBy: e.by });
        return;
      case 'callback-dialling':
        this.dialled.set(e.entryId, e.at);
        this.write({ kind: 'callback-attempt', entryId: e.entryId, at: e.at, agent: e.agentId });
        return;
      case 'callback-connected':
        this.attemptOutcome(e.entryId, 'connected');
        return;
      case 'callback-no-answer':
        this.attemptOutcome(e.entryId, 'no-answer', e.status);
        return;
      case 'callback-agent-left':
        this.attemptOutcome(e.entryId, 'agent-left');
        return;
      default:
        return;
    }
  };

  readonly fromAcd = (e: AcdEvent): void => {
    switch (e.type) {
      case 'queued': {
        const { entry } = e;
        // Another instance may offer the caller at once, and this one hear of that offer before its own `queued`: keep it.
        const offer = this.entries.get(entry.id)?.offer;
        this.entries.remember(entry);
        const note = this.entries.get(entry.id);
        if (!note) return;
        if (offer) note.offer = offer;
        this.segment(entry.id, {
          contactId: note.callId, queue: entry.queueId, kind: entry.kind, priority: entry.priority,
          vip: entry.data.vip === 'true' ? 1 : 0, enqueuedAt: entry.enqueuedAt,
          ...(entry.kind === 'callback' ? { outcome: 'callback', callbackRequestedAt: e.at } : {}),
        });
        const caseType = entry.data[CASE_TYPE_VARIABLE];
        if (caseType) this.setCaseType(note.callId, caseType, 'flow');
        return;
      }
      case 'offered-to-agent': {
        if (!e.remote && this.ringsElsewhere(e.entryId)) return;
        const note = this.entries.known(e.entryId);
        if (!note) return;
        note.offer = { agent: e.agentId, at: e.at };
        this.write({ kind: 'offer', entryId: e.entryId, agent: e.agentId, offeredAt: e.at, contactId: note.callId });
        return;
      }
      case 'offer-missed':
        this.closeOffer(e.entryId, e.at, 'missed');
        return;
      case 'answered': {
        const note = this.closeOffer(e.entryId, e.at, 'answered');
        if (note) this.agentCalls.set(e.agentId, { contactId: note.callId, queue: e.queueId });
        if (note?.callback) this.segment(e.entryId, { agent: e.agentId });
        else this.segment(e.entryId, { outcome: 'answered', answeredAt: e.at, agent: e.agentId, waitMs: e.waitMs });
        return;
      }
      case 'abandoned':
        this.closeOffer(e.entryId, e.at, 'abandoned');
        this.entries.forget(e.entryId);
        this.segment(e.entryId, { outcome: 'abandoned', endedAt: e.at, waitMs: e.waitMs });
        return;
      case 'overflowed':
        this.closeOffer(e.entryId, e.at, 'withdrawn');
        this.entries.forget(e.entryId);
        this.segment(e.entryId, { outcome: 'overflowed', endedAt: e.at, waitMs: e.waitMs });
        return;
      case 'ended': {
        const note = this.entries.get(e.entryId);
        // A callback's entry stays for its callback-done, which follows.
        if (!note?.callback) this.entries.forget(e.entryId);
        this.wrapping.set(e.agentId, { entryId: e.entryId, endedAt: e.at });
        // The ACD's handling runs from answer to hang-up: time on hold is counted apart from talk.
        const holdMs = this.holdEnds(e.entryId, e.at);
        this.holds.delete(e.entryId);
        this.segment(e.entryId, { talkMs: e.handleMs - holdMs, holdMs, endedAt: e.at });
        return;
      }
      case 'callback-requested': {
        const note = this.entries.known(e.entryId);
        if (note) note.callback = true;
        this.segment(e.entryId, { outcome: 'callback', callbackRequestedAt: e.at });
        return;
      }
      case 'callback-done':
        this.entries.forget(e.entryId);
        this.segment(e.entryId, { callbackOutcome: e.outcome, callbackDoneAt: e.at, callbackAttempts: e.entry.attempts ?? 0 });
        return;
      case 'agent-state': {
        if (e.remote) return;
        this.write({ kind: 'agent-state', agent: e.agentId, at: e.at, state: e.state, ...(e.reason ? { reason: e.reason } : {}) });
        const wrapping = this.wrapping.get(e.agentId);
        if (wrapping && e.previous === 'wrap-up') {
          this.segment(wrapping.entryId, { wrapUpMs: e.at - wrapping.endedAt });
          this.wrapping.delete(e.agentId);
        } else if (wrapping && e.state !== 'wrap-up') {
          this.wrapping.delete(e.agentId);
        }
        return;
      }
      default:
        return;
    }
  };

  /** An offer made here of a caller another instance holds: that instance rings it. */
  private ringsElsewhere(entryId: string): boolean {
    const entry = this.lookup(entryId);
    return entry?.kind === 'call' && entry.owner !== undefined && entry.owner !== this.instanceId;
  }

  private contact(id: string, fields: Extract<HistoryWrite, { kind: 'contact' }>['fields']): void {
    this.write({ kind: 'contact', id, fields });
  }

  private segment(id: string, fields: Extract<HistoryWrite, { kind: 'segment' }>['fields']): void {
    this.write({ kind: 'segment', id, fields });
  }

  /** The offer open on the entry ends: rung out, answered, the caller left, or the flow took the call out of line. */
  private closeOffer(entryId: string, at: number, result: 'missed' | 'answered' | 'abandoned' | 'withdrawn'): EntryNote | undefined {
    const note = this.entries.known(entryId);
    const offer = note?.offer;
    if (!note || !offer) return note;
    note.offer = undefined;
    this.write({ kind: 'offer', entryId, agent: offer.agent, offeredAt: offer.at, result, ringMs: at - offer.at });
    return note;
  }

  /** Closes the entry's hold open now, if any; the entry's time on hold so far. */
  private holdEnds(entryId: string, at: number): number {
    const hold = this.holds.get(entryId);
    if (!hold) return 0;
    if (hold.since !== undefined) {
      hold.totalMs += at - hold.since;
      hold.since = undefined;
    }
    return hold.totalMs;
  }

  private attemptOutcome(entryId: string, outcome: string, status?: number): void {
    const at = this.dialled.get(entryId);
    if (at === undefined) return;
    this.dialled.delete(entryId);
    this.write({ kind: 'callback-attempt', entryId, at, outcome, ...(status !== undefined ? { status } : {}) });
  }
}

function noteOf(entry: QueueEntry): EntryNote | undefined {
  const callId = entry.data.callId;
  return callId === undefined ? undefined : { callId, callback: entry.kind === 'callback' };
}
