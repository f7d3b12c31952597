/**
 * WebRTC media on an endpoint's UDP port: ICE-lite (./ice-lite.ts), a
 * DTLS handshake in the role SDP gave us, then SRTP with the keys it
 * exported (RFC 5764). werift does DTLS and SRTP; this class routes the
 * datagrams (RFC 7983: STUN, DTLS and SRTP share the port) and watches the
 * time limits:
 *
 * - setup: ICE and DTLS must be done within `setupTimeoutMs` of knowing the
 *   far end's parameters; a peer that never checks, or whose handshake
 *   never completes, fails the transport;
 * - consent: once up, no valid check for `consentTimeoutMs` (RFC 7675's
 *   30 s) means the far end no longer wants our media: we stop sending and
 *   the transport fails.
 *
 * The far end's certificate must match a fingerprint from its SDP, or the
 * handshake counts as failed.
 */
import type dgram from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import {
  DtlsClient, DtlsServer, keyLength, ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80,
  RtpPacket, saltLength, SrtpSession, type DtlsSocket,
} from 'werift';
import { matchesFingerprint, type DtlsCertificate } from './dtls-certificate.js';
import { IceLiteAgent, isStun } from './ice-lite.js';
import { isRtcp } from './rtp.js';
import type { NegotiatedMedia } from './sdp.js';
import type { MediaTransport, RtpAddress, TransportLogger } from './transport.js';
import type { WebRtcLocal, WebRtcRemote } from './webrtc-sdp.js';

export interface WebRtcTimeouts {
  /** From the far end's SDP to media flowing (ICE and DTLS done). */
  setupTimeoutMs: number;
  /** Without a valid ICE check this long, consent has lapsed. */
  consentTimeoutMs: number;
}

/** RFC 7675 §5.1: consent expires 30 s after the last check. */
export const CONSENT_TIMEOUT_MS = 30_000;
/** Browsers finish ICE and DTLS in well under a second on a working path. */
export const SETUP_TIMEOUT_MS = 10_000;
/** DTLS records that arrive before we know our role (the answer is on its way) are kept, this many. */
const EARLY_DTLS_MAX = 8;

/** RFC 7983: a first byte of 20-63 is DTLS, 128-191 RTP or RTCP. */
const isDtls = (b: Buffer): boolean => b.length > 0 && b[0]! >= 20 && b[0]! <= 63;
const isRtpOrRtcp = (b: Buffer): boolean => b.length >= 12 && b[0]! >= 128 && b[0]! <= 191;

type State = 'new' | 'connecting' | 'connected' | 'failed';

export class WebRtcTransport implements MediaTransport {
  private readonly ice: IceLiteAgent;
  private state: State = 'new';
  private failedBecause: string | undefined;
  private setupDeadlineMs: number | undefined;
  private dtls: DtlsSocket | undefined;
  /** werift's DTLS reads records through this; we feed it what arrives on the port. */
  private dtlsIn: ((data: Buffer) => void) | undefined;
  private readonly earlyDtls: Buffer[] = [];
  private srtp: SrtpSession | undefined;
  private remoteParams: WebRtcRemote | undefined;
  /** As DTLS client: the ClientHello has gone out. */
  private dtlsStarted = false;
  private closed = false;

  constructor(
    private readonly socket: dgram.Socket,
    local: WebRtcLocal,
    private readonly certificate: DtlsCertificate,
    private readonly timeouts: WebRtcTimeouts,
    private readonly log: TransportLogger | undefined,
    private readonly endpointId: string,
  ) {
    this.ice = new IceLiteAgent(local.ice);
  }

  get remote(): RtpAddress | undefined {
    return this.state === 'connected' && this.ice.selected ? { ...this.ice.selected } : undefined;
  }

  apply(media: NegotiatedMedia): void {
    const params = media.webrtc;
    if (!params || this.remoteParams) return;
    this.remoteParams = params;
    // The deadline is set on the next tick: the media clock may not be running yet.
    this.setupDeadlineMs = undefined;
    this.state = 'connecting';
    this.startDtls(params);
  }

  receive(msg: Buffer, from: RemoteInfo, nowMs: number): Buffer | undefined {
    if (this.closed || this.state === 'failed') return undefined;
    if (isStun(msg)) {
      const response = this.ice.handle(msg, from, nowMs);
      if (response) this.sendTo(response, from);
      if (response) this.connectAsClient();
      return undefined;
    }
    if (!this.ice.isValid(from)) return undefined;
    if (isDtls(msg)) {
      if (this.dtlsIn) this.dtlsIn(msg);
      else if (this.earlyDtls.length < EARLY_DTLS_MAX) this.earlyDtls.push(msg);
      return undefined;
    }
    if (!isRtpOrRtcp(msg) || isRtcp(msg) || !this.srtp) return undefined;
    try {
      return this.srtp.decrypt(msg);
    } catch {
      // A forged or damaged packet fails authentication: dropped, as RFC 3711 §3.3 says.
      return undefined;
    }
  }

  send(packet: Buffer): void {
    const target = this.remote;
    const srtp = this.srtp;
    if (!target || !srtp) return;
    let protectedPacket: Buffer;
    try {
      const rtp = RtpPacket.deSerialize(packet);
      protectedPacket = srtp.encrypt(rtp.payload, rtp.header);
    } catch (err) {
      this.log?.debug({ err, endpoint: this.endpointId }, 'SRTP protect failed');
      return;
    }
    this.sendTo(protectedPacket, target);
  }

  failure(nowMs: number): string | undefined {
    if (this.failedBecause) return this.failedBecause;
    if (this.state === 'connecting') this.setupDeadlineMs ??= nowMs + this.timeouts.setupTimeoutMs;
    if (this.state === 'connecting' && nowMs >= this.setupDeadlineMs!) {
      const secs = this.timeouts.setupTimeoutMs / 1000;
      const why = !this.ice.selected
        ? `ICE did not connect within ${secs} s (no valid connectivity check${this.ice.refusedChecks ? `; ${this.ice.refusedChecks} with wrong credentials` : ''})`
        : `the DTLS handshake did not complete within ${secs} s`;
      this.fail(why);
    } else if (this.state === 'connected' && nowMs - (this.ice.lastConsentMs ?? nowMs) >= this.timeouts.consentTimeoutMs) {
      this.fail(`ICE consent lapsed: no connectivity check for ${this.timeouts.consentTimeoutMs / 1000} s`);
    }
    return this.failedBecause;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dtlsIn = undefined;
    this.dtls?.close();
  }

  // ---- DTLS ------------------------------------------------------------------------

  private startDtls(params: WebRtcRemote): void {
    const { certificate } = this;
    const transport = {
      type: 'udp',
      address: {} as AddressInfo,
      closed: false,
      onData: (_data: Buffer): void => {},
      send: async (data: Buffer): Promise<void> => {
        const target = this.ice.selected;
        if (!this.closed && target) this.sendTo(data, target);
      },
      close: async (): Promise<void> => { transport.closed = true; },
    };
    const options = {
      transport,
      cert: certificate.certPem,
      key: certificate.keyPem,
      signatureHash: certificate.signatureHash,
      srtpProfiles: [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80],
      extendedMasterSecret: true,
    };
    const dtls = params.role === 'server' ? new DtlsServer({ ...options, certificateRequest: true }) : new DtlsClient(options);
    this.dtls = dtls;
    dtls.onConnect.once(() => this.dtlsConnected(dtls, params));
    dtls.onError.once((err: Error) => this.fail(`the DTLS handshake failed: ${err.message}`));
    dtls.onClose.once(() => this.fail('the far end closed DTLS'));
    this.dtlsIn = (data) => transport.onData(data);
    for (const early of this.earlyDtls.splice(0)) this.dtlsIn(early);
    if (dtls instanceof DtlsClient && this.ice.selected) this.connectAsClient();
  }

  /** As DTLS client we start once ICE has found the far end. */
  private connectAsClient(): void {
    const dtls = this.dtls;
    if (!(dtls instanceof DtlsClient) || this.dtlsStarted || this.state !== 'connecting') return;
    this.dtlsStarted = true;
    dtls.connect().catch((err: unknown) => this.fail(`the DTLS handshake failed: ${String((err as Error)?.message ?? err)}`));
  }

  private dtlsConnected(dtls: DtlsSocket, params: WebRtcRemote): void {
    if (this.closed || this.state !== 'connecting') return;
    const certificate = dtls.remoteCertificate;
    if (!certificate || !matchesFingerprint(certificate, params.fingerprints)) {
      this.fail("the far end's DTLS certificate does not match the fingerprint in its SDP");
      return;
    }
    const profile = dtls.srtp.srtpProfile;
    if (profile === undefined) {
      this.fail('the DTLS handshake agreed no SRTP profile');
      return;
    }
    const keys = dtls.extractSessionKeys(keyLength(profile), saltLength(profile));
    this.srtp = new SrtpSession({
      keys: { localMasterKey: keys.localKey, localMasterSalt: keys.localSalt, remoteMasterKey: keys.remoteKey, remoteMasterSalt: keys.remoteSalt },
      profile,
    });
    this.state = 'connected';
    this.setupDeadlineMs = undefined;
    this.log?.debug({ endpoint: this.endpointId, remote: this.ice.selected, role: params.role, profile }, 'WebRTC media connected');
  }

  private fail(why: string): void {
    if (this.failedBecause || this.closed) return;
    this.failedBecause = why;
    this.state = 'failed';
    this.srtp = undefined;
  }

  private sendTo(data: Buffer, to: RtpAddress): void {
    try {
      this.socket.send(data, to.port, to.address);
    } catch (err) {
      this.log?.debug({ err, endpoint: this.endpointId }, 'WebRTC send failed');
    }
  }
}
