/**
 * The live state as GET /api/v1/live and the events socket send it, and
 * today's figures (GET /api/v1/live/today): the server's own types, imported for their shape only, so a
 * change there that the pages do not follow fails to compile.
 */
import type { LiveEvent } from '../../stats/live-feed.js';

export type { AgentLive, CallLive, LiveView, QueueLive } from '../../stats/live-state.js';
export type { AgentState } from '../../acd/index.js';
export type { LiveToday } from '../../api/live-today.js';

/** What the events socket sends (server/api/live-events.ts): hello or resync first, then the events. */
export type LiveMessage = { type: 'hello' | 'resync'; stream: string; seq: number } | LiveEvent;
