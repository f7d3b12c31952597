/**
 * The live state as GET /api/v1/live and the events socket send it
 * (server/api/live-schemas.ts describes the same objects on the server).
 */
export type AgentState = 'ready' | 'reserved' | 'busy' | 'wrap-up' | 'paused' | 'logged-out';

export interface QueueLive {
  id: string;
  name: string;
  waiting: number;
  offered: number;
  longestWaitSeconds: number;
  estimatedWaitSeconds: number | null;
  agents: Record<AgentState, number>;
}

export interface AgentLive {
  id: string;
  name: string;
  state: AgentState;
  since: string;
  secondsInState: number;
  pauseReason?: string;
  call: { callId?: string; entryId?: string; queueId?: string; caller?: string; service?: string } | null;
}

export interface CallLive {
  callId: string;
  service: string;
  dialled: string;
  caller: string;
  since: string;
  stage: 'ivr' | 'waiting' | 'ringing' | 'connected';
  queueId: string | null;
  waitSeconds: number | null;
  agentId: string | null;
}

export interface LiveView {
  at: string;
  queues: QueueLive[];
  agents: AgentLive[];
  calls: CallLive[];
}

export type LiveMessage =
  | { type: 'hello' | 'resync'; stream: string; seq: number }
  | { type: 'queue'; seq: number; at: string; queue: QueueLive }
  | { type: 'queue-removed'; seq: number; at: string; queueId: string }
  | { type: 'agent'; seq: number; at: string; agent: AgentLive }
  | { type: 'agent-removed'; seq: number; at: string; agentId: string }
  | { type: 'call' | 'call-ended'; seq: number; at: string; call: CallLive };
