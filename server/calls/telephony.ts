/**
 * The SIP side of the calls layer: the few things a call asks of SIP,
 * behind small interfaces, so that sessions, queue waits, transfers and
 * callbacks run the same against drachtio-srf (./anchored-call.ts) and
 * against a scripted fake in tests.
 *
 * - A `CallLine` is one caller answered with our media: the caller's
 *   endpoint, and at most one other leg (an agent, a transfer target) rung
 *   and bridged to it. Whoever hangs up, the line releases everything once
 *   and `done` tells who it was (./line.ts).
 * - `dial` places a call of our own (the callback dialler's agent and
 *   customer legs): every leg rings at once with the endpoint's offer; the
 *   first to answer wins.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Endpoint } from '../../media/port.js';
import type { DialogRef } from '../sip/direct-calls.js';
import type { Leg } from '../sip/fork.js';

export type { DialogRef };

/** Who ended the call: the caller, the agent (or transfer target), or we did (hangup()). */
export type EndedBy = 'caller' | 'agent' | 'local';

export interface ConnectOptions {
  /** Aborting it while the agent's phones ring cancels the ringing (the result is 487); the caller stays. */
  signal?: AbortSignal;
  /**
   * Called once the agent answered, before the media is bridged. Answering
   * false (the offer was taken back meanwhile) releases the agent's leg
   * instead, and the result is 487.
   */
  onAnswer?: () => boolean | Promise<boolean>;
  /**
   * What the caller hears while the agent's phone holds the call (a
   * re-INVITE with sendonly or inactive audio): this file, looped, until the
   * phone resumes. Without it the caller hears silence.
   */
  holdMusic?: string;
  /** Called each time the agent's phone puts the caller on hold (true) or resumes (false). */
  onHold?: (held: boolean) => void;
}

/** One caller answered with our media. */
export interface CallLine {
  /** The caller's media endpoint. */
  readonly caller: Endpoint;
  /** False once the call is over. */
  readonly active: boolean;
  /** Settles once, when the call is over and everything is released. */
  readonly done: Promise<EndedBy>;
  /** Aborted as the call starts to end, before anything is released; its reason is who ended it (EndedBy). */
  readonly ending: AbortSignal;
  /**
   * Rings the legs (all at once) and bridges the first to answer. Resolves
   * with the failure status (487 when aborted), or undefined once bridged.
   */
  connect(legs: readonly Leg[], opts?: ConnectOptions): Promise<number | undefined>;
  /** Ends the call from our side; safe to call more than once. */
  hangup(): Promise<void>;
  /**
   * Joins the caller to the far phone of a call between phones (an attended
   * transfer's Replaces names it by its dialog): false when there is none.
   */
  join(ref: DialogRef): Promise<Joined | undefined>;
  /** `fn` gets every transfer the bridged agent's phone asks for (REFER); without it they are refused. */
  onTransfer(fn: (transfer: PhoneTransfer) => void): void;
  /**
   * Takes the bridged agent's leg off the caller for a transfer (the caller
   * stays; the agent hanging up no longer ends the call): undefined when no
   * agent is bridged.
   */
  setAside(): Promise<AgentAside | undefined>;
}

/** An agent's leg taken off the caller while their transfer is tried. */
export interface AgentAside {
  /** False once the agent hung up. */
  readonly present: boolean;
  /** The transfer failed: the agent has the caller again. False when they are gone (or the call is over). */
  restore(): Promise<boolean>;
  /** The transfer went through: the agent's leg is hung up and its media released. */
  release(): Promise<void>;
}

/** A phone asks to transfer its call (REFER, RFC 3515), already accepted with 202. */
export interface PhoneTransfer {
  /** Refer-To's user part: an extension, `queue-<id>`, or a number; may be empty with `replaces`. */
  target: string;
  /** Refer-To's Replaces (RFC 3891): the dialog of the phone's consultation call, to join instead of dialling. */
  replaces?: DialogRef;
  /** A NOTIFY carrying this status line (message/sipfrag); a final one (>= 200) ends the subscription. */
  progress(status: number, reason: string): void;
}


/** A leg we placed that answered. */
export interface PlacedLeg {
  /** The far end's SDP answer to our offer. */
  readonly remoteSdp: string;
  /**
   * Set when the phone that answered was rung with another offer than the
   * endpoint given to dial(): a WebRTC phone (a browser) gets a WebRTC
   * endpoint's offer. The answer belongs to this endpoint, which the caller
   * now owns in place of its own.
   */
  readonly endpoint?: Endpoint;
  /** `fn` runs once when the far end hangs up, or its session expired (RFC 4028: we sent BYE). */
  onHangup(fn: () => void): void;
  /**
   * `fn` answers the far end's re-INVITEs that carry a new offer (hold,
   * resume, a new address): it takes their SDP and returns ours. Without it
   * they are answered with our SDP as it stood.
   */
  onOffer(fn: (remoteSdp: string) => Promise<string>): void;
  /** BYE; a leg the far end already ended needs nothing more. */
  hangup(): void;
  /** `fn` gets the transfers this leg's phone asks for; a leg without it (or before it is set) refuses them. */
  onTransfer?(fn: (transfer: PhoneTransfer) => void): void;
}

export interface Telephony {
  /** Answers a caller with our media: the line, or undefined when the caller could not be answered (they got a final response). */
  answer(req: Srf.SrfRequest, res: Srf.SrfResponse, log: Logger): Promise<CallLine | undefined>;
  /**
   * Rings the legs at once with `endpoint`'s offer: the first to answer,
   * or the failure status (the most telling one; 487 when aborted).
   */
  dial(legs: readonly Leg[], endpoint: Endpoint, signal: AbortSignal, log: Logger): Promise<PlacedLeg | number>;
  /**
   * Takes over the far leg of a call between phones the switch connected,
   * named by its caller's dialog (an attended transfer's Replaces): that
   * caller's leg is hung up, the far phone re-offered `endpoint`'s media.
   * Undefined when there is no such call or the phone refuses.
   */
  takeOver?(ref: DialogRef, endpoint: Endpoint, log: Logger): Promise<{ leg: PlacedLeg } & Joined | undefined>;
}

/** The phone a call was joined to: the extension it rang as, when it was one. */
export interface Joined {
  extension?: string;
}
