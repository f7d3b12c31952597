/**
 * The product's API as the pages use it: same origin, the session cookie
 * (HttpOnly: set and sent by the browser, never read here), JSON in and out,
 * problems (RFC 9457) turned into `ApiError`.
 */
import type { LiveView } from './live/wire.js';

export const API = '/api/v1';

export type Role = 'admin' | 'supervisor' | 'operator' | 'agent';

export interface Me {
  name: string;
  role: Role;
  agentId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Seconds to wait before trying again (a throttled sign-in). */
    readonly retryAfter?: number,
  ) {
    super(`${status}: ${detail}`);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${API}${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({})) as { detail?: string };
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(response.status, problem.detail ?? response.statusText, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export const login = (name: string, password: string): Promise<Me> => call('POST', '/login', { name, password });
export const logout = (): Promise<void> => call('POST', '/logout');
export const me = (): Promise<Me> => call('GET', '/me');
export const liveView = (): Promise<LiveView> => call('GET', '/live');

/** A supervisor's action on an agent's state (server/api/agent-state-routes.ts); the monitor learns the result from the events. */
export type AgentAction = { kind: 'login' | 'logout' | 'ready' } | { kind: 'pause'; reason: string };

export async function actOnAgent(agentId: string, action: AgentAction): Promise<void> {
  const path = `/agents/${encodeURIComponent(agentId)}/${action.kind}`;
  await call('POST', path, action.kind === 'pause' ? { reason: action.reason } : undefined);
}

/** The events socket's address on this page's host (wss: when the page came over HTTPS). */
export function eventsUrl(resume?: { after: number; stream: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = resume ? `?after=${resume.after}&stream=${encodeURIComponent(resume.stream)}` : '';
  return `${scheme}//${location.host}${API}/events${query}`;
}
