/**
 * The live events socket over real HTTP and WebSocket, on a real ACD
 * (in-memory store, simulated clock): every event numbered, a client that
 * reconnects with the last number it saw loses nothing, one too far behind
 * is told to resync, an agent sees only their own events, and a client
 * that stops reading is closed instead of being buffered without end.
 * The socket runs in the API with its sign-in and roles
 * (test/support/api.ts): admins and supervisors see everything, an agent
 * their own events; an operator or a stranger is refused before the socket
 * opens.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../server/api/features.js';
import { liveEventsRoutes, SLOW_CONSUMER_CLOSE } from '../../server/api/live-events.js';
import { WS_MAX_PAYLOAD } from '../../server/api/server.js';
import { LiveFeed } from '../../server/stats/live-feed.js';
import { agent } from '../unit/acd-fixtures.js';
import { buildTestApi, TEST_USERS, type Headers, type TestApi } from '../support/api.js';
import { EventsClient, type EventMessage } from '../support/events-client.js';
import { liveCentre, type LiveCentre } from '../support/live.js';
import { waitFor } from '../support/wait.js';

/** The test agent user's own agent, and another. */
const ANNA = TEST_USERS.agent.agentId!;
const BERT = '1002';

let c: LiveCentre;
let feed: LiveFeed;
let t: TestApi;
let base: string;
const clients: EventsClient[] = [];

async function start(opts: { agents?: ReturnType<typeof agent>[]; capacity?: number; maxBacklog?: number; highWaterBytes?: number } = {}): Promise<void> {
  c = await liveCentre({ agents: opts.agents ?? [agent(ANNA, { name: 'Anna' }), agent(BERT, { name: 'Bert' })], loggedIn: [] });
  feed = new LiveFeed(c.live, opts.capacity !== undefined ? { capacity: opts.capacity } : {});
  t = await buildTestApi({
    features: [{
      prefix: API_PREFIX,
      plugin: liveEventsRoutes({
        feed,
        ...(opts.maxBacklog !== undefined ? { maxBacklog: opts.maxBacklog } : {}),
        ...(opts.highWaterBytes !== undefined ? { highWaterBytes: opts.highWaterBytes } : {}),
      }),
    }],
  });
  await t.api.listen({ host: '127.0.0.1', port: 0 });
  base = `ws://127.0.0.1:${(t.api.server.address() as AddressInfo).port}${API_PREFIX}/events`;
}

/** A client of the events socket; a supervisor's session unless told whose headers to send. */
async function connect(query = '', headers: Headers = t.as.supervisor): Promise<EventsClient> {
  const client = await EventsClient.connect(`${base}${query}`, headers);
  clients.push(client);
  return client;
}

/** The published events settle after the ACD's operation, on the next turn. */
function published(seq: number): Promise<void> {
  if (feed.lastSeq >= seq) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = feed.subscribe((p) => { if (p.seq >= seq) { stop(); resolve(); } });
  });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((cl) => cl.close()));
  await t.close();
  feed.stop();
  c.live.stop();
  await c.acd.stop();
});

const seqs = (ms: EventMessage[]) => ms.map((m) => m.seq);

describe('the live events socket', () => {
  it('numbers every event, and a client reconnecting with the last number it saw gets every event it missed, then the live ones', async () => {
    await start();
    const watcher = await connect(); // connected throughout: what the resuming client must end up with
    const client = await connect();
    const hello = await client.next('hello', (m) => m.type === 'hello');
    expect(hello).toMatchObject({ seq: 0, stream: feed.stream });

    await c.acd.login(ANNA);
    const annaReady = await client.next('anna ready', (m) => m.type === 'agent' && (m['agent'] as { state: string }).state === 'ready');
    const lastSeen = client.events.at(-1)!.seq;
    expect(lastSeen).toBeGreaterThanOrEqual(annaReady.seq);
    await client.close();

    // While it is away: a caller rung for at Anna, Bert logs in, another caller waits.
    await c.arrive('call-1');
    await c.acd.login(BERT);
    await c.acd.pause(BERT, 'meeting');
    await c.arrive('call-2');
    await watcher.next('call-2 waiting', (m) => m.type === 'call' && (m['call'] as { callId: string }).callId === 'call-2');
    const away = feed.lastSeq;

    const resumed = await connect(`?after=${lastSeen}&stream=${hello.stream}`);
    await waitFor(() => resumed.events.at(-1)?.seq === away, { what: 'the missed events' });
    expect(resumed.messages[0]).toMatchObject({ type: 'hello', seq: away });
    await waitFor(() => watcher.events.at(-1)?.seq === away, { what: 'the watcher up to date' });
    expect(resumed.events).toEqual(watcher.events.filter((e) => e.seq > lastSeen));
    expect(seqs(resumed.events)).toEqual(Array.from({ length: away - lastSeen }, (_, i) => lastSeen + 1 + i));
    expect(resumed.events.filter((e) => e.type === 'call').map((e) => (e['call'] as { callId: string }).callId)).toEqual(expect.arrayContaining(['call-1', 'call-2']));

    // And it follows on live.
    await c.hangUp('call-2');
    const ended = await resumed.next('call-2 ended', (m) => m.type === 'call-ended' && (m['call'] as { callId: string }).callId === 'call-2');
    expect(ended.seq).toBeGreaterThan(away);
  });

  it('tells a client to resync when the events it missed are no longer kept, or belong to another stream', async () => {
    await start({ capacity: 3 });
    await c.acd.login(ANNA);
    await published(1);
    const seen = feed.lastSeq;
    for (const id of ['call-1', 'call-2', 'call-3']) await c.arrive(id);
    await published(seen + 4);
    const late = await connect(`?after=${seen}`);
    expect(await late.next('resync', (m) => m.seq === feed.lastSeq)).toMatchObject({ type: 'resync', stream: feed.stream });
    expect(late.events).toEqual([]);

    const otherRun = await connect(`?after=${feed.lastSeq}&stream=a-stream-before-a-restart`);
    expect(await otherRun.next('resync', () => true)).toMatchObject({ type: 'resync', seq: feed.lastSeq });

    // Resync, then live.
    await c.acd.login(BERT);
    await late.next('bert', (m) => m.type === 'agent');
  });

  it('refuses a malformed resume point before opening the socket', async () => {
    await start();
    await expect(connect('?after=-1')).rejects.toThrow(/HTTP 400/);
    await expect(connect('?after=seven')).rejects.toThrow(/HTTP 400/);
    // And keeps serving.
    expect(await (await connect()).next('hello', (m) => m.type === 'hello')).toMatchObject({ seq: 0 });
  });

  it('opens for admins and supervisors, by session or API token, and agents; refuses operators and strangers before opening', async () => {
    await start();
    for (const headers of [t.as.admin, t.as.supervisor, t.bearer.admin, t.bearer.supervisor, t.as.agent, t.bearer.agent]) {
      expect(await (await connect('', headers)).next('hello', (m) => m.type === 'hello')).toMatchObject({ stream: feed.stream });
    }
    await expect(connect('', t.as.operator)).rejects.toThrow(/HTTP 403/);
    await expect(connect('', t.bearer.operator)).rejects.toThrow(/HTTP 403/);
    await expect(connect('', {})).rejects.toThrow(/HTTP 401/);
    await expect(connect('', { authorization: 'Bearer not-a-token' })).rejects.toThrow(/HTTP 401/);
    // A plain GET, no upgrade: told what this is.
    const plain = await fetch(base.replace(/^ws:/, 'http:'), { headers: t.as.supervisor });
    expect(plain.status).toBe(426);
    expect(plain.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('shows an agent only their own state and calls; an agent-role token, which is no particular agent, none', async () => {
    await start();
    const supervisor = await connect();
    const anna = await connect('', t.as.agent);
    const agentToken = await connect('', t.bearer.agent);
    await c.acd.login(BERT);
    await c.acd.login(ANNA);
    await c.arrive('call-1'); // Bert, idle longest, is rung
    await c.acd.pause(BERT, 'lunch'); // the call goes to Anna
    await c.acd.offerAccepted('entry-call-1', ANNA);
    await c.hangUp('call-1');
    await supervisor.next('call-1 ended', (m) => m.type === 'call-ended');
    await anna.next('call-1 ended', (m) => m.type === 'call-ended');

    const about = (m: EventMessage): string | null => m.type === 'agent' ? (m['agent'] as { id: string }).id
      : m.type === 'queue' ? null : (m['call'] as { agentId: string | null }).agentId;
    expect(supervisor.events.map(about)).toEqual(expect.arrayContaining([BERT, ANNA, null]));
    expect(anna.events.length).toBeGreaterThan(0);
    expect(anna.events.every((m) => about(m) === ANNA)).toBe(true);
    expect(agentToken.messages.map((m) => m.type)).toEqual(['hello']);
  });

  it('closes a client that sends a message larger than the API takes, and keeps serving', async () => {
    await start();
    const noisy = await connect();
    noisy.socket.send('x'.repeat(WS_MAX_PAYLOAD + 1));
    await waitFor(() => noisy.closed !== undefined, { what: 'the noisy client closed' });
    expect(noisy.closed!.code).toBe(1009);
    expect(await (await connect()).next('hello', (m) => m.type === 'hello')).toMatchObject({ stream: feed.stream });
  });

  it('closes a client that stops reading once it is further behind than it could resume, and keeps serving the others', async () => {
    // Big events (a long name) fill the socket's buffers quickly.
    await start({ agents: [agent(ANNA, { name: 'A'.repeat(20_000) })], maxBacklog: 20, highWaterBytes: 64 * 1024 });
    const stalled = await connect();
    const healthy = await connect();
    stalled.socket.pause();
    // 1,000 events of 20 kB: far more than the kernel's socket buffers hold.
    for (let i = 0; i < 1_000; i++) {
      await (i % 2 === 0 ? c.acd.login(ANNA) : c.acd.logout(ANNA));
      await published(feed.lastSeq + 1);
    }
    stalled.socket.resume();
    await waitFor(() => stalled.closed !== undefined, { what: 'the stalled client closed' });
    expect(stalled.closed!.code).toBe(SLOW_CONSUMER_CLOSE);
    await waitFor(() => healthy.events.at(-1)?.seq === feed.lastSeq, { what: 'the healthy client up to date' });
    expect(healthy.closed).toBeUndefined();
  });
});
