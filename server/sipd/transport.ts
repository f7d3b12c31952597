/**
 * SIP transports (RFC 3261 section 18): UDP datagrams, TCP streams framed by
 * Content-Length, and SIP over WebSocket (RFC 7118, subprotocol "sip"),
 * secure (WSS) when the listener has a certificate.
 *
 * The layer above sees only raw message text with its source, and sends by
 * destination; it never touches a socket.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import { EventEmitter } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import type { Logger } from 'pino';
import { MAX_HEADER_LINE_BYTES, MAX_MESSAGE_BYTES } from './message.js';
import { advertisedAddressFor } from '../net/address.js';
import { ExpiringMap } from '../net/expiring-map.js';
import type { WebSocketListener } from './websocket-listener.js';

export type Protocol = 'udp' | 'tcp' | 'ws' | 'wss';

export function isWebSocket(protocol: Protocol): protocol is 'ws' | 'wss' {
  return protocol === 'ws' || protocol === 'wss';
}

/**
 * Whether a destination's protocol names a connection's. A WebSocket is only
 * ever opened by the phone, and a URI says transport=ws over WSS too: either
 * flavour names the phone's own connection.
 */
export function sameTransport(a: Protocol, b: Protocol): boolean {
  return a === b || (isWebSocket(a) && isWebSocket(b));
}

/** A SIP URI's transport parameter: "ws" over plain and secure WebSocket alike (RFC 7118 section 5.2; Via says WS or WSS). */
export function uriTransport(protocol: Protocol): string {
  return isWebSocket(protocol) ? 'ws' : protocol;
}

export interface Destination {
  protocol: Protocol;
  address: string;
  port: number;
}

export interface Source extends Destination {
  /** The stream the message came on; responses and in-dialog requests go back on it. */
  connectionId?: string;
}

export interface TransportOptions {
  host: string;
  port: number;
  /** The address written in Via and Contact; default from advertisedAddressFor(host). */
  advertisedAddress?: string;
  /** SIP over WebSocket (./websocket-listener.ts); none without. */
  webSocket?: WebSocketListener;
  logger: Logger;
  limits?: ConnectionLimits;
}

/** How long streams live and how many one address may hold (config `sip.sourceLimits`). */
export interface ConnectionLimits {
  /** Connections (TCP, WebSocket) one address may hold open at once; more are closed as they come. */
  perSource(address: string): number;
  /** A connection accepted here that has not been marked established by then is closed. */
  firstMessageMs: number;
  /** An established connection without a byte either way for this long is closed, unless `inUse`. */
  idleMs: number;
  /** Asked when an established connection has been idle: true keeps it for another idle period. */
  inUse(connection: ConnectionInfo): boolean;
}

export interface ConnectionInfo {
  id: string;
  protocol: Protocol;
  address: string;
  port: number;
}

interface StreamConnection extends ConnectionInfo {
  /** It has carried a valid SIP message, or we opened it. */
  established: boolean;
  socket: net.Socket;
  send(text: string): void;
  close(): void;
}

export interface TransportEvents {
  message: [text: string, source: Source];
  /**
   * A stream sent bytes that cannot be framed. Listeners may still answer on
   * it (synchronously); it is closed right after.
   */
  framingError: [error: FramingError, source: Source];
  /** A probe sent by sendProbe came out of the UDP socket's receive queue. */
  probe: [payload: string];
}

/**
 * How long a stream that could not be framed stays open, unread, so that the
 * messages framed before the bad one can still be answered on it.
 */
const CLOSE_GRACE_MS = 1_000;

const IDLE_STREAM_MS = 10 * 60_000;

/** Without limits configured: any number of connections, each closed after ten silent minutes. */
const NO_LIMITS: ConnectionLimits = {
  perSource: () => Infinity, firstMessageMs: IDLE_STREAM_MS, idleMs: IDLE_STREAM_MS, inUse: () => false,
};

/** Connections refused from one address are logged once in this period. */
const REFUSAL_LOG_MS = 60_000;
const MAX_REFUSALS_TRACKED = 10_000;

export class TransportLayer extends EventEmitter<TransportEvents> {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private ws?: WebSocketServer;
  private wsHttp?: http.Server | https.Server;
  private wsProtocol?: 'ws' | 'wss';
  /**
   * Our address and ports as bound, read once at start: every message's Via,
   * Contact and source need them, and asking the system each time cost a
   * system call (getsockname) or, with host 0.0.0.0, the interface list (60 us).
   */
  private local?: { host: string; udpPort: number; tcpPort: number };
  /** Every socket accepted on the WebSocket port, also those still in their TLS handshake or HTTP upgrade. */
  private readonly wsSockets = new Set<net.Socket>();
  private readonly connections = new Map<string, StreamConnection>();
  private readonly bySocket = new WeakMap<net.Socket, StreamConnection>();
  private nextConnectionId = 1;
  private readonly limits: ConnectionLimits;
  /** Accepted sockets open per address, WebSockets counted from before their upgrade. */
  private readonly openPerAddress = new Map<string, number>();
  /** Addresses whose refused connections were logged within the last REFUSAL_LOG_MS. */
  private readonly refusalsLogged: ExpiringMap<string, true>;

  constructor(private readonly opts: TransportOptions) {
    super();
    this.limits = opts.limits ?? NO_LIMITS;
    this.refusalsLogged = new ExpiringMap(MAX_REFUSALS_TRACKED, Date.now);
  }

  /** Connections open now from an address (accepted here, not opened by us). */
  openFrom(address: string): number {
    return this.openPerAddress.get(address) ?? 0;
  }

  /**
   * The stream carried a valid SIP message: from now on it is closed only
   * when idle for `idleMs` (and not in use), no longer after `firstMessageMs`.
   */
  markEstablished(connectionId: string): void {
    const conn = this.connections.get(connectionId);
    if (!conn || conn.established) return;
    conn.established = true;
    conn.socket.setTimeout(this.limits.idleMs);
  }

  get udpPort(): number {
    return this.local?.udpPort ?? (this.udp?.address() as { port: number } | undefined)?.port ?? this.opts.port;
  }

  get tcpPort(): number {
    return this.local?.tcpPort ?? (this.tcp?.address() as net.AddressInfo | null)?.port ?? this.opts.port;
  }

  get wsPort(): number | undefined {
    return this.webSocket?.port;
  }

  /** The WebSocket listener as bound: its address, port, and ws or wss. */
  get webSocket(): { protocol: 'ws' | 'wss'; address: string; port: number } | undefined {
    const bound = this.wsHttp?.address() as net.AddressInfo | null | undefined;
    return bound && this.wsProtocol ? { protocol: this.wsProtocol, address: bound.address, port: bound.port } : undefined;
  }

  async start(): Promise<void> {
    await this.startUdp();
    await this.startTcp();
    if (this.opts.webSocket) await this.startWs(this.opts.webSocket);
    this.local = { host: this.advertisedHost(), udpPort: this.udpPort, tcpPort: this.tcpPort };
  }

  async stop(): Promise<void> {
    this.local = undefined;
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
      new Promise<void>((r) => (this.ws ? this.ws.close(() => r()) : r())),
      new Promise<void>((r) => {
        if (!this.wsHttp) return r();
        this.wsHttp.close(() => r());
        // Sockets not yet upgraded (or still in their handshake) would hold the close until their first-message timeout.
        for (const socket of this.wsSockets) socket.destroy();
      }),
    ]);
  }

  /** Sends to a destination, reusing a stream to it when one is open (RFC 3261 section 18.1.1). */
  async send(text: string, dest: Source): Promise<void> {
    if (dest.protocol === 'udp') {
      await new Promise<void>((resolve, reject) =>
        this.udp!.send(text, dest.port, dest.address, (err) => (err ? reject(err) : resolve())),
      );
      return;
    }
    const existing =
      (dest.connectionId && this.connections.get(dest.connectionId)) || this.findConnection(dest);
    if (existing) {
      existing.send(text);
      return;
    }
    if (isWebSocket(dest.protocol)) throw new Error(`no WebSocket connection to ${dest.address}:${dest.port}`);
    const conn = await this.connectTcp(dest);
    conn.send(text);
  }

  /**
   * Sends a datagram to the UDP socket itself; it is read after everything
   * queued before it, and emitted as 'probe' (./load-shedding.ts).
   */
  sendProbe(payload: string): void {
    if (!this.udp) return;
    const host = this.opts.host === '0.0.0.0' ? '127.0.0.1' : this.opts.host === '::' ? '::1' : this.opts.host;
    this.udp.send(payload, this.udpPort, host, (err) => {
      if (err) this.opts.logger.debug({ err }, 'queue probe not sent');
    });
  }

  /** Our own address as seen by peers of the given protocol, for Via and Contact. */
  localHostport(protocol: Protocol): string {
    const host = this.local?.host ?? this.advertisedHost();
    const port = isWebSocket(protocol) ? this.wsPort : protocol === 'tcp' ? this.tcpPort : this.udpPort;
    return `${host}:${port}`;
  }

  private advertisedHost(): string {
    return this.opts.advertisedAddress ?? advertisedAddressFor(this.opts.host);
  }

  private findConnection(dest: Destination): StreamConnection | undefined {
    for (const c of this.connections.values()) {
      if (sameTransport(c.protocol, dest.protocol) && c.address === dest.address && c.port === dest.port) return c;
    }
    return undefined;
  }

  private startUdp(): Promise<void> {
    const socket = dgram.createSocket({ type: this.opts.host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    this.udp = socket;
    socket.on('message', (buf, rinfo) => {
      // No SIP message starts with NUL: from our own port, it is a probe (sendProbe).
      if (buf[0] === 0 && rinfo.port === this.udpPort) {
        this.emit('probe', buf.toString('latin1'));
        return;
      }
      // RFC 5626 keep-alives are bare CRLFs; there is nothing to parse.
      if (buf.length <= 4 && buf.toString('latin1').trim() === '') return;
      this.emit('message', buf.toString('utf8'), { protocol: 'udp', address: rinfo.address, port: rinfo.port });
    });
    socket.on('error', (err) => this.opts.logger.error({ err }, 'UDP socket error'));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.port, this.opts.host, () => {
        socket.off('error', reject);
        socket.setRecvBufferSize?.(4 * 1024 * 1024);
        resolve();
      });
    });
  }

  private startTcp(): Promise<void> {
    this.tcp = net.createServer((socket) => {
      if (!this.admitSocket(socket, 'tcp')) return;
      this.watchSilence(socket);
      this.adoptTcp(socket, false);
    });
    this.tcp.on('error', (err) => this.opts.logger.error({ err }, 'TCP server error'));
    return new Promise((resolve, reject) => {
      this.tcp!.once('error', reject);
      this.tcp!.listen(this.tcpListenPort(), this.opts.host, () => {
        this.tcp!.off('error', reject);
        resolve();
      });
    });
  }

  /** With port 0 UDP got a random port; TCP shares it so one number serves both. */
  private tcpListenPort(): number {
    return this.opts.port === 0 ? this.udpPort : this.opts.port;
  }

  /**
   * Counts an accepted socket against its address's limit, or closes it at
   * once (before any TLS or HTTP is read) when the address holds as many as
   * it may. Refusals are logged once a period per address.
   */
  private admitSocket(socket: net.Socket, protocol: Protocol): boolean {
    const address = normaliseAddress(socket.remoteAddress ?? '');
    const open = this.openFrom(address);
    const limit = this.limits.perSource(address);
    if (open >= limit) {
      socket.destroy();
      if (!this.refusalsLogged.get(address)) {
        this.refusalsLogged.set(address, true, Date.now() + REFUSAL_LOG_MS);
        this.opts.logger.warn({ source: address, protocol, open, limit },
          'source holds as many SIP connections as it may: new ones are closed (logged once a minute per source)');
      }
      return false;
    }
    this.openPerAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = this.openFrom(address) - 1;
      if (left > 0) this.openPerAddress.set(address, left);
      else this.openPerAddress.delete(address);
    });
    return true;
  }

  /**
   * Closes the socket that carries a stream when it falls silent: until it
   * speaks SIP (a WebSocket: until its upgrade and first message) after
   * `firstMessageMs`, then as `onSilent` says.
   */
  private watchSilence(socket: net.Socket): void {
    socket.on('timeout', () => this.onSilent(socket));
    socket.setTimeout(this.limits.firstMessageMs);
  }

  /** A socket's timeout ran out without a byte either way. */
  private onSilent(socket: net.Socket): void {
    const conn = this.bySocket.get(socket);
    if (conn?.established && this.limits.inUse(conn)) {
      socket.setTimeout(this.limits.idleMs);
      return;
    }
    socket.destroy();
  }

  private startWs(listener: WebSocketListener): Promise<void> {
    const protocol = listener.tls ? 'wss' : 'ws';
    const refuse = (_req: http.IncomingMessage, res: http.ServerResponse): void => void res.writeHead(426).end();
    // Our own server, so that a socket over its address's limit is closed before any TLS or HTTP is read.
    const server = listener.tls
      // A TLS handshake gets the time a first message would: a client that never finishes one is closed as a silent one.
      ? https.createServer({ cert: listener.tls.cert, key: listener.tls.key, handshakeTimeout: this.limits.firstMessageMs }, refuse)
      : http.createServer(refuse);
    server.on('connection', (socket: net.Socket) => {
      if (!this.admitSocket(socket, protocol)) return;
      this.wsSockets.add(socket);
      socket.once('close', () => this.wsSockets.delete(socket));
      // Over TLS the stream is the TLS socket, watched once its handshake is done.
      if (!listener.tls) this.watchSilence(socket);
    });
    if (listener.tls) {
      server.on('secureConnection', (socket: tls.TLSSocket) => this.watchSilence(socket));
      // Not a TLS client (plain ws://, a scanner), or a handshake that ran out of time: with a listener here, ours to close.
      server.on('tlsClientError', (err, socket) => {
        const peer = `${normaliseAddress(socket.remoteAddress ?? '')}:${socket.remotePort}`;
        socket.destroy();
        this.opts.logger.debug({ reason: err.message, peer }, 'closed a connection to the secure WebSocket port that did not complete a TLS handshake');
      });
    }
    this.ws = new WebSocketServer({
      server,
      maxPayload: MAX_MESSAGE_BYTES,
      // RFC 7118 section 4.1: clients offer the "sip" subprotocol; this endpoint speaks nothing else.
      verifyClient: ({ req }, done) =>
        done(String(req.headers['sec-websocket-protocol'] ?? '').split(',').some((p) => p.trim() === 'sip'),
          400, 'WebSocket subprotocol "sip" required'),
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    this.ws.on('connection', (socket, req) => this.adoptWs(socket, req.socket, protocol));
    this.ws.on('error', (err) => this.opts.logger.error({ err }, 'WebSocket server error'));
    this.wsHttp = server;
    this.wsProtocol = protocol;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(listener.port, listener.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.opts.logger.error({ err }, 'WebSocket server error'));
        resolve();
      });
    });
  }

  private connectTcp(dest: Destination): Promise<StreamConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: dest.address, port: dest.port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(this.adoptTcp(socket, true));
      });
    });
  }

  private register(conn: Omit<StreamConnection, 'id'>): StreamConnection {
    const full = { ...conn, id: `${conn.protocol}-${this.nextConnectionId++}` };
    this.connections.set(full.id, full);
    this.bySocket.set(conn.socket, full);
    conn.socket.once('close', () => this.connections.delete(full.id));
    return full;
  }

  /** `opened`: we connected out (to a trunk, a phone): it counts as established, and against no limit. */
  private adoptTcp(socket: net.Socket, opened: boolean): StreamConnection {
    socket.setNoDelay(true);
    if (opened) {
      socket.on('timeout', () => this.onSilent(socket));
      socket.setTimeout(this.limits.idleMs);
    }
    const conn = this.register({
      protocol: 'tcp',
      address: normaliseAddress(socket.remoteAddress ?? ''),
      port: socket.remotePort ?? 0,
      established: opened,
      socket,
      send: (text) => socket.write(text),
      close: () => socket.destroy(),
    });
    const source: Source = { protocol: 'tcp', address: conn.address, port: conn.port, connectionId: conn.id };
    const framer = new StreamFramer();
    let broken = false;
    socket.on('data', (chunk) => {
      if (broken) return;
      const { messages, error } = framer.push(chunk);
      for (const text of messages) this.emit('message', text, source);
      if (!error) return;
      broken = true;
      this.emit('framingError', error, source);
      setTimeout(() => {
        socket.end();
        setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      }, CLOSE_GRACE_MS).unref();
    });
    socket.on('error', (err) => this.opts.logger.debug({ err, peer: `${conn.address}:${conn.port}` }, 'TCP connection error'));
    return conn;
  }

  /** `stream`: the socket under the WebSocket (over WSS, the TLS socket). */
  private adoptWs(socket: WebSocket, stream: net.Socket, protocol: 'ws' | 'wss'): void {
    // The upgrade cleared the socket's timeout: it has still to send its first SIP message.
    stream.setTimeout(this.limits.firstMessageMs);
    const port = stream.remotePort ?? 0;
    const conn = this.register({
      protocol,
      address: normaliseAddress(stream.remoteAddress ?? ''),
      port,
      established: false,
      socket: stream,
      send: (text) => socket.send(text),
      close: () => socket.terminate(),
    });
    const source: Source = { protocol, address: conn.address, port, connectionId: conn.id };
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      if (text.trim() === '') return; // keep-alive
      this.emit('message', text, source);
    });
    socket.on('error', (err) => this.opts.logger.debug({ err }, 'WebSocket connection error'));
  }
}

function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** A start line, loosely: the parser judges spacing and versions, and answers what it can. */
const START_LINE = /^(?:[A-Za-z0-9!%*_+`'~.-]+ +.*\S +SIP\/\d+\.\d+[ \t]*|SIP\/\d+\.\d+ .*)$/;
/** How a start line may begin, for judging a stream before its first line is complete. */
const START_LINE_PREFIX = /^(?:[A-Za-z0-9!%*_+`'~.-]+(?: |$)|SIP\/)/;

/** Why a stream could not be framed; `head` is the failing message's header block when it arrived whole. */
export interface FramingError {
  reason: string;
  head?: string;
}

export interface Framed {
  /** Every message framed before the stream went wrong: each is still handled. */
  messages: string[];
  error?: FramingError;
}

/**
 * Cuts a byte stream into SIP messages by Content-Length (RFC 3261 section 18.3).
 * Once the stream cannot be framed the connection is unusable; the messages
 * framed before that point in the same read are returned all the same.
 */
export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Framed {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: string[] = [];
    const fail = (reason: string, head?: string): Framed => {
      this.buffer = Buffer.alloc(0);
      return { messages, error: { reason, head } };
    };
    for (;;) {
      // Keep-alive CRLFs between messages (RFC 5626 section 3.5.1).
      let skip = 0;
      while (skip < this.buffer.length && (this.buffer[skip] === 0x0d || this.buffer[skip] === 0x0a)) skip++;
      if (skip) this.buffer = this.buffer.subarray(skip);
      // A stream that does not start like SIP will never frame: drop it now, not at 64 kB or when idle.
      const lineEnd = this.buffer.indexOf('\r\n');
      const firstLine = this.buffer.subarray(0, lineEnd < 0 ? Math.min(this.buffer.length, 16) : lineEnd).toString('latin1');
      if (this.buffer.length > 0 && !START_LINE_PREFIX.test(firstLine)) return fail('not a SIP stream');
      if (lineEnd < 0 && this.buffer.length > MAX_HEADER_LINE_BYTES) return fail('start line too long');
      if (lineEnd >= 0 && !START_LINE.test(firstLine)) return fail('not a SIP start line');
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffer.length > MAX_MESSAGE_BYTES) return fail('headers too large');
        return { messages };
      }
      const head = this.buffer.subarray(0, end).toString('utf8');
      const lengths = [...head.matchAll(/\r\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/gi)].map((m) => m[1]!.trim());
      if (lengths.length === 0) return fail('missing Content-Length on a stream', head);
      // RFC 4475 section 3.3.9: with two lengths there is no knowing where the next message starts.
      if (lengths.length > 1) return fail('more than one Content-Length', head);
      if (!/^\d{1,10}$/.test(lengths[0]!)) return fail('bad Content-Length', head);
      const total = end + 4 + Number(lengths[0]);
      if (total > MAX_MESSAGE_BYTES) return fail('message too large', head);
      if (this.buffer.length < total) return { messages };
      messages.push(this.buffer.subarray(0, total).toString('utf8'));
      this.buffer = this.buffer.subarray(total);
    }
  }
}
