/**
 * Figure: the same drachtio-srf applications on different SIP engines, side
 * by side: the highest call rate each carries cleanly, and the CPU it
 * spends per call.
 *
 *   npx tsx bench/sipd-speed.ts [--apps minimal,b2bua] [--rates 100,200,300,400,500,600]
 *       [--seconds 10] [--rounds 3] [--cpu-rate 100] [--overload-seconds 0] [--thread] [--baseline DIR] [--profile DIR] [--json FILE]
 *
 * Engines, each run in turn within every round (rounds alternate, so a
 * change in the machine's load falls on all of them alike):
 * - "embedded": this checkout's server/sipd, in one process with the
 *   application, as the product runs it by default;
 * - "thread" with --thread: the same engine on a thread of its own in that
 *   process (server/sipd/engine-thread.ts, as `sip.engineThread: true`
 *   runs it), the application connected to it over loopback TCP;
 * - "baseline" with --baseline DIR: the server/sipd of another checkout
 *   (a git worktree of an older commit, its node_modules linked), same setup;
 * - "drachtio" when DRACHTIO_BIN (a drachtio-server binary, started here on
 *   free loopback ports) or DRACHTIO_HOST (host:port of a running one, with
 *   DRACHTIO_SECRET, default "cymru", and DRACHTIO_SIP, host:port where it
 *   takes SIP) is set. Its CPU is the application's process plus
 *   drachtio-server's.
 *
 * Applications (--apps):
 * - minimal: every INVITE answered 200 with SDP by srf.createUAS, BYE by the dialog;
 * - b2bua: srf.createB2BUA to a SIPp callee (test/sipp/uas-bench.xml), both
 *   legs' BYE handled by srf.
 * The product's own trunk-to-extension path is bench/b2bua-cps.ts (run it in
 * each checkout for before and after).
 *
 * A step: a SIPp caller (bench/sipp/uac-bench-overload.xml, UDP, hold 0 ms)
 * places rate x seconds calls. Clean: every call succeeded, none was refused
 * (503) and SIPp retransmitted nothing. Per engine and round the rates are stepped up until a step is not
 * clean; the highest clean rate counts, and the table gives the median over
 * the rounds. CPU per call is measured at --cpu-rate (process.cpuUsage of
 * the engine's process, from the first call to the last) and is the median
 * too. The machine's load average is printed with each round. --profile DIR
 * runs each engine's process with node --cpu-prof, one profile per step in DIR.
 *
 * --overload-seconds N: after each sweep, one step at twice the highest
 * clean rate for N seconds: calls refused with 503, and of the others the
 * share that succeeded; for the embedded engines also how long after the
 * caller stopped placing calls the engine still refused new ones.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Srf from 'drachtio-srf';
import { pino } from 'pino';
import { benchPort } from './lib/ports.js';
import { drachtioGiven, hostPort, startDrachtio, type DrachtioServer } from './lib/drachtio.js';
import { cpuSeconds } from './lib/proc.js';
import { failureCounters, num, placingSeconds, startSipp, waitUdpBound, type SippRun } from './lib/sipp.js';
import { positive, positiveList, printRunHeader, runMain, writeJsonResults } from './lib/cli.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const APPS = ['minimal', 'b2bua'] as const;
type App = (typeof APPS)[number];

const SDP = ['v=0', 'o=bench 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

/** What the child tells the parent once it takes calls. */
interface Ready { sipPort: number }
/** Whether the engine refuses new calls now; undefined: it cannot say (drachtio-server). */
interface Shedding { shedding?: boolean }
interface CpuUsage { user: number; system: number }

interface EngineSpec {
  name: string;
  /** Checkout whose server/sipd runs in the child; undefined: the application connects to drachtio-server. */
  root?: string;
  /** The engine on a thread of its own in the child. */
  thread?: boolean;
}

// ------------------------------------------------------------------ child

/** The child: an engine (or a connection to drachtio-server) and one application, answering CPU questions over IPC. */
async function child(): Promise<void> {
  const { values } = parseArgs({ options: { root: { type: 'string' }, app: { type: 'string' }, 'uas-port': { type: 'string' },
    'drachtio-control': { type: 'string' }, 'drachtio-sip': { type: 'string' }, thread: { type: 'boolean' }, child: { type: 'boolean' } } });
  const app = values.app as App;
  let connectTo: { host: string; port: number; secret: string };
  let sipPort: number;
  let stopEngine = async (): Promise<void> => {};
  let shedding = (): boolean | undefined => undefined;
  if (values.thread) {
    const thread = await engineOnItsThread();
    sipPort = thread.sipPort;
    stopEngine = () => thread.stop();
    connectTo = thread.connectTo;
  } else if (values.root) {
    const { SipServer } = await import(pathToFileURL(path.join(values.root, 'server/sipd/server.ts')).href) as typeof import('../server/sipd/server.js');
    sipPort = await benchPort();
    const controlPort = await benchPort();
    const secret = randomUUID();
    const sipd = new SipServer({ host: '127.0.0.1', sipPort, controlHost: '127.0.0.1', controlPort, secret, logger: pino({ level: 'error' }) });
    await sipd.start();
    stopEngine = () => sipd.stop();
    // An older engine has no shedder: it cannot say.
    shedding = () => (sipd as { shedder?: { shedding: boolean } }).shedder?.shedding;
    connectTo = { host: '127.0.0.1', port: controlPort, secret };
  } else {
    connectTo = { ...hostPort('--drachtio-control', values['drachtio-control']!), secret: process.env.DRACHTIO_SECRET ?? 'cymru' };
    sipPort = hostPort('--drachtio-sip', values['drachtio-sip']!).port;
  }
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    srf.on('connect', (err) => (err ? reject(err) : resolve()));
    void srf.connect(connectTo);
  });
  srf.on('error', () => {});
  const uasPort = values['uas-port'];
  srf.invite((req, res) => {
    const call = app === 'minimal'
      ? srf.createUAS(req, res, { localSdp: SDP }).then((dialog) => dialog.on('destroy', () => {}))
      : srf.createB2BUA(req, res, `sip:callee@127.0.0.1:${uasPort}`, { localSdpB: req.body })
        .then(({ uas, uac }) => {
          uas.on('destroy', () => uac.destroy());
          uac.on('destroy', () => uas.destroy());
        });
    call.catch(() => {});
  });
  process.on('message', (m) => {
    if (m === 'cpu') process.send!(process.cpuUsage());
    if (m === 'shedding') process.send!({ shedding: shedding() } satisfies Shedding);
    if (m === 'stop') {
      srf.disconnect();
      void stopEngine().then(() => process.exit(0));
    }
  });
  process.send!({ sipPort } satisfies Ready);
}

/** This checkout's engine on a thread of its own, with the product's default configuration on 127.0.0.1. */
async function engineOnItsThread(): Promise<{ sipPort: number; connectTo: { host: string; port: number; secret: string }; stop(): Promise<void> }> {
  const { EngineThread } = await import('../server/sipd/engine-thread.js');
  const { loadConfig } = await import('../server/config/load.js');
  const config = loadConfig({ env: {} });
  config.sip.host = '127.0.0.1';
  config.sip.port = await benchPort();
  config.sip.wsPort = await benchPort();
  // The SIPps are trusted as the trunk's: the source limits, which the in-process engine here runs without, hold nothing back.
  config.trunks[0]!.trustedSources = ['127.0.0.1'];
  const secret = randomUUID();
  const thread = await EngineThread.start({ config, tls: undefined, secret, logLevel: 'error', terminal: false }, pino({ level: 'error' }));
  return { sipPort: config.sip.port, connectTo: { host: '127.0.0.1', port: thread.controlPort, secret }, stop: () => thread.stop() };
}

// ------------------------------------------------------------------ parent

/** cpu: the step at --cpu-rate; sweep: rates stepped up; overload: twice the highest clean rate. */
type StepKind = 'cpu' | 'sweep' | 'overload';

interface Step { kind: StepKind; engine: string; app: App; round: number; rate: number; attempted: number; failed: number; refused: number;
  retransmissions: number; failures: Record<string, number>; cpuMsPerCall: number; clean: boolean;
  /** Calls placed per second while SIPp was placing them (it falls behind the rate when it runs short of CPU). */
  offered: number;
  /** Overload steps: ms from the end of placing calls until the engine took new calls again. */
  recoveryMs?: number }

/** A running engine with its application; CPU in ms (the child's, plus drachtio-server's when there is one). */
interface Running { sipPort: number; cpuMs(): Promise<number>; shedding(): Promise<boolean | undefined>; stop(): Promise<void> }

async function startEngine(spec: EngineSpec, app: App, uasPort: number, profileDir?: string): Promise<Running> {
  let drachtio: DrachtioServer | undefined;
  const args = ['--child', '--app', app, '--uas-port', String(uasPort)];
  if (spec.thread) args.push('--thread');
  else if (spec.root) args.push('--root', spec.root);
  else {
    drachtio = await startDrachtio();
    args.push('--drachtio-control', `${drachtio.control.host}:${drachtio.control.port}`, '--drachtio-sip', `${drachtio.sip.host}:${drachtio.sip.port}`);
  }
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const proc = fork(fileURLToPath(import.meta.url), args, { execArgv: [...process.execArgv, ...profile] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as Ready));
    proc.once('exit', (code) => reject(new Error(`engine ${spec.name} exited (${code}) before it took calls`)));
  });
  // The child answers in the order it was asked; one listener hands each answer to the oldest question
  // (a listener per question would let the recovery poll take the CPU answer when both are asked at once).
  const waiting: Array<(answer: unknown) => void> = [];
  proc.on('message', (m) => waiting.shift()?.(m));
  const ask = <T>(question: string): Promise<T> => new Promise((resolve) => {
    waiting.push((m) => resolve(m as T));
    proc.send(question);
  });
  const childCpu = async (): Promise<number> => {
    const { user, system } = await ask<CpuUsage>('cpu');
    return (user + system) / 1000;
  };
  return {
    sipPort: ready.sipPort,
    shedding: async () => (await ask<Shedding>('shedding')).shedding,
    cpuMs: async () => (await childCpu()) + (drachtio?.pid ? (cpuSeconds(drachtio.pid) ?? 0) * 1000 : 0),
    stop: async () => {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.send('stop');
        setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
      });
      drachtio?.stop();
    },
  };
}

async function callee(): Promise<{ port: number; run: SippRun }> {
  const port = await benchPort();
  const run = startSipp('uas-bench.xml', ['-i', '127.0.0.1', '-mi', '127.0.0.1', '-bind_local', '-p', String(port), '-t', 'u1'],
    { timeoutMs: 60 * 60_000 });
  await waitUdpBound(port);
  return { port, run };
}

interface StepParams { kind: StepKind; engine: EngineSpec; app: App; round: number; rate: number; seconds: number; uasPort: number; profileDir?: string }

const UAC_SCENARIO = fileURLToPath(new URL('sipp/uac-bench-overload.xml', import.meta.url));

async function step({ kind, engine, app, round, rate, seconds, uasPort, profileDir }: StepParams): Promise<Step> {
  const running = await startEngine(engine, app, uasPort, profileDir);
  try {
    const calls = Math.round(rate * seconds);
    const cpuBefore = await running.cpuMs();
    const uac = startSipp(UAC_SCENARIO, [`127.0.0.1:${running.sipPort}`, '-i', '127.0.0.1', '-p', String(await benchPort()),
      '-t', 'u1', '-s', 'bench', '-key', 'caller', 'caller', '-r', String(rate), '-m', String(calls), '-l', String(rate * 10),
      '-d', '0', '-recv_timeout', '10000', '-timeout', `${seconds + 40}s`], { timeoutMs: (seconds + 40) * 1000, traceRtt: true });
    const recovery = kind === 'overload' ? recoveryAfter(running, seconds * 1000, uac.done) : Promise.resolve(undefined);
    const out = await uac.done;
    const cpuMs = (await running.cpuMs()) - cpuBefore;
    const recoveryMs = await recovery;
    const attempted = num(out.stats, 'OutgoingCall(C)');
    const failed = num(out.stats, 'FailedCall(C)');
    const refused = out.rtt.get('3')?.length ?? 0;
    const retransmissions = num(out.stats, 'Retransmissions(C)');
    return { kind, engine: engine.name, app, round, rate, attempted, failed, refused, retransmissions, failures: failureCounters(out.stats),
      cpuMsPerCall: cpuMs / Math.max(1, attempted), recoveryMs, offered: attempted / Math.max(1, placingSeconds(out.periods)),
      clean: attempted === calls && failed === 0 && refused === 0 && retransmissions === 0 };
  } finally {
    await running.stop();
  }
}

/**
 * From `placingMs` after the start (when the caller stops placing calls),
 * how long until the engine takes new calls again, asked every 100 ms;
 * undefined when the engine cannot say.
 */
async function recoveryAfter(running: Running, placingMs: number, done: Promise<unknown>): Promise<number | undefined> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  await sleep(placingMs);
  const from = Date.now();
  for (;;) {
    const shedding = await running.shedding();
    if (shedding !== true) return shedding === undefined ? undefined : Date.now() - from;
    await Promise.race([sleep(100), done]);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    apps: { type: 'string', default: APPS.join(',') }, rates: { type: 'string', default: '100,200,300,400,500,600,800' },
    seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' }, 'cpu-rate': { type: 'string', default: '100' },
    'overload-seconds': { type: 'string', default: '0' },
    thread: { type: 'boolean', default: false }, baseline: { type: 'string' }, profile: { type: 'string' }, json: { type: 'string' },
  } });
  const apps = values.apps.split(',').map((a) => {
    if (!(APPS as readonly string[]).includes(a)) throw new Error(`--apps: unknown application ${a} (known: ${APPS.join(', ')})`);
    return a as App;
  });
  const rates = positiveList('rates', values.rates);
  const seconds = positive('seconds', values.seconds);
  const rounds = positive('rounds', values.rounds);
  const cpuRate = positive('cpu-rate', values['cpu-rate']);
  const overloadSeconds = Number(values['overload-seconds']);
  if (!(overloadSeconds >= 0)) throw new Error(`--overload-seconds must be 0 or more, got ${values['overload-seconds']}`);
  const engines: EngineSpec[] = [{ name: 'embedded', root: ROOT }];
  if (values.thread) engines.push({ name: 'thread', root: ROOT, thread: true });
  if (values.baseline) engines.push({ name: 'baseline', root: path.resolve(values.baseline) });
  if (drachtioGiven()) engines.push({ name: 'drachtio' });
  const { startedAt, machine } = printRunHeader('sipd-speed');
  console.log(`# engines: ${engines.map((e) => `${e.name}${e.root ? ` (${e.root})` : ''}`).join(', ')}`);

  const uas = await callee();
  const steps: Step[] = [];
  const report = (s: Step): void => console.log(`${s.app.padEnd(8)} ${s.engine.padEnd(9)} round ${s.round} ${s.kind.padEnd(8)} rate ${String(s.rate).padStart(4)}: ` +
    `${s.attempted} calls (${s.offered.toFixed(0)}/s offered), ${s.refused} refused, ${s.failed} failed, ${s.retransmissions} retransmissions, CPU ${s.cpuMsPerCall.toFixed(3)} ms/call` +
    `${s.recoveryMs === undefined ? '' : `, taking calls again ${s.recoveryMs} ms after the load`}` +
    `${s.clean ? '' : `  NOT CLEAN ${JSON.stringify(s.failures)}`}`);
  try {
    for (let round = 1; round <= rounds; round++) {
      console.log(`# round ${round}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      for (const app of apps) {
        for (const engine of engines) {
          const common = { engine, app, round, seconds, uasPort: uas.port, profileDir: values.profile && path.resolve(values.profile) };
          const cpuStep = await step({ ...common, kind: 'cpu', rate: cpuRate });
          steps.push(cpuStep);
          report(cpuStep);
          let highest = 0;
          for (const rate of rates) {
            const s = await step({ ...common, kind: 'sweep', rate });
            steps.push(s);
            report(s);
            if (!s.clean) break;
            highest = rate;
          }
          if (overloadSeconds > 0 && highest > 0) {
            const s = await step({ ...common, kind: 'overload', rate: 2 * highest, seconds: overloadSeconds });
            steps.push(s);
            report(s);
            const taken = s.attempted - s.refused;
            console.log(`  overload at ${2 * highest}/s: ${s.refused} refused, ` +
              `${taken > 0 ? ((100 * (taken - s.failed)) / taken).toFixed(1) : '-'} % of the others succeeded`);
          }
        }
      }
    }
  } finally {
    await uas.run.stop(1000);
  }

  console.log('\napp      engine    highest clean rate (median; per round)   CPU ms/call at --cpu-rate (median; per round)');
  for (const app of apps) {
    for (const engine of engines) {
      const mine = steps.filter((s) => s.app === app && s.engine === engine.name);
      const highest = Array.from({ length: rounds }, (_, i) =>
        Math.max(0, ...mine.filter((s) => s.round === i + 1 && s.kind === 'sweep' && s.clean).map((s) => s.rate)));
      const cpu = mine.filter((s) => s.kind === 'cpu').map((s) => s.cpuMsPerCall);
      console.log(`${app.padEnd(8)} ${engine.name.padEnd(9)} ${String(median(highest)).padStart(5)} (${highest.join(', ')})` +
        `${' '.repeat(24)}${median(cpu).toFixed(3)} (${cpu.map((c) => c.toFixed(3)).join(', ')})`);
    }
  }
  if (values.json) writeJsonResults(values.json, startedAt, machine, steps);
}

if (process.argv.includes('--child')) runMain(child);
else runMain(main);
