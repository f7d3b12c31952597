/** The audit log of the running configuration (server/api/config-routes.ts). */
import { call } from './api.js';

export interface AuditRecord {
  version: number;
  at: string;
  actor: string;
  summary: string;
  changes: Array<{ path: string; before?: unknown; after?: unknown }>;
}

export interface AuditPage {
  records: AuditRecord[];
  /** Pass as `before` for the next (older) page; absent on the last. */
  next?: number;
}

export const readAudit = (limit: number, before?: number): Promise<AuditPage> =>
  call('GET', `/config/audit?limit=${limit}${before !== undefined ? `&before=${before}` : ''}`);
