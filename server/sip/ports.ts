/**
 * What the switch calls up through: the small interfaces its router
 * (./router.ts) is given by the layers above, so that the switch imports
 * nothing from them. The contact center is an Entrance
 * (server/calls/center.ts), the greeting number's little IVR another
 * (server/calls/greeting.ts), the extensions' feature codes a
 * FeatureCodeHandler (server/calls/feature-codes.ts), and the ACD is told of
 * agents on calls through OnAnswered (server/calls/other-calls.ts).
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { NumberConfig } from '../../config/schema.js';

/** Who is calling, as the router identified them. */
export interface Caller {
  /** An extension, or the number the operator trunk presents. */
  number: string;
  /** The extension's name, for what the callee is shown. */
  name?: string;
  /** Came in from the operator trunk; otherwise an authenticated extension. */
  fromTrunk: boolean;
}

/**
 * Where a call to a service number is answered: the request is handed over
 * untouched and the entrance sends every response. Resolves once the call
 * is over (the switch counts it as in progress until then).
 */
export interface Entrance {
  answer(req: Srf.SrfRequest, res: Srf.SrfResponse, caller: Caller, number: NumberConfig, log: Logger): Promise<void>;
}

/** A service number that rings one extension (`target`) after greeting its callers (`greeting: true`). */
export type GreetedNumber = NumberConfig & { target: string };

/** Where a call to a greeted number is answered; like an Entrance, it resolves once the call is over. */
export interface Greeting {
  answer(req: Srf.SrfRequest, res: Srf.SrfResponse, caller: Caller, number: GreetedNumber, log: Logger): Promise<void>;
}

/**
 * What an extension dials on its own phone (*21 log in ...). The router asks
 * `match` for every call from an extension (never for one from the trunk)
 * and hands a match to `handle`, which sends every response and resolves
 * once the call is over.
 */
export interface FeatureCodeHandler<Code extends { kind: string } = { kind: string }> {
  match(dialled: string): Code | undefined;
  handle(req: Srf.SrfRequest, res: Srf.SrfResponse, extension: string, code: Code, log: Logger): Promise<void>;
}

/** Tells that an answered call ended; calling it more than once tells once. */
export type CallEnded = () => Promise<void>;

/**
 * Called when a call the switch connects itself (between extensions, out
 * through the trunk) is answered, with the extensions on it; what it returns
 * is called when the call ends.
 */
export type OnAnswered = (extensionsOnCall: readonly string[], callId: string, log: Logger) => CallEnded;

/**
 * Media for a direct call whose two ends speak different media: a desk
 * phone (plain RTP) and a browser (WebRTC, registered over WebSocket). The
 * switch passes SDP straight through otherwise; here our media answers the
 * caller in its kind and offers each phone its own.
 */
export interface MediaTranslator {
  /** Media for the caller's offer and the phones to ring, or the status to refuse the call with and why. */
  open(callerSdp: string, legs: readonly { webrtc?: boolean }[], log: Logger): Promise<TranslatedMedia | { refused: number; reason: string }>;
}

export interface TranslatedMedia {
  /** Our offers: to desk phones (plain RTP) and to browsers (WebRTC); only those some phone needs. */
  readonly offers: { plain?: string; webrtc?: string };
  /** A phone answered (a browser or not) with this SDP: the media is joined; resolves with our answer to the caller. */
  answered(webrtc: boolean, remoteSdp: string): Promise<string>;
  /** Releases the media; safe to call more than once. */
  close(): Promise<void>;
}
