/**
 * The live state under load: p99 latency of GET /api/v1/live with 1,000
 * callers waiting and 200 agents on the phone, and the fan-out of one ACD
 * event to 100 connected event sockets.
 *
 * The state is built on a real ACD (in-memory store, simulated clock):
 * 10 queues with widening skill steps (bench/lib/acd-centre.ts), 200 agents
 * logged in, 1,200 callers (each with the call events a call session
 * reports): the first 200 answered (wrap-up never ends during the run), the
 * other 1,000 in line. The routes run in the API (its sign-in and roles
 * included) over real HTTP on loopback, called with a supervisor's API
 * token.
 *
 * 1. Route: `--requests` GETs of /api/v1/live, `--concurrency` at a time,
 *    keep-alive; latency from sending to the last byte of the body.
 * 2. Fan-out: 100 WebSocket clients (ws, in this process) on
 *    /api/v1/events; `--rounds` times a caller enters a queue; time from the
 *    ACD's `queued` event to the moment the 100th socket received the first
 *    event published from it. The caller hangs up before the next round.
 *
 *   npx tsx bench/live-state.ts [--requests 3000] [--concurrency 8] [--rounds 300] [--sockets 100]
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { Acd } from '../server/acd/acd.js';
import { SimulatedClock } from '../server/acd/clock.js';
import { API_PREFIX } from '../server/api/features.js';
import { liveRoutes } from '../server/api/live.js';
import { liveEventsRoutes } from '../server/api/live-events.js';
import type { CallEvent } from '../server/calls/events.js';
import { LiveFeed } from '../server/stats/live-feed.js';
import { LiveState } from '../server/stats/live-state.js';
import { MemoryStore } from '../server/store/memory.js';
import { buildTestApi, type Headers } from '../test/support/api.js';
import { buildAgents, buildQueues, latencyStats, prng, STEP_SECONDS, type LatencyStats } from './lib/acd-centre.js';
import { positive, printRunHeader, runMain } from './lib/cli.js';
import { withLoad } from './lib/proc.js';

const AGENTS = 200;
const WAITING = 1_000;
const QUEUES = 10;

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '300' },
    sockets: { type: 'string', default: '100' },
  },
});

const fmt = (s: LatencyStats): string =>
  `n=${s.n} mean=${s.meanMs.toFixed(2)} p50=${s.p50.toFixed(2)} p95=${s.p95.toFixed(2)} p99=${s.p99.toFixed(2)} max=${s.max.toFixed(2)} ms`;

interface Centre {
  acd: Acd;
  calls: EventEmitter<{ event: [CallEvent] }>;
  clock: SimulatedClock;
  live: LiveState;
  /** A caller answered by the product who enters queue `queueId`. */
  arrive(n: number, queueId: string): Promise<string>;
}

async function buildCentre(): Promise<Centre> {
  const clock = new SimulatedClock(1_700_000_000_000);
  const acd = new Acd({
    store: new MemoryStore(), clock, queues: buildQueues(QUEUES), agents: buildAgents(AGENTS, QUEUES, prng(7)),
    onError: (err) => { throw err; },
  });
  const calls = new EventEmitter<{ event: [CallEvent] }>();
  // Every offer is answered: the agent is on that call until the end of the run.
  acd.on((e) => { if (e.type === 'offered-to-agent') void acd.offerAccepted(e.entryId, e.agentId); });
  await acd.start();
  // As in the product: the live state follows an ACD that has started.
  const live = new LiveState(acd, calls);
  for (let i = 0; i < AGENTS; i++) await acd.login(`a${i}`);
  const arrive = async (n: number, queueId: string): Promise<string> => {
    const callId = `call-${n}`;
    const caller = `+4670${String(1_000_000 + n)}`;
    const base = { at: clock.now(), callId, caller, dialled: '+46313900601', service: `Service ${queueId}` };
    calls.emit('event', { type: 'call-started', ...base, flow: 'bench' });
    await acd.enqueue({
      id: `entry-${n}`, queueId, kind: 'call', enqueuedAt: clock.now(), priority: 0,
      data: { callId, caller, dialled: base.dialled, service: base.service },
    });
    return callId;
  };
  return { acd, calls, clock, live, arrive };
}

async function measureRoute(url: string, headers: Headers, requests: number, concurrency: number): Promise<{ stats: LatencyStats; bytes: number; perSecond: number }> {
  const latencies = new Float64Array(requests);
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const i = next++;
      const t0 = performance.now();
      const res = await fetch(url, { headers });
      const body = await res.arrayBuffer();
      latencies[i] = performance.now() - t0;
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
      bytes = body.byteLength;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { stats: latencyStats(latencies), bytes, perSecond: requests / seconds };
}

async function measureFanOut(c: Centre, feed: LiveFeed, url: string, headers: Headers, sockets: number, rounds: number): Promise<LatencyStats> {
  /** Per socket: the highest sequence number received so far. */
  const seen = new Int32Array(sockets);
  let waiting: { after: number; remaining: number; done: () => void } | undefined;
  let lastReceivedAt = 0;
  const clients = await Promise.all(Array.from({ length: sockets }, (_, k) => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('message', (data) => {
      const { seq } = JSON.parse(String(data)) as { seq: number };
      const before = seen[k]!;
      seen[k] = Math.max(before, seq);
      if (waiting && before <= waiting.after && seq > waiting.after && --waiting.remaining === 0) {
        lastReceivedAt = performance.now();
        waiting.done();
      }
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  })));

  let queuedAt = 0;
  const stop = c.acd.on((e) => { if (e.type === 'queued') queuedAt = performance.now(); });
  const latencies = new Float64Array(rounds);
  for (let r = 0; r < rounds; r++) {
    const after = feed.lastSeq;
    const received = new Promise<void>((done) => { waiting = { after, remaining: sockets, done }; });
    const callId = await c.arrive(1_000_000 + r, `q${r % QUEUES}`);
    await received;
    latencies[r] = lastReceivedAt - queuedAt;
    // The caller leaves; wait for that to reach every socket too, so rounds do not overlap.
    const afterArrival = feed.lastSeq;
    const left = new Promise<void>((done) => { waiting = { after: afterArrival, remaining: sockets, done }; });
    await c.acd.callEnded(`entry-${1_000_000 + r}`);
    c.calls.emit('event', { type: 'call-ended', at: c.clock.now(), callId, by: 'caller' });
    await left;
  }
  stop();
  await Promise.all(clients.map((ws) => new Promise((resolve) => { ws.once('close', resolve); ws.close(); })));
  return latencyStats(latencies);
}

async function main(): Promise<void> {
  const requests = positive('requests', values.requests);
  const concurrency = positive('concurrency', values.concurrency);
  const rounds = positive('rounds', values.rounds);
  const sockets = positive('sockets', values.sockets);
  printRunHeader('live-state');

  const c = await buildCentre();
  for (let n = 0; n < AGENTS + WAITING; n++) await c.arrive(n, `q${n % QUEUES}`);
  // Past the last routing step every agent may take any call of their queues: all 200 get one.
  await c.clock.advanceBy((STEP_SECONDS[2] + 1) * 1000);
  const view = c.live.view();
  const waiting = view.queues.reduce((sum, q) => sum + q.waiting, 0);
  const busy = view.agents.filter((a) => a.state === 'busy').length;
  console.log(`# state: ${waiting} callers waiting, ${busy} of ${view.agents.length} agents busy, ${view.calls.length} calls in progress`);
  if (waiting !== WAITING || busy !== AGENTS) throw new Error('the state is not the one to measure');

  const feed = new LiveFeed(c.live);
  const t = await buildTestApi({
    features: [{ prefix: API_PREFIX, plugin: liveRoutes({ live: c.live }) }, { prefix: API_PREFIX, plugin: liveEventsRoutes({ feed }) }],
  });
  await t.api.listen({ host: '127.0.0.1', port: 0 });
  const address = `127.0.0.1:${(t.api.server.address() as AddressInfo).port}${API_PREFIX}`;
  const supervisor = t.bearer.supervisor;

  await measureRoute(`http://${address}/live`, supervisor, 200, concurrency); // warm-up, not reported
  const route = await withLoad(() => measureRoute(`http://${address}/live`, supervisor, requests, concurrency));
  const r = route.result;
  console.log(`GET /api/v1/live (${r.bytes} bytes, ${concurrency} at a time): ${fmt(r.stats)}; ${r.perSecond.toFixed(0)} requests/s; CPU: ${route.load}`);

  const fanOut = await withLoad(() => measureFanOut(c, feed, `ws://${address}/events`, supervisor, sockets, rounds));
  console.log(`fan-out, ACD event to the ${sockets}th socket: ${fmt(fanOut.result)}; CPU: ${fanOut.load}`);

  await t.close();
  feed.stop();
  c.live.stop();
  await c.acd.stop();
}

runMain(main);
