/**
 * Keeps a view live: fetches it (a Board: GET /api/v1/live), follows the events socket,
 * and on a lost connection reconnects and resumes after the last event seen
 * (or fetches everything again when told `resync`). A socket refused
 * before its hello may be a session that ended (expired, or signed out
 * elsewhere): GET /me tells, and then `sessionEnded` runs instead of
 * retrying for ever. Events that come while
 * the view is being fetched wait and are applied after it (./board.ts says
 * why that is right).
 */
import { ApiError, eventsUrl, liveView, me } from '../api.js';
import { Board } from './board.js';
import type { LiveMessage } from './wire.js';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

const RETRY_MS = [500, 1_000, 2_000, 5_000, 10_000];

/** The socket's side of keeping a view live: `load` fetches the whole view, `applyEvent` applies one event to it. */
export abstract class EventsConnection {
  status: ConnectionStatus = 'connecting';
  private socket: WebSocket | undefined;
  private resume: { after: number; stream: string } | undefined;
  /** Events received while a view is being fetched; undefined when none is. */
  private held: LiveMessage[] | undefined;
  /** The board holds a view of this stream. */
  private loaded = false;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  /** `changed` runs after every change of the view (with the event that made it) or of the status. */
  constructor(private readonly changed: (event?: LiveMessage) => void, private readonly sessionEnded: () => void) {
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.socket?.close();
  }

  private open(): void {
    const socket = new WebSocket(eventsUrl(this.resume));
    this.socket = socket;
    let greeted = false;
    socket.onmessage = (e: MessageEvent<string>) => {
      greeted = true;
      this.received(JSON.parse(e.data) as LiveMessage);
    };
    socket.onclose = () => {
      if (this.stopped || socket !== this.socket) return;
      if (!greeted) void this.checkSession();
      this.setStatus('reconnecting');
      const delay = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)]!;
      this.retryTimer = setTimeout(() => this.open(), delay);
    };
  }

  private async checkSession(): Promise<void> {
    try {
      await me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && !this.stopped) {
        this.stop();
        this.sessionEnded();
      }
    }
  }

  private received(message: LiveMessage): void {
    if (message.type === 'hello' || message.type === 'resync') {
      this.retries = 0;
      this.resume = { after: message.seq, stream: message.stream };
      // A resumed hello is followed by the missed events: the board stays as it is.
      if (message.type === 'resync' || !this.loaded) void this.refetch();
      else this.setStatus('live');
      return;
    }
    if (this.resume) this.resume.after = message.seq;
    if (this.held) {
      this.held.push(message);
      return;
    }
    this.applyEvent(message, Date.now());
    this.changed(message);
  }

  /** Fetches the whole view again, in place of what was there. */
  protected abstract load(): Promise<void>;

  protected abstract applyEvent(message: LiveMessage, now: number): void;

  private async refetch(): Promise<void> {
    this.held = [];
    try {
      await this.load();
      const now = Date.now();
      for (const m of this.held) this.applyEvent(m, now);
      this.held = undefined;
      this.loaded = true;
      this.setStatus('live');
    } catch {
      // The socket is open but the view could not be read: start over.
      this.held = undefined;
      this.loaded = false;
      this.resume = undefined;
      this.socket?.close();
    }
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.changed();
  }
}

/** The queue monitor's board, live. */
export class LiveConnection extends EventsConnection {
  readonly board = new Board();

  protected async load(): Promise<void> {
    const view = await liveView();
    this.board.load(view, Date.now());
  }

  protected applyEvent(message: LiveMessage, now: number): void {
    this.board.apply(message, now);
  }
}
