/**
 * The application side of the embedded server: drachtio's wire protocol over
 * TCP, so that drachtio-srf connects with `srf.connect({host, port, secret})`
 * exactly as it does to drachtio-server.
 *
 * Framing: `<byte length>#<msgId>|<type>|...` where the first line is a
 * '|'-separated leader and anything after the first CRLF is a SIP message.
 */
import net from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

const MAX_FRAME_BYTES = 1024 * 1024;

export interface AppMessage {
  msgId: string;
  type: string;
  args: string[];
  /** The SIP message after the leader line, if any. */
  body: string;
}

export class AppConnection {
  readonly id = randomUUID();
  authenticated = false;
  readonly verbs = new Set<string>();
  /** Message ids: unique on the connection, which is all the protocol asks; a counter costs nothing. */
  private nextMsgId = 0;
  private corked = false;

  constructor(private readonly socket: net.Socket) {}

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /**
   * Frames written in one turn of the event loop (a burst of datagrams read
   * together, a request and its 100 Trying) leave in one write: the socket
   * is corked at the first and uncorked once the turn's I/O is done.
   */
  send(leader: string[], body?: string): string {
    const msgId = `${this.id}.${++this.nextMsgId}`;
    if (this.socket.destroyed) return msgId;
    const text = body === undefined ? `${msgId}|${leader.join('|')}` : `${msgId}|${leader.join('|')}\r\n${body}`;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(`${Buffer.byteLength(text, 'utf8')}#${text}`);
    return msgId;
  }

  /** Answers a request the application made, by its msgId. */
  respond(msgId: string, fields: string[], body?: string): void {
    this.send(['response', msgId, ...fields], body);
  }

  close(): void {
    // What this turn wrote (a refusal) goes out before the socket is torn down.
    if (this.corked) this.socket.uncork();
    this.socket.destroy();
  }

  /** Closes after what was written has been sent. */
  end(): void {
    this.socket.end();
  }
}

export interface ControlEvents {
  message: [conn: AppConnection, msg: AppMessage];
  closed: [conn: AppConnection];
}

export interface ControlOptions {
  host: string;
  port: number;
  secret: string;
  /** Told to the application as its SIP endpoints, e.g. `udp/127.0.0.1:5060,tcp/...`. */
  hostports: () => string;
  version: string;
  logger: Logger;
}

export class ControlServer extends EventEmitter<ControlEvents> {
  private server?: net.Server;
  readonly connections = new Set<AppConnection>();

  constructor(private readonly opts: ControlOptions) {
    super();
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? this.opts.port;
  }

  start(): Promise<void> {
    this.server = net.createServer((socket) => this.adopt(socket));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
  }

  stop(): Promise<void> {
    for (const c of this.connections) c.close();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The connected applications that asked for requests of this method. */
  routesFor(method: string): AppConnection[] {
    const verb = method.toLowerCase();
    return [...this.connections].filter((c) => c.authenticated && c.verbs.has(verb));
  }

  private adopt(socket: net.Socket): void {
    socket.setNoDelay(true);
    const conn = new AppConnection(socket);
    this.connections.add(conn);
    const log = this.opts.logger.child({ app: `${socket.remoteAddress}:${socket.remotePort}` });
    let buffer: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      // Most reads carry whole frames: the chunk is used as it is, copied only to join a frame cut in two.
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      try {
        for (;;) {
          const hash = buffer.indexOf('#');
          if (hash < 0) {
            if (buffer.length > 20) throw new Error('no length prefix');
            return;
          }
          const length = Number(buffer.subarray(0, hash).toString('latin1'));
          if (!Number.isInteger(length) || length <= 0 || length > MAX_FRAME_BYTES) throw new Error('bad length prefix');
          if (buffer.length < hash + 1 + length) return;
          const text = buffer.subarray(hash + 1, hash + 1 + length).toString('utf8');
          buffer = buffer.subarray(hash + 1 + length);
          this.dispatch(conn, text, log);
        }
      } catch (err) {
        log.warn({ err }, 'closing application connection: bad frame');
        socket.destroy();
      }
    });
    socket.on('error', (err) => log.debug({ err }, 'application connection error'));
    socket.on('close', () => {
      this.connections.delete(conn);
      this.emit('closed', conn);
    });
  }

  private dispatch(conn: AppConnection, text: string, log: Logger): void {
    const eol = text.indexOf('\r\n');
    const leader = (eol < 0 ? text : text.slice(0, eol)).split('|');
    const msg: AppMessage = {
      msgId: leader[0] ?? '',
      type: leader[1] ?? '',
      args: leader.slice(2),
      body: eol < 0 ? '' : text.slice(eol + 2),
    };
    if (msg.type === 'authenticate') {
      this.authenticate(conn, msg, log);
      return;
    }
    if (!conn.authenticated) {
      conn.respond(msg.msgId, ['NOK', 'not authenticated']);
      conn.close();
      return;
    }
    switch (msg.type) {
      case 'route':
        conn.verbs.add((msg.args[0] ?? '').toLowerCase());
        conn.respond(msg.msgId, ['OK']);
        return;
      case 'remove_route':
        conn.verbs.delete((msg.args[0] ?? '').toLowerCase());
        conn.respond(msg.msgId, ['OK']);
        return;
      case 'ping':
        conn.respond(msg.msgId, ['OK']);
        return;
      default:
        this.emit('message', conn, msg);
    }
  }

  private authenticate(conn: AppConnection, msg: AppMessage, log: Logger): void {
    const offered = Buffer.from(msg.args[0] ?? '');
    const expected = Buffer.from(this.opts.secret);
    const ok = offered.length === expected.length && timingSafeEqual(offered, expected);
    if (!ok) {
      log.warn('application offered a wrong secret');
      conn.respond(msg.msgId, ['NO', 'incorrect secret']);
      conn.end();
      return;
    }
    conn.authenticated = true;
    conn.respond(msg.msgId, ['OK', this.opts.hostports(), this.opts.version, this.opts.hostports()]);
  }
}
