/**
 * One call whose media runs through us: the caller's leg is answered by a
 * media endpoint, and the agent's leg gets an endpoint of its own that is
 * bridged to the caller's once the agent answers. Every phone of the agent
 * rings at once with that endpoint's offer (server/sip/fork.ts); only the one that
 * answers is bridged. The call owns both legs and both endpoints for its
 * whole life: whoever hangs up, at whatever moment, everything is released
 * once. The calls layer sees it as a CallLine (./telephony.ts).
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { MediaNegotiationError, type Endpoint, type MediaServer } from '../../media/port.js';
import { fork, type Leg } from '../sip/fork.js';
import type { CallLine, ConnectOptions, EndedBy } from './telephony.js';

export class AnchoredCall implements CallLine {
  private callerEndpoint?: Endpoint;
  private callerDialog?: Srf.Dialog;
  private agentEndpoint?: Endpoint;
  private agentDialog?: Srf.Dialog;
  /** Aborted by hangup(): phones still ringing are cancelled rather than left ringing. */
  private readonly ringing = new AbortController();
  private ended = false;
  private resolveEnded!: (by: EndedBy) => void;
  /** Settles once, when the call is over and everything is released. */
  readonly done: Promise<EndedBy> = new Promise((resolve) => { this.resolveEnded = resolve; });

  constructor(private readonly srf: Srf, private readonly media: MediaServer, private readonly log: Logger) {}

  get active(): boolean {
    return !this.ended;
  }

  /** Answers the caller with our media. False when the call could not be answered (the caller got a final response). */
  async answer(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<boolean> {
    try {
      this.callerEndpoint = await this.media.createEndpoint({ remoteSdp: req.body, rtpTimeoutSecs: 60 });
    } catch (err) {
      const reason = err instanceof MediaNegotiationError ? err.reason : String(err);
      this.log.info({ reason }, 'caller media refused');
      res.send(488, { headers: { Warning: `399 vaxel "${reason.replace(/"/g, "'").slice(0, 120)}"` } });
      return false;
    }
    this.callerEndpoint.once('rtp-timeout', () => {
      this.log.warn('caller sends no RTP: ending the call');
      void this.hangup();
    });
    try {
      this.callerDialog = await this.srf.createUAS(req, res, { localSdp: this.callerEndpoint.localSdp });
    } catch (err) {
      this.log.info({ status: (err as { status?: number }).status }, 'caller left before the answer');
      await this.hangup();
      return false;
    }
    this.callerDialog.on('destroy', () => {
      this.log.info('caller hung up');
      void this.hangup({ callerGone: true });
    });
    return true;
  }

  get caller(): Endpoint {
    if (!this.callerEndpoint) throw new Error('the caller is not answered');
    return this.callerEndpoint;
  }

  /**
   * Rings the agent's phones (all at once) with our own offer and bridges
   * the first to answer. Resolves with the failure status (the most telling
   * one when several phones failed), or undefined once bridged.
   */
  async connect(legs: readonly Leg[], opts: ConnectOptions = {}): Promise<number | undefined> {
    if (this.ended || opts.signal?.aborted) return 487;
    const endpoint = await this.media.createEndpoint({});
    if (this.ended) {
      await endpoint.destroy();
      return 487;
    }
    this.agentEndpoint = endpoint;
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.ringing.signal]) : this.ringing.signal;
    const result = await fork(this.srf, legs, { localSdp: endpoint.localSdp, signal, log: this.log });
    if ('status' in result) {
      if (this.agentEndpoint === endpoint) this.agentEndpoint = undefined;
      await endpoint.destroy();
      this.log.info({ status: result.status }, 'agent did not answer');
      return result.status;
    }
    const { dialog, leg } = result;
    const wanted = !this.ended && !signal.aborted && (opts.onAnswer ? await opts.onAnswer() : true);
    if (!wanted || this.ended) {
      // Answered too late: the caller left, or the offer was taken back.
      release(dialog);
      if (this.agentEndpoint === endpoint) this.agentEndpoint = undefined;
      await endpoint.destroy();
      return 487;
    }
    this.agentDialog = dialog;
    this.agentDialog.on('destroy', () => {
      this.log.info('agent hung up');
      void this.hangup({ agentGone: true });
    });
    await endpoint.modify(this.agentDialog.remote.sdp);
    await this.caller.bridge(endpoint);
    this.log.info({ uri: leg.uri }, 'agent answered: media bridged');
    return undefined;
  }

  /** Ends the call from our side or after either party left; safe to call more than once. */
  async hangup(gone: { callerGone?: boolean; agentGone?: boolean } = {}): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.ringing.abort();
    if (!gone.callerGone && this.callerDialog) release(this.callerDialog);
    if (!gone.agentGone && this.agentDialog) release(this.agentDialog);
    await Promise.all([this.callerEndpoint?.destroy(), this.agentEndpoint?.destroy()]);
    this.resolveEnded(gone.callerGone ? 'caller' : gone.agentGone ? 'agent' : 'local');
  }

  /** Whether an agent's leg is bridged to the caller. */
  get connected(): boolean {
    return this.agentDialog !== undefined && !this.ended;
  }
}

/** Sends BYE; a dialog the far end already ended needs nothing more. */
function release(dialog: Srf.Dialog): void {
  dialog.destroy(undefined, () => {});
}
