/**
 * Turns what the contact center and the ACD tell (CallEvent, AcdEvent) into
 * webhook events (./events.ts), each with the call's facts filled in: the
 * caller, the number dialled, its service, the queue and the agent.
 *
 * The entries' facts are kept from `queued` until the entry is gone
 * (server/calls/queue-entries.ts). A callback is requested either by a caller
 * waiting in line (`callback-requested`: the entry turns into a callback) or
 * by the flow (`queued` as a callback). A callback outlives the call and the process: the
 * entries still in line at start-up are remembered with `remember`.
 *
 * Only what this instance did is told: an ACD event another instance made
 * (`remote`) is that instance's to send.
 */
import type { AcdEvent, QueueEntry } from '../../acd/index.js';
import type { CallEvent } from '../../calls/events.js';
import { CALLBACK_NUMBER_KEY } from '../../calls/callbacks/dialogue.js';
import { QueueEntries } from '../../calls/queue-entries.js';
import { CALLBACK_OUTCOMES, ENDED_BY, WEBHOOK_SCHEMA_VERSION, type WebhookEvent, type WebhookEventType } from './events.js';

interface CallFacts {
  caller?: string;
  dialled?: string;
  service?: string;
  /** Who answered (call.ended), who made the callback (callback.done). */
  agent?: string;
}

interface EntryFacts extends CallFacts {
  callId: string;
  queue: string;
  kind: QueueEntry['kind'];
  callbackNumber?: string;
}


export interface MapperOptions {
  /** A fresh event id. */
  newId: () => string;
  /** The ACD's entry now, for one this mapper has not seen queued (a callback's data as booked). */
  entry: (entryId: string) => QueueEntry | undefined;
}

export class WebhookEventMapper {
  private readonly calls = new Map<string, CallFacts>();
  private readonly entries: QueueEntries<EntryFacts>;

  constructor(private readonly opts: MapperOptions) {
    this.entries = new QueueEntries(entryFacts, opts.entry);
  }

  /** An entry in line before this mapper listened (a callback kept across a restart). */
  remember(entry: QueueEntry): void {
    this.entries.remember(entry);
  }

  fromCall(e: CallEvent): WebhookEvent | undefined {
    switch (e.type) {
      case 'call-started': {
        const facts = { caller: e.caller, dialled: e.dialled, service: e.service };
        this.calls.set(e.callId, facts);
        return this.event('call.started', e.at, e.callId, facts);
      }
      case 'call-ended': {
        const facts = this.calls.get(e.callId) ?? {};
        this.calls.delete(e.callId);
        return this.event('call.ended', e.at, e.callId, { ...facts, endedBy: ENDED_BY.find((b) => b === e.by) });
      }
      case 'avalanche-played': {
        const facts = this.calls.get(e.callId) ?? { dialled: e.dialled, service: e.service };
        return this.event('avalanche.heard', e.at, e.callId, { ...callFacts(facts), messageIds: [...e.messageIds] });
      }
      default:
        return undefined;
    }
  }

  fromAcd(e: AcdEvent): WebhookEvent | undefined {
    switch (e.type) {
      case 'queued': {
        this.remember(e.entry);
        const entry = this.entries.get(e.entry.id);
        if (!entry) return undefined;
        // A callback booked by the flow (no wait in line first: the service was closed, say) enters as one.
        return entry.kind === 'call'
          ? this.entryEvent('call.queued', e.at, entry)
          : this.entryEvent('callback.requested', e.at, entry, { callbackNumber: entry.callbackNumber });
      }
      case 'offered-to-agent': {
        if (e.remote) return undefined;
        const entry = this.entries.known(e.entryId);
        return entry?.kind === 'call' ? this.entryEvent('call.offered', e.at, entry, { agent: e.agentId }) : undefined;
      }
      case 'answered': {
        const entry = this.entries.known(e.entryId);
        if (entry?.kind !== 'call') return undefined;
        const call = this.calls.get(entry.callId);
        if (call) call.agent = e.agentId;
        return this.entryEvent('call.answered', e.at, entry, { agent: e.agentId, waitSeconds: seconds(e.waitMs) });
      }
      case 'abandoned': {
        const entry = this.entries.forget(e.entryId);
        return entry ? this.entryEvent('call.abandoned', e.at, entry, { waitSeconds: seconds(e.waitMs) }) : undefined;
      }
      case 'overflowed':
        this.entries.forget(e.entryId);
        return undefined;
      case 'ended': {
        // A callback's entry stays for its callback.done, which follows; with the agent who made it.
        const entry = this.entries.get(e.entryId);
        if (entry?.kind === 'callback') entry.agent = e.agentId;
        else this.entries.forget(e.entryId);
        return undefined;
      }
      case 'callback-requested': {
        // The entry now carries the number to call back.
        const now = this.opts.entry(e.entryId);
        if (now) this.remember(now);
        const entry = this.entries.get(e.entryId);
        if (!entry) return undefined;
        entry.kind = 'callback';
        return this.entryEvent('callback.requested', e.at, entry, { callbackNumber: entry.callbackNumber });
      }
      case 'callback-done': {
        const entry = this.entries.forget(e.entryId);
        const outcome = CALLBACK_OUTCOMES.find((o) => o === e.outcome);
        return entry ? this.entryEvent('callback.done', e.at, entry, { callbackNumber: entry.callbackNumber, outcome }) : undefined;
      }
      default:
        return undefined;
    }
  }

  private entryEvent(type: WebhookEventType, at: number, entry: EntryFacts, extra: Partial<WebhookEvent> = {}): WebhookEvent {
    return this.event(type, at, entry.callId, { ...callFacts(entry), queue: entry.queue, ...extra });
  }

  private event(type: WebhookEventType, at: number, callId: string, fields: Partial<WebhookEvent>): WebhookEvent {
    return { version: WEBHOOK_SCHEMA_VERSION, id: this.opts.newId(), type, time: new Date(at).toISOString(), callId, ...present(fields) };
  }
}

function entryFacts(entry: QueueEntry): EntryFacts | undefined {
  const { data } = entry;
  const callId = data.callId;
  if (callId === undefined) return undefined;
  return {
    callId, queue: entry.queueId, kind: entry.kind,
    caller: data.caller, dialled: data.dialled, service: data.service, callbackNumber: data[CALLBACK_NUMBER_KEY],
  };
}

/** The call's own facts, without an entry's (queue, kind, callback number). */
function callFacts(f: CallFacts): CallFacts {
  return { caller: f.caller, dialled: f.dialled, service: f.service, agent: f.agent };
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** The object without its undefined fields: the payload has no nulls and no empty keys. */
function present<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
