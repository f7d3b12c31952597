/**
 * Figure: how many endpoints playing music on hold the embedded media engine
 * serves at once with packet spacing p99 under 5 ms and no loss, and the
 * engine's CPU per 100 streams.
 *
 *   npx tsx bench/media-streams.ts [--streams 100,200,300,...] [--seconds 20]
 *
 * Per step of N streams:
 *
 * - The engine runs in a process of its own (this file with `--role engine`,
 *   forked through tsx, so it is the working tree's media/engine), on
 *   127.0.0.4, so its CPU (utime + stime, /proc/<pid>/stat) is its alone.
 * - The receivers are N UDP sockets in this process on 127.0.0.5, one per
 *   stream, like N phones: each endpoint is created from an offer (PCMU,
 *   PCMA, telephone-event, sendrecv) pointing at one of them, and plays
 *   media/prompts/moh/default.wav with `{ loop: true }`. The receivers
 *   never send (callers on hold that stay quiet); they check sequence
 *   numbers and RTP timestamps as the packets come.
 * - After `--warmup` seconds, tcpdump captures the engine's packets on `lo`
 *   for `--seconds` (capture filter: UDP from 127.0.0.4 to 127.0.0.5),
 *   so packet spacing is measured on kernel timestamps (taken as each packet
 *   goes through the loopback device, i.e. when the engine sends it), not
 *   on when a busy receiver got round to reading it. Without tcpdump (or
 *   with --no-capture) the receivers' own arrival times are used instead,
 *   which adds the receiving process's scheduling delays.
 * - Every second: the engine's CPU and RSS, this process's (the receivers')
 *   CPU, tcpdump's CPU and the whole machine's (/proc/stat); "other load" is
 *   what everything else used (other people's test runs).
 *
 * Per step it reports, over the capture window: packets, loss (sequence
 * gaps on the wire and at the receivers), frames the engine's clock skipped
 * (RTP timestamp steps over 160 with consecutive sequence numbers), packet
 * spacing p50/p99/p99.9/max over all streams, |spacing - 20 ms| p99 (the
 * pass mark), the worst stream's p99, media-time drift against wall time,
 * the engine's CPU (% of one core) and CPU per 100 streams, its event-loop
 * delay and the clock's own stats. A step passes with |spacing - 20| p99
 * under 5 ms, no packet lost anywhere, no frame skipped and every stream
 * delivering its packets. The sweep goes up the list and stops after
 * `--stop-after` failing steps in a row (default 2); it reports the highest
 * N that passed.
 *
 * Options:
 *   --streams LIST    stream counts to step through (default 100,200,300,400,500,600,800,1000,1200,1500,2000)
 *   --seconds N       capture window per step (default 20)
 *   --warmup N        seconds between the last stream starting and the capture (default 3)
 *   --stop-after N    stop after N failing steps in a row (default 2)
 *   --no-capture      do not use tcpdump; spacing from the receivers' arrival times
 *   --nice=N          run the engine at this scheduling priority (e.g. --nice=-10, as root; FreeSWITCH is
 *                     usually run with raised priority too): shows what the other load costs
 *   --profile DIR     run the engine with node --cpu-prof, one profile per step in DIR
 *   --json FILE       also write every step (with its 1 s samples) as JSON
 *   KEEP_BENCH_FILES=1  keep the pcap files (paths are printed)
 *
 * Needs: Linux, Node 20, `npm ci`; tcpdump for kernel timestamps
 * (`apt-get install -y tcpdump`, run as root or with CAP_NET_RAW).
 */
import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startCapture, stopCapture, tcpdumpProblem, type Capture } from './lib/capture.js';
import { Sampler, cpuSeconds, rssMb, type Sample } from './lib/proc.js';
import { positive, positiveList, printRunHeader, runMain, writeJsonResults } from './lib/cli.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const MUSIC = path.join(ROOT, 'media', 'prompts', 'moh', 'default.wav');
const ENGINE_IP = '127.0.0.4';
const PEER_IP = '127.0.0.5';
/** The engine's RTP range starts here (bench ports, away from the tests' 21000-29999 and the product's 20000-20999). */
const ENGINE_PORT_MIN = 30000;
const PASS_SPACING_MS = 5;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const avg = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

// ============================================================================
// The engine process
// ============================================================================

type ToEngine =
  | { type: 'start'; portMin: number; portMax: number; targets: number[] }
  | { type: 'stats' }
  | { type: 'stop' };

interface EngineStats {
  type: 'stats';
  endpoints: number;
  clock: { ticks: number; skipped: number; maxLateMs: number };
  /** Event-loop delay since the last stats request, ms. */
  loopDelay: { p50: number; p99: number; max: number };
}

type FromEngine =
  | { type: 'ready' }
  | { type: 'started'; endpoints: number; ms: number }
  | EngineStats
  | { type: 'error'; message: string };

async function engineMain(): Promise<void> {
  const { EmbeddedMediaServer } = await import('../media/engine/index.js');
  const send = (m: FromEngine): void => { process.send?.(m); };
  let server: InstanceType<typeof EmbeddedMediaServer> | undefined;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw) => {
    const msg = raw as ToEngine;
    void (async () => {
      try {
        if (msg.type === 'start') {
          const t0 = performance.now();
          server = new EmbeddedMediaServer({ portMin: msg.portMin, portMax: msg.portMax, bindAddress: ENGINE_IP });
          await server.preload([MUSIC]);
          const offer = (port: number): string => [
            'v=0', `o=bench ${port} 1 IN IP4 ${PEER_IP}`, 's=-', `c=IN IP4 ${PEER_IP}`, 't=0 0',
            `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
            'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', '',
          ].join('\r\n');
          for (let i = 0; i < msg.targets.length; i += 50) {
            const batch = msg.targets.slice(i, i + 50);
            const eps = await Promise.all(batch.map((port) => server!.createEndpoint({ remoteSdp: offer(port) })));
            for (const ep of eps) void ep.play(MUSIC, { loop: true }).catch(() => undefined);
          }
          send({ type: 'started', endpoints: server.size, ms: performance.now() - t0 });
        } else if (msg.type === 'stats') {
          const s = server?.clock.stats ?? { ticks: 0, skipped: 0, maxLateMs: 0 };
          send({
            type: 'stats',
            endpoints: server?.size ?? 0,
            clock: { ticks: s.ticks, skipped: s.skipped, maxLateMs: s.maxLateMs },
            loopDelay: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
          });
          loop.reset();
        } else if (msg.type === 'stop') {
          await server?.close();
          process.exit(0);
        }
      } catch (err) {
        send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
      }
    })();
  });
  send({ type: 'ready' });
}

interface EngineOptions {
  /** Scheduling priority of the engine process (os.setPriority; below 0 needs root). */
  nice?: number;
  /** Run the engine with node --cpu-prof, profiles written here. */
  profileDir?: string;
}

class EngineProcess {
  private readonly waiters: Array<{ type: FromEngine['type']; resolve: (m: FromEngine) => void; reject: (e: Error) => void }> = [];
  private exitedWith: string | undefined;

  private constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const m = raw as FromEngine;
      if (m.type === 'error') {
        for (const w of this.waiters.splice(0)) w.reject(new Error(`engine: ${m.message}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    });
    child.on('exit', (code, signal) => {
      this.exitedWith = `exited (code ${code}, signal ${signal})`;
      for (const w of this.waiters.splice(0)) w.reject(new Error(`engine ${this.exitedWith}`));
    });
  }

  static async start(opts: EngineOptions = {}): Promise<EngineProcess> {
    const child = fork(SELF, ['--role', 'engine'], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx', ...(opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const e = new EngineProcess(child);
    if (opts.nice !== undefined) os.setPriority(child.pid!, opts.nice);
    await e.wait('ready', 30_000);
    return e;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exitedWith === undefined;
  }

  wait<T extends FromEngine['type']>(type: T, timeoutMs: number): Promise<Extract<FromEngine, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.exitedWith) {
        reject(new Error(`engine ${this.exitedWith}`));
        return;
      }
      const timer = setTimeout(() => reject(new Error(`engine: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (m) => { clearTimeout(timer); resolve(m as Extract<FromEngine, { type: T }>); },
        reject: (err) => { clearTimeout(timer); reject(err); },
      });
    });
  }

  send(m: ToEngine): void {
    this.child.send(m);
  }

  async stats(): Promise<EngineStats> {
    const p = this.wait('stats', 10_000);
    this.send({ type: 'stats' });
    return p;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try { this.send({ type: 'stop' }); } catch { /* gone */ }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

// ============================================================================
// Receivers (this process)
// ============================================================================

/** Gap histogram, 0.01 ms bins up to 200 ms, and the overflow's max. */
class GapHistogram {
  private static readonly BIN_MS = 0.01;
  private readonly bins = new Uint32Array(20_000);
  count = 0;
  max = 0;

  add(ms: number): void {
    const i = Math.min(this.bins.length - 1, Math.max(0, Math.floor(ms / GapHistogram.BIN_MS)));
    this.bins[i]! += 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  percentile(q: number): number {
    if (!this.count) return NaN;
    const target = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]!;
      if (seen >= target) return (i + 0.5) * GapHistogram.BIN_MS;
    }
    return this.max;
  }
}

interface StreamState {
  lastSeq: number;
  lastTs: number;
  lastAt: number;
  started: boolean;
  /** Counters inside the measuring window. */
  packets: number;
  lost: number;
  late: number;
  skippedFrames: number;
}

class Receivers {
  readonly sockets: dgram.Socket[] = [];
  readonly streams: StreamState[] = [];
  measuring = false;
  readonly gaps = new GapHistogram();
  readonly jitter = new GapHistogram();
  strays = 0;

  static async open(n: number): Promise<Receivers> {
    const r = new Receivers();
    for (let i = 0; i < n; i++) {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, PEER_IP, () => { socket.off('error', reject); resolve(); });
      });
      const s: StreamState = { lastSeq: 0, lastTs: 0, lastAt: 0, started: false, packets: 0, lost: 0, late: 0, skippedFrames: 0 };
      socket.on('message', (msg) => r.onPacket(s, msg));
      r.sockets.push(socket);
      r.streams.push(s);
    }
    return r;
  }

  get ports(): number[] {
    return this.sockets.map((s) => s.address().port);
  }

  private onPacket(s: StreamState, msg: Buffer): void {
    const at = performance.now();
    if (msg.length < 12 || msg[0]! >> 6 !== 2) { this.strays += 1; return; }
    const seq = msg.readUInt16BE(2);
    const ts = msg.readUInt32BE(4);
    if (s.started && this.measuring) {
      s.packets += 1;
      const step = (seq - s.lastSeq) & 0xffff;
      if (step === 0 || step > 0x8000) { s.late += 1; return; }
      if (step > 1) s.lost += step - 1;
      const tsStep = (ts - s.lastTs) | 0;
      if (step === 1 && tsStep > 160) s.skippedFrames += tsStep / 160 - 1;
      if (step === 1) {
        const gap = at - s.lastAt;
        this.gaps.add(gap);
        this.jitter.add(Math.abs(gap - 20));
      }
    }
    s.started = true;
    s.lastSeq = seq;
    s.lastTs = ts;
    s.lastAt = at;
  }

  close(): void {
    for (const s of this.sockets) { try { s.close(); } catch { /* closed */ } }
  }
}

// ============================================================================
// The capture's analysis
// ============================================================================

interface WireStats {
  packets: number;
  streams: number;
  /** Packets expected per stream over the window (window / 20 ms). */
  expectedPerStream: number;
  /** Streams that delivered fewer than expected - 2 packets. */
  shortStreams: number;
  minPerStream: number;
  lost: number;
  late: number;
  skippedFrames: number;
  gap: { p50: number; p99: number; p999: number; max: number; min: number };
  jitterP99: number;
  worstStreamJitterP99: number;
  /** Largest |media time - wall time| over a stream's window, ms. */
  maxDriftMs: number;
  /**
   * |gap - 20| p99 of the streams the engine created first and last (a
   * tenth each): every tick sends all streams in creation order, so the
   * difference shows what the length of one pass adds.
   */
  byPosition: { first10: number; last10: number };
}

function percentileOf(sorted: Float64Array, q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Reads a classic pcap (tcpdump -w, Ethernet on lo) of RTP from the engine. */
function analysePcap(file: string, order: number[]): WireStats {
  const buf = readFileSync(file);
  const magic = buf.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${file}: not a little-endian pcap (magic ${magic.toString(16)})`);
  const nanos = magic === 0xa1b23c4d;
  const linkType = buf.readUInt32LE(20);
  if (linkType !== 1) throw new Error(`${file}: link type ${linkType}, expected Ethernet (1)`);
  interface S { n: number; seq: number; ts: number; at: number; firstAt: number; firstTs: number; lastMediaOffset: number; lost: number; late: number; skipped: number; drift: number; gaps: number[] }
  const streams = new Map<number, S>();
  const allGaps: number[] = [];
  let packets = 0;
  let firstAt = Infinity;
  let lastAt = -Infinity;
  let off = 24;
  while (off + 16 <= buf.length) {
    const at = buf.readUInt32LE(off) * 1000 + buf.readUInt32LE(off + 4) / (nanos ? 1e6 : 1e3);
    const incl = buf.readUInt32LE(off + 8);
    const frame = off + 16;
    off = frame + incl;
    if (off > buf.length) break;
    if (buf.readUInt16BE(frame + 12) !== 0x0800) continue;
    const ip = frame + 14;
    const ihl = (buf[ip]! & 0x0f) * 4;
    if (buf[ip + 9] !== 17) continue;
    const udp = ip + ihl;
    const rtp = udp + 8;
    if (rtp + 12 > frame + incl) continue;
    const dport = buf.readUInt16BE(udp + 2);
    const seq = buf.readUInt16BE(rtp + 2);
    const ts = buf.readUInt32BE(rtp + 4);
    packets += 1;
    if (at < firstAt) firstAt = at;
    if (at > lastAt) lastAt = at;
    let s = streams.get(dport);
    if (!s) {
      s = { n: 1, seq, ts, at, firstAt: at, firstTs: ts, lastMediaOffset: 0, lost: 0, late: 0, skipped: 0, drift: 0, gaps: [] };
      streams.set(dport, s);
      continue;
    }
    s.n += 1;
    const step = (seq - s.seq) & 0xffff;
    if (step === 0 || step > 0x8000) { s.late += 1; continue; }
    if (step > 1) s.lost += step - 1;
    const tsStep = (ts - s.ts) | 0;
    if (step === 1) {
      if (tsStep > 160) s.skipped += tsStep / 160 - 1;
      const gap = at - s.at;
      s.gaps.push(gap);
      allGaps.push(gap);
    }
    // Drift: media time elapsed against wall time elapsed since the stream's first packet here.
    const media = ((ts - s.firstTs) | 0) / 8;
    const drift = Math.abs(media - (at - s.firstAt));
    if (drift > s.drift) s.drift = drift;
    s.seq = seq;
    s.ts = ts;
    s.at = at;
  }
  const sorted = Float64Array.from(allGaps).sort();
  const jitter = Float64Array.from(allGaps, (g) => Math.abs(g - 20)).sort();
  // Each stream should have a packet every 20 ms of the capture.
  const expected = Math.floor((lastAt - firstAt) / 20);
  let worst = 0;
  let lost = 0;
  let late = 0;
  let skipped = 0;
  let shortStreams = 0;
  let minPer = Infinity;
  let maxDrift = 0;
  for (const s of streams.values()) {
    lost += s.lost;
    late += s.late;
    skipped += s.skipped;
    if (s.n < expected - 2) shortStreams += 1;
    minPer = Math.min(minPer, s.n);
    maxDrift = Math.max(maxDrift, s.drift);
    const j = Float64Array.from(s.gaps, (g) => Math.abs(g - 20)).sort();
    worst = Math.max(worst, percentileOf(j, 0.99));
  }
  const tenth = Math.max(1, Math.floor(order.length / 10));
  const p99Of = (ports: number[]): number => {
    const js = Float64Array.from(ports.flatMap((port) => streams.get(port)?.gaps ?? []), (g) => Math.abs(g - 20)).sort();
    return percentileOf(js, 0.99);
  };
  return {
    packets,
    streams: streams.size,
    expectedPerStream: expected,
    shortStreams,
    minPerStream: Number.isFinite(minPer) ? minPer : 0,
    lost,
    late,
    skippedFrames: skipped,
    gap: {
      p50: percentileOf(sorted, 0.5), p99: percentileOf(sorted, 0.99), p999: percentileOf(sorted, 0.999),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN, min: sorted.length ? sorted[0]! : NaN,
    },
    jitterP99: percentileOf(jitter, 0.99),
    worstStreamJitterP99: worst,
    maxDriftMs: maxDrift,
    byPosition: { first10: p99Of(order.slice(0, tenth)), last10: p99Of(order.slice(-tenth)) },
  };
}

// ============================================================================
// One step
// ============================================================================

interface StepResult {
  streams: number;
  seconds: number;
  startedAt: string;
  startupMs: number;
  /** Where spacing comes from: 'kernel' (tcpdump on lo) or 'receiver' (user space). */
  timing: 'kernel' | 'receiver';
  wire?: WireStats;
  capture?: { captured: number; received: number; dropped: number; file?: string };
  receiver: { packets: number; lost: number; late: number; skippedFrames: number; strays: number; gapP50: number; gapP99: number; gapMax: number; jitterP99: number };
  engine: {
    cpuAvg: number;
    cpuMax: number;
    cpuPer100: number;
    /** Engine CPU time per packet sent, microseconds. */
    usPerPacket: number;
    rssMb: number;
    clockTicks: number;
    clockSkipped: number;
    clockMaxLateMs: number;
    loopDelayP99: number;
    loopDelayMax: number;
    alive: boolean;
  };
  receiverCpuAvg: number;
  tcpdumpCpuAvg: number;
  machineBusyAvg: number;
  otherLoadAvg: number;
  /** The pass mark's figures: spacing |gap - 20| p99 and total loss. */
  spacingJitterP99: number;
  loss: number;
  pass: boolean;
  why: string[];
  samples: Sample[];
}

interface StepOptions {
  seconds: number;
  warmupS: number;
  capture: boolean;
  keepFiles: boolean;
  engine: EngineOptions;
}

async function runStep(n: number, o: StepOptions): Promise<StepResult> {
  const { seconds, warmupS, capture, keepFiles } = o;
  const startedAt = new Date().toISOString();
  const receivers = await Receivers.open(n);
  const engine = await EngineProcess.start(o.engine);
  let cap: Capture | undefined;
  try {
    const portMax = ENGINE_PORT_MIN + 2 * n + 400;
    engine.send({ type: 'start', portMin: ENGINE_PORT_MIN, portMax, targets: receivers.ports });
    const started = await engine.wait('started', 120_000);
    if (started.endpoints !== n) throw new Error(`engine started ${started.endpoints} endpoints, not ${n}`);

    const sampler = new Sampler(engine.pid);
    sampler.watch('receivers', process.pid);
    sampler.start();
    await sleep(warmupS * 1000);

    if (capture) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-media-'));
      cap = await startCapture(path.join(dir, 'streams.pcap'), `udp and src host ${ENGINE_IP} and dst host ${PEER_IP}`);
      sampler.watch('tcpdump', cap.proc.pid);
    }
    // Also resets the engine's event-loop delay histogram: what follows is the window's.
    const clockBefore = (await engine.stats()).clock;
    const windowStartSample = sampler.samples.length;
    const cpuBefore = cpuSeconds(engine.pid) ?? NaN;
    receivers.measuring = true;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    receivers.measuring = false;
    const windowS = (performance.now() - t0) / 1000;
    const cpuAfter = cpuSeconds(engine.pid) ?? NaN;
    const end = await engine.stats();
    const rss = rssMb(engine.pid) ?? NaN;
    const capStats = cap ? await stopCapture(cap) : undefined;
    // One more sample boundary so the last second is in.
    await sleep(1100);
    sampler.stop();
    const window = sampler.samples.slice(windowStartSample);

    const wire = cap ? analysePcap(cap.file, receivers.ports) : undefined;
    const rec = receivers.streams.reduce(
      (a, s) => ({ packets: a.packets + s.packets, lost: a.lost + s.lost, late: a.late + s.late, skippedFrames: a.skippedFrames + s.skippedFrames }),
      { packets: 0, lost: 0, late: 0, skippedFrames: 0 },
    );
    const engineCpuAvg = ((cpuAfter - cpuBefore) / windowS) * 100;
    const others = (label: string): number => avg(window.map((s) => s.others[label]).filter((x): x is number => x !== undefined));
    const receiverCpu = others('receivers');
    const tcpdumpCpu = cap ? others('tcpdump') : 0;
    const machineBusy = avg(window.map((s) => s.machineBusy));
    const nproc = os.cpus().length;
    const otherLoad = Math.max(0, avg(window.map((s) => s.machineBusy * nproc - s.cpu - (s.others.receivers ?? 0) - (s.others.tcpdump ?? 0))));

    const jitterP99 = wire ? wire.jitterP99 : receivers.jitter.percentile(0.99);
    const why: string[] = [];
    const wireLoss = wire ? wire.lost : 0;
    const loss = wireLoss + rec.lost;
    if (!(jitterP99 < PASS_SPACING_MS)) why.push(`|spacing-20ms| p99 ${f2(jitterP99)} ms >= ${PASS_SPACING_MS} ms`);
    if (wireLoss) why.push(`${wireLoss} packets lost on the wire`);
    if (rec.lost) why.push(`${rec.lost} packets lost at the receivers`);
    const skipped = wire ? wire.skippedFrames : rec.skippedFrames;
    if (skipped) why.push(`${skipped} frames skipped by the engine's clock`);
    if (wire && wire.streams !== n) why.push(`${wire.streams} of ${n} streams seen on the wire`);
    if (wire && wire.shortStreams) why.push(`${wire.shortStreams} streams delivered too few packets (min ${wire.minPerStream} of ${wire.expectedPerStream})`);
    if (capStats && capStats.dropped > 0) why.push(`tcpdump dropped ${capStats.dropped} packets: the capture is incomplete`);
    if (!engine.alive) why.push('the engine process died');

    let file: string | undefined;
    if (cap) {
      if (keepFiles) file = cap.file;
      else rmSync(path.dirname(cap.file), { recursive: true, force: true });
    }
    return {
      streams: n,
      seconds: windowS,
      startedAt,
      startupMs: started.ms,
      timing: wire ? 'kernel' : 'receiver',
      wire,
      capture: capStats ? { ...capStats, file } : undefined,
      receiver: {
        ...rec,
        strays: receivers.strays,
        gapP50: receivers.gaps.percentile(0.5),
        gapP99: receivers.gaps.percentile(0.99),
        gapMax: receivers.gaps.max,
        jitterP99: receivers.jitter.percentile(0.99),
      },
      engine: {
        cpuAvg: engineCpuAvg,
        cpuMax: Math.max(...window.map((s) => s.cpu)),
        cpuPer100: engineCpuAvg / (n / 100),
        usPerPacket: ((cpuAfter - cpuBefore) * 1e6) / Math.max(1, wire ? wire.packets : rec.packets),
        rssMb: rss,
        clockTicks: end.clock.ticks - clockBefore.ticks,
        clockSkipped: end.clock.skipped - clockBefore.skipped,
        clockMaxLateMs: end.clock.maxLateMs,
        loopDelayP99: end.loopDelay.p99,
        loopDelayMax: end.loopDelay.max,
        alive: engine.alive,
      },
      receiverCpuAvg: receiverCpu,
      tcpdumpCpuAvg: tcpdumpCpu,
      machineBusyAvg: machineBusy,
      otherLoadAvg: otherLoad,
      spacingJitterP99: jitterP99,
      loss,
      pass: why.length === 0,
      why,
      samples: window,
    };
  } finally {
    if (cap && cap.proc.exitCode === null) cap.proc.kill('SIGKILL');
    await engine.stop();
    receivers.close();
  }
}

// ============================================================================
// Output
// ============================================================================

function resultLine(r: StepResult): string {
  const w = r.wire;
  const gap = w ? w.gap : { p50: r.receiver.gapP50, p99: r.receiver.gapP99, p999: NaN, max: r.receiver.gapMax };
  return [
    `RESULT streams=${r.streams} seconds=${f1(r.seconds)} ${r.pass ? 'PASS' : 'FAIL'}`,
    `packets=${w ? w.packets : r.receiver.packets} lost=${r.loss} skipped_frames=${w ? w.skippedFrames : r.receiver.skippedFrames}`,
    `spacing(${r.timing}) p50 ${f2(gap.p50)} p99 ${f2(gap.p99)} p99.9 ${f2(gap.p999)} max ${f2(gap.max)} ms, |gap-20| p99 ${f2(r.spacingJitterP99)} ms`,
    `engine cpu avg=${f1(r.engine.cpuAvg)}% per100=${f1(r.engine.cpuPer100)}% ${f1(r.engine.usPerPacket)}us/packet rss=${f1(r.engine.rssMb)}MB`,
    `other load ${f1(r.otherLoadAvg)}%`,
  ].join(' | ');
}

function details(r: StepResult): string {
  const lines: string[] = [];
  if (r.wire) {
    const w = r.wire;
    lines.push(`  wire (tcpdump on lo): ${w.streams} streams, ${w.packets} packets (expected ~${w.expectedPerStream}/stream, min ${w.minPerStream}), ` +
      `lost ${w.lost}, late/dup ${w.late}, skipped frames ${w.skippedFrames}, gap min ${f2(w.gap.min)} ms, ` +
      `worst stream |gap-20| p99 ${f2(w.worstStreamJitterP99)} ms, ` +
      `|gap-20| p99 of the first/last tenth created ${f2(w.byPosition.first10)}/${f2(w.byPosition.last10)} ms, max drift ${f2(w.maxDriftMs)} ms`);
  }
  if (r.capture) lines.push(`  tcpdump: ${r.capture.captured} captured, ${r.capture.received} received by filter, ${r.capture.dropped} dropped by kernel${r.capture.file ? `; kept ${r.capture.file}` : ''}`);
  const rc = r.receiver;
  lines.push(`  receivers (user space): ${rc.packets} packets, lost ${rc.lost}, late/dup ${rc.late}, skipped frames ${rc.skippedFrames}, strays ${rc.strays}, ` +
    `gap p50 ${f2(rc.gapP50)} p99 ${f2(rc.gapP99)} max ${f2(rc.gapMax)} ms, |gap-20| p99 ${f2(rc.jitterP99)} ms`);
  const e = r.engine;
  lines.push(`  engine: ${r.streams} endpoints started in ${f1(r.startupMs)} ms; cpu avg ${f1(e.cpuAvg)}% max ${f1(e.cpuMax)}% of one core; ` +
    `clock ticks ${e.clockTicks} skipped ${e.clockSkipped} max late ${f2(e.clockMaxLateMs)} ms (since start); event-loop delay p99 ${f2(e.loopDelayP99)} max ${f2(e.loopDelayMax)} ms`);
  lines.push(`  machine busy ${f1(r.machineBusyAvg)}% of all cores; receivers (this process) ${f1(r.receiverCpuAvg)}%, tcpdump ${f1(r.tcpdumpCpuAvg)}%, ` +
    `everything else ${f1(r.otherLoadAvg)}% of one core`);
  if (!r.pass) lines.push(`  FAIL: ${r.why.join('; ')}`);
  return lines.join('\n');
}

function markdownTable(results: StepResult[]): string {
  const head = ['streams', 'pass', 'packets', 'lost', 'skipped frames', 'gap p50 ms', 'gap p99 ms', 'gap p99.9 ms', 'gap max ms',
    '\\|gap−20\\| p99 ms', 'engine CPU %', 'CPU % per 100 streams', 'µs/packet', 'engine RSS MB', 'loop delay p99 ms', 'receivers CPU %', 'tcpdump CPU %', 'other load %'];
  const rows = results.map((r) => {
    const gap = r.wire ? r.wire.gap : { p50: r.receiver.gapP50, p99: r.receiver.gapP99, p999: NaN, max: r.receiver.gapMax };
    return [r.streams, r.pass ? 'yes' : 'no', r.wire ? r.wire.packets : r.receiver.packets, r.loss, r.wire ? r.wire.skippedFrames : r.receiver.skippedFrames,
      f2(gap.p50), f2(gap.p99), f2(gap.p999), f2(gap.max), f2(r.spacingJitterP99), f1(r.engine.cpuAvg), f1(r.engine.cpuPer100),
      f1(r.engine.usPerPacket), f1(r.engine.rssMb), f2(r.engine.loopDelayP99), f1(r.receiverCpuAvg), f1(r.tcpdumpCpuAvg), f1(r.otherLoadAvg)].map(String);
  });
  return [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 1 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// ============================================================================
// Main
// ============================================================================

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      streams: { type: 'string', default: '100,200,300,400,500,600,800,1000,1200,1500,2000' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      'stop-after': { type: 'string', default: '2' },
      'no-capture': { type: 'boolean', default: false },
      json: { type: 'string' },
      nice: { type: 'string' },
      profile: { type: 'string' },
    },
    strict: true,
  });
  if (values.role === 'engine') {
    await engineMain();
    return;
  }
  const steps = positiveList('streams', values.streams).map(Math.round);
  const seconds = positive('seconds', values.seconds);
  const warmup = Number(values.warmup);
  const stopAfter = positive('stop-after', values['stop-after']);
  statSync(MUSIC);
  let capture = !values['no-capture'];
  if (capture) {
    const problem = tcpdumpProblem();
    if (problem) {
      console.log(`# ${problem}: spacing from the receivers' arrival times instead`);
      capture = false;
    }
  }
  const { startedAt, machine } = printRunHeader('media-streams');
  console.log(`# music: ${path.relative(ROOT, MUSIC)}; engine on ${ENGINE_IP}:${ENGINE_PORT_MIN}+, receivers on ${PEER_IP}; spacing from ${capture ? 'kernel timestamps (tcpdump on lo)' : 'the receivers'}` +
    (values.nice !== undefined ? `; engine at nice ${values.nice}` : '') + (values.profile ? `; engine CPU profiles in ${values.profile}` : ''));

  const results: StepResult[] = [];
  let failing = 0;
  for (const n of steps) {
    console.log(`# step: ${n} streams, ${warmup} s warm-up, ${seconds} s measured`);
    let r: StepResult;
    try {
      r = await runStep(n, {
        seconds, warmupS: warmup, capture, keepFiles: process.env.KEEP_BENCH_FILES === '1',
        engine: { nice: values.nice !== undefined ? Number(values.nice) : undefined, profileDir: values.profile },
      });
    } catch (err) {
      console.log(`# step ${n} could not run: ${err instanceof Error ? err.message : String(err)}`);
      failing += 1;
      if (failing >= stopAfter) break;
      continue;
    }
    results.push(r);
    console.log(resultLine(r));
    console.log(details(r));
    failing = r.pass ? 0 : failing + 1;
    if (failing >= stopAfter) {
      console.log(`# ${failing} failing step(s) in a row: stopping`);
      break;
    }
    await sleep(1000);
  }
  console.log('');
  console.log(markdownTable(results));
  const best = results.filter((r) => r.pass).map((r) => r.streams).sort((a, b) => b - a)[0];
  const firstFail = results.find((r) => !r.pass);
  console.log(`\nHIGHEST PASSING: ${best !== undefined ? `${best} streams` : 'none'}` +
    (firstFail ? ` (first failing step: ${firstFail.streams}: ${firstFail.why.join('; ')})` : ''));
  if (values.json) {
    writeJsonResults(values.json, startedAt, machine, results);
  }
}

runMain(main);
