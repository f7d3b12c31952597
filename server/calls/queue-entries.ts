/**
 * The ACD speaks of queue entries, not calls: an entry's data carries its
 * call's id and facts (server/ivr/nodes/queue.ts). Those who tell of calls
 * from the ACD's events (the CRM webhooks, the contact records) keep what
 * they need of each entry here, from `queued` until the entry is gone; an
 * entry they did not see queued (a callback kept across a restart) is
 * looked up in the ACD.
 */
import type { QueueEntry } from '../acd/index.js';

export class QueueEntries<T> {
  private readonly entries = new Map<string, T>();

  /**
   * `describe`: what to keep of an entry, undefined for one that is not a
   * call's; `lookup`: the ACD's entry now.
   */
  constructor(
    private readonly describe: (entry: QueueEntry) => T | undefined,
    private readonly lookup: (entryId: string) => QueueEntry | undefined,
  ) {}

  /** An entry queued, changed, or in line before the listener started. */
  remember(entry: QueueEntry): void {
    const facts = this.describe(entry);
    if (facts !== undefined) this.entries.set(entry.id, facts);
  }

  /** What is kept of the entry, without looking it up. */
  get(entryId: string): T | undefined {
    return this.entries.get(entryId);
  }

  /** What is kept of the entry, looked up in the ACD when it was not seen queued. */
  known(entryId: string): T | undefined {
    if (!this.entries.has(entryId)) {
      const entry = this.lookup(entryId);
      if (entry) this.remember(entry);
    }
    return this.entries.get(entryId);
  }

  /** The entry is gone: what was kept of it, for the last time. */
  forget(entryId: string): T | undefined {
    const facts = this.known(entryId);
    this.entries.delete(entryId);
    return facts;
  }
}
