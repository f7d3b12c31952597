/**
 * UDP ports for RTP, drawn from RTP_PORT_MIN..RTP_PORT_MAX.
 *
 * Only even ports are handed out: RFC 3550 §11 puts RTP on an even port and
 * RTCP on the odd one above it, and phones and firewalls assume that pairing
 * even though we neither send nor need RTCP (the odd port stays unbound).
 *
 * The pool walks the range round-robin instead of reusing the lowest free
 * port, so a port freed by one call is not handed to the next call while
 * the old far end may still be sending to it. A port is reserved before its
 * bind starts (binds are asynchronous and two calls may arrive together),
 * and a bind that fails because something else holds the port moves on.
 */
import dgram from 'node:dgram';

export interface RtpPortPoolOptions {
  /** Lowest port (RTP_PORT_MIN); rounded up to even. */
  min: number;
  /** Highest port (RTP_PORT_MAX). */
  max: number;
  /** Local address to bind, default all IPv4 interfaces. */
  bindAddress?: string;
}

/** No port in the range could be bound: the engine is full. */
export class RtpPortsExhaustedError extends Error {
  constructor(readonly min: number, readonly max: number) {
    super(`no free RTP port in ${min}-${max}`);
    this.name = 'RtpPortsExhaustedError';
  }
}

export interface BoundPort {
  port: number;
  socket: dgram.Socket;
}

export class RtpPortPool {
  private readonly first: number;
  private readonly last: number;
  private readonly bindAddress: string;
  private readonly reserved = new Set<number>();
  private cursor: number;

  constructor(opts: RtpPortPoolOptions) {
    const { min, max } = opts;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535 || min > max) {
      throw new RangeError(`RTP port range ${min}-${max} is not valid: it must lie within 1024-65535 with min <= max`);
    }
    this.first = min % 2 === 0 ? min : min + 1;
    this.last = max % 2 === 0 ? max : max - 1;
    if (this.first > this.last) throw new RangeError(`RTP port range ${min}-${max} holds no even port`);
    this.bindAddress = opts.bindAddress ?? '0.0.0.0';
    this.cursor = this.first;
  }

  /** How many ports the range can hold at once. */
  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  /** Ports bound or being bound right now. */
  get inUse(): number {
    return this.reserved.size;
  }

  /** Binds a UDP socket on the next free even port of the range. */
  async bind(): Promise<BoundPort> {
    for (let tries = 0; tries < this.capacity; tries++) {
      const port = this.cursor;
      this.cursor = port + 2 > this.last ? this.first : port + 2;
      if (this.reserved.has(port)) continue;
      this.reserved.add(port);
      const socket = await this.tryBind(port);
      if (socket) return { port, socket };
      this.reserved.delete(port);
    }
    throw new RtpPortsExhaustedError(this.first, this.last);
  }

  /** Closes the socket and returns its port to the pool; resolves once the fd is closed. */
  release(bound: BoundPort): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.reserved.delete(bound.port);
        resolve();
      };
      try {
        bound.socket.close(done);
      } catch {
        // Already closed (ERR_SOCKET_DGRAM_NOT_RUNNING): the port is free.
        done();
      }
    });
  }

  private tryBind(port: number): Promise<dgram.Socket | undefined> {
    return new Promise((resolve) => {
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      const onError = (): void => {
        try { socket.close(); } catch { /* never bound */ }
        resolve(undefined);
      };
      socket.once('error', onError);
      socket.bind({ port, address: this.bindAddress, exclusive: true }, () => {
        socket.off('error', onError);
        resolve(socket);
      });
    });
  }
}
