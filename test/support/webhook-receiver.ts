/**
 * A CRM's webhook endpoint, as a real HTTP server on loopback: it checks
 * each delivery's signature the way README "Webhooks" tells a receiver to
 * (its own HMAC-SHA256 of "<t>.<body>", not the product's code), keeps what
 * it got, and answers `status` (204 unless told). It can go down (port
 * closed, connections cut) and come back on the same port.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  /** The parsed body. */
  event: Record<string, unknown> & { id: string; type: string; callId: string };
  headers: IncomingHttpHeaders;
  /** The signature header was present, well formed and right for the body and its time. */
  signed: boolean;
  /** The signed time (unix seconds). */
  signedAt: number;
}

export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  /** What the next requests are answered. */
  status = 204;
  /** Called on every request, taken or refused, with the status it gets. */
  onRequest: ((status: number) => void) | undefined;
  private server: Server | undefined;

  private constructor(private readonly secret: string, private port: number) {}

  /** Listening on 127.0.0.1, on `port` or any free one. */
  static async start(secret: string, port = 0): Promise<WebhookReceiver> {
    const r = new WebhookReceiver(secret, port);
    await r.up();
    return r;
  }

  /** Where to send: a path and a query token, as CRMs hand them out. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/vaxel?token=receiver-token-42`;
  }

  /** The event types received, in order (optionally of one call). */
  types(callId?: string): string[] {
    return this.received.filter((d) => callId === undefined || d.event.callId === callId).map((d) => d.event.type);
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (this.status >= 200 && this.status < 300) {
          const { signed, signedAt } = this.check(req.headers['vaxel-signature'], body);
          this.received.push({ event: JSON.parse(body) as ReceivedDelivery['event'], headers: req.headers, signed, signedAt });
        }
        this.onRequest?.(this.status);
        res.statusCode = this.status;
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Gone: the port refuses connections until `up`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  private check(header: string | string[] | undefined, body: string): { signed: boolean; signedAt: number } {
    const m = typeof header === 'string' ? /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) : null;
    if (!m) return { signed: false, signedAt: Number.NaN };
    const expected = createHmac('sha256', this.secret).update(`${m[1]}.${body}`).digest();
    return { signed: timingSafeEqual(expected, Buffer.from(m[2]!, 'hex')), signedAt: Number(m[1]) };
  }
}
