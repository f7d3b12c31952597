/**
 * The media port: what the application asks of a media engine.
 *
 * Method names and options follow drachtio-fsmrf's Endpoint (play,
 * playCollect, record, bridge, unbridge, modify, destroy, 'dtmf' events) so
 * the FreeSWITCH adapter stays thin and the embedded RTP engine is a drop-in.
 * The application never knows which engine it has.
 *
 * Where FreeSWITCH (media/freeswitch.ts) cannot do exactly what the embedded
 * engine does, the difference is written beside the method or event, under
 * "On FreeSWITCH".
 */
import type { EventEmitter } from 'node:events';

export interface PlayResult {
  playbackSeconds: number;
  playbackMilliseconds: number;
  /** True when the play ended early: stop(), barge-in, destroy. */
  interrupted: boolean;
}

/**
 * Options of play().
 *
 * On FreeSWITCH: a list is played as one `file_string://` with
 * playback_sleep_val=0 (no pause between files), and playbackMilliseconds
 * counts the whole list. `loop` plays the list ten times over as one
 * `file_string://`, then again, until stop() (uuid_break), a bridge or the
 * hangup: FreeSWITCH's own endless_playback goes on through uuid_break.
 */
export interface PlayOptions {
  /**
   * Play the file(s) over and over until stop(), another media operation,
   * bridge() or destroy() ends it: music on hold. The result is then
   * `interrupted: true`.
   */
  loop?: boolean;
}

export interface PlayCollectOptions {
  /** One file or a list, played in order before and while collecting. */
  file: string | string[];
  min?: number;
  max?: number;
  /** Terminator keys, e.g. '#'. Not part of the digits returned. */
  terminators?: string;
  /** Ms to wait for the first digit after the prompt ends. */
  timeout?: number;
  /** Ms to wait between digits. */
  digitTimeout?: number;
  /** A digit stops the prompt (default true). */
  bargeIn?: boolean;
}

export interface PlayCollectResult {
  digits: string;
  terminatorUsed?: string;
  /** Why collecting stopped. */
  reason: 'max-digits' | 'terminator' | 'timeout' | 'interrupted';
  playbackMilliseconds: number;
}

export interface RecordOptions {
  /** Play a beep before recording. */
  beep?: boolean;
  /**
   * On FreeSWITCH: the adapter ends the record at the limit itself (uuid_break);
   * FreeSWITCH's own limit, in whole seconds of its clock, is the backstop.
   */
  timeLimitSecs?: number;
  /**
   * End after this many seconds of silence. On FreeSWITCH: whole seconds
   * (rounded up) of frames under a fixed energy threshold, which is not the
   * embedded engine's level measure; a recording nobody speaks into ends
   * the same way ('silence').
   */
  silenceSecs?: number;
  /** Keys that end the recording, e.g. '#'. */
  terminators?: string;
}

export interface RecordResult {
  /**
   * On FreeSWITCH: the samples written (record_ms), time without RTP filled
   * with silence (record_fill_cng), from when FreeSWITCH starts recording:
   * one event socket round trip after record() is called.
   */
  recordMilliseconds: number;
  terminatorUsed?: string;
  reason: 'time-limit' | 'silence' | 'terminator' | 'interrupted';
}

export interface DtmfEvent {
  dtmf: string;
  /** Milliseconds, when the source told us. */
  duration?: number;
  source: 'rfc4733' | 'info';
}

export interface EndpointEvents {
  /**
   * Every digit, RFC 4733 or SIP INFO. A digit that arrives while no
   * playCollect is running (e.g. during a plain play()) is reported here
   * only; it is not kept for a later playCollect (FreeSWITCH's behaviour).
   */
  dtmf: [event: DtmfEvent];
  /**
   * The far end sent no RTP for the configured time, or (WebRTC) its ICE
   * and DTLS never completed or its ICE consent lapsed: the call is dead. The
   * engine destroys the endpoint right after ('destroy' follows), as
   * FreeSWITCH hangs up a channel on RTP timeout; the app hangs up the SIP
   * dialog. Not counted while the call is on hold (the far end may be quiet).
   *
   * On FreeSWITCH: the timeout travels as media_timeout (milliseconds) and
   * media_hold_timeout=0; the event is emitted when FreeSWITCH ends the
   * channel with the hangup cause MEDIA_TIMEOUT, at FreeSWITCH's own
   * checking pace rather than to the millisecond.
   */
  'rtp-timeout': [];
  /** Once, when the endpoint is gone: destroyed by the app or ended by the engine. */
  destroy: [];
}

export interface Endpoint extends EventEmitter<EndpointEvents> {
  readonly id: string;
  /** Our SDP: the answer to the offer it was created from, or our offer. */
  readonly localSdp: string;
  play(file: string | string[], opts?: PlayOptions): Promise<PlayResult>;
  playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult>;
  record(file: string, opts?: RecordOptions): Promise<RecordResult>;
  /** Stops the current play, playCollect or record. */
  stop(): void;
  /**
   * Relays media between this endpoint and another, both ways, DTMF
   * included. Ends a play, playCollect or record in progress on either side
   * (as FreeSWITCH's uuid_bridge does).
   */
  bridge(other: Endpoint): Promise<void>;
  unbridge(): Promise<void>;
  /**
   * Takes the far end's SDP: the answer to our own offer, or a re-INVITE's
   * new offer. Returns our SDP as it now stands.
   */
  modify(remoteSdp: string): Promise<string>;
  /** A DTMF digit delivered by SIP INFO rather than in the RTP. */
  injectDtmf(digit: string, durationMs?: number): void;
  destroy(): Promise<void>;
}

export interface CreateEndpointOptions {
  /** The far end's offer; without it the endpoint makes an offer of its own. */
  remoteSdp?: string;
  /** Seconds without RTP from the far end before 'rtp-timeout'; 0 disables. */
  rtpTimeoutSecs?: number;
  /**
   * Make a WebRTC offer (DTLS-SRTP with ICE, as a browser needs) rather than
   * plain RTP. Only for an endpoint that makes an offer: with `remoteSdp`
   * the offer says which kind it is.
   */
  webrtc?: boolean;
}

export interface MediaServer {
  /**
   * On FreeSWITCH: each endpoint negotiates what its far end can do, set per
   * call: plain RTP/AVP only (rtp_secure_media=forbidden) for an RTP/AVP offer
   * or an offer of ours, DTLS-SRTP (media_webrtc) for an offer of ours with
   * `webrtc`. A WebRTC offer from the far end is refused with a
   * MediaNegotiationError: drachtio-fsmrf completes DTLS only for a request
   * it answers itself.
   */
  createEndpoint(opts: CreateEndpointOptions): Promise<Endpoint>;
  close(): Promise<void>;
}

/** The engine cannot do what the SDP asks; `reason` says what. */
export class MediaNegotiationError extends Error {
  constructor(readonly reason: string) {
    super(`media negotiation failed: ${reason}`);
    this.name = 'MediaNegotiationError';
  }
}
