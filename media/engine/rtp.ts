/**
 * RTP packets (RFC 3550 §5.1) and the state of one outgoing RTP stream.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers             |
 */
import { randomBytes } from 'node:crypto';

export const RTP_HEADER_BYTES = 12;

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  /** 16-bit, wraps. */
  sequenceNumber: number;
  /** 32-bit, in samples of the payload's clock (8 kHz here); wraps. */
  timestamp: number;
  ssrc: number;
  csrc?: number[];
  /** The payload with any padding and header extension removed. */
  payload: Buffer;
}

/**
 * Whether a datagram is RTCP rather than RTP when both share a port
 * (RFC 5761 §4: RTCP packet types 192-223 fall where RTP would put a
 * marker bit and PT 64-95, which RTP payloads never use).
 */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

/**
 * Parses an RTP packet; returns undefined for anything that is not valid
 * RTP version 2 (a stray datagram must never take a call down).
 */
export function decodeRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < RTP_HEADER_BYTES) return undefined;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return undefined;
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + cc * 4;
  if (buf.length < offset) return undefined;
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++) csrc.push(buf.readUInt32BE(RTP_HEADER_BYTES + i * 4));
  if (extension) {
    // §5.3.1: 16-bit profile field, 16-bit length in 32-bit words, then the words.
    if (buf.length < offset + 4) return undefined;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
    if (buf.length < offset) return undefined;
  }
  let end = buf.length;
  if (padding) {
    // §5.1: the last octet counts the padding octets, itself included.
    const pad = buf[buf.length - 1]!;
    if (pad === 0 || end - pad < offset) return undefined;
    end -= pad;
  }
  return {
    marker: (buf[1]! & 0x80) !== 0,
    payloadType: buf[1]! & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc: cc ? csrc : undefined,
    payload: buf.subarray(offset, end),
  };
}

/** Serialises a packet (no padding, no extension: we never need them on send). */
export function encodeRtp(p: RtpPacket): Buffer {
  const csrc = p.csrc ?? [];
  const header = RTP_HEADER_BYTES + csrc.length * 4;
  const buf = Buffer.allocUnsafe(header + p.payload.length);
  buf[0] = 0x80 | csrc.length;
  buf[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  buf.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(p.timestamp >>> 0, 4);
  buf.writeUInt32BE(p.ssrc >>> 0, 8);
  csrc.forEach((c, i) => buf.writeUInt32BE(c >>> 0, RTP_HEADER_BYTES + i * 4));
  p.payload.copy(buf, header);
  return buf;
}

/** a - b for 32-bit RTP timestamps, as a signed distance that survives wrap-around. */
export function timestampDiff(a: number, b: number): number {
  return ((a - b) | 0);
}

/** a - b for 16-bit sequence numbers, signed, wrap-safe (RFC 3550 appendix A.1 idea). */
export function sequenceDiff(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/**
 * One RTP stream we send: its SSRC and the next sequence number, both random
 * at the start as RFC 3550 §5.1 asks (so a new stream cannot be mistaken for
 * an old one), and a random timestamp origin. Timestamps are given by the
 * caller, because they follow the media clock, not the packet count.
 */
export class RtpSender {
  readonly ssrc: number;
  private sequence: number;
  /** Added to every media-clock timestamp: the stream's random origin. */
  readonly timestampOrigin: number;
  packetsSent = 0;
  octetsSent = 0;

  constructor() {
    const r = randomBytes(10);
    this.ssrc = r.readUInt32BE(0);
    this.sequence = r.readUInt16BE(4);
    this.timestampOrigin = r.readUInt32BE(6);
  }

  /** The next packet, with `samples` counted on the 8 kHz media clock. */
  packet(payloadType: number, samples: number, payload: Uint8Array, marker = false): Buffer {
    const buf = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    buf[0] = 0x80;
    buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
    buf.writeUInt16BE(this.sequence, 2);
    buf.writeUInt32BE((this.timestampOrigin + samples) >>> 0, 4);
    buf.writeUInt32BE(this.ssrc, 8);
    buf.set(payload, RTP_HEADER_BYTES);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.packetsSent += 1;
    this.octetsSent += payload.length;
    return buf;
  }

  /** Same as packet() but with a timestamp already on the wire scale (used for relays). */
  packetAt(payloadType: number, timestamp: number, payload: Uint8Array, marker = false): Buffer {
    return this.packet(payloadType, (timestamp - this.timestampOrigin) >>> 0, payload, marker);
  }
}
