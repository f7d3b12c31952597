/**
 * What happens to a call beyond the IVR's own events, as the contact center
 * tells it (`center.on('event', e)`): for statistics, a CRM and tests. Every
 * part of a call (the session, the queue wait, the queue experience, the
 * callback dialler) reports through one sink of these.
 */
import type { IvrEvent } from '../ivr/context.js';

/** Facts about callbacks (besides the ACD's `callback-requested` / `callback-done`). */
export type CallbackEvent =
  | { type: 'callback-booked'; at: number; callId: string; entryId: string; number: string }
  | { type: 'callback-agent-ringing'; at: number; entryId: string; agentId: string; uris: string[] }
  | { type: 'callback-agent-answered'; at: number; entryId: string; agentId: string }
  | { type: 'callback-dialling'; at: number; entryId: string; agentId: string; number: string; uri: string }
  | { type: 'callback-connected'; at: number; entryId: string; agentId: string; number: string }
  | { type: 'callback-no-answer'; at: number; entryId: string; agentId: string; number: string; status: number }
  | { type: 'callback-agent-left'; at: number; entryId: string; agentId: string; number: string };

export type CallEvent =
  | IvrEvent
  | { type: 'call-started'; at: number; callId: string; caller: string; dialled: string; service: string; flow: string }
  | { type: 'queue-announcement'; at: number; callId: string; entryId: string; position: number; waitSeconds: number }
  /** A brand message started playing to a waiting caller (./queue-experience.ts). */
  | { type: 'brand-message-played'; at: number; callId: string; entryId: string; slot: string }
  /** `uris`: every phone rung at once for the agent (one for a mobile). */
  | { type: 'agent-ringing'; at: number; callId: string; entryId: string; agentId: string; uris: string[] }
  | { type: 'agent-connected'; at: number; callId: string; entryId: string; agentId: string }
  /** The agent's phone put the caller on hold (the caller hears the queue's music), and took them back. */
  | { type: 'call-held'; at: number; callId: string; entryId: string; agentId: string }
  | { type: 'call-resumed'; at: number; callId: string; entryId: string; agentId: string }
  | { type: 'call-ended'; at: number; callId: string; by: string }
  /** A call out through the trunk got no response at all (./trunk.ts): the trunk is down or unreachable. */
  | { type: 'trunk-unreachable'; at: number; callId: string; uri: string }
  | CallbackEvent;

/** Where the parts of a call report what happened. */
export type CallEventSink = (event: CallEvent) => void;

/** Who follows the calls listens here: the contact center (./center.ts), or anything else telling call events. */
export interface CallEventSource {
  on(type: 'event', listener: (e: CallEvent) => void): unknown;
  off(type: 'event', listener: (e: CallEvent) => void): unknown;
}
