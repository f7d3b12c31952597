/**
 * The contact records of this instance's calls: follows the contact center
 * and the ACD from before the first call (./history-feed.ts) and hands the
 * writes to the history's writer, which stores them off the call path
 * (server/history/writer.ts).
 */
import type { Logger } from 'pino';
import type { Acd } from '../acd/index.js';
import type { HistoryRepository } from '../history/repository.js';
import { HistoryWriter } from '../history/writer.js';
import type { CallEventSource } from './events.js';
import { HistoryFeed, type AgentCall } from './history-feed.js';

export interface ContactRecordsOptions {
  repository: HistoryRepository;
  center: CallEventSource;
  acd: Pick<Acd, 'on' | 'entry' | 'snapshot' | 'instanceId'>;
  logger: Logger;
}

export class ContactRecords {
  private readonly writer: HistoryWriter;
  private readonly feed: HistoryFeed;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(opts: ContactRecordsOptions) {
    const { center, acd, logger } = opts;
    this.writer = new HistoryWriter(opts.repository, { logger });
    this.feed = new HistoryFeed((w) => this.writer.add(w), (id) => acd.entry(id), acd.instanceId);
    // Entries already in line (callbacks kept across a restart): their offers and outcomes are theirs.
    for (const q of acd.snapshot().queues) for (const entry of q.entries) this.feed.remember(entry);
    center.on('event', this.feed.fromCall);
    this.unsubscribe.push(() => center.off('event', this.feed.fromCall));
    this.unsubscribe.push(acd.on(this.feed.fromAcd));
  }

  /** The agent's case type for a contact (at wrap-up), with their note; it replaces the flow's. */
  setCaseType(contactId: string, caseType: string, note?: string): void {
    this.feed.setCaseType(contactId, caseType, 'agent', note);
  }

  /** The agent's current or last call answered on this instance. */
  agentCall(agentId: string): AgentCall | undefined {
    return this.feed.agentCall(agentId);
  }

  /** Writes not yet stored (a metric). */
  backlog(): number {
    return this.writer.backlog();
  }

  /** Resolves once every write so far is stored. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Stops following, then stores what is queued. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.writer.stop();
  }
}
