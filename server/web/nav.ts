/**
 * The pages and who sees them (server/api/roles.ts says what each role may
 * do). A page without `tag` is not made yet and stays out of the menu.
 */
import type { Role } from './api.js';

export type PageId = 'desk' | 'monitor' | 'agents' | 'services' | 'queues' | 'staffing' | 'avalanche' | 'announcements' | 'flows' | 'audit' | 'users' | 'reports';

export interface PageEntry {
  id: PageId;
  roles: readonly Role[];
  /** The custom element that is the page. */
  tag?: string;
}

const SUPERVISION: readonly Role[] = ['admin', 'supervisor'];
const OPERATIONS: readonly Role[] = ['admin', 'supervisor', 'operator'];
const ADMIN: readonly Role[] = ['admin'];

export const PAGES: readonly PageEntry[] = [
  { id: 'desk', roles: ['agent'], tag: 'vx-agent-desktop' },
  { id: 'monitor', roles: SUPERVISION, tag: 'vx-queue-monitor' },
  { id: 'agents', roles: SUPERVISION, tag: 'vx-agents-page' },
  { id: 'services', roles: OPERATIONS, tag: 'vx-services-page' },
  { id: 'queues', roles: SUPERVISION, tag: 'vx-queues-page' },
  { id: 'staffing', roles: SUPERVISION, tag: 'vx-staffing-page' },
  { id: 'avalanche', roles: OPERATIONS, tag: 'vx-avalanche-page' },
  { id: 'announcements', roles: OPERATIONS, tag: 'vx-announcements-page' },
  { id: 'flows', roles: SUPERVISION, tag: 'vx-flows-page' },
  { id: 'audit', roles: SUPERVISION, tag: 'vx-audit-page' },
  { id: 'reports', roles: SUPERVISION, tag: 'vx-reports-page' },
  { id: 'users', roles: ADMIN, tag: 'vx-users-page' },
];

/** The pages this role sees in the menu, in menu order. */
export function pagesFor(role: Role): PageEntry[] {
  return PAGES.filter((p) => p.tag !== undefined && p.roles.includes(role));
}
