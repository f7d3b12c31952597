/**
 * Figure: ACD assignment decisions per second and their latency, with a
 * large centre waiting (default 10,000 calls in line, 2,000 agents, 50
 * skills), on the in-process store and on Redis, side by side in one run.
 *
 *   npx tsx bench/acd-assign.ts [--store memory|redis|both] [--path ready|arrival|both]
 *                               [--waiting 10000] [--agents 2000] [--skills 50]
 *                               [--decisions 20000] [--warmup 2000] [--seed 1]
 *                               [--tick-ms 30] [--no-persist] [--json FILE]
 *
 * The centre (./lib/acd-centre.ts): queue k is served by skill Sk with
 * widening steps (0-60 s level 4+, 60-300 s any level, then every member);
 * agents have 2-6 random skills at levels 1-5 and two more queues where they
 * only take calls in the last step; 5 % of calls are VIP (priority 1). Same
 * seed, same centre.
 *
 * Two paths to a decision, measured separately, each on a fresh Acd + store:
 *
 * - `ready` (an agent comes free while calls wait): every agent logged in,
 *   none ready, `--waiting` calls in line with waits spread over 0-600 s.
 *   Each round one random agent (paused or in wrap-up) is made ready:
 *   timed from `acd.ready(id)` to the `offered-to-agent` event for that
 *   agent, and to the promise settling. Then, untimed: the offer is
 *   accepted, the call ended (the agent goes to wrap-up, 24 h: it comes back
 *   only when the bench says so), one new call is enqueued (the line is back
 *   at `--waiting`; these enqueues are timed too, as "enqueue, nobody free")
 *   and the simulated clock moves `--tick-ms` on, so calls age through their
 *   steps as in a steady state where the line turns over (Little: mean wait
 *   = waiting x tick, 300 s by default); the step timers that fall due run
 *   then, outside the timing.
 * - `arrival` (a call arrives while agents are free): the queues are split
 *   in halves A and B; the agents with level 4+ in some A skill and in no B
 *   skill are ready, all others paused; `--waiting` calls wait in B queues,
 *   all younger than 60 s, so no ready agent may take them (skill-based
 *   routing's usual picture: one skill's line is long while other
 *   specialists are free). Each round one call arrives in an A queue that
 *   has a ready specialist: timed from `acd.enqueue` to `offered-to-agent`
 *   for that call and to the promise settling. Then, untimed: accepted,
 *   ended, the agent made ready again, and the clock moves on (at most 1 ms
 *   a round, so the line stays in its first step).
 *
 * The Acd runs on a SimulatedClock: its time only moves between rounds, so
 * every timer (step changes, ring timeouts) runs outside the timed windows
 * and the runs are repeatable. The store and everything else are the real
 * ones: MemoryStore persisting to a temp DATA_DIR as the product does by
 * default (--no-persist: without), RedisStore on a private redis-server this
 * script starts on a free port (127.0.0.1) and stops at the end.
 *
 * Each (store, path) runs in its own child process (a fresh V8 heap), one
 * after the other. Between rounds the bench yields to the event loop
 * (setImmediate), so the store's timers and sockets get their turn as in a
 * server. Reported per run: decisions/s (decisions / time spent in them,
 * i.e. what one serialised engine can do back to back), latency p50/p95/p99/
 * max to the offer event and to the settled promise, mean time inside store
 * calls, process CPU per round, redis-server CPU per round, GC pauses, and
 * how busy the machine was (others' load shows there).
 */
import { fork } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Acd } from '../server/acd/acd.js';
import { SimulatedClock } from '../server/acd/clock.js';
import type { QueueEntry } from '../server/acd/model.js';
import { MemoryStore } from '../server/store/memory.js';
import { RedisStore } from '../server/store/redis.js';
import type { AcdStore } from '../server/acd/store-port.js';
import { buildAgents, buildQueues, expertQueues, latencyStats, prng, STEP_SECONDS, type LatencyStats } from './lib/acd-centre.js';
import { startBenchRedis, type BenchRedis } from './lib/acd-redis.js';
import { cpuSeconds, machineInfo, machineJiffies } from './lib/proc.js';

type StoreKind = 'memory' | 'redis';
type PathKind = 'ready' | 'arrival';

interface Spec {
  store: StoreKind;
  path: PathKind;
  waiting: number;
  agents: number;
  skills: number;
  decisions: number;
  warmup: number;
  seed: number;
  tickMs: number;
  persist: boolean;
  redisUrl?: string;
  redisPid?: number;
  prefix?: string;
}

interface ScenarioResult {
  spec: Spec;
  setupSeconds: number;
  /** Calls in line when the timing started / ended. */
  waitingAtStart: number;
  waitingAtEnd: number;
  readyAgents: number;
  /** Timed rounds that ended in an offer. */
  decisions: number;
  /** Timed rounds without an offer (nobody eligible). */
  noMatch: number;
  /** Offers nobody asked for in a round (should be 0). */
  strays: number;
  toOffer: LatencyStats;
  toSettled: LatencyStats;
  /** `ready` path: the refill enqueues (nobody free, no decision). */
  enqueueNobodyFree?: LatencyStats;
  decisionsPerSecond: number;
  /**
   * Time inside store calls per timed decision (median), and how many calls.
   * It includes the engine's mirror update that the store's change
   * notification runs before the call settles.
   */
  storeMsPerDecision: number;
  /** Of which the claim (median), and the write before it (median): putAgent on the ready path, putEntry on arrival. */
  claimMsPerDecision: number;
  writeMsPerDecision: number;
  storeCallsPerDecision: number;
  rounds: number;
  wallSeconds: number;
  roundsPerSecond: number;
  nodeCpuMsPerRound: number;
  redisCpuMsPerRound?: number;
  /** Whole machine, % of all cores, during the timed rounds. */
  machineBusyPct: number;
  gc: { count: number; major: number; totalMs: number; maxMs: number };
  /**
   * The timed decisions at or above the p99 (to settled): how many overlapped
   * a GC pause, how many had the bench process (main thread) or
   * redis-server waiting for a CPU inside the window (run-queue wait from
   * /proc/<pid>/schedstat), and those waits' sum.
   */
  tail: { n: number; sumMs: number; withGc: number; procWaited: number; redisWaited: number; waitMs: number };
  /** All timed decisions: how many had a run-queue wait of WAIT_MS or more (either process) inside the window. */
  waitedForCpu: number;
  /** Redis runs: sequential PINGs on a separate connection, the floor of one round trip. */
  ping?: LatencyStats;
  /** Redis runs: the store's scripts (EVALSHA) during the timed rounds, from INFO commandstats: calls and time inside Redis per call. */
  scripts?: { calls: number; usecPerCall: number };
  errors: string[];
}

// ---------------------------------------------------------------- arguments

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    path: { type: 'string', default: 'both' },
    waiting: { type: 'string', default: '10000' },
    agents: { type: 'string', default: '2000' },
    skills: { type: 'string', default: '50' },
    decisions: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    'tick-ms': { type: 'string', default: '30' },
    'no-persist': { type: 'boolean', default: false },
    json: { type: 'string' },
    child: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

function usage(problem?: string): never {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!;
  if (problem) console.error(`acd-assign: ${problem}\n`);
  console.error(text.replace(/^\/\*\*\n?/, '').replace(/^ \* ?/gm, ''));
  process.exit(problem ? 2 : 0);
}

function intArg(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

// ---------------------------------------------------------------- one run (child)

const SIM_START = 1_700_000_000_000;
/** A run-queue wait counts from this long (a wake-up from epoll always waits a few µs). */
const WAIT_MS = 0.05;
const DATA = { caller: '+46701740605', dialled: '+46313900600' };

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Run-queue wait of a thread in ms (2nd field of /proc/<pid>/schedstat:
 * time spent runnable but waiting for a CPU), read with one pread; NaN when
 * the kernel does not say.
 */
function runQueueWait(pid: number | 'self'): { read: () => number; close: () => void } {
  let fd: number | undefined;
  try { fd = openSync(`/proc/${pid}/schedstat`, 'r'); } catch { fd = undefined; }
  const buf = Buffer.alloc(128);
  return {
    read: () => {
      if (fd === undefined) return NaN;
      try {
        const n = readSync(fd, buf, 0, buf.length, 0);
        return Number(buf.toString('latin1', 0, n).split(' ')[1]) / 1e6;
      } catch {
        return NaN;
      }
    },
    close: () => { if (fd !== undefined) closeSync(fd); },
  };
}

/** Times every store call without adding an await: the bookkeeping hangs off the store's own promise. */
function instrument(store: AcdStore): { ms: number; calls: number; claimMs: number } {
  const acc = { ms: 0, calls: 0, claimMs: 0 };
  const s = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const m of ['putEntry', 'deleteEntry', 'putAgent', 'claim']) {
    const orig = s[m]!.bind(store);
    s[m] = (...a: unknown[]) => {
      const t = performance.now();
      const p = orig(...a);
      p.then(() => {
        const d = performance.now() - t;
        acc.ms += d;
        acc.calls++;
        if (m === 'claim') acc.claimMs += d;
      }, () => { /* the engine sees it */ });
      return p;
    };
  }
  return acc;
}

async function runScenario(spec: Spec): Promise<ScenarioResult> {
  const setupStart = performance.now();
  const rnd = prng(spec.seed);
  const queues = buildQueues(spec.skills);
  const agents = buildAgents(spec.agents, spec.skills, rnd);
  const clock = new SimulatedClock(SIM_START);
  let dataDir: string | undefined;
  let store: AcdStore;
  if (spec.store === 'memory') {
    if (spec.persist) dataDir = mkdtempSync(path.join(os.tmpdir(), 'vaxel-bench-acd-'));
    store = new MemoryStore(dataDir === undefined ? {} : { dataDir });
  } else {
    store = new RedisStore({ url: spec.redisUrl!, prefix: spec.prefix! });
  }
  const storeTime = instrument(store);
  const errors: string[] = [];
  const acd = new Acd({
    store, clock, queues, agents,
    onError: (err) => { if (errors.length < 20) errors.push(err instanceof Error ? err.message : String(err)); },
  });

  // Every offer, in order, with the time it was announced.
  const offers: Array<{ entryId: string; agentId: string; t: number }> = [];
  let waiting = 0;
  acd.on((e) => {
    if (e.type === 'offered-to-agent') {
      offers.push({ entryId: e.entryId, agentId: e.agentId, t: performance.now() });
      waiting--;
    }
  });
  let seq = 0;
  const enqueue = async (queueId: string, enqueuedAt: number): Promise<string> => {
    const entry: Omit<QueueEntry, 'offeredTo' | 'offeredAt'> = {
      id: `e${seq++}`, queueId, kind: 'call', enqueuedAt, priority: rnd() < 0.05 ? 1 : 0, data: DATA,
    };
    waiting++;
    await acd.enqueue(entry);
    return entry.id;
  };

  await acd.start();
  for (const a of agents) await acd.login(a.id);

  // Who is ready, which queues calls wait in, which queues calls arrive in.
  const half = Math.floor(spec.skills / 2);
  let readyIds: Set<string>;
  let lineQueues: number[];
  let arrivalQueues: number[] = [];
  let maxAgeMs: number;
  if (spec.path === 'ready') {
    readyIds = new Set();
    lineQueues = Array.from({ length: spec.skills }, (_, k) => k);
    maxAgeMs = 600_000;
  } else {
    const inA = (k: number): boolean => k < half;
    const ready = agents.filter((a) => {
      const ex = expertQueues(a);
      return ex.some(inA) && !ex.some((k) => !inA(k));
    });
    readyIds = new Set(ready.map((a) => a.id));
    arrivalQueues = [...new Set(ready.flatMap((a) => expertQueues(a)))].sort((x, y) => x - y);
    lineQueues = Array.from({ length: spec.skills - half }, (_, i) => half + i);
    maxAgeMs = 10_000;
    if (arrivalQueues.length === 0) throw new Error('arrival path: no agent is a specialist in the A queues only');
  }
  for (const a of agents) if (!readyIds.has(a.id)) await acd.pause(a.id, 'bench');
  const now = clock.now();
  for (let i = 0; i < spec.waiting; i++) {
    await enqueue(`q${lineQueues[Math.floor(rnd() * lineQueues.length)]}`, now - Math.floor(rnd() * maxAgeMs));
  }
  if (offers.length > 0) throw new Error(`setup: ${offers.length} calls were offered while filling the line (expected none)`);
  const waitingAtStart = waiting;
  const setupSeconds = (performance.now() - setupStart) / 1000;

  // The arrival path must stay inside the line's first step.
  const total = spec.warmup + spec.decisions;
  const tickMs = spec.path === 'ready' ? spec.tickMs : Math.min(1, (STEP_SECONDS[1] * 1000 - maxAgeMs - 5_000) / total);

  const toOffer = new Float64Array(spec.decisions);
  const toSettled = new Float64Array(spec.decisions);
  const startedAt = new Float64Array(spec.decisions);
  const procWait = new Float64Array(spec.decisions);
  const redisWait = new Float64Array(spec.decisions);
  const selfRq = runQueueWait('self');
  const redisRq = runQueueWait(spec.redisPid ?? -1);

  let ping: LatencyStats | undefined;
  let admin: Redis | undefined;
  if (spec.store === 'redis') {
    const c = (admin = new Redis(spec.redisUrl!, { maxRetriesPerRequest: 1 }));
    const pings = new Float64Array(2_000);
    for (let i = 0; i < 200; i++) await c.ping();
    for (let i = 0; i < pings.length; i++) {
      const t = performance.now();
      await c.ping();
      pings[i] = performance.now() - t;
      await yieldToLoop();
    }
    ping = latencyStats(pings);
  }
  const inStore = new Float64Array(spec.decisions);
  const inClaim = new Float64Array(spec.decisions);
  const enq = new Float64Array(spec.decisions * 2);
  let nEnq = 0;
  let decisions = 0;
  let noMatch = 0;
  let strays = 0;
  let storeCalls = 0;

  /** Accepts and ends every offer made (the agent goes to wrap-up); returns the agents. */
  const settleOffers = async (): Promise<string[]> => {
    const done: string[] = [];
    while (offers.length > 0) {
      const o = offers.shift()!;
      await acd.offerAccepted(o.entryId, o.agentId);
      await acd.callEnded(o.entryId);
      done.push(o.agentId);
    }
    return done;
  };

  const gc = { count: 0, major: 0, totalMs: 0, maxMs: 0 };
  const gcPauses: Array<[number, number]> = [];
  let measuring = false;
  let measureFrom = Infinity;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!measuring || e.startTime < measureFrom) continue;
      gc.count++;
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
      gcPauses.push([e.startTime, e.startTime + e.duration]);
    }
  });
  obs.observe({ entryTypes: ['gc'] });

  let cpu0 = process.cpuUsage();
  let redis0 = spec.redisPid === undefined ? undefined : cpuSeconds(spec.redisPid);
  let machine0 = machineJiffies();
  let wall0 = performance.now();

  for (let round = 0; round < total; round++) {
    const timed = round >= spec.warmup;
    if (round === spec.warmup) {
      await admin?.config('RESETSTAT');
      await yieldToLoop();
      measuring = true;
      cpu0 = process.cpuUsage();
      redis0 = spec.redisPid === undefined ? undefined : cpuSeconds(spec.redisPid);
      machine0 = machineJiffies();
      wall0 = performance.now();
      measureFrom = wall0;
    }
    offers.length = 0;
    const s0 = storeTime.ms;
    const c0 = storeTime.calls;
    const k0 = storeTime.claimMs;
    let offer: { entryId: string; agentId: string; t: number } | undefined;
    let t0: number;
    let t2: number;
    let arrived = '';
    const w0 = selfRq.read();
    const r0 = redisRq.read();
    if (spec.path === 'ready') {
      const id = agents[Math.floor(rnd() * agents.length)]!.id;
      t0 = performance.now();
      await acd.ready(id);
      t2 = performance.now();
      offer = offers.find((o) => o.agentId === id);
      if (!offer) await acd.pause(id, 'bench');
    } else {
      const queueId = `q${arrivalQueues[Math.floor(rnd() * arrivalQueues.length)]}`;
      const id = `e${seq++}`;
      const entry: Omit<QueueEntry, 'offeredTo' | 'offeredAt'> = {
        id, queueId, kind: 'call', enqueuedAt: clock.now(), priority: rnd() < 0.05 ? 1 : 0, data: DATA,
      };
      waiting++;
      t0 = performance.now();
      await acd.enqueue(entry);
      t2 = performance.now();
      offer = offers.find((o) => o.entryId === id);
      arrived = id;
    }
    const w1 = selfRq.read();
    const r1 = redisRq.read();
    if (timed) {
      if (offer) {
        toOffer[decisions] = offer.t - t0;
        toSettled[decisions] = t2 - t0;
        startedAt[decisions] = t0;
        procWait[decisions] = w1 - w0;
        redisWait[decisions] = r1 - r0;
        inStore[decisions] = storeTime.ms - s0;
        inClaim[decisions] = storeTime.claimMs - k0;
        decisions++;
        storeCalls += storeTime.calls - c0;
      } else {
        noMatch++;
      }
      strays += offers.filter((o) => o !== offer).length;
    }

    // Back to the steady state, untimed (except the refill enqueues, kept apart).
    if (spec.path === 'ready') {
      await settleOffers();
      while (waiting < spec.waiting) {
        const q = `q${Math.floor(rnd() * spec.skills)}`;
        const e0 = performance.now();
        await enqueue(q, clock.now());
        if (timed && nEnq < enq.length) enq[nEnq++] = performance.now() - e0;
        await settleOffers();
      }
    } else {
      if (!offer) {
        await acd.abandon(arrived);
        waiting--;
      }
      for (let guard = 0; offers.length > 0 && guard < 100; guard++) {
        for (const agentId of await settleOffers()) await acd.ready(agentId);
      }
    }
    await clock.advanceBy(tickMs);
    await yieldToLoop();
  }

  const wallSeconds = (performance.now() - wall0) / 1000;
  let scripts: ScenarioResult['scripts'];
  if (admin) {
    const info = await admin.info('commandstats');
    const m = /cmdstat_evalsha:calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/.exec(info);
    if (m) scripts = { calls: Number(m[1]), usecPerCall: Number(m[2]) };
    admin.disconnect();
  }
  await yieldToLoop(); // the last GC entries
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const redis1 = spec.redisPid === undefined ? undefined : cpuSeconds(spec.redisPid);
  const machine1 = machineJiffies();
  obs.disconnect();
  selfRq.close();
  redisRq.close();

  const snap = acd.snapshot();
  const waitingAtEnd = snap.queues.reduce((n, q) => n + q.waiting, 0);
  const readyAgents = snap.agents.filter((a) => a.state === 'ready').length;
  await acd.stop();
  await store.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });

  const settled = latencyStats(toSettled, decisions);
  const tail = { n: 0, sumMs: 0, withGc: 0, procWaited: 0, redisWaited: 0, waitMs: 0 };
  let waitedForCpu = 0;
  for (let i = 0; i < decisions; i++) {
    const pw = procWait[i]! || 0;
    const rw = redisWait[i]! || 0;
    if (pw >= WAIT_MS || rw >= WAIT_MS) waitedForCpu++;
    if (toSettled[i]! < settled.p99) continue;
    tail.n++;
    tail.sumMs += toSettled[i]!;
    const a = startedAt[i]!;
    const b = a + toSettled[i]!;
    if (gcPauses.some(([s, e]) => s < b && e > a)) tail.withGc++;
    if (pw >= WAIT_MS) tail.procWaited++;
    if (rw >= WAIT_MS) tail.redisWaited++;
    tail.waitMs += pw + rw;
  }
  const rounds = spec.decisions;
  return {
    spec,
    setupSeconds,
    waitingAtStart,
    waitingAtEnd,
    readyAgents: spec.path === 'ready' ? readyAgents : readyIds.size,
    decisions,
    noMatch,
    strays,
    toOffer: latencyStats(toOffer, decisions),
    toSettled: settled,
    ...(spec.path === 'ready' ? { enqueueNobodyFree: latencyStats(enq, nEnq) } : {}),
    decisionsPerSecond: decisions / (settled.totalMs / 1000),
    storeMsPerDecision: latencyStats(inStore, decisions).p50,
    claimMsPerDecision: latencyStats(inClaim, decisions).p50,
    writeMsPerDecision: latencyStats(inStore.map((v, i) => v - inClaim[i]!), decisions).p50,
    storeCallsPerDecision: decisions ? storeCalls / decisions : NaN,
    rounds,
    wallSeconds,
    roundsPerSecond: rounds / wallSeconds,
    nodeCpuMsPerRound: (cpu.user + cpu.system) / 1000 / rounds,
    ...(redis0 !== undefined && redis1 !== undefined ? { redisCpuMsPerRound: ((redis1 - redis0) * 1000) / rounds } : {}),
    machineBusyPct: ((machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total)) * 100,
    gc,
    tail,
    waitedForCpu,
    ...(ping ? { ping } : {}),
    ...(scripts ? { scripts } : {}),
    errors,
  };
}

// ---------------------------------------------------------------- the parent

function runChild(spec: Spec): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(spec)], { stdio: 'inherit' });
    let result: ScenarioResult | undefined;
    child.on('message', (m) => { result = m as ScenarioResult; });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`${spec.store}/${spec.path} run exited (code ${code}, signal ${signal}) without a result`));
    });
  });
}

const f3 = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(3) : '-');
const fInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');

function pathLabel(r: ScenarioResult): string {
  return r.spec.path === 'ready' ? 'agent ready, calls waiting' : 'call arrives, agents ready';
}

function resultLine(r: ScenarioResult): string {
  const o = r.toOffer;
  const s = r.toSettled;
  return [
    `RESULT store=${r.spec.store} path=${r.spec.path} waiting=${r.waitingAtStart}->${r.waitingAtEnd} ready_agents=${r.readyAgents}`,
    `decisions=${r.decisions} no_match=${r.noMatch} strays=${r.strays} | ${fInt(r.decisionsPerSecond)} decisions/s`,
    `to offer p50 ${f3(o.p50)} p95 ${f3(o.p95)} p99 ${f3(o.p99)} max ${f3(o.max)} ms`,
    `settled p50 ${f3(s.p50)} p95 ${f3(s.p95)} p99 ${f3(s.p99)} max ${f3(s.max)} ms`,
    `in store calls p50 ${f3(r.storeMsPerDecision)} ms over ${r.storeCallsPerDecision.toFixed(1)} calls `
      + `(${r.spec.path === 'ready' ? 'putAgent' : 'putEntry'} ${f3(r.writeMsPerDecision)} + claim ${f3(r.claimMsPerDecision)})`,
  ].join(' | ');
}

function details(r: ScenarioResult): string {
  const lines = [
    `  setup ${r.setupSeconds.toFixed(1)} s; ${r.rounds} timed rounds in ${r.wallSeconds.toFixed(1)} s = ${fInt(r.roundsPerSecond)} rounds/s `
      + `(a round: the decision, accept, end${r.spec.path === 'ready' ? ', refill enqueue' : ', ready again'}, clock tick)`,
    `  CPU per round: bench process ${f3(r.nodeCpuMsPerRound)} ms`
      + (r.redisCpuMsPerRound !== undefined ? `, redis-server ${f3(r.redisCpuMsPerRound)} ms` : '')
      + `; machine busy ${r.machineBusyPct.toFixed(0)} % of all cores`,
    `  GC during timed rounds: ${r.gc.count} pauses (${r.gc.major} major), ${r.gc.totalMs.toFixed(1)} ms in all, longest ${r.gc.maxMs.toFixed(2)} ms; `
      + `of the ${r.tail.n} decisions at or above p99, ${r.tail.withGc} overlapped a GC pause`,
    `  waited >= ${WAIT_MS} ms for a CPU inside the timed window (run-queue wait, /proc/<pid>/schedstat): ${r.waitedForCpu} of ${r.decisions} decisions; `
      + `of the ${r.tail.n} at or above p99: bench process ${r.tail.procWaited}`
      + (r.spec.store === 'redis' ? `, redis-server ${r.tail.redisWaited}` : '')
      + `, ${r.tail.waitMs.toFixed(1)} ms of waiting in all (their latencies sum to ${r.tail.sumMs.toFixed(1)} ms)`,
  ];
  if (r.ping) {
    lines.push(`  redis PING round trip (separate connection, before the rounds): p50 ${f3(r.ping.p50)} p99 ${f3(r.ping.p99)} ms`
      + (r.scripts ? `; store scripts in the timed rounds: ${fInt(r.scripts.calls)} EVALSHA, ${r.scripts.usecPerCall.toFixed(1)} µs each inside Redis `
        + `(${(r.scripts.calls / r.rounds).toFixed(1)} a round)` : ''));
  }
  if (r.enqueueNobodyFree) {
    const e = r.enqueueNobodyFree;
    lines.push(`  enqueue with nobody free (no decision): p50 ${f3(e.p50)} p95 ${f3(e.p95)} p99 ${f3(e.p99)} max ${f3(e.max)} ms (n=${e.n})`);
  }
  if (r.errors.length) lines.push(`  ACD errors: ${r.errors.join(' / ')}`);
  return lines.join('\n');
}

function markdown(results: ScenarioResult[]): string {
  const head = [
    '| store | path | decisions | decisions/s | to offer p50 | p95 | p99 | max | settled p50 | settled p99 | in store calls p50 | CPU/round node + redis |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const rows = results.map((r) => {
    const o = r.toOffer;
    const s = r.toSettled;
    const cpu = `${f3(r.nodeCpuMsPerRound)}${r.redisCpuMsPerRound !== undefined ? ` + ${f3(r.redisCpuMsPerRound)}` : ''} ms`;
    return `| ${r.spec.store} | ${pathLabel(r)} | ${fInt(r.decisions)} | ${fInt(r.decisionsPerSecond)} | ${f3(o.p50)} | ${f3(o.p95)} | ${f3(o.p99)} | ${f3(o.max)} | ${f3(s.p50)} | ${f3(s.p99)} | ${f3(r.storeMsPerDecision)} | ${cpu} |`;
  });
  const enq = results.filter((r) => r.enqueueNobodyFree).map((r) => {
    const e = r.enqueueNobodyFree!;
    return `| ${r.spec.store} | enqueue, nobody free (no decision) | ${fInt(e.n)} | - | - | - | - | - | ${f3(e.p50)} | ${f3(e.p99)} | - | - |`;
  });
  return [...head, ...rows, ...enq].join('\n');
}

async function main(): Promise<void> {
  if (args.help) usage();
  if (args.child !== undefined) {
    const result = await runScenario(JSON.parse(args.child) as Spec);
    if (process.send) process.send(result, () => process.exit(0));
    else console.log(JSON.stringify(result));
    return;
  }
  const storeArg = args.store!;
  if (!['memory', 'redis', 'both'].includes(storeArg)) usage(`--store must be memory, redis or both, got ${storeArg}`);
  const pathArg = args.path!;
  if (!['ready', 'arrival', 'both'].includes(pathArg)) usage(`--path must be ready, arrival or both, got ${pathArg}`);
  const stores: StoreKind[] = storeArg === 'both' ? ['memory', 'redis'] : [storeArg as StoreKind];
  const paths: PathKind[] = pathArg === 'both' ? ['ready', 'arrival'] : [pathArg as PathKind];
  const tickMs = Number(args['tick-ms']);
  if (!(tickMs > 0)) usage(`--tick-ms must be a positive number, got ${args['tick-ms']}`);
  const base = {
    waiting: intArg('waiting', args.waiting, 0),
    agents: intArg('agents', args.agents, 1),
    skills: intArg('skills', args.skills, 2),
    decisions: intArg('decisions', args.decisions, 1),
    warmup: intArg('warmup', args.warmup, 0),
    seed: intArg('seed', args.seed, 0),
    tickMs,
    persist: !args['no-persist'],
  };

  const m = machineInfo();
  const started = new Date();
  const command = `npx tsx bench/acd-assign.ts ${process.argv.slice(2).join(' ')}`.trim();
  let redis: BenchRedis | undefined;
  const results: ScenarioResult[] = [];
  try {
    if (stores.includes('redis')) {
      redis = await startBenchRedis();
      console.log(`redis-server ${redis.version} on ${redis.url} (pid ${redis.pid})`);
    }
    for (const store of stores) {
      for (const p of paths) {
        const spec: Spec = { store, path: p, ...base };
        if (store === 'redis') Object.assign(spec, { redisUrl: redis!.url, redisPid: redis!.pid, prefix: `bench:acd:${p}:` });
        console.log(`\n== ${store} / ${p}: ${base.waiting} waiting, ${base.agents} agents, ${base.skills} skills, ${base.warmup} warm-up + ${base.decisions} timed rounds`);
        const r = await runChild(spec);
        console.log(resultLine(r));
        console.log(details(r));
        results.push(r);
        if (store === 'redis') {
          const c = new Redis(redis!.url, { maxRetriesPerRequest: 1 });
          await c.flushall();
          c.disconnect();
        }
      }
    }
  } finally {
    await redis?.stop();
  }

  const machine = `nproc ${m.nproc}, ${m.cpuModel}, ${m.memTotalGb} GB RAM, Linux ${m.kernel}, Node ${m.node}`
    + (redis ? `, redis-server ${redis.version} on loopback` : '');
  console.log('\n' + [
    `Command: \`${command}\``,
    `Machine: ${machine}`,
    `Date: ${started.toISOString()}`,
    '',
    markdown(results),
  ].join('\n'));
  if (args.json) writeFileSync(args.json, JSON.stringify({ command, machine, date: started.toISOString(), results }, null, 1) + '\n');
  const bad = results.some((r) => r.errors.length > 0 || r.decisions === 0 || r.strays > 0);
  process.exitCode = bad ? 1 : 0;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(2);
});
