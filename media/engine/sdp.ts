/**
 * SDP offer/answer for the embedded engine (RFC 3264 over RFC 4566 SDP).
 *
 * What we can do, and so what we negotiate: one audio stream of plain RTP
 * (RTP/AVP, or RTP/AVPF whose feedback we simply never send), or WebRTC's
 * UDP/TLS/RTP/SAVPF (DTLS-SRTP with ICE: ./webrtc-sdp.ts), carrying G.711
 * PCMU (static PT 0) or PCMA (static PT 8) at 8 kHz, 20 ms packets, plus RFC
 * 4733 telephone-event on whatever dynamic PT the other side picked. What we
 * cannot do (SDES SRTP, IPv6 plain RTP, other codecs) is refused with a
 * MediaNegotiationError whose reason says exactly that, so the SIP layer can
 * answer 488 with a useful Warning instead of a mute call.
 *
 * Parsing and writing go through sdp-transform; this module decides.
 */
import sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { MediaNegotiationError } from '../port.js';
import type { Codec } from './g711.js';
import {
  isWebRtcProtocol, OUR_MID, readWebRtc, webRtcSession, writeWebRtc, type DtlsRole, type WebRtcLocal, type WebRtcRemote,
} from './webrtc-sdp.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The codecs we speak, in the order we offer them. */
export const SUPPORTED_CODECS: readonly Codec[] = ['PCMU', 'PCMA'];
/** RFC 3551 static payload types. */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<Codec, number>> = { PCMU: 0, PCMA: 8 };
/** The dynamic PT we use for telephone-event in our own offers (the de facto default). */
export const OUR_TELEPHONE_EVENT_PT = 101;
/** RFC 4733 events we can receive: DTMF 0-9 * # A-D. */
export const TELEPHONE_EVENTS = '0-15';
/** We always send 20 ms packets (RFC 3551 §4.5 default for G.711). */
export const PTIME_MS = 20;

/**
 * What the RTP layer needs once offer and answer agree. Payload types come
 * in pairs because each side declares the numbers it wants to *receive*
 * (RFC 3264 §5.1): we send with the far end's numbers and accept ours.
 */
export interface NegotiatedMedia {
  codec: Codec;
  /** PT on the audio we send (the far end's number for the codec). */
  sendPt: number;
  /** PT we expect on the audio we receive (our number for it). */
  recvPt: number;
  /** telephone-event PTs, when both sides do RFC 4733. */
  dtmf?: { sendPt: number; recvPt: number };
  /** Where the far end's SDP says to send RTP (symmetric RTP may latch elsewhere). */
  remoteAddress: string;
  remotePort: number;
  /** Our direction: sendonly/inactive mean we must not send (we are held, RFC 3264 §8.4). */
  direction: Direction;
  /** Set for WebRTC media: the far end's ICE and DTLS parameters (the address above is then unused). */
  webrtc?: WebRtcRemote;
}

export interface LocalTransport {
  /** The IPv4 address the far end should send RTP to. */
  address: string;
  port: number;
  /** Set for a WebRTC endpoint: our ICE credentials and certificate fingerprint. */
  webrtc?: WebRtcLocal;
}

/** Our pick from an offer: which m-line and codec, before a port is bound. */
export interface OfferChoice {
  offer: SessionDescription;
  /** Index of the audio m-line we accept; the others are rejected with port 0. */
  mline: number;
  media: Omit<NegotiatedMedia, 'direction'> & { direction: Direction };
}

function reverse(dir: Direction): Direction {
  return dir === 'sendonly' ? 'recvonly' : dir === 'recvonly' ? 'sendonly' : dir;
}

function directionOf(m: MediaDescription, session: SessionDescription): Direction {
  return m.direction ?? session.direction ?? 'sendrecv';
}

function connectionOf(m: MediaDescription, session: SessionDescription): { version: number; ip: string } | undefined {
  return m.connection ?? session.connection;
}

/** Encoding name/rate of a payload type: the rtpmap line, else RFC 3551's static table. */
function encodingOf(m: MediaDescription, pt: number): { name: string; rate: number; channels?: number } | undefined {
  const map = m.rtp.find((r) => r.payload === pt);
  if (map) return { name: map.codec, rate: map.rate ?? 0, channels: map.encoding === undefined ? undefined : Number(map.encoding) };
  if (pt === 0) return { name: 'PCMU', rate: 8000 };
  if (pt === 8) return { name: 'PCMA', rate: 8000 };
  if (pt === 9) return { name: 'G722', rate: 8000 };
  if (pt === 18) return { name: 'G729', rate: 8000 };
  if (pt === 3) return { name: 'GSM', rate: 8000 };
  if (pt === 13) return { name: 'CN', rate: 8000 };
  return undefined;
}

function payloadList(m: MediaDescription): number[] {
  return String(m.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
}

function describeFormats(m: MediaDescription): string {
  const names = payloadList(m).map((pt) => {
    const e = encodingOf(m, pt);
    return e ? `${e.name}/${e.rate}` : `PT ${pt}`;
  });
  return names.length ? names.join(', ') : 'no formats';
}

function isG711(name: string): name is Codec {
  return (SUPPORTED_CODECS as readonly string[]).includes(name);
}

/** Why one audio m-line is unusable, or undefined when it is fine. */
function refusal(m: MediaDescription, session: SessionDescription): string | undefined {
  const proto = m.protocol.toUpperCase();
  if (m.port === 0) return 'the audio stream is disabled (port 0)';
  // ICE finds the far end: its c= line is only a default and says nothing of hold.
  if (isWebRtcProtocol(m.protocol)) return undefined;
  if (proto.includes('DTLS') || proto.startsWith('UDP/TLS')) {
    return `transport ${m.protocol} is not supported; offer RTP/AVP or UDP/TLS/RTP/SAVPF`;
  }
  if (proto === 'RTP/SAVP' || proto === 'RTP/SAVPF') {
    return `SRTP (${m.protocol}) is not supported by the embedded engine; offer plain RTP/AVP`;
  }
  if (proto !== 'RTP/AVP' && proto !== 'RTP/AVPF') return `transport ${m.protocol} is not supported; offer RTP/AVP over UDP`;
  const c = connectionOf(m, session);
  if (!c) return 'the audio stream has no connection address (c=)';
  if (c.version !== 4) return `IPv6 media (c=IN IP6 ${c.ip}) is not supported by the embedded engine`;
  return undefined;
}

/**
 * Picks what we will do with an offer (RFC 3264 §6): the first audio m-line
 * we can serve, and in it the first codec we support in the offerer's order
 * of preference. Throws MediaNegotiationError naming the reason otherwise.
 */
export function chooseFromOffer(offerSdp: string): OfferChoice {
  let offer: SessionDescription;
  try {
    offer = sdpTransform.parse(offerSdp);
  } catch (err) {
    throw new MediaNegotiationError(`the SDP could not be parsed (${(err as Error).message})`);
  }
  if (!offer.media?.length) throw new MediaNegotiationError('the offer has no media streams (no m= line)');
  const audio = offer.media.map((m, i) => ({ m, i })).filter(({ m }) => m.type === 'audio');
  if (!audio.length) {
    const kinds = [...new Set(offer.media.map((m) => m.type))].join(', ');
    throw new MediaNegotiationError(`the offer has no audio stream (only ${kinds})`);
  }
  const reasons: string[] = [];
  for (const { m, i } of audio) {
    const why = refusal(m, offer);
    if (why) { reasons.push(why); continue; }
    const pts = payloadList(m);
    const codecPt = pts.find((pt) => {
      const e = encodingOf(m, pt);
      return !!e && isG711(e.name.toUpperCase()) && e.rate === 8000 && (e.channels ?? 1) === 1;
    });
    if (codecPt === undefined) {
      reasons.push(`no common codec: the offer has ${describeFormats(m)}; we support PCMU/8000 and PCMA/8000`);
      continue;
    }
    const codec = encodingOf(m, codecPt)!.name.toUpperCase() as Codec;
    const tePt = pts.find((pt) => {
      const e = encodingOf(m, pt);
      return !!e && e.name.toLowerCase() === 'telephone-event' && e.rate === 8000;
    });
    const webrtc = isWebRtcProtocol(m.protocol) ? readWebRtc(m, offer, true) : undefined;
    if (typeof webrtc === 'string') { reasons.push(webrtc); continue; }
    const c = connectionOf(m, offer) ?? { version: 4, ip: '0.0.0.0' };
    let offered = directionOf(m, offer);
    // RFC 3264 §8.4: c=0.0.0.0 is the old (RFC 2543) way to say "do not send to me".
    if (c.ip === '0.0.0.0' && !webrtc) offered = offered === 'sendrecv' ? 'sendonly' : offered === 'recvonly' ? 'inactive' : offered;
    return {
      offer,
      mline: i,
      media: {
        codec,
        sendPt: codecPt,
        recvPt: codecPt,
        dtmf: tePt === undefined ? undefined : { sendPt: tePt, recvPt: tePt },
        remoteAddress: c.ip,
        remotePort: m.port,
        direction: reverse(offered),
        ...(webrtc ? { webrtc } : {}),
      },
    };
  }
  throw new MediaNegotiationError(reasons.length === 1 ? reasons[0]! : `no usable audio stream: ${reasons.join('; ')}`);
}

function audioMedia(local: LocalTransport, pts: { pt: number; codec: string }[], tePt: number | undefined, direction: Direction, protocol = 'RTP/AVP'): MediaDescription {
  const rtp = pts.map(({ pt, codec }) => ({ payload: pt, codec, rate: 8000 }));
  const fmtp: MediaDescription['fmtp'] = [];
  const payloads = pts.map((p) => p.pt);
  if (tePt !== undefined) {
    rtp.push({ payload: tePt, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: tePt, config: TELEPHONE_EVENTS });
    payloads.push(tePt);
  }
  return {
    type: 'audio',
    port: local.port,
    protocol,
    payloads: payloads.join(' '),
    rtp,
    fmtp,
    ptime: PTIME_MS,
    direction,
  };
}

/**
 * Our side of one SDP session (RFC 3264): keeps the o= line's session id and
 * bumps its version only when what we say changes (§8).
 */
export class SdpSession {
  private readonly sessionId = String(Math.floor(Math.random() * 1e12));
  private version = Math.floor(Math.random() * 1e6);
  private lastBody: string | undefined;
  /** Our most recent SDP. */
  current: string | undefined;
  /** The offer we made and await an answer to, if any. */
  private pendingOffer: SessionDescription | undefined;
  /** Our DTLS role once offer and answer fixed it; a later re-offer keeps it (RFC 8842 §5.5). */
  private dtlsRole: DtlsRole | undefined;

  constructor(private readonly local: LocalTransport) {}

  get awaitingAnswer(): boolean {
    return this.pendingOffer !== undefined;
  }

  /** Our offer for an outbound leg: PCMU, PCMA, telephone-event, sendrecv (WebRTC: with ICE and DTLS actpass). */
  offer(): string {
    let media = audioMedia(
      this.local,
      SUPPORTED_CODECS.map((codec) => ({ pt: STATIC_PAYLOAD_TYPES[codec], codec })),
      OUR_TELEPHONE_EVENT_PT,
      'sendrecv',
    );
    const webrtc = this.local.webrtc;
    if (webrtc) media = writeWebRtc(media, webrtc, this.local.address, this.dtlsRole ?? 'actpass', OUR_MID);
    const sdp = this.write([media], webrtc ? webRtcSession(OUR_MID) : {});
    this.pendingOffer = sdpTransform.parse(sdp);
    return sdp;
  }

  /** Our answer to an offer (initial INVITE or re-INVITE), from chooseFromOffer's pick. */
  answer(choice: OfferChoice): string {
    const { offer, mline, media } = choice;
    const chosen = offer.media[mline]!;
    const webrtc = this.local.webrtc;
    if (!webrtc !== !media.webrtc) {
      throw new MediaNegotiationError(webrtc
        ? 'this call has WebRTC media; a plain RTP offer cannot replace it'
        : 'this call has plain RTP media; a WebRTC offer cannot replace it');
    }
    if (media.webrtc) media.webrtc.role = this.dtlsRole ?? media.webrtc.role;
    const lines = offer.media.map((m, i): MediaDescription => {
      if (i === mline) {
        const audio = audioMedia(this.local, [{ pt: media.recvPt, codec: media.codec }], media.dtmf?.recvPt, media.direction, chosen.protocol);
        return webrtc && media.webrtc ? writeWebRtc(audio, webrtc, this.local.address, media.webrtc.role, media.webrtc.mid) : audio;
      }
      // RFC 3264 §6: every offered m-line gets an answer; a refused one has port 0.
      const first = payloadList(m)[0];
      return { type: m.type, port: 0, protocol: m.protocol, payloads: first === undefined ? m.payloads : String(first), rtp: [], fmtp: [], ...(m.mid !== undefined ? { mid: m.mid } : {}) };
    });
    this.pendingOffer = undefined;
    if (media.webrtc) this.dtlsRole = media.webrtc.role;
    const bundle = media.webrtc?.bundled ? media.webrtc.mid : undefined;
    return this.write(lines, media.webrtc ? webRtcSession(bundle) : {});
  }

  /**
   * The far end's answer to our offer. Per RFC 3264 §7 the answerer lists
   * codecs it will use in its order of preference, drawn from our offer; we
   * send with the first one we support.
   */
  acceptAnswer(answerSdp: string): NegotiatedMedia {
    const ours = this.pendingOffer;
    if (!ours) throw new MediaNegotiationError('an answer arrived but no offer of ours is outstanding');
    let answer: SessionDescription;
    try {
      answer = sdpTransform.parse(answerSdp);
    } catch (err) {
      throw new MediaNegotiationError(`the SDP answer could not be parsed (${(err as Error).message})`);
    }
    const m = answer.media?.[0];
    if (!m || m.type !== 'audio') throw new MediaNegotiationError('the answer has no audio stream');
    if (m.port === 0) throw new MediaNegotiationError('the far end refused the audio stream (port 0)');
    const why = refusal(m, answer);
    if (why) throw new MediaNegotiationError(why);
    if (!this.local.webrtc !== !isWebRtcProtocol(m.protocol)) {
      throw new MediaNegotiationError(`we offered ${this.local.webrtc ? 'WebRTC media' : 'plain RTP'} and the answer has ${m.protocol}`);
    }
    const webrtc = this.local.webrtc ? readWebRtc(m, answer, false) : undefined;
    if (typeof webrtc === 'string') throw new MediaNegotiationError(webrtc);
    const pts = payloadList(m);
    const ourMedia = ours.media[0]!;
    const pick = pts
      .map((pt) => ({ pt, e: encodingOf(m, pt) }))
      .find(({ e }) => !!e && isG711(e.name.toUpperCase()) && e.rate === 8000);
    if (!pick) throw new MediaNegotiationError(`no common codec: the answer has ${describeFormats(m)}; we offered PCMU/8000 and PCMA/8000`);
    const codec = pick.e!.name.toUpperCase() as Codec;
    const te = pts.find((pt) => encodingOf(m, pt)?.name.toLowerCase() === 'telephone-event');
    const ourTe = ourMedia.rtp.find((r) => r.codec === 'telephone-event')?.payload;
    const c = connectionOf(m, answer) ?? { version: 4, ip: '0.0.0.0' };
    let answered = directionOf(m, answer);
    if (c.ip === '0.0.0.0' && !webrtc) answered = answered === 'sendrecv' ? 'sendonly' : answered === 'recvonly' ? 'inactive' : answered;
    this.pendingOffer = undefined;
    if (webrtc) this.dtlsRole = webrtc.role;
    return {
      codec,
      sendPt: pick.pt,
      recvPt: STATIC_PAYLOAD_TYPES[codec],
      dtmf: te !== undefined && ourTe !== undefined ? { sendPt: te, recvPt: ourTe } : undefined,
      remoteAddress: c.ip,
      remotePort: m.port,
      direction: reverse(answered),
      ...(webrtc ? { webrtc } : {}),
    };
  }

  private write(media: MediaDescription[], extra: Partial<SessionDescription>): string {
    const body = (version: number): string => sdpTransform.write({
      version: 0,
      origin: { username: 'vaxel', sessionId: this.sessionId, sessionVersion: version, netType: 'IN', ipVer: 4, address: this.local.address },
      name: '-',
      connection: { version: 4, ip: this.local.address },
      timing: { start: 0, stop: 0 },
      ...extra,
      media,
    });
    const probe = body(0).replace(/^o=.*$/m, '');
    if (probe !== this.lastBody) {
      // RFC 3264 §8: a changed description carries a higher version.
      if (this.lastBody !== undefined) this.version += 1;
      this.lastBody = probe;
    }
    this.current = body(this.version);
    return this.current;
  }
}
