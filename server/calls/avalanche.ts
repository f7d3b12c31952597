/**
 * Avalanche messages ("lavinmeddelanden"): which are switched on, for which
 * services, and from when to when.
 *
 * The prepared messages come from config `avalanche` ({ id, services, slot,
 * language }); the slot is an announcement recorded by phone (*77). Their
 * state, and any message added at run time ({ id, services, slot or file,
 * start, end }), lives in DATA_DIR/avalanche.json, written atomically (temp
 * file and rename), read at start-up:
 *
 *   { "messages": [ { "id": "1", "services": ["Kundtjänst"], "slot": "lavin-1",
 *                     "on": true, "start": "2026-03-01T07:00:00Z", "end": null } ] }
 *
 * A message is active for a service at a time when it is on, lists the
 * service, `start <= at < end` (either may be absent) and its recording
 * exists. Operators switch prepared messages with *78<id> (./feature-codes.ts);
 * `set` is there for an operator interface that sets a message directly.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import type { AvalancheConfig } from '../../config/schema.js';
import type { AnnouncementStore, AvalancheMessage } from '../ivr/context.js';

export interface StoredAvalanche {
  id: string;
  services: string[];
  /** An announcement slot, or `file`: an absolute WAV path. */
  slot?: string;
  file?: string;
  language?: string;
  on: boolean;
  /** ISO 8601 times; absent: open-ended. */
  start?: string | null;
  end?: string | null;
}

export interface AvalancheSource {
  active(service: string, at: number): Promise<AvalancheMessage[]>;
}

export class AvalancheStore implements AvalancheSource {
  private readonly messages = new Map<string, StoredAvalanche>();
  /** Ids of the messages the configuration prepares (the others were added at run time with `set`). */
  private prepared = new Set<string>();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    prepared: readonly AvalancheConfig[],
    private readonly announcements: Pick<AnnouncementStore, 'current'>,
    private readonly logger: Logger,
  ) {
    for (const m of this.read()) this.messages.set(m.id, m);
    this.reconfigure(prepared);
  }

  /**
   * The prepared messages as the configuration says now (at start, and when
   * the running configuration changes): what each is comes from the
   * configuration, whether it is on and when from the file. A prepared
   * message no longer configured is gone; messages added with `set` stay.
   */
  reconfigure(prepared: readonly AvalancheConfig[]): void {
    const ids = new Set(prepared.map((p) => p.id));
    for (const id of this.prepared) if (!ids.has(id)) this.messages.delete(id);
    this.prepared = ids;
    for (const p of prepared) {
      const stored = this.messages.get(p.id);
      this.messages.set(p.id, {
        id: p.id, services: [...p.services], slot: p.slot, ...(p.language ? { language: p.language } : {}),
        on: stored?.on ?? false,
        ...(stored?.start ? { start: stored.start } : {}),
        ...(stored?.end ? { end: stored.end } : {}),
      });
    }
  }

  list(): StoredAvalanche[] {
    return [...this.messages.values()].map((m) => ({ ...m, services: [...m.services] }));
  }

  get(id: string): StoredAvalanche | undefined {
    const m = this.messages.get(id);
    return m && { ...m, services: [...m.services] };
  }

  /** Adds or replaces a message (and persists). */
  async set(message: StoredAvalanche): Promise<void> {
    if (!message.slot && !message.file) throw new Error(`avalanche message ${message.id}: needs a slot or a file`);
    if (message.file && !isAbsolute(message.file)) throw new Error(`avalanche message ${message.id}: file must be an absolute path`);
    this.messages.set(message.id, { ...message, services: [...message.services] });
    await this.persist();
  }

  /** Switches a message on (from now, open-ended) or off. Undefined for an unknown id. */
  async switch(id: string, on: boolean, at: number): Promise<StoredAvalanche | undefined> {
    const m = this.messages.get(id);
    if (!m) return undefined;
    const next: StoredAvalanche = on
      ? { ...m, on: true, start: new Date(at).toISOString(), end: null }
      : { ...m, on: false, end: new Date(at).toISOString() };
    this.messages.set(id, next);
    await this.persist();
    this.logger.info({ avalanche: id, on, services: m.services }, on ? 'avalanche message switched on' : 'avalanche message switched off');
    return next;
  }

  /** On when it is off or not in force now, off when it is in force. */
  async toggle(id: string, at: number): Promise<StoredAvalanche | undefined> {
    const m = this.messages.get(id);
    if (!m) return undefined;
    return this.switch(id, !inForce(m, at), at);
  }

  async active(service: string, at: number): Promise<AvalancheMessage[]> {
    const out: AvalancheMessage[] = [];
    for (const m of this.messages.values()) {
      if (!inForce(m, at) || !m.services.includes(service)) continue;
      const file = m.file ?? (m.slot ? await this.announcements.current(m.slot) : undefined);
      if (!file || !existsSync(file)) {
        this.logger.warn({ avalanche: m.id, slot: m.slot }, 'avalanche message is on but has no recording: not played');
        continue;
      }
      out.push({ id: m.id, file, ...(m.language ? { language: m.language } : {}) });
    }
    return out;
  }

  private read(): StoredAvalanche[] {
    if (!existsSync(this.file)) return [];
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { messages?: unknown };
      if (!Array.isArray(parsed.messages)) throw new Error('no "messages" list');
      return parsed.messages.filter((m): m is StoredAvalanche => {
        const ok = typeof m === 'object' && m !== null && typeof (m as StoredAvalanche).id === 'string'
          && Array.isArray((m as StoredAvalanche).services) && typeof (m as StoredAvalanche).on === 'boolean';
        if (!ok) this.logger.error({ file: this.file }, 'avalanche store: an entry without id, services and on is ignored');
        return ok;
      });
    } catch (err) {
      this.logger.error({ file: this.file, err: (err as Error).message }, 'avalanche store unreadable: starting with every message off');
      return [];
    }
  }

  private persist(): Promise<void> {
    const body = JSON.stringify({ messages: [...this.messages.values()] }, null, 2) + '\n';
    const job = this.writing.then(async () => {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, this.file);
    });
    this.writing = job.catch(() => undefined);
    return job;
  }
}

function inForce(m: StoredAvalanche, at: number): boolean {
  if (!m.on) return false;
  if (m.start && Date.parse(m.start) > at) return false;
  if (m.end && Date.parse(m.end) <= at) return false;
  return true;
}
