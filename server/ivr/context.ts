/**
 * What a call session gives a running IVR flow: the IvrContext.
 *
 * The interpreter (./interpreter.ts) and the node modules (./nodes/) use
 * nothing else: no SIP, no ACD, no store. The call session owns the call,
 * its legs and its endpoint for the life of the call (jambonz's
 * `CallSession`), builds one IvrContext per call, and implements the hooks
 * below with the ACD, the callback service, the SIP layer and the
 * announcement store.
 *
 * Rules for an implementation:
 *
 * - `hangupSignal` is aborted when the *caller* hangs up. The interpreter
 *   then kills the current node and the run resolves; the avalanche node
 *   uses it to count deflected callers. Abort it once, before or after
 *   destroying the endpoint (nodes cope with either order).
 * - Every hook that can take a while (`enqueue`, `offerCallback`,
 *   `transfer`) gets an AbortSignal that is aborted when the node is killed.
 *   The node stops waiting at once; the hook should then clean up what it
 *   started (e.g. take the entry out of the queue as abandoned).
 * - The hooks answer with plain outcomes; they never throw for an ordinary
 *   result (busy, no answer). A thrown error ends the run with reason
 *   'error' and is logged.
 * - `now()` is milliseconds since the epoch, on the same clock as the ACD
 *   (a SimulatedClock in tests), so opening hours and avalanche windows can
 *   be tested without waiting.
 */
import type { Logger } from 'pino';
import type { Endpoint } from '../../media/port.js';
import type { PromptSet } from '../../media/speech.js';
import type { ServiceExceptions } from './opening-hours.js';

/** Who called, what they dialled and what it means. */
export interface CallData {
  /** Unique per call; also bound on `logger`. */
  readonly callId: string;
  /** The caller's number in E.164, or an extension for internal calls. */
  readonly caller: string;
  readonly callerName?: string;
  /** What the caller dialled: an E.164 number such as +46313900601, or an internal code such as *77. */
  readonly dialled: string;
  /** The service the dialled number belongs to (config `numbers[].service`), e.g. "Kundtjänst". */
  readonly service: string;
  /**
   * The extension of the agent whose personal queue calls to the dialled
   * number wait in (config `numbers[].personalAgent`); a queue node without
   * an `agent` of its own queues the call for this agent.
   */
  readonly personalAgent?: string;
  /**
   * The language prompts are played in: "sv" or "en". The session starts it
   * at the flow's `language`; a `set` node (language choice) or an `http`
   * answer may change it.
   */
  language: string;
}

/** How the call should be routed when it reaches a queue node: set by `set` and `http` nodes. */
export interface RoutingState {
  /** 0 for ordinary callers; higher goes first in the ACD (VIP, urgent). */
  priority: number;
  /** Marked VIP by a CRM lookup. */
  vip: boolean;
}

/** Settings of the queue experience, passed through from the queue node to `enqueue`. */
export interface QueueExperience {
  /** Music on hold: a name from the prompt manifest's `music` (default "default"). */
  music?: string;
  /** Speak position and estimated wait on entry and then every this many seconds (0: on entry only). */
  announceEverySeconds?: number;
  /** Offer "press 1 to be called back" after this many seconds of waiting. */
  offerCallbackAfterSeconds?: number;
  /** ... or at once when the estimated wait is longer than this. */
  offerCallbackWhenWaitOverSeconds?: number;
  /** Announcement slots played between the music every `brandMessageEverySeconds`. */
  brandMessages?: readonly string[];
  brandMessageEverySeconds?: number;
}

export interface EnqueueRequest {
  /** ACD queue id; undefined: the session's queue for `call.service`. */
  queueId: string | undefined;
  priority: number;
  /** Leave the queue with outcome 'overflow' after this many seconds of waiting. */
  maxWaitSeconds?: number;
  /**
   * A personal queue call: the extension of the agent (their ACD id) the call
   * waits for first; after the queue's `personalOverflowSeconds` the queue's
   * other agents may take it too. Undefined: an ordinary queue call.
   */
  personalAgentId?: string;
  experience: QueueExperience;
  /** Carried on the ACD entry: caller, dialled, service, and the flow's variables. */
  data: Record<string, string>;
}

export type EnqueueResult =
  /** An agent answered; the call is theirs now. The flow ends. */
  | { outcome: 'answered'; agentId: string }
  /** The caller took a callback and hung up; the entry keeps its place. The flow ends. */
  | { outcome: 'callback' }
  /** The caller hung up while waiting. The flow ends. */
  | { outcome: 'abandoned' }
  /** The maximum wait passed: the flow goes on at the queue node's `overflow` branch. */
  | { outcome: 'overflow'; waitedSeconds: number }
  /** The queue could not take the call (unknown queue, nobody logged in, ...). */
  | { outcome: 'failed'; reason: string };

export interface CallbackRequest {
  /** ACD queue id the callback waits in; undefined: the session's queue for the service. */
  queueId: string | undefined;
  priority: number;
}

/** accepted: the callback is booked (the caller has usually been told and may hang up). */
export type CallbackResult = { outcome: 'accepted'; number: string } | { outcome: 'declined' };

export interface TransferRequest {
  /** An extension ("1003") or an E.164 number ("+46701740605"). */
  to: string;
  kind: 'extension' | 'number';
  /** Seconds to ring before giving up. */
  timeoutSeconds: number;
}

export type TransferResult =
  /** Bridged to the target: the call is no longer the flow's. */
  | { outcome: 'connected' }
  | { outcome: 'failed'; reason: TransferFailure };

export type TransferFailure = 'busy' | 'no-answer' | 'unavailable' | 'caller-left' | 'error';

/** An active avalanche message ("lavinmeddelande") for a service. */
export interface AvalancheMessage {
  id: string;
  /** The recording to play (absolute path to a WAV). */
  file: string;
  /** "sv", "en"; undefined: played whatever the caller's language. */
  language?: string;
}

/** Recorded announcements by slot name ("kundtjanst-halsning"): the operator's recordings. */
export interface AnnouncementStore {
  /** The saved recording of a slot, or undefined when nothing has been recorded. */
  current(slot: string): Promise<string | undefined>;
  /** Whether a PIN entered on the phone by `caller` is an operator's; false, unchecked, while the caller is locked out. */
  verifyPin(pin: string, caller: string): Promise<boolean>;
  /** A fresh path to record a draft into (not yet what callers hear). */
  draftFile(slot: string, callId: string): string;
  /** Makes `wavFile` the slot's recording: the next caller hears it. */
  save(slot: string, wavFile: string): Promise<void>;
}

/** Facts about the IVR part of a call, for statistics and the CRM. */
export type IvrEvent = { at: number; callId: string; service: string; dialled: string } & (
  | { type: 'ivr-node'; flow: string; node: string; nodeType: string }
  | { type: 'ivr-ended'; flow: string; reason: string; node?: string; steps: number }
  | { type: 'avalanche-played'; node: string; messageIds: string[] }
  /**
   * A caller hung up while an avalanche message played or within the
   * node's `deflectionSeconds` after it: a call the organisation did not
   * have to take.
   */
  | { type: 'avalanche-deflected'; node: string; messageIds: string[]; during: boolean; secondsAfter: number }
  | { type: 'announcement-saved'; node: string; slot: string }
  /** A transfer node's result: connected, or why not (statistics tell busy targets from unanswered ones). */
  | { type: 'transfer'; node: string; to: string; outcome: 'connected' | TransferFailure }
);

/** An IvrEvent as a node or the interpreter makes it, before the call's facts are added. */
export type IvrEventBody = IvrEvent extends infer E ? (E extends IvrEvent ? Omit<E, 'at' | 'callId' | 'service' | 'dialled'> : never) : never;

export interface IvrEventSink {
  emit(event: IvrEvent): void;
}

export interface IvrContext {
  /** The caller's media endpoint (media/port.ts). */
  readonly endpoint: Endpoint;
  readonly call: CallData;
  /** Flow variables: set by `set` and `http` nodes, usable in templates as {{vars.name}}. */
  readonly variables: Record<string, string>;
  readonly routing: RoutingState;
  /** The system prompts (media/prompts/manifest.json) prompt names are resolved against. */
  readonly prompts: PromptSet;
  /** A pino child logger bound to the call: logger.child({ callId }). */
  readonly logger: Logger;
  readonly events: IvrEventSink;
  /** Aborted when the caller hangs up. */
  readonly hangupSignal: AbortSignal;
  /** True once an agent answered the caller or a transfer connected them: a hang-up after that turns nobody away. */
  readonly connected: boolean;
  /** Milliseconds since the epoch, on the ACD's clock. */
  now(): number;
  /** The demo setting `ivr.alwaysOpen`: hours nodes take their open branch at any hour. */
  readonly alwaysOpen?: boolean;
  /** The call's service's opening-hour exceptions as they were when the call started: hours nodes look at them first. */
  readonly serviceExceptions?: ServiceExceptions;

  enqueue(request: EnqueueRequest, signal: AbortSignal): Promise<EnqueueResult>;
  offerCallback(request: CallbackRequest, signal: AbortSignal): Promise<CallbackResult>;
  transfer(request: TransferRequest, signal: AbortSignal): Promise<TransferResult>;
  /** Ends the call from our side (BYE to the caller). */
  hangup(): Promise<void>;
  readonly announcements: AnnouncementStore;
  /** The avalanche messages active for a service at a time (ms). */
  avalancheMessages(service: string, at: number): Promise<readonly AvalancheMessage[]>;
}

/** Emits an event with the call's facts filled in. */
export function emitEvent(ctx: IvrContext, body: IvrEventBody): void {
  const { callId, service, dialled } = ctx.call;
  ctx.events.emit({ at: ctx.now(), callId, service, dialled, ...body } as IvrEvent);
}
