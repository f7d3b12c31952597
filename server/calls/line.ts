/**
 * One caller whose media runs through us (a CallLine, ./telephony.ts): the
 * caller's leg is answered by a media endpoint, and the agent's leg gets an
 * endpoint of its own that is bridged to the caller's once the agent
 * answers. Every phone of the agent rings at once with that endpoint's
 * offer; only the one that answers is bridged. The line owns both legs and
 * both endpoints for the call's whole life: whoever hangs up, at whatever
 * moment, everything is released once.
 *
 * A leg whose far end stops sending RTP while the call is up (a phone that
 * crashed, a BYE lost on the way) ends the call, caller's or agent's alike,
 * so nobody is left busy on a dead call: the media server's `rtp-timeout`
 * (config rtp.timeoutSeconds).
 *
 * The agent's phone may hold the call (a re-INVITE whose audio is sendonly
 * or inactive, as desk phones and sip.js send): the caller is taken off
 * the bridge and hears the connection's hold music, looped, until the
 * phone resumes and the two are bridged again. Only media port operations
 * do it (modify, unbridge, play, bridge), so either engine holds alike.
 *
 * It reaches SIP only through Telephony's `dial`: answering the caller is
 * the SIP side's job (./anchored-call.ts with drachtio-srf), which hands the
 * answered leg over with `answered`.
 */
import type { Logger } from 'pino';
import { offerHolds } from '../../media/hold.js';
import type { Endpoint, MediaServer } from '../../media/port.js';
import type { Leg } from '../sip/fork.js';
import type { AgentAside, CallLine, ConnectOptions, DialogRef, EndedBy, Joined, PhoneTransfer, PlacedLeg, Telephony } from './telephony.js';

/** An agent's leg off the caller while a transfer is tried (./agent-transfer.ts). */
interface Aside {
  leg: PlacedLeg;
  endpoint: Endpoint;
  gone: boolean;
}

export class AnchoredLine implements CallLine {
  private callerEndpoint?: Endpoint;
  private callerLeg?: PlacedLeg;
  private agentEndpoint?: Endpoint;
  private agentLeg?: PlacedLeg;
  private aside?: Aside;
  private transferListener?: (transfer: PhoneTransfer) => void;
  /** Aborted by hangup(): phones still ringing are cancelled rather than left ringing. */
  private readonly ringing = new AbortController();
  private ended = false;
  /** The agent's phone holds the caller now. */
  private held = false;
  /** What the caller hears while the agent holds, and who is told (the last connect's). */
  private holdOptions: Pick<ConnectOptions, 'holdMusic' | 'onHold'> = {};
  private readonly endingController = new AbortController();
  private resolveEnded!: (by: EndedBy) => void;
  /** Settles once, when the call is over and everything is released. */
  readonly done: Promise<EndedBy> = new Promise((resolve) => { this.resolveEnded = resolve; });

  constructor(
    private readonly telephony: Pick<Telephony, 'dial' | 'takeOver'>,
    protected readonly media: Pick<MediaServer, 'createEndpoint'>,
    protected readonly log: Logger,
  ) {}

  get active(): boolean {
    return !this.ended;
  }

  get ending(): AbortSignal {
    return this.endingController.signal;
  }

  /** The caller's leg was answered with `endpoint`'s SDP: the call is up. */
  answered(endpoint: Endpoint, leg: PlacedLeg): void {
    this.callerEndpoint = endpoint;
    this.callerLeg = leg;
    endpoint.once('rtp-timeout', () => {
      this.log.warn('caller sends no RTP: ending the call');
      void this.hangup();
    });
    leg.onHangup(() => {
      this.log.info('caller hung up');
      void this.hangup({ callerGone: true });
    });
  }

  get caller(): Endpoint {
    if (!this.callerEndpoint) throw new Error('the caller is not answered');
    return this.callerEndpoint;
  }

  /**
   * Rings the agent's phones (all at once) with our own offer and bridges
   * the first to answer. Resolves with the failure status (the most telling
   * one when several phones failed), or undefined once answered (bridged,
   * or hung up by then).
   */
  async connect(legs: readonly Leg[], opts: ConnectOptions = {}): Promise<number | undefined> {
    if (this.ended || opts.signal?.aborted) return 487;
    let endpoint = await this.agentSideEndpoint();
    if (this.ended) {
      await endpoint.destroy();
      return 487;
    }
    this.agentEndpoint = endpoint;
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.ringing.signal]) : this.ringing.signal;
    const result = await this.telephony.dial(legs, endpoint, signal, this.log);
    if (typeof result === 'number') {
      if (this.agentEndpoint === endpoint) this.agentEndpoint = undefined;
      await endpoint.destroy();
      this.log.info({ status: result }, 'agent did not answer');
      return result;
    }
    endpoint = await this.answeredOn(result, endpoint);
    const wanted = !this.ended && !signal.aborted && (opts.onAnswer ? await opts.onAnswer() : true);
    if (!wanted || this.ended) {
      // Answered too late: the caller left, or the offer was taken back.
      result.hangup();
      if (this.agentEndpoint === endpoint) this.agentEndpoint = undefined;
      await endpoint.destroy();
      return 487;
    }
    this.holdOptions = opts;
    await this.adopt(endpoint, result);
    return undefined;
  }

  /**
   * An attended transfer: the caller joined to the far phone of the call
   * between phones that `ref` names (its other leg is hung up). False when
   * there is no such call, or the line ended meanwhile.
   */
  async join(ref: DialogRef): Promise<Joined | undefined> {
    if (this.ended || !this.telephony.takeOver) return undefined;
    const endpoint = await this.agentSideEndpoint();
    this.agentEndpoint = endpoint;
    const taken = this.ended ? undefined : await this.telephony.takeOver(ref, endpoint, this.log);
    if (!taken || this.ended) {
      taken?.leg.hangup();
      if (this.agentEndpoint === endpoint) this.agentEndpoint = undefined;
      await endpoint.destroy();
      return undefined;
    }
    await this.adopt(endpoint, taken.leg);
    return this.ended ? undefined : { ...(taken.extension !== undefined ? { extension: taken.extension } : {}) };
  }

  /** An endpoint for the agent's side (or a transfer target's). */
  private async agentSideEndpoint(): Promise<Endpoint> {
    return this.agentMedia(await this.media.createEndpoint({}));
  }

  /** The agent's endpoint: a leg that stops sending RTP ends the call. */
  private agentMedia(endpoint: Endpoint): Endpoint {
    endpoint.once('rtp-timeout', () => {
      // An agent set aside for a transfer is no longer the call's: their silence ends nothing.
      if (this.agentEndpoint !== endpoint) return;
      this.log.warn('agent sends no RTP: ending the call');
      void this.hangup();
    });
    return endpoint;
  }

  /** The answered leg becomes the call's other party: its media bridged to the caller's, its end the call's. */
  private async adopt(endpoint: Endpoint, result: PlacedLeg): Promise<void> {
    this.agentLeg = result;
    result.onHangup(() => {
      if (this.agentLeg !== result) return; // set aside for a transfer: the caller stays
      this.log.info('agent hung up');
      void this.hangup({ agentGone: true });
    });
    result.onOffer(async (sdp) => {
      const answer = await endpoint.modify(sdp);
      await this.holdChanged(offerHolds(sdp), endpoint);
      return answer;
    });
    result.onTransfer?.((transfer) => {
      if (this.agentLeg === result && this.transferListener) this.transferListener(transfer);
      else transfer.progress(403, 'Forbidden');
    });
    try {
      await endpoint.modify(result.remoteSdp);
      await this.caller.bridge(endpoint);
    } catch (err) {
      // Answered, then hung up while the media was being joined: hangup() has released it all.
      if (this.ended) return;
      throw err;
    }
    this.log.info('agent answered: media bridged');
  }

  /** The agent's phone held or resumed: the caller gets the music, or the agent back. */
  private async holdChanged(held: boolean, agent: Endpoint): Promise<void> {
    const opts = this.holdOptions;
    if (held === this.held || this.ended) return;
    this.held = held;
    this.log.info(held ? 'agent put the caller on hold' : 'agent resumed the call');
    if (held) {
      await this.caller.unbridge();
      if (opts.holdMusic) void this.caller.play(opts.holdMusic, { loop: true }).catch(() => {});
    } else {
      // Ends the music (a bridge ends a play in progress).
      await this.caller.bridge(agent);
    }
    opts.onHold?.(held);
  }

  /**
   * A browser answered on the WebRTC endpoint dial() made for it: that one
   * becomes the agent's, and ours is released.
   */
  private async answeredOn(leg: PlacedLeg, offered: Endpoint): Promise<Endpoint> {
    if (!leg.endpoint || leg.endpoint === offered) return offered;
    const endpoint = this.agentMedia(leg.endpoint);
    if (this.agentEndpoint === offered) this.agentEndpoint = endpoint;
    await offered.destroy();
    this.log.info('the agent answered in the browser: WebRTC media');
    return endpoint;
  }

  /**
   * Ends the call from our side or after either party left; safe to call
   * more than once, and every call resolves once everything is released.
   */
  async hangup(gone: { callerGone?: boolean; agentGone?: boolean } = {}): Promise<void> {
    if (this.ended) {
      await this.done;
      return;
    }
    this.ended = true;
    const by: EndedBy = gone.callerGone ? 'caller' : gone.agentGone ? 'agent' : 'local';
    // First, so that what plays to the caller stops as a hang-up rather than failing on a released endpoint.
    this.endingController.abort(by);
    this.ringing.abort();
    if (!gone.callerGone) this.callerLeg?.hangup();
    if (!gone.agentGone) this.agentLeg?.hangup();
    const aside = this.aside;
    this.aside = undefined;
    aside?.leg.hangup();
    // An endpoint the media server cannot release (its connection gone) must not keep the call from ending.
    const released = await Promise.allSettled([
      this.callerEndpoint?.destroy(), this.agentEndpoint?.destroy(), aside?.endpoint.destroy(),
    ]);
    for (const r of released) {
      if (r.status === 'rejected') this.log.warn({ reason: String(r.reason) }, 'an endpoint could not be released');
    }
    this.resolveEnded(by);
  }

  onTransfer(fn: (transfer: PhoneTransfer) => void): void {
    this.transferListener = fn;
  }

  async setAside(): Promise<AgentAside | undefined> {
    const { agentLeg: leg, agentEndpoint: endpoint } = this;
    if (this.ended || !leg || !endpoint || this.aside) return undefined;
    const aside: Aside = { leg, endpoint, gone: false };
    this.aside = aside;
    this.agentLeg = undefined;
    this.agentEndpoint = undefined;
    leg.onHangup(() => { aside.gone = true; });
    await this.caller.unbridge();
    return {
      get present() { return !aside.gone; },
      restore: async () => {
        if (this.aside !== aside || aside.gone || this.ended || this.agentLeg) return false;
        this.aside = undefined;
        this.agentLeg = leg;
        this.agentEndpoint = endpoint;
        await this.caller.bridge(endpoint);
        this.log.info('transfer failed: the agent has the caller again');
        return true;
      },
      release: async () => {
        if (this.aside !== aside) return;
        this.aside = undefined;
        leg.hangup();
        await endpoint.destroy().catch((err: unknown) => this.log.warn({ reason: String(err) }, 'an endpoint could not be released'));
      },
    };
  }

  /** Whether an agent's leg is bridged to the caller. */
  get connected(): boolean {
    return this.agentLeg !== undefined && !this.ended;
  }
}
