/** Announcements through the API (server/api/announcements-routes.ts). */
import type { AnnouncementUse } from '../calls/announcement-uses.js';
import { API, call } from './api.js';

export type { AnnouncementUse };

export interface Announcement {
  slot: string;
  recorded: boolean;
  bytes?: number;
  seconds?: number;
  modified?: string;
  recordable: boolean;
  uses: AnnouncementUse[];
}

const slotPath = (slot: string): string => `/announcements/${encodeURIComponent(slot)}`;

export const listAnnouncements = (): Promise<Announcement[]> => call('GET', '/announcements');

/** Where the browser fetches the recording to play it (the session cookie goes along). */
export const announcementAudioUrl = (slot: string, modified?: string): string =>
  `${API}${slotPath(slot)}/audio${modified ? `?v=${encodeURIComponent(modified)}` : ''}`;

/** The server reads the audio by the file name's extension, so the name must carry the right one. */
export function uploadAnnouncement(slot: string, file: Blob, fileName: string): Promise<Announcement> {
  const form = new FormData();
  form.append('file', file, fileName);
  return call('PUT', slotPath(slot), form);
}

export const deleteAnnouncement = (slot: string): Promise<void> => call('DELETE', slotPath(slot));
