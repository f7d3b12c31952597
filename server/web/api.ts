/**
 * The product's API as the pages use it: same origin, the session cookie
 * (HttpOnly: set and sent by the browser, never read here), JSON in and out,
 * problems (RFC 9457) turned into `ApiError`.
 */
import type { LiveToday, LiveView } from './live/wire.js';
import type { AgentConfig, ExtensionConfig, QueueConfigEntry } from '../../config/schema.js';
import type { ProblemCode, ProblemParamValues } from '../api/problem.js';

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
    /** Where the product found the fault: a JSON pointer into the body or the configuration (e.g. /extensions/3/mobile). */
    readonly field?: string,
    /** The kind of refusal, for the pages to say in the user's language (../failure.ts). */
    readonly code?: ProblemCode,
    /** What the code's wording needs filled in (a range's limits, the id at fault). */
    readonly params?: ProblemParamValues,
  ) {
    super(`${status}: ${detail}`);
  }
}

/** A body is sent as JSON, except a form or a file (an upload), which the browser sends with its own type. */
async function send(method: string, path: string, body?: unknown, ifMatch?: string): Promise<Response> {
  const form = body instanceof FormData || body instanceof Blob;
  const headers: Record<string, string> = {};
  if (body !== undefined && !form) headers['content-type'] = 'application/json';
  if (ifMatch !== undefined) headers['if-match'] = ifMatch;
  const response = await fetch(`${API}${path}`, {
    method,
    credentials: 'same-origin',
    headers,
    ...(body === undefined ? {} : { body: form ? body as FormData | Blob : JSON.stringify(body) }),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({})) as { detail?: string; field?: string; code?: ProblemCode; params?: ProblemParamValues };
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(response.status, problem.detail ?? response.statusText,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined, problem.field, problem.code, problem.params);
  }
  return response;
}

/** One request; with `ifMatch` (a read's ETag) a change is refused (409) if the configuration changed since that read. */
export async function call<T>(method: string, path: string, body?: unknown, ifMatch?: string): Promise<T> {
  const response = await send(method, path, body, ifMatch);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** A read of the running configuration with the version it came from (its ETag), to send back as If-Match. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

export async function versioned<T>(method: string, path: string, body?: unknown, ifMatch?: string): Promise<Versioned<T>> {
  const response = await send(method, path, body, ifMatch);
  return { value: await response.json() as T, etag: response.headers.get('etag') ?? '' };
}

export const login = (name: string, password: string): Promise<Me> => call('POST', '/login', { name, password });
export const logout = (): Promise<void> => call('POST', '/logout');
export const me = (): Promise<Me> => call('GET', '/me');
export const liveView = (): Promise<LiveView> => call('GET', '/live');
export const liveToday = (): Promise<LiveToday> => call('GET', '/live/today');

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

/** An extension as the API shows it (server/api/extensions-routes.ts): never its password. */
export type Extension = Omit<ExtensionConfig, 'password'> & { passwordSet: boolean };
export type Staffing = Pick<AgentConfig, 'skills' | 'groups' | 'queues'>;
export type ExtensionSettings = Omit<ExtensionConfig, 'password' | 'extension'>;
export type Queue = QueueConfigEntry;
export type QueueSettings = Omit<QueueConfigEntry, 'id'>;

export const extensions = (): Promise<Versioned<Extension[]>> => versioned('GET', '/extensions');
export const extension = (id: string): Promise<Versioned<Extension>> => versioned('GET', `/extensions/${encodeURIComponent(id)}`);
/** A supervisor's change of who an agent is staffed for, against the version read. */
export const changeStaffing = (id: string, staffing: Staffing, etag: string): Promise<Versioned<Extension>> =>
  versioned('PATCH', `/extensions/${encodeURIComponent(id)}/agent`, staffing, etag);
/** An admin's replacement of an extension's settings (its password stays), against the version read. */
export const replaceExtension = (id: string, settings: ExtensionSettings, etag: string): Promise<Versioned<Extension>> =>
  versioned('PUT', `/extensions/${encodeURIComponent(id)}`, settings, etag);

export const queues = (): Promise<Versioned<Queue[]>> => versioned('GET', '/queues');
export const queue = (id: string): Promise<Versioned<Queue>> => versioned('GET', `/queues/${encodeURIComponent(id)}`);
export const replaceQueue = (id: string, settings: QueueSettings, etag: string): Promise<Versioned<Queue>> =>
  versioned('PUT', `/queues/${encodeURIComponent(id)}`, settings, etag);
