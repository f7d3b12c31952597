/**
 * SIP written by hand, for tests that must send what no well-behaved client
 * would (malformed messages, floods) or look at a single response byte by
 * byte: a UDP socket that keeps what it receives, a header reader, and the
 * embedded SIP server behind a minimal application to send them to.
 */
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import type Srf from 'drachtio-srf';
import type { SipServer, SipServerOptions } from '../../server/sipd/server.js';
import type { Source } from '../../server/sipd/transport.js';
import type { DestinationStream } from 'pino';
import { createLogger } from '../../server/log.js';
import { startSipdWithSrf } from './embedded-sipd.js';

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

/** The answers a minimal application gives, by method: enough to tell the server's own answers from the app's. */
export const MINIMAL_APP_ANSWERS = { INVITE: 486, REGISTER: 401, OPTIONS: 200 } as const;

type AppHandler = (req: Srf.SrfRequest, res: Srf.SrfResponse) => void;

export interface SentBySipd {
  text: string;
  dest: Source;
}

export interface EmbeddedSipd {
  sipd: SipServer;
  srf: Srf;
  port: number;
  /** Everything the server has put on the wire, in order, with where it went (unless started with record: false). */
  sent: SentBySipd[];
  /** Replaces the application's handler for one of its methods (defaults: MINIMAL_APP_ANSWERS). */
  handle(method: keyof typeof MINIMAL_APP_ANSWERS, handler: AppHandler): void;
  stop(): Promise<void>;
}

/**
 * The embedded SIP server with fast timers (T1 = 20 ms, so a UDP
 * transaction lingers about a second) and a drachtio-srf application that
 * answers INVITE 486, REGISTER 401 (with a challenge) and OPTIONS 200 and
 * takes no other method. What the server sends is recorded on its way to
 * the socket, the way a capture on the wire would see it; `log` receives
 * the server's log lines (info and above) instead of the test's level.
 * It refuses nothing as overloaded unless `loadShedding` says when.
 */
export async function startEmbeddedSipd(opts: {
  log?: DestinationStream; record?: boolean; loadShedding?: SipServerOptions['loadShedding'];
} = {}): Promise<EmbeddedSipd> {
  const { sipd, srf, port, stop } = await startSipdWithSrf({
    ...(opts.log ? { logger: createLogger('info', opts.log) } : {}),
    timers: { T1: 20, T2: 160, T4: 200 },
    // Tests send bursts on machines that may be busy: unless a test is about it, nothing is refused as overloaded.
    loadShedding: opts.loadShedding ?? { maxDelayMs: 60_000, retryAfterSeconds: 1 },
  });
  const sent: SentBySipd[] = [];
  const send = sipd.transport.send.bind(sipd.transport);
  sipd.transport.send = (text, dest) => {
    if (opts.record !== false) sent.push({ text, dest });
    return send(text, dest);
  };
  const handlers = new Map<keyof typeof MINIMAL_APP_ANSWERS, AppHandler>([
    ['INVITE', (_req, res) => res.send(MINIMAL_APP_ANSWERS.INVITE)],
    ['REGISTER', (_req, res) => res.send(MINIMAL_APP_ANSWERS.REGISTER, {
      headers: { 'WWW-Authenticate': 'Digest realm="example.com", nonce="abc", qop="auth", algorithm=MD5' },
    })],
    ['OPTIONS', (_req, res) => res.send(MINIMAL_APP_ANSWERS.OPTIONS)],
  ]);
  for (const method of handlers.keys()) {
    srf.use(method.toLowerCase(), (req, res) => handlers.get(method)!(req, res));
  }
  return {
    sipd, srf, port, sent,
    handle(method, handler) {
      handlers.set(method, handler);
    },
    stop,
  };
}

/** Waits until the server holds no transaction, for at most `ms`; returns what it still holds. */
export async function drained(sipd: SipServer, ms: number): Promise<SipServer['stats']> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const { serverTransactions, clientTransactions } = sipd.stats;
    if (serverTransactions === 0 && clientTransactions === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return sipd.stats;
}

/** A request written by hand, from a UdpPeer on 127.0.0.1, new Call-ID, branch and From tag each time. */
export interface RawRequest { text: string; callId: string; branch: string }

export function rawRequest(method: 'INVITE' | 'OPTIONS', uri: string, peerPort: number): RawRequest {
  const callId = `${randomUUID()}@raw-sip`;
  const branch = `z9hG4bK-${randomUUID()}`;
  const host = `127.0.0.1:${peerPort}`;
  const lines = [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${host};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:1001@${host}>;tag=${randomUUID().slice(0, 8)}`,
    `To: <${uri}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:1001@${host}>`,
    'Content-Length: 0',
  ];
  return { text: `${lines.join('\r\n')}\r\n\r\n`, callId, branch };
}
