/**
 * SIP written by hand, for tests that must send what no well-behaved client
 * would (malformed messages, floods) or look at a single response byte by
 * byte: a UDP socket that keeps what it receives, and a header reader.
 */
import dgram from 'node:dgram';

/** The first value of a header in a received message (names compared without case). */
export function header(message: string, name: string): string | undefined {
  const head = message.slice(0, message.indexOf('\r\n\r\n'));
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (line.slice(0, colon).trim().toLowerCase() === name.toLowerCase()) return line.slice(colon + 1).trim();
  }
  return undefined;
}

const FINAL = /^SIP\/2\.0 [2-6]\d\d /;

/** A UDP socket on a loopback address (default 127.0.0.1) that sends to one SIP port and keeps what it receives. */
export class UdpPeer {
  readonly received: string[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: dgram.Socket, private readonly target: number) {
    socket.on('message', (buf) => {
      this.received.push(buf.toString('utf8'));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Bound to a free port of `address`; `target` is the SIP port on 127.0.0.1 it sends to. */
  static async open(target: number, address = '127.0.0.1'): Promise<UdpPeer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    // A flood's answers must not be dropped by the kernel before the test reads them.
    socket.setRecvBufferSize(4 * 1024 * 1024);
    return new UdpPeer(socket, target);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(data, this.target, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }

  /** Waits for a received message with this Call-ID; `final`: a final response only (provisional ones are skipped). */
  async answerTo(callId: string, opts: { timeoutMs: number; final?: boolean }): Promise<string> {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const found = this.received.find((m) => header(m, 'Call-ID') === callId && (!opts.final || FINAL.test(m)));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${opts.final ? 'final ' : ''}answer with Call-ID ${callId} within ${opts.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Waits for a message, received after the first `after` ones, that `match` accepts. */
  async waitFor(match: (message: string) => boolean, opts: { timeoutMs: number; after?: number }): Promise<string> {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const found = this.received.slice(opts.after ?? 0).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${opts.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}
