/**
 * The softphone in the browser: sip.js 0.21 registered with the extension's
 * own digest credentials over SIP over WebSocket to the product (wss://
 * with a certificate, ws:// on this machine: README "SIP over WebSocket"),
 * answering the calls the ACD and colleagues send to the extension.
 *
 * The page knows nothing of SIP: it gets the softphone's status and
 * incoming calls, makes calls (a colleague, a number), and acts on the
 * call through the methods here. A transfer is blind (REFER to the target)
 * or consulted: the caller on hold, a second call to the target through
 * the switch, then REFER with Replaces naming it, which the product
 * carries out as a desk phone's (README "Transfers from the agent's
 * phone"); its outcome comes back in NOTIFYs. The audio
 * runs between the browser and the product's media engine (WebRTC, with
 * ICE and DTLS-SRTP); the far side plays into `audio`.
 *
 * A closing tab cannot finish an un-REGISTER (the product challenges it,
 * and the page is gone before it can answer): `contact` is what the page
 * hands the API then (POST /api/v1/me/softphone/gone) for the product to
 * end the registration.
 */
import {
  Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent, Web,
  type Session, type Core, type URI,
} from 'sip.js';

export interface SoftphoneSettings {
  /** ws://host:port or wss://host:port */
  server: string;
  extension: string;
  domain: string;
  password: string;
  /** Where the far side is heard. */
  audio: HTMLAudioElement;
}

export type SoftphoneStatus = 'connecting' | 'registered' | 'refused' | 'unreachable' | 'stopped';

export interface SoftphoneEvents {
  status(status: SoftphoneStatus): void;
  /** A call rings the softphone: answer or decline it through the softphone. */
  ringing(from: string): void;
  /** The call is up (answered here, or by the one called). */
  connected(): void;
  /** A call from here was not answered: the product's status (busy, not found, refused). */
  callFailed(status: number): void;
  /** The call is over, however it ended. */
  ended(): void;
  /** A transfer did not go through (refused, or the target did not answer): the caller is still on the call. */
  transferFailed(status: number): void;
  /** How the consultation call goes; once it is over the caller is taken off hold again. */
  consultation(state: Consultation): void;
}

/**
 * The call to the one consulted: answered (`talking`), being joined to the
 * caller (`joined`), or over without that (`failed` with the switch's
 * status when it never came up, other than the agent cancelling it).
 */
export type Consultation =
  | { state: 'talking' | 'joined' }
  | { state: 'ended'; failed?: number };

/** What the softphone dials: an extension, a service number or a phone number; digits, an optional leading "+". */
export const DIALLABLE = /^\+?[0-9]{2,20}$/;

/** The final status of a call from here that was cancelled before an answer. */
const CANCELLED = 487;

/** DTMF keys (RFC 4733 events 0-15). */
export const DTMF_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

export class Softphone {
  private readonly ua: UserAgent;
  private readonly registerer: Registerer;
  private session: Session | undefined;
  /** The call to the one consulted while the caller waits on hold. */
  private consultation: Session | undefined;
  /** The consultation is being joined to the caller: its end is the transfer's success, not a way back. */
  private joining = false;
  private onHold = false;
  private stopped = false;

  constructor(private readonly settings: SoftphoneSettings, private readonly events: SoftphoneEvents) {
    const uri = UserAgent.makeURI(`sip:${settings.extension}@${settings.domain}`);
    if (!uri) throw new Error(`not a SIP address: ${settings.extension}@${settings.domain}`);
    this.ua = new UserAgent({
      uri,
      authorizationUsername: settings.extension,
      authorizationPassword: settings.password,
      transportOptions: { server: settings.server },
      userAgentString: 'Vaxel agent desktop (sip.js)',
      logBuiltinEnabled: false,
      sessionDescriptionHandlerFactoryOptions: { constraints: { audio: true, video: false } },
      delegate: {
        onInvite: (invitation) => this.incoming(invitation),
        onDisconnect: () => { if (!this.stopped) this.events.status('unreachable'); },
      },
    });
    this.registerer = new Registerer(this.ua);
  }

  /** The Contact the softphone registers: the product's key for this registration. */
  get contact(): string {
    return this.ua.contact.uri.toString();
  }

  /** Connects and registers; the outcome comes as a status. */
  async start(): Promise<void> {
    this.events.status('connecting');
    try {
      await this.ua.start();
    } catch {
      this.events.status('unreachable');
      return;
    }
    this.registerer.stateChange.addListener((state) => {
      if (state === RegistererState.Registered) this.events.status('registered');
    });
    await this.registerer.register({
      requestDelegate: { onReject: () => this.events.status('refused') },
    });
  }

  /** Unregisters (while the page is still there to answer the challenge) and disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.hangUp();
    if (this.registerer.state === RegistererState.Registered) await this.registerer.unregister().catch(() => undefined);
    await this.ua.stop().catch(() => undefined);
    this.events.status('stopped');
  }

  /** Calls a colleague's extension, a service number or a phone number (out through the trunk, as the dial-out policy allows). */
  async call(target: string): Promise<void> {
    const to = UserAgent.makeURI(`sip:${target}@${this.settings.domain}`);
    if (this.session || !to) return;
    const inviter = new Inviter(this.ua, to);
    this.follow(inviter);
    await inviter.invite({
      requestDelegate: { onReject: (r: Core.IncomingResponse) => this.events.callFailed(r.message.statusCode ?? 0) },
    });
  }

  async answer(): Promise<void> {
    if (this.session instanceof Invitation && this.session.state === SessionState.Initial) await this.session.accept();
  }

  /** Turns the offered call down: the ACD counts it as not answered and offers the call on. */
  async decline(): Promise<void> {
    if (this.session instanceof Invitation && this.session.state === SessionState.Initial) await this.session.reject({ statusCode: 486 });
  }

  hangUp(): void {
    if (this.consultation) end(this.consultation);
    if (this.session) end(this.session);
  }

  /** Whether the caller is on hold. */
  get held(): boolean {
    return this.onHold;
  }

  /** The microphone off or on again (on the call the agent talks in): the far end hears silence, the call stays up. */
  mute(muted: boolean): void {
    this.handler()?.enableSenderTracks(!muted);
  }

  /** Puts the call on hold (the product plays music to the caller) or takes it off. */
  async hold(held: boolean): Promise<void> {
    const s = this.session;
    if (s?.state !== SessionState.Established) return;
    await s.invite({ sessionDescriptionHandlerModifiers: held ? [Web.holdModifier] : [] });
    this.onHold = held;
  }

  /** One key as RFC 4733 telephone-events in the media; false when the call cannot send them. */
  dtmf(key: (typeof DTMF_KEYS)[number]): boolean {
    const handler = this.handler();
    // The browser's DTMF sender replaces the keys still waiting with those given: keys pressed faster than
    // they are sent go behind the waiting ones instead of pushing them out.
    const waiting = handler?.peerConnection?.getSenders()[0]?.dtmf?.toneBuffer ?? '';
    return handler?.sendDtmf(waiting + key) ?? false;
  }

  /** A blind transfer (REFER) to an extension, a service number or a phone number. */
  async transfer(target: string): Promise<void> {
    const to = UserAgent.makeURI(`sip:${target}@${this.settings.domain}`);
    if (this.session?.state !== SessionState.Established || !to) return;
    await this.refer(to);
  }

  /**
   * Puts the caller on hold and calls `target` (an extension, a service
   * number or a phone number) through the switch, to talk before the
   * transfer; `connectConsulted` or `backToCaller` follows.
   */
  async consult(target: string): Promise<void> {
    const to = UserAgent.makeURI(`sip:${target}@${this.settings.domain}`);
    if (this.session?.state !== SessionState.Established || this.consultation || !to) return;
    await this.hold(true);
    const inviter = new Inviter(this.ua, to);
    this.consultation = inviter;
    this.joining = false;
    let failed: number | undefined;
    inviter.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        this.playRemote(inviter);
        this.events.consultation({ state: 'talking' });
      } else if (state === SessionState.Terminated) {
        this.consultation = undefined;
        if (this.joining) return;
        // Not put through: the caller again, told once they are off hold.
        this.playRemote(this.session);
        void this.hold(false).catch(() => undefined)
          .then(() => this.events.consultation(failed === undefined ? { state: 'ended' } : { state: 'ended', failed }));
      }
    });
    await inviter.invite({
      requestDelegate: {
        // Comes right after the call's end above, before the caller is off hold.
        onReject: (r: Core.IncomingResponse) => {
          const status = r.message.statusCode ?? 0;
          if (status !== CANCELLED) failed = status;
        },
      },
    });
  }

  /** The caller joined to the one consulted (REFER with Replaces naming the consultation call): both of the agent's calls end. */
  async connectConsulted(): Promise<void> {
    const consultation = this.consultation;
    if (this.session?.state !== SessionState.Established || consultation?.state !== SessionState.Established) return;
    this.joining = true;
    this.events.consultation({ state: 'joined' });
    await this.refer(consultation);
  }

  /** Ends the consultation call (or its ringing); the caller is taken off hold once it is over. */
  backToCaller(): void {
    if (this.consultation) end(this.consultation);
  }

  /** REFER on the caller's call; a refusal, or a final NOTIFY that is no success, is a failed transfer. */
  private async refer(to: URI | Session): Promise<void> {
    const failed = (status: number): void => {
      this.joining = false;
      this.events.transferFailed(status);
    };
    await this.session!.refer(to, {
      requestDelegate: { onReject: (r: Core.IncomingResponse) => failed(r.message.statusCode ?? 0) },
      onNotify: (notification) => {
        notification.accept().catch(() => undefined);
        const status = sipfragStatus(notification.request.body);
        if (status !== undefined && status >= 300) failed(status);
      },
    });
  }

  private incoming(invitation: Invitation): void {
    // One call at a time: a second one while on a call is busy here.
    if (this.session) {
      void invitation.reject({ statusCode: 486 }).catch(() => undefined);
      return;
    }
    this.follow(invitation);
    this.events.ringing(invitation.remoteIdentity.uri.user ?? invitation.remoteIdentity.displayName);
  }

  private follow(session: Session): void {
    this.session = session;
    session.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        this.playRemote();
        this.events.connected();
      } else if (state === SessionState.Terminated) {
        if (this.session !== session) return;
        this.session = undefined;
        this.onHold = false;
        // The caller gone while the agent consulted: nobody is left to transfer, the consultation ends too.
        if (this.consultation && !this.joining) end(this.consultation);
        this.settings.audio.srcObject = null;
        this.events.ended();
      }
    });
  }

  /** The media of the call the agent talks in: the consultation while it is up, else the caller's. */
  private handler(session = this.consultation?.state === SessionState.Established ? this.consultation : this.session): Web.SessionDescriptionHandler | undefined {
    const h = session?.sessionDescriptionHandler;
    return h instanceof Web.SessionDescriptionHandler ? h : undefined;
  }

  private playRemote(session = this.session): void {
    const h = this.handler(session);
    if (!h) return;
    this.settings.audio.srcObject = h.remoteMediaStream;
    void this.settings.audio.play().catch(() => undefined);
  }
}

/** Hangs up, cancels or declines, as the call's state allows. */
function end(s: Session): void {
  if (s.state === SessionState.Established) void s.bye().catch(() => undefined);
  else if (s instanceof Invitation && s.state === SessionState.Initial) void s.reject().catch(() => undefined);
  else if (s instanceof Inviter && s.state === SessionState.Establishing) void s.cancel().catch(() => undefined);
}

/** The status in a REFER's NOTIFY (message/sipfrag: `SIP/2.0 200 OK`). */
function sipfragStatus(body: string): number | undefined {
  const status = /^SIP\/2\.0 (\d{3})/.exec(body.trim())?.[1];
  return status === undefined ? undefined : Number(status);
}

/** The address of the product's SIP over WebSocket port, on the host that served this page. */
export function softphoneServer(port: number, secure: boolean): string {
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `${secure ? 'wss' : 'ws'}://${host}:${port}`;
}
