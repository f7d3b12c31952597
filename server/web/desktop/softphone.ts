/**
 * The softphone in the browser: sip.js 0.21 registered with the extension's
 * own digest credentials over SIP over WebSocket to the product (wss://
 * with a certificate, ws:// on this machine: README "SIP over WebSocket"),
 * answering the calls the ACD and colleagues send to the extension.
 *
 * The page knows nothing of SIP: it gets the softphone's status and
 * incoming calls, makes calls (a colleague, a number), and acts on the
 * call through the methods here. The audio
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
  type Session, type Core,
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
  /** A transfer was refused by the far end; the call goes on. */
  transferRefused(status: number): void;
}

/** What the softphone dials: an extension, a service number or a phone number; digits, an optional leading "+". */
export const DIALLABLE = /^\+?[0-9]{2,20}$/;

/** DTMF keys (RFC 4733 events 0-15). */
export const DTMF_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

export class Softphone {
  private readonly ua: UserAgent;
  private readonly registerer: Registerer;
  private session: Session | undefined;
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
    const s = this.session;
    if (!s) return;
    if (s.state === SessionState.Established) void s.bye().catch(() => undefined);
    else if (s instanceof Invitation && s.state === SessionState.Initial) void s.reject().catch(() => undefined);
    else if (s instanceof Inviter && s.state === SessionState.Establishing) void s.cancel().catch(() => undefined);
  }

  /** The microphone off or on again: the caller hears silence, the call stays up. */
  mute(muted: boolean): void {
    this.handler()?.enableSenderTracks(!muted);
  }

  /** Puts the call on hold (the product plays music to the caller) or takes it off. */
  async hold(held: boolean): Promise<void> {
    const s = this.session;
    if (s?.state !== SessionState.Established) return;
    await s.invite({ sessionDescriptionHandlerModifiers: held ? [Web.holdModifier] : [] });
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
    const s = this.session;
    const to = UserAgent.makeURI(`sip:${target}@${this.settings.domain}`);
    if (s?.state !== SessionState.Established || !to) return;
    await s.refer(to, {
      requestDelegate: { onReject: (r: Core.IncomingResponse) => this.events.transferRefused(r.message.statusCode ?? 0) },
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
        if (this.session === session) this.session = undefined;
        this.settings.audio.srcObject = null;
        this.events.ended();
      }
    });
  }

  private handler(): Web.SessionDescriptionHandler | undefined {
    const h = this.session?.sessionDescriptionHandler;
    return h instanceof Web.SessionDescriptionHandler ? h : undefined;
  }

  private playRemote(): void {
    const h = this.handler();
    if (!h) return;
    this.settings.audio.srcObject = h.remoteMediaStream;
    void this.settings.audio.play().catch(() => undefined);
  }
}

/** The address of the product's SIP over WebSocket port, on the host that served this page. */
export function softphoneServer(port: number, secure: boolean): string {
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `${secure ? 'wss' : 'ws'}://${host}:${port}`;
}
