/**
 * Figure: how many concurrent WebRTC calls bridged to plain RTP the
 * embedded media engine carries with clean audio, and the engine's CPU per
 * call, beside the same number of calls with plain RTP on both legs.
 *
 *   npx tsx bench/webrtc-calls.ts [--calls 10,20,40,...] [--seconds 15]
 *
 * Per step of N calls, once for each kind of call (WebRTC first on odd
 * steps, plain first on even ones, so the machine's other load falls on
 * both alike):
 *
 * - The engine runs in a process of its own (this file with `--role
 *   engine`, forked through tsx, so it is the working tree's media/engine)
 *   on 127.0.0.6; it reports its own CPU (process.cpuUsage), so the peers'
 *   CPU is not in the figure.
 * - The peers run in this process. A `webrtc` call is a real WebRTC peer
 *   (test/support/webrtc-peer.ts: werift's RTCPeerConnection, full ICE,
 *   DTLS-SRTP, rtcp-mux; PCMU) whose offer the engine answers, bridged in
 *   the engine to a plain-RTP phone (test/support/rtp-peer.ts, PCMA, so
 *   the bridge transcodes). A `plain` call is the same with a plain-RTP
 *   phone (PCMU) in place of the WebRTC peer. Both legs of every call talk
 *   all the time, a packet every 20 ms from one drift-free ticker: the
 *   first leg a 1000 Hz tone, the second 600 Hz.
 * - After `--warmup` seconds, `--seconds` are measured: at every receiving
 *   leg, packet loss (sequence gaps) and late packets (a transit, from the
 *   peers' send to the arrival, more than 60 ms, a typical jitter buffer,
 *   over the stream's best: a peer's own late send is not counted), and
 *   the audio: every packet each side hears must carry the other's tone
 *   (its share of the packet's energy over 0.8; both tones fill a 20 ms
 *   frame with whole periods, so a packet checks on its own).
 *   The engine's CPU and event-loop delay, this process's CPU (the peers')
 *   and how late the peers' ticker ran.
 *
 * A step is clean when every call connected, loss and late packets are at
 * most 1 % of what was sent, and every packet carried its tone. The
 * sweep stops after `--stop-after` steps in a row whose WebRTC calls were
 * not clean, and reports the highest clean N of each kind.
 *
 * Options:
 *   --calls LIST     call counts to step through (default 10,20,40,60,80,100,130,160,200)
 *   --seconds N      measured window per run (default 15)
 *   --warmup N       seconds between the last call connecting and the window (default 3)
 *   --stop-after N   stop after N steps in a row with unclean WebRTC calls (default 2)
 *   --kinds LIST     webrtc,plain (default both)
 *   --nice=N         run the engine and the peers at this scheduling priority (e.g. --nice=-10, as root):
 *                    what the calls need when the machine's other load is pushed back
 *   --profile DIR    run the engine with node --cpu-prof, one profile per run in DIR
 *   --json FILE      also write every run as JSON
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toneRatio, toneSamples, toPcm16 } from '../test/support/audio.js';
import { decodeG711, encodeG711, PT, RtpPeer, type Arrival, type G711, type RtpStream } from '../test/support/rtp-peer.js';
import { WebRtcPeer } from '../test/support/webrtc-peer.js';
import { positive, positiveList, printRunHeader, runMain, writeJsonResults } from './lib/cli.js';
import { machineJiffies } from './lib/proc.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const ENGINE_IP = '127.0.0.6';
/** The engine's RTP range starts here (bench ports, away from the tests' 21000-29999). */
const ENGINE_PORT_MIN = 30000;
/** A packet this far behind its stream's best arrival would miss a typical jitter buffer. */
const LATE_MS = 60;
/**
 * Loss and late packets allowed in a clean run, share of packets sent: under
 * 1 %, G.711 with packet-loss concealment still sounds clean. On a shared
 * machine one stall of the whole guest makes a few packets of every call late.
 */
const CLEAN_SHARE = 0.01;
const TONE_SHARE = 0.8;
const FIRST_HZ = 1000;
const SECOND_HZ = 600;
/** Calls set up at once: werift's ICE gathering and DTLS handshakes are CPU work of their own. */
const SETUP_BATCH = 10;

type Kind = 'webrtc' | 'plain';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

// ============================================================================
// The engine process
// ============================================================================

type ToEngine =
  | { id: number; type: 'call'; first: string; second: string }
  | { id: number; type: 'usage' };

type FromEngine =
  | { id: number; type: 'call'; first: string; second: string }
  | { id: number; type: 'usage'; cpuUs: number; endpoints: number; loopP99Ms: number; loopMaxMs: number }
  | { id: number; type: 'error'; message: string }
  | { id: 0; type: 'ready' };

async function engineMain(): Promise<void> {
  const { EmbeddedMediaServer } = await import('../media/engine/index.js');
  const portMax = Number(process.env.BENCH_PORT_MAX);
  const server = new EmbeddedMediaServer({ portMin: ENGINE_PORT_MIN, portMax, bindAddress: ENGINE_IP });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const send = (m: FromEngine): void => { process.send?.(m); };
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw) => {
    const msg = raw as ToEngine;
    void (async () => {
      try {
        if (msg.type === 'call') {
          const first = await server.createEndpoint({ remoteSdp: msg.first });
          const second = await server.createEndpoint({ remoteSdp: msg.second });
          await first.bridge(second);
          send({ id: msg.id, type: 'call', first: first.localSdp, second: second.localSdp });
        } else {
          const cpu = process.cpuUsage();
          send({
            id: msg.id, type: 'usage', cpuUs: cpu.user + cpu.system, endpoints: server.size,
            loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6,
          });
          loop.reset();
        }
      } catch (err) {
        send({ id: msg.id, type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
      }
    })();
  });
  send({ id: 0, type: 'ready' });
}

type Usage = Extract<FromEngine, { type: 'usage' }>;

class EngineProcess {
  private readonly pending = new Map<number, { resolve: (m: FromEngine) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private exited: string | undefined;
  private readonly ready: Promise<FromEngine>;
  private readonly child: ChildProcess;

  constructor(calls: number, profileDir: string | undefined, nice: number | undefined) {
    this.child = fork(SELF, ['--role', 'engine'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_PORT_MAX: String(ENGINE_PORT_MIN + 4 * calls + 400) },
      execArgv: ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (nice !== undefined) os.setPriority(this.child.pid!, nice);
    this.ready = this.expect(0);
    this.child.on('message', (raw) => {
      const m = raw as FromEngine;
      const waiter = this.pending.get(m.id);
      if (!waiter) return;
      this.pending.delete(m.id);
      if (m.type === 'error') waiter.reject(new Error(`engine: ${m.message}`));
      else waiter.resolve(m);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `exited (code ${code}, signal ${signal})`;
      for (const w of this.pending.values()) w.reject(new Error(`engine ${this.exited}`));
      this.pending.clear();
    });
  }

  started(): Promise<FromEngine> {
    return this.ready;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  private expect(id: number): Promise<FromEngine> {
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  private request(m: Omit<Extract<ToEngine, { type: 'call' }>, 'id'> | { type: 'usage' }): Promise<FromEngine> {
    if (this.exited) return Promise.reject(new Error(`engine ${this.exited}`));
    const id = this.nextId++;
    const reply = this.expect(id);
    this.child.send({ ...m, id });
    return reply;
  }

  /** Two endpoints from the two legs' offers, bridged; their answers. */
  async call(first: string, second: string): Promise<{ first: string; second: string }> {
    const reply = await this.request({ type: 'call', first, second });
    if (reply.type !== 'call') throw new Error(`engine answered ${reply.type} to a call`);
    return reply;
  }

  async usage(): Promise<Usage> {
    const reply = await this.request({ type: 'usage' });
    if (reply.type !== 'usage') throw new Error(`engine answered ${reply.type} to usage`);
    return reply;
  }

  /** Ends the process (it exits when the channel closes; with --cpu-prof, node writes the profile then). */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

// ============================================================================
// The calls (this process)
// ============================================================================

/** One 20 ms frame of a tone whose period divides 160 samples, so every frame is the same. */
function toneFrame(codec: G711, hz: number): Buffer {
  return encodeG711(codec, toPcm16(toneSamples({ hz, seconds: 0.02, amplitude: 0.5 })));
}

interface Leg {
  stream: RtpStream;
  codec: G711;
  frame: Buffer;
  timestamp: number;
}

interface Call {
  first: Leg;
  second: Leg;
  close(): Promise<void>;
}

const leg = (stream: RtpStream, codec: G711, hz: number): Leg =>
  ({ stream, codec, frame: toneFrame(codec, hz), timestamp: Math.floor(Math.random() * 0xffffffff) });

async function openCall(engine: EngineProcess, kind: Kind): Promise<Call> {
  const phone = await RtpPeer.open();
  if (kind === 'plain') {
    const other = await RtpPeer.open();
    const answers = await engine.call(other.offer({ codecs: ['PCMU'] }), phone.offer({ codecs: ['PCMA'] }));
    other.useAnswer(answers.first);
    phone.useAnswer(answers.second);
    return {
      first: leg(other, 'PCMU', FIRST_HZ), second: leg(phone, 'PCMA', SECOND_HZ),
      close: async () => { other.close(); phone.close(); },
    };
  }
  const browser = new WebRtcPeer();
  try {
    const answers = await engine.call(await browser.offer(), phone.offer({ codecs: ['PCMA'] }));
    phone.useAnswer(answers.second);
    await browser.useAnswer(answers.first);
    await browser.connected();
  } catch (err) {
    phone.close();
    await browser.close();
    throw err;
  }
  return {
    first: leg(browser, 'PCMU', FIRST_HZ), second: leg(phone, 'PCMA', SECOND_HZ),
    close: async () => { phone.close(); await browser.close(); },
  };
}

/** Every leg of every call sends a frame every 20 ms, on one schedule that does not drift. */
class Talk {
  private stopped = false;
  private readonly done: Promise<void>;
  /** When each tick's sending began (performance.now()), by tick: every leg's timestamp moves on 160 a tick. */
  readonly sentAt: number[] = [];
  /** How late each tick ran (ms), while `measuring`. */
  readonly lateness: number[] = [];
  measuring = false;

  constructor(private readonly calls: Call[]) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    const start = performance.now();
    for (let tick = 0; !this.stopped; tick++) {
      const wait = start + tick * 20 - performance.now();
      if (wait > 1) await sleep(wait);
      else if (this.measuring) this.lateness.push(-wait);
      this.sentAt.push(performance.now());
      for (const call of this.calls) {
        for (const l of [call.first, call.second]) {
          l.stream.send(PT[l.codec], l.frame, l.timestamp);
          l.timestamp = (l.timestamp + 160) >>> 0;
        }
      }
      if (tick % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  /** The tick that sent last at or before `at`. */
  tickAt(at: number): number {
    let lo = 0;
    let hi = this.sentAt.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.sentAt[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

interface Reception {
  packets: number;
  lost: number;
  late: number;
}

/**
 * Loss (sequence gaps) and late packets of one received stream. A packet's
 * transit is its arrival minus when its tick was sent (found from its RTP
 * timestamp, which the engine's relay moves by a constant); it is late when
 * its transit exceeds the best transit of its stretch by LATE_MS. A stretch
 * ends where the engine re-anchors the relayed timestamps (marker bit or a
 * timestamp step that does not match the sequence step). So a peer that
 * sends late does not count against the engine; only time between the send
 * and the arrival does.
 */
function reception(arrivals: Arrival[], talk: Talk): Reception {
  const audio = arrivals.filter((a) => a.packet.payloadType === 0 || a.packet.payloadType === 8);
  let lost = 0;
  let late = 0;
  let stretch: number[] = [];
  let origin = { tick: 0, timestamp: 0 };
  const endStretch = (): void => {
    const best = Math.min(...stretch);
    late += stretch.filter((t) => t - best > LATE_MS).length;
    stretch = [];
  };
  for (let i = 0; i < audio.length; i++) {
    const { at, packet } = audio[i]!;
    const prev = audio[i - 1]?.packet;
    const seqStep = prev ? (packet.sequenceNumber - prev.sequenceNumber) & 0xffff : 0;
    if (seqStep > 1 && seqStep < 0x8000) lost += seqStep - 1;
    if (!prev || packet.marker || ((packet.timestamp - prev.timestamp) | 0) !== 160 * seqStep) {
      if (stretch.length) endStretch();
      origin = { tick: talk.tickAt(at), timestamp: packet.timestamp };
    }
    const tick = origin.tick + ((packet.timestamp - origin.timestamp) | 0) / 160;
    const sent = talk.sentAt[Math.max(0, Math.min(talk.sentAt.length - 1, tick))]!;
    stretch.push(at - sent);
  }
  if (stretch.length) endStretch();
  return { packets: audio.length, lost, late };
}

/** Packets of one received stream that do not carry the tone `hz` (its share of a packet's energy at most TONE_SHARE). */
function offTone(arrivals: Arrival[], hz: number): number {
  let off = 0;
  for (const { packet } of arrivals) {
    if (packet.payloadType !== 0 && packet.payloadType !== 8) continue;
    const pcm = decodeG711(packet.payloadType === 0 ? 'PCMU' : 'PCMA', packet.payload);
    if (!(toneRatio(pcm, 8000, hz) > TONE_SHARE)) off += 1;
  }
  return off;
}

// ============================================================================
// One run: N calls of one kind
// ============================================================================

interface RunResult {
  kind: Kind;
  calls: number;
  connected: number;
  setupS: number;
  seconds: number;
  startedAt: string;
  loadAverage: number[];
  packets: number;
  /** Packets the peers sent in the window (both legs). */
  expected: number;
  lost: number;
  late: number;
  /** Of `late`, those the first leg heard (engine to the WebRTC peer); the rest the plain phone heard. */
  lateAtFirst: number;
  /** Calls whose every packet carried the far end's tone; packets that did not. */
  audio: { clean: number; offTone: number };
  engine: { cpu: number; cpuPerCall: number; usPerPacket: number; loopP99Ms: number; loopMaxMs: number; alive: boolean };
  peers: { cpu: number; tickLateP99Ms: number; tickLateMaxMs: number };
  otherLoad: number;
  clean: boolean;
  why: string[];
}

interface RunOptions {
  seconds: number;
  warmupS: number;
  profileDir: string | undefined;
  nice: number | undefined;
}

async function runCalls(kind: Kind, n: number, o: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const loadAverage = os.loadavg();
  const engine = new EngineProcess(n, o.profileDir, o.nice);
  const calls: Call[] = [];
  let talk: Talk | undefined;
  const why: string[] = [];
  try {
    await engine.started();
    const t0 = performance.now();
    for (let i = 0; i < n; i += SETUP_BATCH) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(SETUP_BATCH, n - i) }, () => openCall(engine, kind)));
      for (const r of batch) {
        if (r.status === 'fulfilled') calls.push(r.value);
        else why.push(`a call failed to set up: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
      }
    }
    const setupS = (performance.now() - t0) / 1000;
    talk = new Talk(calls);
    await sleep(o.warmupS * 1000);

    const streams = calls.flatMap((c) => [c.first.stream, c.second.stream]);
    for (const s of streams) s.received.length = 0;
    talk.measuring = true;
    const before = await engine.usage();
    const peers0 = process.cpuUsage();
    const machine0 = machineJiffies();
    const w0 = performance.now();
    await sleep(o.seconds * 1000);
    const after = await engine.usage();
    const peersCpu = process.cpuUsage(peers0);
    const machine1 = machineJiffies();
    const windowS = (performance.now() - w0) / 1000;
    talk.measuring = false;
    const frozen = streams.map((s) => s.received.splice(0));

    const rx = frozen.map((arrivals) => reception(arrivals, talk!));
    const packets = rx.reduce((a, r) => a + r.packets, 0);
    const lost = rx.reduce((a, r) => a + r.lost, 0);
    const late = rx.reduce((a, r) => a + r.late, 0);
    // Streams are [first, second] per call: even ones are what the first leg (the WebRTC peer, or its plain stand-in) heard.
    const lateAtFirst = rx.filter((_, i) => i % 2 === 0).reduce((a, r) => a + r.late, 0);
    const expected = talk.sentAt.filter((t) => t >= w0 && t < w0 + windowS * 1000).length * streams.length;
    // Each leg hears the other's tone: streams are [first, second] per call.
    const offByCall = calls.map((_, i) => offTone(frozen[2 * i]!, SECOND_HZ) + offTone(frozen[2 * i + 1]!, FIRST_HZ));
    const engineCpu = ((after.cpuUs - before.cpuUs) / 1e6 / windowS) * 100;
    const peers = ((peersCpu.user + peersCpu.system) / 1e6 / windowS) * 100;
    const machine = ((machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total)) * os.cpus().length * 100;
    const lateness = talk.lateness.sort((a, b) => a - b);
    const cleanAudio = offByCall.filter((off) => off === 0).length;

    if (calls.length < n) why.push(`${n - calls.length} of ${n} calls did not connect`);
    if (lost > CLEAN_SHARE * expected) why.push(`${lost} packets lost`);
    if (late > CLEAN_SHARE * expected) why.push(`${late} packets late by over ${LATE_MS} ms`);
    if (packets + lost < (1 - CLEAN_SHARE) * expected) why.push(`${packets} packets arrived of ${expected} sent`);
    if (cleanAudio < calls.length) why.push(`${calls.length - cleanAudio} of ${calls.length} calls had packets without their tone`);
    if (!engine.alive) why.push('the engine process died');
    return {
      kind, calls: n, connected: calls.length, setupS, seconds: windowS, startedAt, loadAverage,
      packets, expected, lost, late, lateAtFirst,
      audio: { clean: cleanAudio, offTone: offByCall.reduce((x, y) => x + y, 0) },
      engine: {
        cpu: engineCpu, cpuPerCall: engineCpu / Math.max(1, calls.length),
        usPerPacket: ((after.cpuUs - before.cpuUs) / Math.max(1, packets + lost)),
        loopP99Ms: after.loopP99Ms, loopMaxMs: after.loopMaxMs, alive: engine.alive,
      },
      peers: {
        cpu: peers,
        tickLateP99Ms: lateness.length ? lateness[Math.ceil(0.99 * lateness.length) - 1]! : 0,
        tickLateMaxMs: lateness.length ? lateness[lateness.length - 1]! : 0,
      },
      otherLoad: Math.max(0, machine - engineCpu - peers),
      clean: why.length === 0,
      why,
    };
  } finally {
    await talk?.stop();
    await Promise.all(calls.map((c) => c.close()));
    await engine.stop();
  }
}

// ============================================================================
// Output
// ============================================================================

function resultLine(r: RunResult): string {
  return `RESULT kind=${r.kind} calls=${r.calls} connected=${r.connected} clean=${r.clean ? 'yes' : 'no'} | ` +
    `engine cpu=${f1(r.engine.cpu)}% per_call=${f2(r.engine.cpuPerCall)}% us/packet=${f1(r.engine.usPerPacket)} loop p99=${f1(r.engine.loopP99Ms)}ms | ` +
    `packets=${r.packets}/${r.expected} lost=${r.lost} late=${r.late} (at first leg ${r.lateAtFirst}) audio ok=${r.audio.clean}/${r.connected} off-tone packets=${r.audio.offTone} | ` +
    `peers cpu=${f1(r.peers.cpu)}% tick late p99=${f1(r.peers.tickLateP99Ms)}ms | other load=${f1(r.otherLoad)}% | ` +
    `setup ${f1(r.setupS)} s | load average ${r.loadAverage.map(f2).join(' ')}` + (r.why.length ? `\n  NOT CLEAN: ${r.why.join('; ')}` : '');
}

function markdownTable(results: RunResult[]): string {
  const head = ['calls', 'kind', 'clean', 'engine CPU %', 'CPU % per call', 'µs/packet', 'loop delay p99 ms',
    'lost', 'late', 'calls with clean audio', 'peers CPU %', 'other load %', 'load average (1 min)'];
  const rows = results.map((r) => [r.calls, r.kind, r.clean ? 'yes' : 'no', f1(r.engine.cpu), f2(r.engine.cpuPerCall), f1(r.engine.usPerPacket),
    f1(r.engine.loopP99Ms), `${r.lost}/${r.expected}`, r.late, `${r.audio.clean}/${r.connected}`, f1(r.peers.cpu), f1(r.otherLoad), f2(r.loadAverage[0]!)].map(String));
  return [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 1 || i === 2 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// ============================================================================
// Main
// ============================================================================

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      calls: { type: 'string', default: '10,20,40,60,80,100,130,160,200' },
      seconds: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      'stop-after': { type: 'string', default: '2' },
      kinds: { type: 'string', default: 'webrtc,plain' },
      nice: { type: 'string' },
      profile: { type: 'string' },
      json: { type: 'string' },
    },
    strict: true,
  });
  if (values.role === 'engine') {
    await engineMain();
    return;
  }
  const steps = positiveList('calls', values.calls).map(Math.round);
  const kinds = (values.kinds ?? '').split(',').map((k) => k.trim());
  for (const k of kinds) if (k !== 'webrtc' && k !== 'plain') throw new Error(`--kinds: webrtc or plain, got ${k}`);
  const o: RunOptions = {
    seconds: positive('seconds', values.seconds),
    warmupS: positive('warmup', values.warmup),
    profileDir: values.profile,
    nice: values.nice !== undefined ? Number(values.nice) : undefined,
  };
  if (o.nice !== undefined) os.setPriority(o.nice);
  const stopAfter = positive('stop-after', values['stop-after']);
  const { startedAt, machine } = printRunHeader('webrtc-calls');
  console.log(`# engine on ${ENGINE_IP}:${ENGINE_PORT_MIN}+ in its own process; peers in this one (WebRTC: werift RTCPeerConnection)` +
    (o.nice !== undefined ? `; engine and peers at nice ${o.nice}` : '') + (o.profileDir ? `; engine CPU profiles in ${o.profileDir}` : ''));

  const results: RunResult[] = [];
  let failing = 0;
  for (const [i, n] of steps.entries()) {
    const order = (i % 2 === 0 ? kinds : [...kinds].reverse()) as Kind[];
    let webrtcClean = !kinds.includes('webrtc');
    for (const kind of order) {
      console.log(`# ${n} ${kind} calls, ${o.warmupS} s warm-up, ${o.seconds} s measured`);
      try {
        const r = await runCalls(kind, n, o);
        results.push(r);
        console.log(resultLine(r));
        if (kind === 'webrtc') webrtcClean = r.clean;
        else if (!kinds.includes('webrtc')) webrtcClean = r.clean;
      } catch (err) {
        console.log(`# ${n} ${kind} calls could not run: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(1000);
    }
    failing = webrtcClean ? 0 : failing + 1;
    if (failing >= stopAfter) {
      console.log(`# ${failing} step(s) in a row not clean: stopping`);
      break;
    }
  }
  console.log('');
  console.log(markdownTable(results));
  for (const kind of kinds) {
    const best = results.filter((r) => r.kind === kind && r.clean).map((r) => r.calls).sort((a, b) => b - a)[0];
    const firstFail = results.find((r) => r.kind === kind && !r.clean);
    console.log(`HIGHEST CLEAN ${kind}: ${best !== undefined ? `${best} calls` : 'none'}` +
      (firstFail ? ` (first not clean: ${firstFail.calls}: ${firstFail.why.join('; ')})` : ''));
  }
  if (values.json) writeJsonResults(values.json, startedAt, machine, results);
}

runMain(main);
