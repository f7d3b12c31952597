/**
 * The API of services, numbers and opening hours as the services page uses
 * it (server/api/numbers-routes.ts, server/api/hours-routes.ts). Changes
 * carry the ETag of the read they were made from: a change made elsewhere
 * in between is a 409, never overwritten unseen.
 */
import { call, versioned, type Versioned } from '../api.js';
import type { Service } from '../../api/config-schemas.js';

export type { Service };

export interface HoursException {
  date: string;
  until?: string;
  hours: string;
  note?: string;
}

export interface OpenNow {
  open: boolean;
  /** hours, holiday, exception, service-exception or always-open. */
  reason: string;
  explanation: string;
}

export interface HoursNode {
  node: string;
  timezone: string;
  /** Ranges such as "08:00-17:00" by weekday (mon … sun). */
  weekly: Record<string, string[]>;
  holidays: string;
  exceptions: Record<string, string[]>;
  openNow: OpenNow;
}

export interface ServiceHours {
  service: string;
  flow?: string;
  timezone: string;
  /** The product's date now, in its time zone. */
  today: string;
  exceptions: HoursException[];
  openNow: OpenNow | null;
  hoursNodes: HoursNode[];
}

export interface Holiday {
  date: string;
  name: string;
}

const hoursPath = (service: string): string => `/services/${encodeURIComponent(service)}/hours`;

export const services = (): Promise<Service[]> => call('GET', '/services');

export const serviceHours = (service: string): Promise<Versioned<ServiceHours>> => versioned('GET', hoursPath(service));

export const holidays = (year: number): Promise<Holiday[]> => call('GET', `/holidays/${year}`);

/** Adds the exception starting on `exception.date`, or changes the one starting that day (the date names it). */
export async function saveException(service: string, exception: HoursException, etag: string | undefined): Promise<void> {
  const { date, ...body } = exception;
  await call('PUT', `${hoursPath(service)}/exceptions/${date}`, body, etag);
}

export const deleteException = (service: string, date: string, etag: string | undefined): Promise<void> =>
  call('DELETE', `${hoursPath(service)}/exceptions/${date}`, undefined, etag);

export const closeNow = (service: string, etag: string | undefined): Promise<HoursException> =>
  call('POST', `${hoursPath(service)}/closed-now`, {}, etag);
