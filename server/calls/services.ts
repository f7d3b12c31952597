/**
 * What a call needs from the rest of the product, and nothing more: the
 * CallCenter builds one CallServices and hands it to every session (and
 * the parts of a session: the queue wait, the queue experience, the
 * callback offer, the transfer), and one DiallerServices to the callback
 * dialler. A session never sees the CallCenter, the configuration or SIP
 * beyond ./telephony.ts; tests build these with the real ACD and fakes.
 */
import type { Logger } from 'pino';
import type { CaseTypeConfig, HoursExceptionConfig } from '../../config/schema.js';
import type { MediaServer } from '../../media/port.js';
import type { PromptSet } from '../../media/speech.js';
import type { Acd, Clock } from '../acd/index.js';
import type { AnnouncementStore } from '../ivr/context.js';
import type { LegBuilder } from '../sip/legs.js';
import type { AvalancheSource } from './avalanche.js';
import type { CallEventSink } from './events.js';
import type { OtherCallEnd } from './other-calls.js';
import type { Telephony } from './telephony.js';

/** The legs a call places: agents' devices, extensions' phones, numbers out through the trunk (as far as the dial-out policy allows). */
export type CallLegs = Pick<LegBuilder, 'device' | 'outside' | 'checkOutside' | 'isExtension'>;

/** A queue's settings the calls layer uses. */
export interface QueueSettings {
  /** Position and estimated wait every this many seconds (0: on entry only), unless the flow says otherwise. */
  announceEverySeconds: number;
  /** Seconds the customer's phone rings on a callback (default 30). */
  callbackRingSeconds?: number;
  /** The case types an agent may give the queue's calls at wrap-up (./case-types.ts). */
  caseTypes?: readonly CaseTypeConfig[];
}

/** A service number's own destination: `numbers[].queue`, or `numbers[].target` (an extension). */
export type NumberLeadsTo = { queue: string } | { extension: string };

export interface QueueLookup {
  /** The queue a service's calls wait in when the flow's queue node names none. */
  ofService(service: string): string | undefined;
  /**
   * Where a caller dialling this service number (E.164 or national form)
   * ends up without running its flow again: the queue its callers wait in,
   * or the extension it rings directly; undefined for any other number.
   */
  ofNumber(dialled: string): NumberLeadsTo | undefined;
  get(queueId: string): QueueSettings | undefined;
}

export interface HoursExceptions {
  timezone: string;
  byService: Readonly<Record<string, readonly HoursExceptionConfig[]>>;
}

/** Who rings the agent the ACD offers an entry to: the queue wait holding that entry's caller. */
export interface OfferTarget {
  /** The ACD offered the entry to this agent: ring their phones. */
  ringAgent(agentId: string): Promise<void>;
  /** The ACD took the offer back (ring timeout, the agent paused, ...): stop ringing. */
  stopRinging(agentId: string): void;
}

/** Where the ACD's offers of an entry go (the CallCenter delivers `offered-to-agent` by entry). */
export interface OfferRoutes {
  track(entryId: string, target: OfferTarget): void;
  untrack(entryId: string): void;
}

/** The ACD as a call session uses it. */
export type SessionAcd = Pick<Acd,
  | 'on' | 'enqueue' | 'overflow' | 'callEnded' | 'offerAccepted' | 'offerRejected' | 'requestCallback'
  | 'entry' | 'positionOf' | 'estimatedWaitSeconds' | 'profile'>;

export interface CallServices {
  acd: SessionAcd;
  /** Every agent's or transfer target's phones to ring, and the dial-out policy's word on a callback number. */
  legs: CallLegs;
  prompts: PromptSet;
  announcements: AnnouncementStore;
  /** Active avalanche messages by service (./avalanche.ts); none when absent. */
  avalanche?: AvalancheSource;
  /** Every timer of a call runs on it. */
  clock: Clock;
  /** The demo setting `ivr.alwaysOpen`: hours nodes take their open branch at any hour. */
  alwaysOpen?: boolean;
  /** Opening-hour exceptions by service (config `hoursExceptions`), in `timezone`; as they were when the call started. */
  hoursExceptions?: HoursExceptions;
  emit: CallEventSink;
  queues: QueueLookup;
  offers: OfferRoutes;
  /** Tells the ACD that agents' extensions are on a call it did not route (./other-calls.ts). */
  otherCall(extensions: readonly string[], callId: string, log: Logger): OtherCallEnd;
  /** Puts a booked callback on disk before the caller is told (never throws). */
  persistNow(): Promise<void>;
}

/** The ACD as the callback dialler uses it. */
export type DiallerAcd = Pick<Acd,
  | 'entry' | 'profile' | 'offerAccepted' | 'offerRejected' | 'callEnded' | 'callbackNoAnswer' | 'callbackAgentLeft' | 'abandon'>;

export interface DiallerServices {
  acd: DiallerAcd;
  /** The agent's phones, and the customer: an extension's phones, or out through the trunk. */
  legs: CallLegs;
  media: Pick<MediaServer, 'createEndpoint'>;
  telephony: Pick<Telephony, 'dial'>;
  prompts: PromptSet;
  clock: Clock;
  emit: CallEventSink;
  queues: Pick<QueueLookup, 'get'>;
  logger: Logger;
}
