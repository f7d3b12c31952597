/**
 * A client of the live events socket (GET /api/v1/events) over real HTTP:
 * keeps every message it got, in order, and how the server closed it.
 */
import WebSocket from 'ws';
import { waitFor } from './wait.js';

export interface EventMessage {
  type: string;
  seq: number;
  stream?: string;
  [key: string]: unknown;
}

export class EventsClient {
  readonly messages: EventMessage[] = [];
  closed?: { code: number; reason: string };

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as EventMessage));
    socket.on('close', (code, reason) => { this.closed = { code, reason: String(reason) }; });
  }

  /** Connects to `url` (ws://.../api/v1/events?...) with these request headers; resolves once open. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<EventsClient> {
    const socket = new WebSocket(url, { headers });
    const client = new EventsClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** The events (not hello / resync), in the order received. */
  get events(): EventMessage[] {
    return this.messages.filter((m) => m.type !== 'hello' && m.type !== 'resync');
  }

  /** Resolves with the first message (already received or to come) that matches. */
  async next(what: string, matches: (m: EventMessage) => boolean, timeoutMs = 5_000): Promise<EventMessage> {
    await waitFor(() => this.messages.some(matches), { what, timeoutMs, everyMs: 5 });
    return this.messages.find(matches)!;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise((resolve) => this.socket.once('close', resolve));
    this.socket.close();
    await closed;
  }
}
