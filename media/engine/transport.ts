/**
 * How an endpoint's RTP reaches the far end: plain RTP on its UDP port, or
 * WebRTC (ICE-lite, DTLS-SRTP: ./webrtc-transport.ts) on the same port.
 * The endpoint deals in plain RTP packets either way.
 */
import type dgram from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { isRtcp, RTP_HEADER_BYTES } from './rtp.js';
import type { NegotiatedMedia } from './sdp.js';

export interface RtpAddress {
  address: string;
  port: number;
}

export interface MediaTransport {
  /** Where RTP goes now; undefined while there is nowhere to send. */
  readonly remote: RtpAddress | undefined;
  /** The far end's SDP (answer or new offer) took effect. */
  apply(media: NegotiatedMedia): void;
  /** A datagram on our port: the plain RTP packet it carries, if any. */
  receive(msg: Buffer, from: RemoteInfo, nowMs: number): Buffer | undefined;
  send(packet: Buffer): void;
  /** Checked on every tick: why the transport has failed, or undefined while it is fine. */
  failure(nowMs: number): string | undefined;
  close(): void;
}

export interface TransportLogger {
  debug(obj: object, msg?: string): void;
}

/**
 * Plain RTP with symmetric RTP (RFC 4961): we send to the SDP's address
 * until the first packet arrives, then to wherever it came from (behind NAT
 * that is not what the SDP says); other sources are ignored after that. A
 * new SDP address unlatches.
 */
export class PlainRtpTransport implements MediaTransport {
  private target: RtpAddress | undefined;
  private latched = false;
  private sdpAddress: RtpAddress | undefined;

  constructor(private readonly socket: dgram.Socket, private readonly log: TransportLogger | undefined, private readonly endpointId: string) {}

  get remote(): RtpAddress | undefined {
    return this.target ? { ...this.target } : undefined;
  }

  apply(media: NegotiatedMedia): void {
    const moved = this.sdpAddress?.address !== media.remoteAddress || this.sdpAddress?.port !== media.remotePort;
    this.sdpAddress = { address: media.remoteAddress, port: media.remotePort };
    if (moved || !this.latched) {
      const usable = media.remotePort > 0 && media.remoteAddress !== '0.0.0.0';
      this.target = usable ? { ...this.sdpAddress } : undefined;
      this.latched = false;
    }
  }

  receive(msg: Buffer, from: RemoteInfo): Buffer | undefined {
    // Only RTP latches: not RTCP, not a stray datagram that is not RTP version 2.
    if (isRtcp(msg) || msg.length < RTP_HEADER_BYTES || msg[0]! >> 6 !== 2) return undefined;
    if (!this.latched) {
      this.target = { address: from.address, port: from.port };
      this.latched = true;
      this.log?.debug({ endpoint: this.endpointId, remote: this.target }, 'RTP latched');
    } else if (from.port !== this.target!.port || from.address !== this.target!.address) {
      return undefined;
    }
    return msg;
  }

  send(packet: Buffer): void {
    const target = this.target;
    if (!target) return;
    try {
      this.socket.send(packet, target.port, target.address);
    } catch (err) {
      this.log?.debug({ err, endpoint: this.endpointId }, 'RTP send failed');
    }
  }

  failure(): undefined {
    return undefined;
  }

  close(): void {}
}
