/**
 * The API as the agent desktop uses it: the agent's desk, figures and
 * colleagues (server/api/agent-desktop-routes.ts), their own state
 * (server/api/agent-state-routes.ts) and call (server/api/live.ts), the
 * wrap-up (server/api/wrap-up-routes.ts), and the beacon a closing tab sends.
 */
import { API, call } from '../api.js';
import type { AgentDesk, AgentTodayBody, Colleague } from '../../api/agent-desktop-routes.js';
import type { AgentStateBody } from '../../api/agent-state-routes.js';
import type { WrapUpChoice } from '../../api/wrap-up-routes.js';
import type { CallLive } from '../live/wire.js';

export type { AgentDesk, AgentTodayBody, Colleague, WrapUpChoice };
export type AgentStateNow = AgentStateBody;

export const desk = (): Promise<AgentDesk> => call('GET', '/me/desk');
export const today = (): Promise<AgentTodayBody> => call('GET', '/me/today');
export const colleagues = (): Promise<Colleague[]> => call('GET', '/me/colleagues');
export const ownState = (): Promise<AgentStateNow> => call('GET', '/me/agent-state');
export const ownCall = (agentId: string): Promise<CallLive | null> => call('GET', `/live/agents/${encodeURIComponent(agentId)}/call`);
export const wrapUpChoice = (agentId: string): Promise<WrapUpChoice> => call('GET', `/agents/${encodeURIComponent(agentId)}/wrap-up`);
export const saveWrapUp = (agentId: string, body: { caseType: string; note?: string }): Promise<unknown> =>
  call('PUT', `/agents/${encodeURIComponent(agentId)}/wrap-up`, body);

/** Sent as the tab closes: a beacon outlives the page, a fetch may not. */
export function softphoneGone(contact: string): void {
  navigator.sendBeacon(`${API}/me/softphone/gone`, new Blob([JSON.stringify({ contact })], { type: 'application/json' }));
}
