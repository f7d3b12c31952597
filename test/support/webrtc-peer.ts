/**
 * A real WebRTC peer for tests, on werift's RTCPeerConnection (full ICE,
 * DTLS-SRTP, rtcp-mux, BUNDLE): what a browser does on the wire, in node.
 * Its audio stream is an RtpStream (./rtp-peer.ts): talk(), press() and
 * heard() work as for a plain RTP phone, over SRTP.
 *
 * Packets go straight to the DTLS transport's SRTP (werift's RTP sender
 * would rewrite every payload type to the first codec's, and a test must
 * send telephone-event too), and every packet the transport decrypts is
 * kept, whatever its payload type.
 */
import { RTCPeerConnection, RTCRtpCodecParameters, RtpPacket, type RTCDtlsTransport } from 'werift';
import { parseRtp, RtpStream } from './rtp-peer.js';
import { waitFor } from './wait.js';

export const WEBRTC_EVENT_PT = 101;

export class WebRtcPeer extends RtpStream {
  readonly pc = new RTCPeerConnection({
    codecs: {
      audio: [
        new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
        new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: WEBRTC_EVENT_PT }),
      ],
      video: [],
    },
    iceServers: [],
    iceUseIpv4: true,
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
  });
  private transport: RTCDtlsTransport | undefined;

  constructor() {
    super();
    this.pc.addTransceiver('audio', { direction: 'sendrecv' });
  }

  /** Our offer once gathering is complete (as sip.js waits for it). */
  async offer(): Promise<string> {
    const offer = await this.pc.createOffer();
    this.askNoStunServer();
    await this.pc.setLocalDescription(offer);
    return this.gathered();
  }

  /** Our answer to the engine's offer; `edit` may change it before it is applied (a test's DTLS role). */
  async answer(offerSdp: string, edit: (sdp: string) => string = (s) => s): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const answer = await this.pc.createAnswer();
    this.askNoStunServer();
    await this.pc.setLocalDescription({ type: 'answer', sdp: edit(answer.sdp) });
    return this.gathered();
  }

  async useAnswer(answerSdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  }

  /** Resolves once ICE and DTLS are up; fails after `timeoutMs`. */
  async connected(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.pc.connectionState === 'connected', { what: 'the WebRTC connection', timeoutMs });
    const transport = this.pc.dtlsTransports[0];
    if (!transport) throw new Error('connected without a DTLS transport');
    if (this.transport !== transport) {
      this.transport = transport;
      transport.onRtp.subscribe((rtp) => {
        const packet = parseRtp(rtp.serialize());
        if (packet) this.received.push({ at: performance.now(), packet });
      });
    }
  }

  /** Which DTLS role this peer took: 'client' sends the ClientHello. */
  get dtlsRole(): string | undefined {
    return this.pc.dtlsTransports[0]?.role;
  }

  protected transmit(wire: Buffer): void {
    const transport = this.transport;
    if (!transport) throw new Error('WebRtcPeer: not connected (await connected() first)');
    const rtp = RtpPacket.deSerialize(wire);
    void transport.sendRtp(rtp.payload, rtp.header);
  }

  async close(): Promise<void> {
    await this.pc.close();
  }

  /**
   * werift asks a public STUN server (Google's) when it is given none, and
   * gathering then waits 5 s for its answer: a peer on loopback has no use
   * for one and must not send beyond this machine.
   */
  private askNoStunServer(): void {
    for (const transport of this.pc.iceTransports) transport.connection.stunServer = undefined;
  }

  private async gathered(): Promise<string> {
    await waitFor(() => this.pc.iceGatheringState === 'complete', { what: 'ICE gathering', timeoutMs: 10_000 });
    return this.pc.localDescription!.sdp;
  }
}
