/**
 * A caller from the operator network written by hand: an INVITE from the
 * trunk's trusted source (TRUNK_SOURCE_IP) with any caller id, media from an
 * RtpPeer there, keys pressed as RFC 4733 events as many as the test likes
 * (a SIPp scenario plays only recorded key presses). It answers the
 * switch's BYE and can send its own.
 */
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { header } from './raw-sip.js';
import { TRUNK_SOURCE_IP } from './product.js';
import { RtpPeer } from './rtp-peer.js';

const TIMEOUT_MS = 10_000;

/** The call was not answered: the switch's final response, whole. */
export class CallRefused extends Error {
  constructor(readonly response: string) {
    super(`the call was not answered: ${response.split('\r\n')[0]}`);
  }
}

export class TrunkCaller {
  private readonly received: string[] = [];
  private waiters: Array<() => void> = [];
  private readonly callId = `${randomUUID()}@${TRUNK_SOURCE_IP}`;
  private readonly fromTag = randomUUID().slice(0, 8);
  private readonly inviteBranch = `z9hG4bK${randomUUID().slice(0, 12)}`;
  private toTag = '';
  private remoteTarget = '';
  private byeFromSwitch = false;
  /** A 200 OK came: its ACK is a transaction of its own. */
  private answered = false;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly rtp: RtpPeer,
    private readonly sipPort: number,
    private readonly dialled: string,
    private readonly callerId: string,
  ) {
    socket.on('message', (buf) => this.onMessage(buf.toString('utf8')));
  }

  /** Calls `dialled` on the switch at `sipPort` presenting `callerId`; resolves once answered (ACK sent), rejects with CallRefused otherwise. */
  static async call(sipPort: number, dialled: string, callerId: string): Promise<TrunkCaller> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, TRUNK_SOURCE_IP, () => resolve()));
    const caller = new TrunkCaller(socket, await RtpPeer.open(TRUNK_SOURCE_IP), sipPort, dialled, callerId);
    try {
      await caller.invite();
    } catch (err) {
      caller.socket.close();
      caller.rtp.close();
      throw err;
    }
    return caller;
  }

  /** Whether the switch hung up on us. */
  get hungUpOn(): boolean {
    return this.byeFromSwitch;
  }

  /** Keys, each an RFC 4733 event. */
  press(digits: string): Promise<void> {
    return this.rtp.press(digits, { gapMs: 150 });
  }

  /** Waits until the switch sends BYE (answered with 200). */
  async waitForBye(timeoutMs = TIMEOUT_MS): Promise<void> {
    await this.waitFor(() => this.byeFromSwitch, timeoutMs, 'the switch\'s BYE');
  }

  /** Hangs up (BYE) unless the switch did, and closes the sockets. */
  async hangUp(): Promise<void> {
    if (!this.byeFromSwitch) {
      this.send(this.request('BYE', 2));
      await this.waitFor(() => this.received.some((m) => /^SIP\/2\.0 \d{3} /.test(m) && / BYE$/.test(header(m, 'CSeq') ?? '')), TIMEOUT_MS, '200 to our BYE')
        .catch(() => {});
    }
    this.socket.close();
    this.rtp.close();
  }

  private async invite(): Promise<void> {
    const sdp = this.rtp.offer({ codecs: ['PCMU'] });
    this.send(`${this.request('INVITE', 1, ['Content-Type: application/sdp'])}${sdp}`.replace('Content-Length: 0', `Content-Length: ${Buffer.byteLength(sdp)}`));
    const ok = await this.waitFor(() => this.received.find((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && / INVITE$/.test(header(m, 'CSeq') ?? '')),
      TIMEOUT_MS, 'the final answer to our INVITE');
    this.toTag = /;tag=([^;>\s]+)/.exec(header(ok, 'To') ?? '')?.[1] ?? '';
    if (!/^SIP\/2\.0 200 /.test(ok)) {
      // The ACK of a non-2xx belongs to the INVITE's transaction (RFC 3261 section 17.1.1.3).
      this.remoteTarget = `sip:${this.dialled}@127.0.0.1:${this.sipPort}`;
      this.send(this.request('ACK', 1));
      throw new CallRefused(ok);
    }
    this.remoteTarget = /<([^>]+)>/.exec(header(ok, 'Contact') ?? '')?.[1] ?? `sip:${this.dialled}@127.0.0.1:${this.sipPort}`;
    this.answered = true;
    this.rtp.useAnswer(ok.slice(ok.indexOf('\r\n\r\n') + 4));
    this.send(this.request('ACK', 1));
  }

  private request(method: string, cseq: number, extra: string[] = []): string {
    const { port } = this.socket.address();
    const uri = method === 'INVITE' ? `sip:${this.dialled}@127.0.0.1:${this.sipPort}` : this.remoteTarget;
    const sameTransaction = method === 'INVITE' || (method === 'ACK' && !this.answered);
    const branch = sameTransaction ? this.inviteBranch : `z9hG4bK${randomUUID().slice(0, 12)}`;
    return [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${TRUNK_SOURCE_IP}:${port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${this.callerId}@${TRUNK_SOURCE_IP}>;tag=${this.fromTag}`,
      `To: <sip:${this.dialled}@127.0.0.1>${this.toTag ? `;tag=${this.toTag}` : ''}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:${this.callerId}@${TRUNK_SOURCE_IP}:${port}>`,
      ...extra,
      'Content-Length: 0',
      '', '',
    ].join('\r\n');
  }

  private onMessage(text: string): void {
    this.received.push(text);
    if (text.startsWith('BYE ')) {
      this.byeFromSwitch = true;
      this.send(this.response(text, '200 OK'));
    } else if (/^SIP\/2\.0 200 /.test(text) && / INVITE$/.test(header(text, 'CSeq') ?? '') && this.remoteTarget) {
      this.send(this.request('ACK', 1)); // a retransmitted 200: ACK it again
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private response(request: string, status: string): string {
    const copied = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].map((name) => `${name}: ${header(request, name) ?? ''}`);
    return [`SIP/2.0 ${status}`, ...copied, 'Content-Length: 0', '', ''].join('\r\n');
  }

  private send(text: string): void {
    this.socket.send(text, this.sipPort, '127.0.0.1');
  }

  private async waitFor<T>(found: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = found();
      if (value) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }
}
