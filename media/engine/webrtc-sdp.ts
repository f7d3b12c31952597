/**
 * The WebRTC half of SDP (JSEP, RFC 8829): what a browser's audio m-line
 * carries beyond plain RTP, read from the far end and written in ours.
 *
 * - ICE (RFC 8839): a=ice-ufrag / a=ice-pwd, and we are ICE-lite (RFC 8445
 *   §2.5): a=ice-lite at session level and one host candidate, the
 *   endpoint's own port. The far end's candidates are not needed: a lite
 *   agent learns where the far end is from its connectivity checks.
 * - DTLS-SRTP (RFC 5763, RFC 8842): a=fingerprint of our certificate and
 *   a=setup saying who starts the handshake. Answering actpass we take
 *   passive (the browser, full ICE and controlling, starts it).
 * - rtcp-mux (RFC 5761) is required: we have one port and one candidate.
 * - a=mid, echoed, and a=group:BUNDLE when the offer has one (RFC 8843).
 */
import type { MediaDescription, SessionDescription } from 'sdp-transform';

/** Who sends the DTLS ClientHello on our side. */
export type DtlsRole = 'client' | 'server';

export interface IceCredentials {
  ufrag: string;
  pwd: string;
}

export interface CertificateFingerprint {
  /** As SDP names it: 'sha-256'. */
  algorithm: string;
  /** Colon-separated upper-case hex. */
  value: string;
}

/** What our SDP says of our WebRTC transport. */
export interface WebRtcLocal {
  ice: IceCredentials;
  fingerprint: CertificateFingerprint;
}

/** What the far end's SDP says, and the DTLS role that leaves us. */
export interface WebRtcRemote {
  ice: IceCredentials;
  fingerprints: CertificateFingerprint[];
  role: DtlsRole;
  /** The m-line's identification tag, echoed in our answer. */
  mid?: string;
  /** The offer grouped its m-lines with BUNDLE: our answer does too. */
  bundled: boolean;
}

/** Profiles whose m-lines are DTLS-SRTP (what a browser sends). */
export function isWebRtcProtocol(protocol: string): boolean {
  const p = protocol.toUpperCase();
  return p === 'UDP/TLS/RTP/SAVPF' || p === 'UDP/TLS/RTP/SAVP';
}

/**
 * The far end's WebRTC parameters of one m-line, or why it cannot be
 * served. `answering`: the line is in an offer we answer (a=setup decides
 * our role as RFC 4145 §4.1 says); otherwise it is the answer to our
 * actpass offer.
 */
export function readWebRtc(m: MediaDescription, session: SessionDescription, answering: boolean): WebRtcRemote | string {
  const ufrag = m.iceUfrag ?? session.iceUfrag;
  const pwd = m.icePwd ?? session.icePwd;
  if (!ufrag || !pwd) return 'the WebRTC stream has no ICE credentials (a=ice-ufrag, a=ice-pwd)';
  const fp = m.fingerprint ?? session.fingerprint;
  if (!fp) return 'the WebRTC stream has no certificate fingerprint (a=fingerprint)';
  if (m.rtcpMux === undefined) return 'the WebRTC stream does not multiplex RTCP (a=rtcp-mux), which we require';
  // RFC 4145 §4: no a=setup means active.
  const setup = (m.setup ?? session.setup ?? 'active').toLowerCase();
  let role: DtlsRole;
  if (setup === 'passive') role = 'client';
  else if (setup === 'active' || (answering && setup === 'actpass')) role = 'server';
  else return `a=setup:${setup} is not usable here (expected ${answering ? 'actpass, active or passive' : 'active or passive'})`;
  const bundled = (session.groups ?? []).some((g) => g.type === 'BUNDLE');
  return {
    ice: { ufrag, pwd },
    fingerprints: [{ algorithm: fp.type.toLowerCase(), value: fp.hash.toUpperCase() }],
    role,
    ...(m.mid !== undefined ? { mid: String(m.mid) } : {}),
    bundled,
  };
}

/** The mid of our own offers. */
export const OUR_MID = '0';

/**
 * Adds our WebRTC attributes to an audio m-line: ICE credentials, our one
 * host candidate, fingerprint, setup (actpass when offering), mid, rtcp-mux.
 */
export function writeWebRtc(
  media: MediaDescription,
  local: WebRtcLocal,
  address: string,
  setup: 'actpass' | DtlsRole,
  mid: string | undefined,
): MediaDescription {
  return {
    ...media,
    protocol: 'UDP/TLS/RTP/SAVPF',
    iceUfrag: local.ice.ufrag,
    icePwd: local.ice.pwd,
    fingerprint: { type: local.fingerprint.algorithm, hash: local.fingerprint.value },
    setup: setup === 'actpass' ? 'actpass' : setup === 'client' ? 'active' : 'passive',
    ...(mid !== undefined ? { mid } : {}),
    rtcpMux: 'rtcp-mux',
    // RFC 8445 §5.1.2.1 priority for a host candidate, component 1.
    candidates: [{ foundation: '1', component: 1, transport: 'udp', priority: 2130706431, ip: address, port: media.port, type: 'host' }],
    endOfCandidates: 'end-of-candidates',
  };
}

/** Session-level lines of our WebRTC SDP: ice-lite, and BUNDLE over our mid when wanted. */
export function webRtcSession(mid: string | undefined): Partial<SessionDescription> {
  return {
    icelite: 'ice-lite',
    ...(mid !== undefined ? { groups: [{ type: 'BUNDLE', mids: mid }] } : {}),
  };
}
