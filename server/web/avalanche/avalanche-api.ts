/**
 * Avalanche messages and the announcement slots they play, as the
 * avalanche page uses them (server/api/avalanche-routes.ts,
 * server/api/announcements-routes.ts). Changes carry the ETag of the read
 * they were made from. The slots they play: ../api-announcements.ts.
 */
import { call, versioned, type Versioned } from '../api.js';

export interface AvalancheMessage {
  id: string;
  services: string[];
  slot: string;
  language?: string;
  on: boolean;
  start?: string;
  end?: string;
  inForce: boolean;
  recorded: boolean;
  /** Call ids of the callers hearing it now. */
  hearing: string[];
  played: number;
  deflected: number;
}

/** What a person sets on a message; null removes language, start or end. */
export interface AvalancheSettings {
  services: string[];
  slot: string;
  language: 'sv' | 'en' | null;
  on: boolean;
  start: string | null;
  end: string | null;
}

export const avalancheMessages = (): Promise<Versioned<AvalancheMessage[]>> => versioned('GET', '/avalanche');

export const switchMessage = (id: string, on: boolean, etag: string | undefined): Promise<AvalancheMessage> =>
  call('POST', `/avalanche/${encodeURIComponent(id)}/${on ? 'on' : 'off'}`, undefined, etag);

export function createMessage(id: string, settings: AvalancheSettings, etag: string | undefined): Promise<AvalancheMessage> {
  const { language, start, end, ...rest } = settings;
  return call('POST', '/avalanche', {
    id, ...rest, ...(language ? { language } : {}), ...(start ? { start } : {}), ...(end ? { end } : {}),
  }, etag);
}

export const changeMessage = (id: string, settings: AvalancheSettings, etag: string | undefined): Promise<AvalancheMessage> =>
  call('PATCH', `/avalanche/${encodeURIComponent(id)}`, settings, etag);

export const deleteMessage = (id: string, etag: string | undefined): Promise<void> =>
  call('DELETE', `/avalanche/${encodeURIComponent(id)}`, undefined, etag);
