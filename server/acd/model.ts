/**
 * The ACD's vocabulary: services and queues with routing steps, agents with
 * skills and states, entries waiting in line, and the events the ACD emits.
 *
 * Plain data only: no SIP, media or HTTP. Times are milliseconds on the
 * injected clock.
 */

export type SkillLevel = 1 | 2 | 3 | 4 | 5;

/** Who may take a call during one step of its wait. */
export type Eligibility =
  | { skill: string; minLevel?: SkillLevel }
  | { group: string }
  | { everyone: true };

/**
 * One step of a queue's widening circle: from `afterSeconds` of waiting
 * these agents may take the call too, beside those of the earlier steps
 * (./eligibility.ts).
 */
export interface RoutingStep {
  afterSeconds: number;
  eligible: Eligibility;
}

/** How priority is applied in a queue. */
export type PriorityRule =
  /** Higher class first; within a class, longest waiting first. */
  | { kind: 'classes' }
  /** Each priority point counts as this many seconds of extra waiting. */
  | { kind: 'head-start'; secondsPerPoint: number };

export interface QueueConfig {
  id: string;
  name: string;
  steps: RoutingStep[];
  priority: PriorityRule;
  /** Seconds an agent stays in wrap-up after a call from this queue. */
  wrapUpSeconds: number;
  /** Seconds an offer rings before it goes to the next agent. */
  ringTimeoutSeconds: number;
  /** After this many unanswered offers in a row an agent is paused ("no answer"). */
  maxMissedOffers: number;
  /** Seconds a personal-queue call waits for its agent before any agent of the queue may take it. */
  personalOverflowSeconds: number;
  /** Seconds before a callback whose caller did not answer is dialled again (default 120). */
  callbackRetrySeconds?: number;
  /** Dial attempts before a callback is given up (default 3). */
  callbackMaxAttempts?: number;
  /** Handling time assumed for the estimated wait until calls of this queue have ended (default 180). */
  defaultHandleSeconds?: number;
}

export type Device =
  | { kind: 'desk'; extension: string }
  | { kind: 'softphone'; extension: string }
  | { kind: 'mobile'; number: string };

export interface AgentProfile {
  id: string;
  name: string;
  skills: Record<string, SkillLevel>;
  groups: string[];
  queues: string[];
  device: Device;
}

export type AgentState = 'logged-out' | 'ready' | 'reserved' | 'busy' | 'wrap-up' | 'paused';

export interface AgentStatus {
  id: string;
  state: AgentState;
  /** When the current state began. */
  since: number;
  /** When the agent last became free, or last missed an offer (./offers.ts); longest idle is the smallest value among ready agents. */
  idleSince: number;
  pauseReason?: string;
  /** The entry offered to or being handled by the agent. */
  entryId?: string;
  /** Unanswered offers in a row. */
  missedInRow: number;
  /** While in wrap-up: when it ends (the agent becomes ready then). */
  wrapUpUntil?: number;
  /** Asked for while busy: the state the agent goes to when the call and its wrap-up are over, instead of ready. */
  next?: { state: 'paused' | 'logged-out'; reason?: string };
  /** Calls the agent is on that did not come from the ACD, by the telephony layer's call id (./other-calls.ts); absent when none. */
  otherCalls?: string[];
  /** The instance holding each of those calls, by call id (./instances.ts); a call not listed is never taken away. */
  otherCallOwners?: Record<string, string>;
}

export interface QueueEntry {
  id: string;
  queueId: string;
  kind: 'call' | 'callback';
  /** When the caller entered the queue; a callback keeps the call's original time. */
  enqueuedAt: number;
  /** 0 for ordinary calls; higher goes first (VIP, urgent). */
  priority: number;
  /** A call for one named agent (personal queue). */
  personalAgentId?: string;
  /** Set while the entry is offered to an agent. */
  offeredTo?: string;
  offeredAt?: number;
  /** Set when the offered agent answered; the entry stays (offered, answered) until the call ends. */
  answeredAt?: number;
  /** A callback: how many times the caller was dialled without answer. */
  attempts?: number;
  /** A callback waiting to be dialled again: no agent is offered it before this time. */
  notBefore?: number;
  /**
   * The instance holding the live call (./instances.ts), set by the ACD: the
   * one that enqueued a call, the one that reported the answer of an entry.
   * Absent on a callback in line: it is no live call, and outlives any instance.
   */
  owner?: string;
  /** Caller number, dialled number, service: carried along for events and the agent's display. */
  data: Record<string, string>;
}

/** What the engine's `enqueue` takes: an entry not yet offered; its owner is set by the engine. */
export type NewEntry = Omit<QueueEntry, 'offeredTo' | 'offeredAt' | 'owner'>;

/** How a callback left the line for good (./callbacks.ts). */
export type CallbackOutcome = 'completed' | 'failed' | 'cancelled';

export type AcdEvent =
  | { type: 'queued'; at: number; entry: QueueEntry }
  | { type: 'step-changed'; at: number; entryId: string; queueId: string; step: number }
  /**
   * `remote`: made by another instance sharing the store, for a call held
   * here (./instances.ts): ring the agent from here; that instance reports
   * the offer itself, so it is not counted again.
   */
  | { type: 'offered-to-agent'; at: number; entryId: string; agentId: string; queueId: string; remote?: true }
  | { type: 'offer-missed'; at: number; entryId: string; agentId: string }
  | { type: 'answered'; at: number; entryId: string; agentId: string; queueId: string; waitMs: number }
  /** The caller left before an answer; `reason` 'instance-gone': their call died with the instance holding it (./instances.ts). */
  | { type: 'abandoned'; at: number; entryId: string; queueId: string; waitMs: number; reason?: 'instance-gone' }
  /** Taken out of line by the flow after its maximum wait (the caller goes on in the flow): not an abandon. */
  | { type: 'overflowed'; at: number; entryId: string; queueId: string; waitMs: number }
  | { type: 'ended'; at: number; entryId: string; agentId: string; handleMs: number }
  | { type: 'callback-requested'; at: number; entryId: string; queueId: string }
  /** The callback leaves the line for good; `entry` as it last was (the number, the queue, the dial attempts). */
  | { type: 'callback-done'; at: number; entryId: string; outcome: CallbackOutcome; entry: QueueEntry }
  /**
   * `remote`: another instance changed an agent rung here, and reported the
   * change itself (not counted again); told here so the ringing stops.
   */
  | { type: 'agent-state'; at: number; agentId: string; state: AgentState; previous: AgentState; reason?: string; remote?: true };
