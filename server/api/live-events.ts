/**
 * GET /api/v1/events: the live feed (server/stats/live-feed.ts) over a
 * WebSocket. Supervision roles see everything; an agent only the events
 * about themselves (their state, the calls they are rung for or on).
 *
 * The first message is `hello` with the stream's id and the number of its
 * last event. A client that lost its connection reconnects with
 * `?after=<last seq it saw>&stream=<id>` and gets every event it missed,
 * or, when those are no longer kept (or the stream is another: the server
 * restarted), `resync` instead of `hello`: fetch /api/v1/live again and
 * follow from the number it gives.
 *
 * A client that does not keep up is not buffered without bound: once it is
 * more events behind than the feed keeps, it could not resume anyway, and
 * is closed with SLOW_CONSUMER_CLOSE.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import type { LiveFeed, Published } from '../stats/live-feed.js';
import { LiveMessageSchema } from './live-schemas.js';
import { ApiProblem, ProblemSchema } from './problem.js';
import { SUPERVISION, type ApiUser, type Role } from './roles.js';

/** Close code for a client too far behind: reconnect with `after=` (it will be told to resync). */
export const SLOW_CONSUMER_CLOSE = 4008;

export interface LiveEventsDeps {
  feed: LiveFeed;
  /** Events queued for one client before it is closed as too slow. Default: what the feed keeps. */
  maxBacklog?: number;
  /** Bytes handed to one socket and not yet written out before we wait. Default 256 KiB. */
  highWaterBytes?: number;
}

const DEFAULT_HIGH_WATER_BYTES = 256 * 1024;
const SUPERVISION_OR_AGENT: readonly Role[] = [...SUPERVISION, 'agent'];

/**
 * The API (./server.ts) registers @fastify/websocket for every feature:
 * this one only adds its route. A `wsHandler` beside a plain handler (not
 * `websocket: true`, which hides the route) keeps it in the OpenAPI
 * document, and answers a request that is no upgrade with 426.
 */
export function liveEventsRoutes(deps: LiveEventsDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { feed } = deps;
    app.route({
      method: 'GET',
      url: '/events',
      schema: {
        summary: 'Queue, agent and call events as they happen (WebSocket), resumable',
        tags: ['live'],
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, description: 'the last event number seen: resume after it' })),
          stream: Type.Optional(Type.String({ description: 'the stream that number belongs to (from hello)' })),
        }),
        response: { 101: LiveMessageSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 426: ProblemSchema },
      },
      config: { roles: SUPERVISION_OR_AGENT },
      handler: async () => {
        throw new ApiProblem(426, 'Upgrade Required', 'this is a WebSocket: connect with "Upgrade: websocket"');
      },
      wsHandler: (socket, request) => {
        const { after, stream } = request.query;
        const out = new Outbox(socket, deps.maxBacklog ?? feed.capacity, deps.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES);
        const visible = audience(request.user);
        const missed = after === undefined ? [] : stream !== undefined && stream !== feed.stream ? undefined : feed.since(after);
        const unsubscribe = feed.subscribe((p) => { if (visible(p)) out.push(p.json); });
        socket.on('close', unsubscribe);
        out.push(JSON.stringify({ type: missed ? 'hello' : 'resync', stream: feed.stream, seq: feed.lastSeq }));
        for (const p of missed ?? []) if (visible(p)) out.push(p.json);
      },
    });
  };
}

/** Which events a user may see: all for supervision, their own for an agent. */
function audience(user: ApiUser | null): (p: Published) => boolean {
  if (user?.role !== 'agent') return () => true;
  const own = user.agentId;
  return (p) => own !== undefined && p.agentId === own;
}

/** One client's messages: written as the socket takes them, at most `maxBacklog` waiting. */
class Outbox {
  private readonly backlog: string[] = [];
  private inFlightBytes = 0;

  constructor(private readonly socket: WebSocket, private readonly maxBacklog: number, private readonly highWaterBytes: number) {}

  push(json: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.backlog.push(json);
    if (this.backlog.length > this.maxBacklog) {
      this.backlog.length = 0;
      this.socket.close(SLOW_CONSUMER_CLOSE, 'too slow: reconnect with after=');
      return;
    }
    this.pump();
  }

  private pump(): void {
    while (this.backlog.length > 0 && this.inFlightBytes < this.highWaterBytes && this.socket.readyState === this.socket.OPEN) {
      const json = this.backlog.shift()!;
      this.inFlightBytes += json.length;
      this.socket.send(json, (err) => {
        this.inFlightBytes -= json.length;
        if (!err) this.pump();
      });
    }
  }
}
