/**
 * One call whose media runs through us: the caller's leg is answered by a
 * media endpoint, and the agent's leg gets an endpoint of its own that is
 * bridged to the caller's once the agent answers. The call owns both legs
 * and both endpoints for its whole life: whoever hangs up, at whatever
 * moment, everything is released once.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { MediaNegotiationError, type Endpoint, type MediaServer } from '../../media/port.js';

export interface AgentLeg {
  uri: string;
  proxy?: string;
  headers: Record<string, string>;
}

export class AnchoredCall {
  private callerEndpoint?: Endpoint;
  private callerDialog?: Srf.Dialog;
  private agentEndpoint?: Endpoint;
  private agentDialog?: Srf.Dialog;
  private agentRequest?: Srf.SrfRequest;
  private ended = false;

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
   * Rings the agent with our own offer and bridges on answer. Resolves
   * with the agent's failure status, or undefined once bridged.
   */
  async connect(agent: AgentLeg): Promise<number | undefined> {
    if (this.ended) return 487;
    const endpoint = await this.media.createEndpoint({});
    this.agentEndpoint = endpoint;
    try {
      this.agentDialog = await this.srf.createUAC(agent.uri, { localSdp: endpoint.localSdp, proxy: agent.proxy, headers: agent.headers }, {
        cbRequest: (req) => { this.agentRequest = req; },
      });
    } catch (err) {
      this.agentEndpoint = undefined;
      await endpoint.destroy();
      const status = (err as { status?: number }).status ?? 500;
      this.log.info({ uri: agent.uri, status }, 'agent did not answer');
      return status;
    } finally {
      this.agentRequest = undefined;
    }
    if (this.ended) {
      release(this.agentDialog);
      return 487;
    }
    this.agentDialog.on('destroy', () => {
      this.log.info('agent hung up');
      void this.hangup({ agentGone: true });
    });
    await endpoint.modify(this.agentDialog.remote.sdp);
    await this.caller.bridge(endpoint);
    this.log.info({ uri: agent.uri }, 'agent answered: media bridged');
    return undefined;
  }

  /** Ends the call from our side or after either party left; safe to call more than once. */
  async hangup(gone: { callerGone?: boolean; agentGone?: boolean } = {}): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // An agent still ringing is cancelled rather than left ringing.
    this.agentRequest?.cancel(() => {});
    if (!gone.callerGone && this.callerDialog) release(this.callerDialog);
    if (!gone.agentGone && this.agentDialog) release(this.agentDialog);
    await Promise.all([this.callerEndpoint?.destroy(), this.agentEndpoint?.destroy()]);
  }
}

/** Sends BYE; a dialog the far end already ended needs nothing more. */
function release(dialog: Srf.Dialog): void {
  dialog.destroy(undefined, () => {});
}
