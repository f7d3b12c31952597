/**
 * sip.js 0.21 in Node as a stand-in for the agents' WebRTC softphone: the
 * same SIP stack the browser runs, over a real WebSocket (RFC 7118,
 * subprotocol "sip"; plain ws:// or secure wss://) to the switch's wsPort.
 *
 * Two things the browser has and Node 20 lacks are filled in here:
 *  - WebSocket: sip.js's Web transport does `new WebSocket(url, "sip")` on the
 *    global; we put the `ws` package's WebSocket there, trusting the
 *    certificates softphones were given (a test's self-signed one), as a
 *    browser trusts its installed ones. ws negotiates the subprotocol like a
 *    browser does and fails the connection when the server does not accept "sip".
 *  - WebRTC: sip.js's default SessionDescriptionHandler needs
 *    RTCPeerConnection. `plainRtpTestSdhFactory` is a TEST STAND-IN that
 *    offers/answers a plain RTP/AVP PCMU (+ telephone-event) SDP and sends no
 *    media at all. It is not what the browser sends (that is ICE + DTLS-SRTP,
 *    UDP/TLS/RTP/SAVPF); it only lets SIP signalling be tested end to end.
 *
 * Every wait takes a timeout; stop() (also stopAllSoftphones()) always ends.
 */
import { WebSocket as NodeWebSocket } from 'ws';
import {
  Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent, Web,
  type Core, type Session, type SessionDescriptionHandler,
  type SessionDescriptionHandlerFactory, type BodyAndContentType,
} from 'sip.js';
import { freePort } from './ports.js';
import { WebRtcPeer } from './webrtc-peer.js';

// ------------------------------------------------------------------ WebSocket

/** Certificates every softphone's wss:// connection trusts. */
const trusted = new Set<string>();

/** The ws package's WebSocket as sip.js makes one (url, protocols), trusting `trusted`. */
class TrustingWebSocket extends NodeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, trusted.size > 0 ? { ca: [...trusted] } : {});
  }
}

/** Gives sip.js's Web transport a WebSocket in Node (idempotent; also in place of a native one, which cannot be told what to trust). */
export function installNodeWebSocket(): void {
  (globalThis as { WebSocket?: unknown }).WebSocket = TrustingWebSocket;
}

// ------------------------------------------------------------------ timeouts

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${what}`);
    this.name = 'TimeoutError';
  }
}

/** Settles like `promise`, or rejects with a TimeoutError naming `what` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------ SDP (test stand-in)

export interface PlainRtpTestSdpOptions {
  /** Port put in m=audio. No socket is opened on it: no RTP is sent or received. */
  rtpPort: number;
  /** Address put in c= and o=. Default 127.0.0.1. */
  address?: string;
}

/**
 * TEST STAND-IN for sip.js's WebRTC SessionDescriptionHandler: offers and
 * answers plain RTP/AVP with PCMU/8000 and telephone-event/8000, records both
 * sides' SDP, and moves no media. A WebRTC offer (what the switch sends a
 * phone registered over WebSocket) is answered by a real WebRTC peer
 * (./webrtc-peer.ts), which connects ICE and DTLS as a browser would.
 */
export class PlainRtpTestSdh implements SessionDescriptionHandler {
  /** Every SDP we produced, in order (offers and answers). */
  readonly localSdps: string[] = [];
  /** Every SDP the far end gave us, in order. */
  readonly remoteSdps: string[] = [];
  private version = 0;
  private closed = false;
  /** The last remote offer not yet answered; getDescription() then answers it. */
  private pendingOffer?: string;
  /** We sent an offer; the next remote description is its answer. */
  private awaitingAnswer = false;
  /** The WebRTC peer that answered a WebRTC offer, if one did. */
  webrtc: WebRtcPeer | undefined;

  constructor(private readonly opts: PlainRtpTestSdpOptions) {}

  get remoteSdp(): string | undefined {
    return this.remoteSdps[this.remoteSdps.length - 1];
  }

  get localSdp(): string | undefined {
    return this.localSdps[this.localSdps.length - 1];
  }

  close(): void {
    this.closed = true;
    void this.webrtc?.close();
  }

  async getDescription(): Promise<BodyAndContentType> {
    if (this.closed) throw new Error('PlainRtpTestSdh: closed');
    const pending = this.pendingOffer;
    let sdp: string;
    if (pending !== undefined && /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m.test(pending)) {
      this.webrtc ??= new WebRtcPeer();
      sdp = await this.webrtc.answer(pending);
      void this.webrtc.connected().catch(() => {});
    } else {
      sdp = pending === undefined ? this.offer() : this.answer(pending);
    }
    this.awaitingAnswer = pending === undefined;
    this.pendingOffer = undefined;
    this.localSdps.push(sdp);
    return { body: sdp, contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType.toLowerCase().split(';')[0]!.trim() === 'application/sdp';
  }

  setDescription(sdp: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('PlainRtpTestSdh: closed'));
    if (!/^v=0/m.test(sdp) || !/^m=audio /m.test(sdp)) {
      return Promise.reject(new Error(`PlainRtpTestSdh: not an audio SDP:\n${sdp}`));
    }
    this.remoteSdps.push(sdp);
    // After our offer this is the answer; otherwise it is an offer that getDescription() answers.
    if (this.awaitingAnswer) this.awaitingAnswer = false;
    else this.pendingOffer = sdp;
    return Promise.resolve();
  }

  rollbackDescription(): Promise<void> {
    this.pendingOffer = undefined;
    this.awaitingAnswer = false;
    return Promise.resolve();
  }

  sendDtmf(): boolean {
    return false; // no media path
  }

  private header(): string[] {
    const address = this.opts.address ?? '127.0.0.1';
    this.version += 1;
    return [
      'v=0',
      `o=sipjs-test-standin 1 ${this.version} IN IP4 ${address}`,
      's=-',
      `c=IN IP4 ${address}`,
      't=0 0',
    ];
  }

  private offer(): string {
    return [
      ...this.header(),
      `m=audio ${this.opts.rtpPort} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  private answer(offer: string): string {
    const m = /^m=audio \d+ ([^ \r\n]+) ([^\r\n]*)/m.exec(offer);
    if (!m) throw new Error('PlainRtpTestSdh: offer has no audio m-line');
    const [, proto, fmtList] = m;
    if (proto !== 'RTP/AVP') throw new Error(`PlainRtpTestSdh: cannot answer ${proto} (plain RTP/AVP only)`);
    const formats = fmtList!.trim().split(/\s+/);
    const pcmu = formats.includes('0') || /^a=rtpmap:(\d+) PCMU\/8000/im.test(offer);
    if (!pcmu) throw new Error('PlainRtpTestSdh: offer has no PCMU');
    const te = /^a=rtpmap:(\d+) telephone-event\/8000/im.exec(offer)?.[1];
    const lines = [...this.header(), `m=audio ${this.opts.rtpPort} RTP/AVP 0${te ? ` ${te}` : ''}`, 'a=rtpmap:0 PCMU/8000'];
    if (te) lines.push(`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-15`);
    lines.push('a=ptime:20', 'a=sendrecv', '');
    return lines.join('\r\n');
  }
}

/** A sessionDescriptionHandlerFactory making PlainRtpTestSdh handlers (TEST STAND-IN, no WebRTC). */
export function plainRtpTestSdhFactory(opts: PlainRtpTestSdpOptions): SessionDescriptionHandlerFactory {
  return () => new PlainRtpTestSdh(opts);
}

/** The PlainRtpTestSdh of a session, once sip.js has made it. */
export function testSdhOf(session: Session): PlainRtpTestSdh | undefined {
  const sdh = session.sessionDescriptionHandler;
  return sdh instanceof PlainRtpTestSdh ? sdh : undefined;
}

// ------------------------------------------------------------------ softphone

export interface SoftphoneOptions {
  /** Extension, e.g. '1003' (the SIP user and the digest username). */
  extension: string;
  /** Digest password; default `demo-<extension>`. */
  password?: string;
  /** The switch's SIP-over-WebSocket port. */
  wsPort: number;
  /** Connect with wss:// (default ws://), trusting this PEM certificate (a test's self-signed one). */
  secure?: { ca: Buffer };
  /** Default 127.0.0.1. */
  host?: string;
  /** SIP domain of the AOR (and digest realm the switch uses). Default kustbanken.local. */
  domain?: string;
  displayName?: string;
  /** Port written into our SDP (nothing listens on it). Default: a free UDP port. */
  rtpPort?: number;
  /** Registration expiry asked for, in seconds. Default 300. */
  expires?: number;
  /** Connect timeout for ua.start(). Default 5000 ms. */
  connectTimeoutMs?: number;
}

export interface SipTraceEntry {
  direction: 'sent' | 'received';
  text: string;
  at: number;
}

export type RegisterOutcome =
  | { ok: true; status: number; response: string }
  | { ok: false; status: number; reason: string; response?: string };

export interface Softphone {
  readonly extension: string;
  readonly ua: UserAgent;
  readonly registerer: Registerer;
  /** AOR, e.g. sip:1003@kustbanken.local. */
  readonly aor: string;
  /** The Contact URI we register (sip.js's random user @ random .invalid host, transport=ws). */
  readonly contact: string;
  /** Every SIP message sent and received on the WebSocket, in order. */
  readonly trace: SipTraceEntry[];
  /** Incoming INVITEs in arrival order that nobody has taken with nextInvitation() yet. */
  readonly invitations: Invitation[];
  /** REGISTER (answers its own 401 challenge) and wait for the final outcome. Never throws for a refusal. */
  register(timeoutMs?: number): Promise<RegisterOutcome>;
  /** Call a user at the domain (e.g. '1002'); resolves when the session is Established, rejects (with the status) otherwise. */
  call(target: string, timeoutMs?: number): Promise<Inviter>;
  /** The next incoming INVITE (one that already arrived counts). */
  nextInvitation(timeoutMs?: number): Promise<Invitation>;
  /** Accept an incoming call and wait until it is Established. */
  answer(invitation: Invitation, timeoutMs?: number): Promise<void>;
  /** Send BYE on an established session and wait until it is Terminated. */
  hangup(session: Session, timeoutMs?: number): Promise<void>;
  /** Wait until a session reaches `state` (rejects if it terminates first, unless that is the state asked for). */
  waitForState(session: Session, state: SessionState, timeoutMs?: number): Promise<void>;
  /** The WebSocket as the client sees it: the negotiated subprotocol and our local port (undefined when not connected). */
  connection(): { protocol: string; localPort: number | undefined } | undefined;
  /** The trace as readable text, for assertion messages. */
  describe(): string;
  /** Stop the user agent: end sessions, unregister, disconnect. Bounded by timeoutMs, then forced. */
  stop(timeoutMs?: number): Promise<void>;
}

const live = new Set<Softphone>();

/** Stop every softphone still running (for afterAll/afterEach). */
export async function stopAllSoftphones(timeoutMs = 5_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(timeoutMs)));
}

/** Start a sip.js user agent connected to the switch over WebSocket (not yet registered). */
export async function startSoftphone(opts: SoftphoneOptions): Promise<Softphone> {
  installNodeWebSocket();
  if (opts.secure) trusted.add(opts.secure.ca.toString());
  const host = opts.host ?? '127.0.0.1';
  const server = `${opts.secure ? 'wss' : 'ws'}://${host}:${opts.wsPort}`;
  const domain = opts.domain ?? 'kustbanken.local';
  const password = opts.password ?? `demo-${opts.extension}`;
  const rtpPort = opts.rtpPort ?? (await freePort('udp'));
  const aor = `sip:${opts.extension}@${domain}`;
  const uri = UserAgent.makeURI(aor);
  if (!uri) throw new Error(`softphone: bad AOR ${aor}`);

  const trace: SipTraceEntry[] = [];
  const invitations: Invitation[] = [];
  const invitationWaiters: Array<(inv: Invitation) => void> = [];
  const logs: string[] = [];

  const ua = new UserAgent({
    uri,
    displayName: opts.displayName,
    authorizationUsername: opts.extension,
    authorizationPassword: password,
    transportOptions: { server, connectionTimeout: Math.ceil((opts.connectTimeoutMs ?? 5_000) / 1000) },
    sessionDescriptionHandlerFactory: plainRtpTestSdhFactory({ rtpPort }),
    userAgentString: `sip.js-test-softphone/${opts.extension}`,
    logBuiltinEnabled: false,
    logConfiguration: false,
    logLevel: 'warn',
    // sip.js hands the connector every level; keep warnings and errors (the wire is in `trace`).
    logConnector: (level, category, _label, content) => {
      if (level !== 'warn' && level !== 'error') return;
      logs.push(`${level} ${category}: ${content}`);
      if (logs.length > 200) logs.shift();
    },
    delegate: {
      onInvite: (invitation) => {
        const waiter = invitationWaiters.shift();
        if (waiter) waiter(invitation);
        else invitations.push(invitation);
      },
    },
  });

  // Record the wire: wrap the transport's send and the callback the UA installed for received messages.
  const transport = ua.transport;
  const send = transport.send.bind(transport);
  transport.send = (message: string) => {
    trace.push({ direction: 'sent', text: message, at: Date.now() });
    return send(message);
  };
  const onMessage = transport.onMessage;
  transport.onMessage = (message: string) => {
    trace.push({ direction: 'received', text: message, at: Date.now() });
    onMessage?.(message);
  };

  const registerer = new Registerer(ua, { expires: opts.expires ?? 300 });
  const describe = (): string => [
    `softphone ${opts.extension} (${aor}) via ${server}`,
    ...trace.map((e) => `--- ${e.direction} @${e.at}\n${e.text.trimEnd()}`),
    logs.length ? `--- sip.js log\n${logs.join('\n')}` : '',
  ].filter(Boolean).join('\n');

  const waitForState = (session: Session, state: SessionState, timeoutMs = 10_000): Promise<void> => {
    if (session.state === state) return Promise.resolve();
    if (session.state === SessionState.Terminated) {
      return Promise.reject(new Error(`session already Terminated, wanted ${state}`));
    }
    let listener: ((s: SessionState) => void) | undefined;
    const reached = new Promise<void>((resolve, reject) => {
      listener = (s: SessionState) => {
        if (s === state) resolve();
        else if (s === SessionState.Terminated) reject(new Error(`session Terminated before reaching ${state}`));
      };
      session.stateChange.addListener(listener);
    });
    return withTimeout(reached, timeoutMs, `session state ${state} (now ${session.state})`).finally(() => {
      if (listener) session.stateChange.removeListener(listener);
    });
  };

  let stopped: Promise<void> | undefined;
  const phone: Softphone = {
    extension: opts.extension,
    ua,
    registerer,
    aor,
    get contact() {
      return ua.contact.uri.toString();
    },
    trace,
    invitations,

    async register(timeoutMs = 10_000) {
      const outcome = new Promise<RegisterOutcome>((resolve) => {
        const accepted = (r: Core.IncomingResponse) =>
          resolve({ ok: true, status: r.message.statusCode ?? 0, response: r.message.toString() });
        const rejected = (r: Core.IncomingResponse) =>
          resolve({ ok: false, status: r.message.statusCode ?? 0, reason: r.message.reasonPhrase ?? '', response: r.message.toString() });
        registerer.register({ requestDelegate: { onAccept: accepted, onReject: rejected } })
          .catch((err: unknown) => resolve({ ok: false, status: 0, reason: `register() failed: ${String(err)}` }));
      });
      return withTimeout(outcome, timeoutMs, `REGISTER outcome of ${opts.extension}`);
    },

    async call(target, timeoutMs = 10_000) {
      const targetUri = UserAgent.makeURI(target.includes('@') ? target : `sip:${target}@${domain}`);
      if (!targetUri) throw new Error(`softphone: bad target ${target}`);
      const inviter = new Inviter(ua, targetUri);
      let finalStatus: string | undefined;
      const established = waitForState(inviter, SessionState.Established, timeoutMs);
      established.catch(() => { /* reported below */ });
      await withTimeout(inviter.invite({
        requestDelegate: {
          onReject: (r) => { finalStatus = `${r.message.statusCode} ${r.message.reasonPhrase}`; },
        },
      }), timeoutMs, `INVITE to ${target} to be sent`);
      try {
        await established;
      } catch (err) {
        if (inviter.state !== SessionState.Terminated) void inviter.cancel().catch(() => {});
        throw new Error(`call from ${opts.extension} to ${target} not established${finalStatus ? ` (${finalStatus})` : ''}: ${(err as Error).message}`);
      }
      return inviter;
    },

    nextInvitation(timeoutMs = 10_000) {
      const ready = invitations.shift();
      if (ready) return Promise.resolve(ready);
      let waiter: ((inv: Invitation) => void) | undefined;
      const arrived = new Promise<Invitation>((resolve) => {
        waiter = resolve;
        invitationWaiters.push(resolve);
      });
      return withTimeout(arrived, timeoutMs, `an INVITE to softphone ${opts.extension}`).catch((err: unknown) => {
        const i = waiter ? invitationWaiters.indexOf(waiter) : -1;
        if (i >= 0) invitationWaiters.splice(i, 1);
        throw err;
      });
    },

    async answer(invitation, timeoutMs = 10_000) {
      const established = waitForState(invitation, SessionState.Established, timeoutMs);
      established.catch(() => { /* awaited below */ });
      await withTimeout(invitation.accept(), timeoutMs, 'accept() of the incoming call');
      await established;
    },

    async hangup(session, timeoutMs = 10_000) {
      const terminated = waitForState(session, SessionState.Terminated, timeoutMs);
      terminated.catch(() => { /* awaited below */ });
      await withTimeout(session.bye(), timeoutMs, 'BYE to be sent');
      await terminated;
    },

    waitForState,
    describe,

    connection() {
      if (!(ua.transport instanceof Web.Transport)) return undefined;
      const ws = ua.transport.ws as unknown as (NodeWebSocket & { _socket?: { localPort?: number } }) | undefined;
      if (!ws || ws.readyState !== NodeWebSocket.OPEN) return undefined;
      // ws keeps its net.Socket in _socket; there is no public accessor for the local port.
      return { protocol: ws.protocol, localPort: ws._socket?.localPort };
    },

    stop(timeoutMs = 5_000) {
      stopped ??= (async () => {
        try {
          await withTimeout(ua.stop(), timeoutMs, `softphone ${opts.extension} to stop`);
        } catch {
          // Graceful shutdown hung (e.g. the switch is gone): drop the connection.
          await withTimeout(ua.transport.dispose(), 2_000, 'transport dispose').catch(() => {});
        } finally {
          live.delete(phone);
        }
      })();
      return stopped;
    },
  };
  live.add(phone);

  try {
    await withTimeout(ua.start(), (opts.connectTimeoutMs ?? 5_000) + 1_000, `WebSocket connection to ${server}`);
  } catch (err) {
    await phone.stop(2_000);
    throw new Error(`softphone ${opts.extension}: cannot connect: ${(err as Error).message}\n${describe()}`);
  }
  return phone;
}

export { RegistererState, SessionState };
