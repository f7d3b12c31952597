/**
 * Figures: how many callers can wait in a queue at once (music on hold,
 * position and wait announcements) with no failed call and clean audio, and
 * how many calls per second the entrance (answer + flow + queue) accepts.
 *
 *   npx tsx bench/queue-capacity.ts                                  # both sweeps
 *   npx tsx bench/queue-capacity.ts --only waiting --callers 50,100,200,300,500
 *   npx tsx bench/queue-capacity.ts --only cps --rates 10,20,40,60,80,100,150
 *
 * Per step a fresh product is started as its own process (node
 * dist/server/main.js, LOG_LEVEL=warn, free loopback ports, the operator trunk
 * trusting 127.0.0.2, the RTP range moved to 33000-36999 so 500+ calls fit).
 * No agent is registered, so every caller of +46313900603 ("Kort och
 * spärr", ivr-flows/kort-och-sparr.yaml: no menu, straight to queue `kort`)
 * is answered by the product's media and waits: position and estimated wait
 * on entry and every 30 s, music on hold in between.
 *
 * Callers: SIPp on 127.0.0.2 (a uac scenario written to a temp dir: INVITE,
 * 200, ACK, pause -d, BYE, 200). The SDP offer of call k points its audio at
 * receiver k: a UDP socket of this process on 127.0.0.6 (the port comes from
 * a SEQUENTIAL -inf file). The receivers do not send (callers on hold that
 * stay quiet); the product's dead-call timer for caller legs is 60 s
 * (server/calls/anchored-call.ts), so --hold stays below it.
 *
 * "Clean audio" is judged on the callers' side, on every stream, over the
 * whole call: RTP sequence gaps (packets lost), timestamp steps other than 160
 * between consecutive packets without the marker bit (frames skipped),
 * inter-arrival spacing (|gap - 20 ms|, p99, and the longest gap), and that
 * every stream got non-silent PCMU. Arrival times are taken in this process's
 * 'message' handler, so they include its own scheduling delays (it shares the
 * 2 cores with the product and SIPp): the spacing figure is an upper bound of
 * the product's pacing error. So, as in bench/media-streams.ts, tcpdump (when
 * installed, run as root) also captures the RTP on lo during waiting steps
 * and the same loss and spacing figures are computed on kernel timestamps
 * ("wire"); the spacing mark is then judged on the wire. A waiting step passes with every call
 * successful on SIPp's side, every stream delivering audio, 0 packets lost,
 * 0 frames skipped, 0 lost on the wire and |spacing - 20| p99 <= 5 ms (--spacing-p99; the same
 * mark as bench/media-streams.ts).
 *
 * Entrance rate: bursts of --burst-seconds of calls at each --rates rate, each
 * held --cps-hold s (long enough to be answered by the flow and hear the entry
 * announcement) then hung up; all audio to one sink socket (its audio figures
 * mix every call's SSRC and mean nothing). A step passes with every call
 * successful, SIPp keeping the rate (within 10 %) and INVITE -> 200 p99 at
 * most --setup-p99 ms (1 s: beyond that the product is answering late,
 * SIPp retransmits, and longer bursts would fail).
 *
 * Options:
 *   --only waiting|cps     run one sweep only (default both)
 *   --callers LIST         waiting callers per step (default 50,100,200,300,500)
 *   --hold S               seconds each waiting caller holds (default 45, below the 60 s RTP timeout)
 *   --ramp CPS             rate at which waiting callers arrive (default 25)
 *   --rates LIST           entrance rates (default 10,20,40,60,80,100,150,200)
 *   --burst-seconds S      seconds of calls per entrance step (default 10)
 *   --cps-hold S           seconds each entrance call holds (default 4)
 *   --stop-after N         a sweep stops after N failing steps in a row (default 2)
 *   --spacing-p99 MS       the clean-audio mark for |spacing - 20 ms| p99 (default 5)
 *   --setup-p99 MS         an entrance step also needs INVITE -> 200 p99 at or under this (default 1000)
 *   --no-capture           no tcpdump; spacing judged on the receivers' arrival times
 *   --json FILE            every step, with 1 s samples
 *   --build / --no-build   always / never run `npm run build` (default: when dist is missing or stale)
 *   KEEP_BENCH_FILES=1     keep the temp dirs
 */
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCapture, stopCapture, tcpdumpProblem } from './lib/capture.js';
import { benchPort } from './lib/ports.js';
import { ensureBuilt, operatorTrunkConfig, startProductProcess, type ProductProcess } from './lib/product.js';
import { Sampler, cpuSeconds, rssMb, type Sample } from './lib/proc.js';
import { failureCounters, num, placingSeconds, startSipp, type SippOutcome } from './lib/sipp.js';
import { buildMode, positive, positiveList, printRunHeader, runMain, writeJsonResults } from './lib/cli.js';

const TRUNK_SOURCE_IP = '127.0.0.2';
const RECEIVER_IP = '127.0.0.6'; // not bench/media-streams.ts's 127.0.0.5, so their captures do not mix
const DIALLED = '+46313900603'; // Kort och spärr: no menu, straight to queue `kort`
const CALLER = '+46701740650';
let passSpacingMs = 5;
let useCapture = false;
let maxSetupP99Ms = 1000;

const CONFIG_YAML = operatorTrunkConfig({
  writtenBy: 'bench/queue-capacity.ts',
  callerIp: TRUNK_SOURCE_IP,
  note: 'no agent registers',
  more: 'rtp:\n  portMin: 33000\n  portMax: 36999\n',
});

/** ACK and BYE go inside the dialog the INVITE made and share every header but the method and CSeq. */
const inDialog = (method: 'ACK' | 'BYE', cseq: number, sendAttrs: string): string => `  <send${sendAttrs}>
    <![CDATA[

      ${method} [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      [routes]
      Max-Forwards: 70
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${cseq} ${method}
      Content-Length: 0

    ]]>
  </send>
`;

/** INVITE with the audio pointed at [field0]:[field1], 200, ACK, pause (-d), BYE, 200. */
const SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uac-queue-wait">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
      User-Agent: sipp-queue-capacity
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP4 [field0]
      s=-
      c=IN IP4 [field0]
      t=0 0
      m=audio [field1] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=ptime:20

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true" rrs="true"/>
${inDialog('ACK', 1, '')}  <pause/>
${inDialog('BYE', 2, ' retrans="500" start_rtd="2"')}  <recv response="200" rtd="2" crlf="true"/>
</scenario>
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const avg = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const max = (xs: number[]): number => (xs.length ? Math.max(...xs) : NaN);

// ---------------------------------------------------------------------------
// RTP receivers
// ---------------------------------------------------------------------------

/** |gap - 20 ms| histogram in 0.1 ms buckets up to 1 s. */
class Histogram {
  private readonly buckets = new Uint32Array(10_001);
  n = 0;
  maxGapMs = 0;
  add(gapMs: number): void {
    const dev = Math.abs(gapMs - 20);
    this.buckets[Math.min(10_000, Math.round(dev * 10))]! += 1;
    this.n++;
    if (gapMs > this.maxGapMs) this.maxGapMs = gapMs;
  }
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const target = Math.ceil(q * this.n);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= target) return i / 10;
    }
    return 1000;
  }
}

interface Stream {
  packets: number;
  nonSilent: number;
  ssrc: number;
  seq: number;
  ts: number;
  lastAt: number;
  lost: number;
  skipped: number;
  misordered: number;
  ssrcChanges: number;
  payloadTypes: Set<number>;
}

const newStream = (): Stream => ({
  packets: 0, nonSilent: 0, ssrc: -1, seq: -1, ts: 0, lastAt: 0, lost: 0, skipped: 0, misordered: 0, ssrcChanges: 0, payloadTypes: new Set(),
});

class Receivers {
  readonly sockets: dgram.Socket[] = [];
  readonly streams: Stream[] = [];
  readonly hist = new Histogram();

  async open(n: number): Promise<number[]> {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const sock = dgram.createSocket('udp4');
      const stream = newStream();
      sock.on('message', (buf) => this.onPacket(stream, buf));
      sock.on('error', () => { /* ignore */ });
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(0, RECEIVER_IP, () => { sock.off('error', reject); resolve(); });
      });
      try { sock.setRecvBufferSize(1 << 20); } catch { /* best effort */ }
      this.sockets.push(sock);
      this.streams.push(stream);
      ports.push(sock.address().port);
    }
    return ports;
  }

  private onPacket(s: Stream, buf: Buffer): void {
    const at = performance.now();
    if (buf.length < 12 || (buf[0]! >> 6) !== 2) return;
    const pt = buf[1]! & 0x7f;
    if (pt >= 72 && pt <= 76) return; // RTCP
    const marker = (buf[1]! & 0x80) !== 0;
    const seq = buf.readUInt16BE(2);
    const ts = buf.readUInt32BE(4);
    const ssrc = buf.readUInt32BE(8);
    s.packets++;
    s.payloadTypes.add(pt);
    if (pt === 0) {
      const payload = buf.subarray(12);
      for (const b of payload) if (b !== 0xff && b !== 0x7f) { s.nonSilent++; break; }
    }
    if (s.ssrc !== -1 && ssrc !== s.ssrc) {
      s.ssrcChanges++;
      s.seq = -1;
    }
    s.ssrc = ssrc;
    if (s.seq !== -1) {
      const d = (seq - s.seq + 65536) % 65536;
      if (d === 0 || d > 32768) {
        s.misordered++;
        return;
      }
      if (d > 1) s.lost += d - 1;
      else if (!marker && pt !== 101 && ((ts - s.ts) >>> 0) !== 160) s.skipped++;
      if (d === 1) this.hist.add(at - s.lastAt);
    }
    s.seq = seq;
    s.ts = ts;
    s.lastAt = at;
  }

  close(): void {
    for (const s of this.sockets) try { s.close(); } catch { /* closed */ }
  }
}

// ---------------------------------------------------------------------------
// Capture on lo (kernel timestamps: the product's pacing, free of the receivers' delays)
// ---------------------------------------------------------------------------

interface WireStats { packets: number; streams: number; lost: number; devP50: number; devP99: number; devP999: number; maxGapMs: number; dropped: number }

/** Classic pcap (tcpdump -w on lo: Ethernet headers), RTP to the receivers, per destination port. */
function analysePcap(file: string, dropped: number, ports: Set<number>): WireStats {
  const buf = readFileSync(file);
  const hist = new Histogram();
  const streams = new Map<number, { seq: number; at: number; ssrc: number }>();
  let lost = 0;
  let packets = 0;
  const le = buf.readUInt32LE(0) === 0xa1b2c3d4;
  const nano = buf.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number): number => (le || nano ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const data = off + 16;
    off = data + incl;
    if (off > buf.length) break;
    const ip = data + 14;
    if (buf[ip - 2] !== 0x08 || buf[ip - 1] !== 0x00) continue;
    const ihl = (buf[ip]! & 0x0f) * 4;
    if (buf[ip + 9] !== 17) continue;
    const udp = ip + ihl;
    const rtp = udp + 8;
    if (rtp + 12 > data + incl || (buf[rtp]! >> 6) !== 2) continue;
    const pt = buf[rtp + 1]! & 0x7f;
    if (pt >= 72 && pt <= 76) continue;
    const port = buf.readUInt16BE(udp + 2);
    if (!ports.has(port)) continue; // someone else's traffic to the same address
    const seq = buf.readUInt16BE(rtp + 2);
    const ssrc = buf.readUInt32BE(rtp + 8);
    const at = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    packets++;
    const s = streams.get(port);
    if (!s || s.ssrc !== ssrc) { streams.set(port, { seq, at, ssrc }); continue; }
    const d = (seq - s.seq + 65536) % 65536;
    if (d === 0 || d > 32768) continue;
    if (d > 1) lost += d - 1;
    else hist.add(at - s.at);
    s.seq = seq;
    s.at = at;
  }
  return { packets, streams: streams.size, lost, devP50: hist.quantile(0.5), devP99: hist.quantile(0.99), devP999: hist.quantile(0.999), maxGapMs: hist.maxGapMs, dropped };
}

// ---------------------------------------------------------------------------
// One step
// ---------------------------------------------------------------------------

interface StepResult {
  kind: 'waiting' | 'cps';
  /** Waiting callers, or calls per second. */
  n: number;
  seconds: number;
  holdS: number;
  attempted: number;
  successful: number;
  failed: number;
  failures: Record<string, number>;
  offeredCps: number;
  maxConcurrent: number;
  retransmissions: number;
  setupP50: number;
  setupP99: number;
  audio: {
    streamsWithAudio: number;
    streamsNonSilent: number;
    packets: number;
    lost: number;
    skipped: number;
    misordered: number;
    ssrcChanges: number;
    devP50: number;
    devP99: number;
    devP999: number;
    maxGapMs: number;
  };
  /** The same streams captured on lo (kernel timestamps), when tcpdump runs. */
  wire?: WireStats;
  cpu: { avg: number; max: number; fullAvg: number };
  cpuMsPerCall: number;
  rss: { start: number; max: number };
  receiverCpuAvg: number;
  uacCpuAvg: number;
  otherLoadAvg: number;
  productAlive: boolean;
  productLog: Array<{ what: string; count: number }>;
  sippErrorsTail: string;
  pass: boolean;
  samples: Sample[];
}

function percentile(values: number[] | undefined, q: number): number {
  if (!values || values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

async function runStep(kind: 'waiting' | 'cps', n: number, o: { holdS: number; ramp: number; burstSeconds: number }): Promise<StepResult> {
  const product: ProductProcess = await startProductProcess({ configYaml: CONFIG_YAML, logLevel: 'warn' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vaxel-bench-queue-'));
  const receivers = new Receivers();
  try {
    const calls = kind === 'waiting' ? n : Math.round(n * o.burstSeconds);
    const rate = kind === 'waiting' ? o.ramp : n;
    const ports = await receivers.open(kind === 'waiting' ? n : 1);
    const csv = ['SEQUENTIAL', ...Array.from({ length: calls }, (_, i) => `${RECEIVER_IP};${ports[kind === 'waiting' ? i : 0]}`)].join('\n') + '\n';
    const inf = path.join(dir, 'media.csv');
    writeFileSync(inf, csv);
    const scenario = path.join(dir, 'uac-queue-wait.xml');
    writeFileSync(scenario, SCENARIO);

    await sleep(1000);
    const rssStart = rssMb(product.pid) ?? NaN;
    const callerPort = await benchPort(TRUNK_SOURCE_IP);
    const placeS = calls / rate;
    const timeoutMs = (placeS + o.holdS + 60) * 1000;
    const capture = kind === 'waiting' && useCapture
      ? await startCapture(path.join(dir, 'rtp.pcap'), `udp and dst host ${RECEIVER_IP}`)
      : undefined;
    const sampler = new Sampler(product.pid);
    sampler.watch('self', process.pid);
    if (capture) sampler.watch('tcpdump', capture.proc.pid);
    const cpuBefore = cpuSeconds(product.pid) ?? NaN;
    const uac = startSipp(scenario, [
      `127.0.0.1:${product.sipPort}`,
      '-i', TRUNK_SOURCE_IP, '-mi', TRUNK_SOURCE_IP, '-bind_local', '-p', String(callerPort), '-t', 'u1',
      '-s', DIALLED, '-key', 'caller', CALLER, '-inf', inf,
      '-r', String(rate), '-m', String(calls), '-l', String(calls + 10), '-d', String(o.holdS * 1000),
      '-recv_timeout', '20000', '-timeout', `${Math.ceil(timeoutMs / 1000)}s`,
    ], { timeoutMs, traceRtt: true });
    sampler.watch('uac', uac.pid);
    sampler.start();
    const out: SippOutcome = await uac.done;
    const cpuAfter = cpuSeconds(product.pid) ?? NaN;
    await sleep(500);
    sampler.stop();
    const wire = capture ? analysePcap(capture.file, (await stopCapture(capture)).dropped, new Set(ports)) : undefined;

    const samples = sampler.samples;
    // All callers present: from the last call placed (+2 s) to the first hang-up.
    const full = samples.filter((s) => s.t >= placeS + 2 && s.t <= o.holdS - 0.5);
    const streams = receivers.streams;
    const audio = {
      streamsWithAudio: streams.filter((s) => s.packets > 0).length,
      streamsNonSilent: streams.filter((s) => s.nonSilent > 0).length,
      packets: streams.reduce((a, s) => a + s.packets, 0),
      lost: streams.reduce((a, s) => a + s.lost, 0),
      skipped: streams.reduce((a, s) => a + s.skipped, 0),
      misordered: streams.reduce((a, s) => a + s.misordered, 0),
      ssrcChanges: streams.reduce((a, s) => a + s.ssrcChanges, 0),
      devP50: receivers.hist.quantile(0.5),
      devP99: receivers.hist.quantile(0.99),
      devP999: receivers.hist.quantile(0.999),
      maxGapMs: receivers.hist.maxGapMs,
    };
    const attempted = num(out.stats, 'OutgoingCall(C)');
    const successful = num(out.stats, 'SuccessfulCall(C)');
    const failed = num(out.stats, 'FailedCall(C)');
    const productAlive = !product.exited();
    const callsOk = failed === 0 && successful === calls && attempted === calls && productAlive;
    const offeredCps = attempted / Math.max(1, placingSeconds(out.periods));
    const pass = kind === 'waiting'
      ? callsOk && audio.streamsWithAudio === n && audio.streamsNonSilent === n && audio.lost === 0 && audio.skipped === 0
        && (wire ? wire.lost === 0 && wire.devP99 <= passSpacingMs : audio.devP99 <= passSpacingMs)
      : callsOk && offeredCps >= n * 0.9 && !(percentile(out.rtt.get('1'), 0.99) > maxSetupP99Ms);
    const ncpu = os.cpus().length;
    return {
      kind,
      n,
      seconds: kind === 'waiting' ? placeS : o.burstSeconds,
      holdS: o.holdS,
      attempted,
      successful,
      failed,
      failures: failureCounters(out.stats),
      offeredCps,
      maxConcurrent: Math.max(0, ...out.periods.map((r) => num(r, 'CurrentCall'))),
      retransmissions: num(out.stats, 'Retransmissions(C)'),
      setupP50: percentile(out.rtt.get('1'), 0.5),
      setupP99: percentile(out.rtt.get('1'), 0.99),
      audio,
      wire,
      cpu: { avg: avg(samples.map((s) => s.cpu)), max: max(samples.map((s) => s.cpu)), fullAvg: avg(full.map((s) => s.cpu)) },
      cpuMsPerCall: ((cpuAfter - cpuBefore) * 1000) / Math.max(1, attempted),
      rss: { start: rssStart, max: max([rssStart, ...samples.map((s) => s.rssMb)].filter(Number.isFinite)) },
      receiverCpuAvg: avg(samples.map((s) => s.others.self ?? NaN).filter(Number.isFinite)),
      uacCpuAvg: avg(samples.map((s) => s.others.uac ?? NaN).filter(Number.isFinite)),
      otherLoadAvg: Math.max(0, avg(samples.map((s) => s.machineBusy * ncpu - s.cpu - (s.others.uac ?? 0) - (s.others.self ?? 0) - (s.others.tcpdump ?? 0)))),
      productAlive,
      productLog: [...product.logs.counts.entries()].map(([what, count]) => ({ what, count })).sort((a, b) => b.count - a.count),
      sippErrorsTail: out.errors.slice(-2000) + (out.stderr.trim() ? `\n--- sipp stderr ---\n${out.stderr.slice(-800)}` : ''),
      pass,
      samples,
    };
  } finally {
    receivers.close();
    await product.stop();
    if (process.env.KEEP_BENCH_FILES !== '1') rmSync(dir, { recursive: true, force: true });
  }
}

function resultLine(r: StepResult): string {
  const a = r.audio;
  const head = r.kind === 'waiting'
    ? `RESULT waiting callers=${r.n} hold=${r.holdS}s`
    : `RESULT entrance rate=${r.n}cps burst=${r.seconds}s hold=${r.holdS}s`;
  return [
    head,
    `${r.pass ? 'PASS' : 'FAIL'}`,
    `calls attempted=${r.attempted} successful=${r.successful} failed=${r.failed} max_concurrent=${r.maxConcurrent} offered=${f1(r.offeredCps)}cps`,
    `audio streams=${a.streamsWithAudio} nonsilent=${a.streamsNonSilent} packets=${a.packets} lost=${a.lost} skipped=${a.skipped} |gap-20| p50 ${f1(a.devP50)} p99 ${f1(a.devP99)} p99.9 ${f1(a.devP999)} ms max_gap ${f1(a.maxGapMs)} ms`,
    ...(r.wire ? [`wire packets=${r.wire.packets} streams=${r.wire.streams} lost=${r.wire.lost} dropped=${r.wire.dropped} |gap-20| p50 ${f1(r.wire.devP50)} p99 ${f1(r.wire.devP99)} p99.9 ${f1(r.wire.devP999)} ms max_gap ${f1(r.wire.maxGapMs)} ms`] : []),
    `cpu avg=${f1(r.cpu.avg)}% all-waiting avg=${f1(r.cpu.fullAvg)}% max=${f1(r.cpu.max)}% per_call=${f1(r.cpuMsPerCall)}ms`,
    `rss start=${f1(r.rss.start)}MB max=${f1(r.rss.max)}MB`,
    `setup p50 ${f1(r.setupP50)} p99 ${f1(r.setupP99)} ms`,
  ].join(' | ');
}

function details(r: StepResult): string {
  const lines = [
    `  failures ${JSON.stringify(r.failures)}, retransmissions ${r.retransmissions}, misordered ${r.audio.misordered}, ssrc changes ${r.audio.ssrcChanges}; ` +
      `CPU avg: SIPp ${f1(r.uacCpuAvg)}%, receivers (this process) ${f1(r.receiverCpuAvg)}%, everything else ${f1(r.otherLoadAvg)}% of one core`,
  ];
  if (!r.productAlive) lines.push('  THE PRODUCT PROCESS DIED DURING THE RUN');
  for (const { what, count } of r.productLog.slice(0, 8)) lines.push(`  product: ${count} x ${what}`);
  if (r.failed > 0 && r.sippErrorsTail.trim()) lines.push('  SIPp error log (tail):', ...r.sippErrorsTail.trim().split('\n').slice(-10).map((l) => `    ${l}`));
  return lines.join('\n');
}

function table(results: StepResult[]): string {
  const head = ['kind', 'N', 'pass', 'attempted', 'successful', 'failed', 'max concurrent', 'offered cps', 'streams w/ audio', 'lost', 'skipped',
    'rx |gap-20| p99 ms', 'rx |gap-20| p99.9 ms', 'rx max gap ms', 'wire lost', 'wire |gap-20| p99 ms', 'wire |gap-20| p99.9 ms', 'wire max gap ms', 'CPU avg %', 'CPU all-waiting %', 'CPU max %', 'CPU ms/call', 'RSS start MB', 'RSS max MB',
    'setup p50 ms', 'setup p99 ms', 'other load %'];
  const rows = results.map((r) => [r.kind, r.n, r.pass ? 'yes' : 'no', r.attempted, r.successful, r.failed, r.maxConcurrent, f1(r.offeredCps),
    r.audio.streamsWithAudio, r.audio.lost, r.audio.skipped, f1(r.audio.devP99), f1(r.audio.devP999), f1(r.audio.maxGapMs),
    r.wire ? r.wire.lost : '—', f1(r.wire?.devP99 ?? NaN), f1(r.wire?.devP999 ?? NaN), f1(r.wire?.maxGapMs ?? NaN), f1(r.cpu.avg), f1(r.cpu.fullAvg),
    f1(r.cpu.max), f1(r.cpuMsPerCall), f1(r.rss.start), f1(r.rss.max), f1(r.setupP50), f1(r.setupP99), f1(r.otherLoadAvg)].map(String));
  return [`| ${head.join(' | ')} |`, `|${head.map(() => ' ---: ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      callers: { type: 'string', default: '50,100,200,300,500' },
      hold: { type: 'string', default: '45' },
      ramp: { type: 'string', default: '25' },
      rates: { type: 'string', default: '10,20,40,60,80,100,150,200' },
      'burst-seconds': { type: 'string', default: '10' },
      'cps-hold': { type: 'string', default: '4' },
      'stop-after': { type: 'string', default: '2' },
      'spacing-p99': { type: 'string', default: '5' },
      'setup-p99': { type: 'string', default: '1000' },
      'no-capture': { type: 'boolean', default: false },
      json: { type: 'string' },
      build: { type: 'boolean' },
      'no-build': { type: 'boolean' },
    },
    strict: true,
  });
  const holdS = positive('hold', values.hold);
  const ramp = positive('ramp', values.ramp);
  const burstSeconds = positive('burst-seconds', values['burst-seconds']);
  const cpsHold = positive('cps-hold', values['cps-hold']);
  const stopAfter = positive('stop-after', values['stop-after']);
  passSpacingMs = positive('spacing-p99', values['spacing-p99']);
  maxSetupP99Ms = positive('setup-p99', values['setup-p99']);
  useCapture = !values['no-capture'] && tcpdumpProblem() === undefined;
  if (!useCapture) console.log('# no tcpdump capture: spacing is judged on the receivers\' arrival times');
  if (values.only && values.only !== 'waiting' && values.only !== 'cps') throw new Error('--only is waiting or cps');

  ensureBuilt(buildMode(values));
  const { startedAt, machine } = printRunHeader('queue-capacity');

  const results: StepResult[] = [];
  const sweep = async (kind: 'waiting' | 'cps', steps: number[]): Promise<void> => {
    let failing = 0;
    for (const n of steps) {
      const hold = kind === 'waiting' ? holdS : cpsHold;
      if (kind === 'waiting' && n / ramp + 5 > hold) console.log(`# note: ${n} callers at ${ramp} cps take ${f1(n / ramp)} s to arrive; hold ${hold} s leaves little time with all of them waiting`);
      console.log(`# step: ${kind} ${n} ${kind === 'waiting' ? `callers (arriving at ${ramp} cps, holding ${hold} s)` : `cps for ${burstSeconds} s (holding ${hold} s)`} at ${new Date().toISOString()}`);
      const r = await runStep(kind, n, { holdS: hold, ramp, burstSeconds });
      results.push(r);
      console.log(resultLine(r));
      console.log(details(r));
      failing = r.pass ? 0 : failing + 1;
      if (failing >= stopAfter) {
        console.log(`# ${failing} failing step(s) in a row: stopping the ${kind} sweep`);
        break;
      }
      await sleep(2000);
    }
  };
  if (values.only !== 'cps') await sweep('waiting', positiveList('callers', values.callers));
  if (values.only !== 'waiting') await sweep('cps', positiveList('rates', values.rates));

  console.log('');
  console.log(table(results));
  const best = (kind: string): number | undefined => results.filter((r) => r.kind === kind && r.pass).map((r) => r.n).sort((a, b) => b - a)[0];
  if (values.only !== 'cps') console.log(`\nHIGHEST waiting callers with no failed call and clean audio: ${best('waiting') ?? 'none'}`);
  if (values.only !== 'waiting') console.log(`HIGHEST entrance rate with no failed call: ${best('cps') !== undefined ? `${best('cps')} cps` : 'none'}`);
  if (values.json) {
    writeJsonResults(values.json, startedAt, machine, results);
  }
}

runMain(main);
