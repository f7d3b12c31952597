/**
 * Avalanche messages ("lavinmeddelanden"): which are switched on, for which
 * services, and from when to when.
 *
 * Every message is an entry of the running configuration's `avalanche`
 * ({ id, services, slot, language, on, start, end }); the slot is an
 * announcement, recorded by phone (*77) or uploaded through the API. Its
 * state is kept there too, not in a file of this instance: switching a
 * message (by phone, *78<id>, ./feature-codes.ts, or through the API) is
 * a change of the running configuration, audited, kept across restarts and,
 * with REDIS_URL, seen by every instance at once.
 *
 * A message is active for a service at a time when it is on, lists the
 * service, `start <= at < end` (either may be absent) and its recording
 * exists.
 */
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AvalancheConfig } from '../../config/schema.js';
import type { AnnouncementStore, AvalancheMessage } from '../ivr/context.js';

export interface AvalancheSource {
  active(service: string, at: number): Promise<AvalancheMessage[]>;
}

/**
 * Changes the messages where every instance reads them (the running
 * configuration) on behalf of `actor`; resolves once this instance uses
 * the new version.
 */
export type ChangeAvalanche = (actor: string, summary: string, mutate: (messages: AvalancheConfig[]) => void) => Promise<void>;

export class AvalancheStore implements AvalancheSource {
  private messages: readonly AvalancheConfig[];

  constructor(
    messages: readonly AvalancheConfig[],
    private readonly announcements: Pick<AnnouncementStore, 'current'>,
    private readonly change: ChangeAvalanche,
    private readonly logger: Logger,
  ) {
    this.messages = messages;
  }

  /** The messages as the running configuration says now (it changed, here or on another instance). */
  reconfigure(messages: readonly AvalancheConfig[]): void {
    this.messages = messages;
  }

  get(id: string): AvalancheConfig | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** Switches a message on (from now, open-ended) or off, for `actor`. Undefined for an unknown id. */
  async switch(id: string, on: boolean, at: number, actor: string): Promise<AvalancheConfig | undefined> {
    if (!this.get(id)) return undefined;
    await this.change(actor, `avalanche message ${id} switched ${on ? 'on' : 'off'}`, (messages) => {
      const i = messages.findIndex((m) => m.id === id);
      if (i >= 0) messages[i] = switched(messages[i]!, on, at);
    });
    const now = this.get(id);
    this.logger.info({ avalanche: id, on, services: now?.services, by: actor }, on ? 'avalanche message switched on' : 'avalanche message switched off');
    return now;
  }

  /** On when it is off or not in force now, off when it is in force. */
  async toggle(id: string, at: number, actor: string): Promise<AvalancheConfig | undefined> {
    const m = this.get(id);
    if (!m) return undefined;
    return this.switch(id, !inForce(m, at), at, actor);
  }

  async active(service: string, at: number): Promise<AvalancheMessage[]> {
    const out: AvalancheMessage[] = [];
    for (const m of this.messages) {
      if (!inForce(m, at) || !m.services.includes(service)) continue;
      const file = await this.announcements.current(m.slot);
      if (!file || !existsSync(file)) {
        this.logger.warn({ avalanche: m.id, slot: m.slot }, 'avalanche message is on but has no recording: not played');
        continue;
      }
      out.push({ id: m.id, file, ...(m.language ? { language: m.language } : {}) });
    }
    return out;
  }
}

/** A message switched on now (from `at`, open-ended) or off now (ended at `at`). */
export function switched(m: AvalancheConfig, on: boolean, at: number): AvalancheConfig {
  const { start: _start, end: _end, ...rest } = m;
  const now = new Date(at).toISOString();
  return on ? { ...rest, on: true, start: now } : { ...rest, on: false, ...(m.start && Date.parse(m.start) < at ? { start: m.start } : {}), end: now };
}

/** Whether callers hear it at `at` (recording aside). */
export function inForce(m: AvalancheConfig, at: number): boolean {
  if (!m.on) return false;
  if (m.start && Date.parse(m.start) > at) return false;
  if (m.end && Date.parse(m.end) <= at) return false;
  return true;
}
