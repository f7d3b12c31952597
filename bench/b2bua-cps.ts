/**
 * Figure: B2BUA calls per second through the switch.
 *
 *   npx tsx bench/b2bua-cps.ts [--rate 50] [--seconds 60] [--hold 1000]
 *   npx tsx bench/b2bua-cps.ts --sweep [--rates 50,100,150,200,300,400,500] [--seconds 20]
 *   npx tsx bench/b2bua-cps.ts --sweep --engines embedded,thread,drachtio --rounds 3
 *
 * Engines (--engines), each run in turn within every round, so a change in
 * the machine's load falls on all of them alike:
 * - embedded: the embedded SIP server in the app's thread (sip.engineThread: false);
 * - thread: the embedded SIP server on a thread of its own (sip.engineThread: true);
 * - drachtio: a real drachtio-server (DRACHTIO_BIN or DRACHTIO_HOST, below).
 *
 * Per run: the product is started as its own process (node dist/server/main.js,
 * LOG_LEVEL=warn, free loopback ports, the operator trunk trusting 127.0.0.2),
 * a SIPp callee (test/sipp/uas-bench.xml) registers as extension 1002 with
 * digest auth (test/sipp/register.xml), and a SIPp caller on 127.0.0.2
 * (bench/sipp/uac-bench-overload.xml) dials +46313900601 (made to ring 1002 directly) at the given rate for the given
 * time: INVITE, 200, ACK, hold, BYE, 200 on both legs of the B2BUA; a call the
 * switch refuses as overloaded (503, then ACK) is counted apart. Every
 * second the product's CPU (utime+stime from /proc/<pid>/stat, % of one core)
 * and RSS (VmRSS) are sampled, together with the SIPps' CPU and the whole
 * machine's. One RESULT line per run; the sweep ends with the highest rate
 * that had no failed call and kept the offered rate, per engine and round.
 *
 * Options:
 *   --rate N          calls per second (default 50)
 *   --seconds N       seconds of calls (default 60; 20 per step with --sweep)
 *   --hold MS         how long each call stays up after the ACK (default 1000)
 *   --limit N         SIPp -l, most simultaneous calls (default generous: 10 s worth of calls, at least 200)
 *   --sweep           step the rate up (see --rates), a fresh product for each step
 *   --rates LIST      rates for --sweep (default 50,100,150,200,300,400,500,600,800,1000)
 *   --stop-after N    --sweep stops after N failing steps in a row (default 2)
 *   --engines LIST    engines to run in turn (default embedded, and drachtio when DRACHTIO_BIN or DRACHTIO_HOST is set)
 *   --rounds N        rounds of every engine in turn (default 1)
 *   --json FILE       also write every run (with its 1 s samples) as JSON
 *   --trace           SIPp -trace_msg on both SIPps (only for short runs: use with KEEP_BENCH_FILES=1)
 *   --profile DIR     run the product with node --cpu-prof, profiles written to DIR
 *   --max-calls N     the product's sip.maxConcurrentCalls (default: unset, no limit)
 *   --max-delay MS    the product's sip.maxEventLoopDelayMs (default: unset, not watched)
 *   --lift-source-limits   the embedded engine's limits per source address (sip.sourceLimits) out of the way: the
 *                     callee, one SIPp standing for every phone, answers all the calls from one address, which the
 *                     limits for a registered address (500 messages/s) hold back above about 250 calls/s; drachtio-server
 *                     has no such limits
 *   --build / --no-build   always / never run `npm run build` (default: only when dist is missing or stale)
 *   KEEP_BENCH_FILES=1     keep the temp dirs (SIPp stats, rtt, error logs; the product's CONFIG)
 *   DRACHTIO_BIN=PATH      the "drachtio" engine: the product connects to a real drachtio-server (this binary, started
 *                          here on free loopback ports, a fresh one per run) instead of its embedded SIP server; SIP goes to it
 *   DRACHTIO_HOST=HOST:PORT    the same with a drachtio-server already running (its control port), with
 *                          DRACHTIO_SIP=HOST:PORT (where it takes SIP over UDP, default 127.0.0.1:5060)
 *   DRACHTIO_SECRET        either one's secret (default "cymru"); as in bench/sipd-speed.ts (bench/lib/drachtio.ts).
 *                          CPU is then the product's plus drachtio-server's (when started here)
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchPort } from './lib/ports.js';
import { drachtioGiven, startDrachtio } from './lib/drachtio.js';
import { DIALLED, directNumber, startRegisteredCallee } from './lib/b2bua.js';
import { ensureBuilt, operatorTrunkConfig, startProductProcess, type ProductProcess } from './lib/product.js';
import { Sampler, cpuSeconds, rssMb, type Sample } from './lib/proc.js';
import { failureCounters, num, placingSeconds, startSipp, type SippOutcome } from './lib/sipp.js';
import { buildMode, positive, positiveList, printRunHeader, runMain, writeJsonResults } from './lib/cli.js';

const TRUNK_SOURCE_IP = '127.0.0.2';
const CALLER = '+46701740650';

const UAC_SCENARIO = fileURLToPath(new URL('sipp/uac-bench-overload.xml', import.meta.url));

/** The product's overload protection (sip.maxConcurrentCalls, sip.maxEventLoopDelayMs; none set: off), and sip.sourceLimits when lifted. */
interface Protection { maxConcurrentCalls?: number; maxEventLoopDelayMs?: number; sourceLimits?: Record<string, number> }

/** sip.sourceLimits that hold back no source on loopback. */
const LIFTED_SOURCE_LIMITS = { messagesPerSecond: 1e9, messageBurst: 1e9, registeredMessagesPerSecond: 1e9, registeredMessageBurst: 1e9 };

const ENGINES = ['embedded', 'thread', 'drachtio'] as const;
type Engine = (typeof ENGINES)[number];

interface RunParams {
  engine: Engine;
  round: number;
  rate: number;
  seconds: number;
  holdMs: number;
  limit: number;
  trace?: boolean;
  profileDir?: string;
  protection: Protection;
}

interface Percentiles { n: number; p50: number; p90: number; p99: number; max: number }

interface RunResult {
  params: RunParams;
  attempted: number;
  successful: number;
  failed: number;
  /** Calls the switch refused at once with 503 (SIPp counts them successful: they went as the scenario allows). */
  refused: number;
  failures: Record<string, number>;
  /** Calls placed per second while SIPp was placing them. */
  offeredCps: number;
  retransmissions: number;
  callee: { incoming: number; successful: number; failed: number; failures: Record<string, number> };
  cpu: { avg: number; max: number };
  /** Product CPU time (utime+stime) from the first call placed to the caller's exit, per attempted call. */
  cpuMsPerCall: number;
  rss: { start: number; max: number; end: number };
  sippCpu: { uacAvg: number; uasAvg: number };
  machineBusyAvg: number;
  /** CPU used by everything else on the machine during the run (other people's tests...), % of one core. */
  otherLoadAvg: number;
  setup?: Percentiles;
  bye?: Percentiles;
  /** INVITE sent -> 503 received. */
  refusal?: Percentiles;
  maxConcurrent: number;
  productAlive: boolean;
  productLog: Array<{ what: string; count: number }>;
  productLogTail: string[];
  sippErrorsTail: string;
  samples: Sample[];
  elapsedMs: number;
}

function percentiles(values: number[] | undefined): Percentiles | undefined {
  if (!values || values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1]! };
}

const avg = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const max = (xs: number[]): number => (xs.length ? Math.max(...xs) : NaN);
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** CPU of a sample (% of one core): the product's, plus drachtio-server's when it was started here. */
const switchCpu = (s: Sample): number => s.cpu + (s.others.drachtio ?? 0);

/** CPU seconds of the product, plus drachtio-server's when it was started here. */
function switchCpuSeconds(productPid: number, drachtioPid: number | undefined): number {
  return (cpuSeconds(productPid) ?? NaN) + (drachtioPid === undefined ? 0 : cpuSeconds(drachtioPid) ?? NaN);
}

async function runOnce(p: RunParams): Promise<RunResult> {
  const drachtio = p.engine === 'drachtio' ? await startDrachtio() : undefined;
  let product: ProductProcess;
  try {
    product = await startProductProcess({
      configYaml: operatorTrunkConfig({ writtenBy: 'bench/b2bua-cps.ts', callerIp: TRUNK_SOURCE_IP, more: directNumber(), sip: { ...p.protection, engineThread: p.engine === 'thread' } }),
      logLevel: 'warn',
      nodeArgs: [
        ...(p.profileDir ? ['--cpu-prof', '--cpu-prof-dir', p.profileDir] : []),
      ],
      drachtio,
    });
  } catch (err) {
    drachtio?.stop();
    throw err;
  }
  const timeoutMs = (p.seconds + 120) * 1000;
  let uasOutcome: SippOutcome | undefined;
  try {
    const uas = await startRegisteredCallee({ host: product.sipHost, port: product.sipPort }, timeoutMs, p.trace);

    const sampler = new Sampler(product.pid);
    sampler.watch('uas', uas.pid);
    sampler.watch('drachtio', drachtio?.pid);
    sampler.start();
    await sleep(1500); // settle: RSS start is the idle, registered product
    const rssStart = rssMb(product.pid) ?? NaN;

    const callerPort = await benchPort(TRUNK_SOURCE_IP);
    const calls = Math.round(p.rate * p.seconds);
    const loadStart = sampler.samples.length;
    const cpuBefore = switchCpuSeconds(product.pid, drachtio?.pid);
    const uac = startSipp(UAC_SCENARIO, [
      `${product.sipHost}:${product.sipPort}`,
      '-i', TRUNK_SOURCE_IP, '-mi', TRUNK_SOURCE_IP, '-bind_local', '-p', String(callerPort), '-t', 'u1',
      '-s', DIALLED, '-key', 'caller', CALLER,
      '-r', String(p.rate), '-m', String(calls), '-l', String(p.limit), '-d', String(p.holdMs),
      '-recv_timeout', '10000', '-timeout', `${Math.ceil(timeoutMs / 1000)}s`,
    ], { timeoutMs, traceRtt: true, traceMsg: p.trace });
    sampler.watch('uac', uac.pid);
    const out = await uac.done;
    const loadEnd = sampler.samples.length;
    const cpuAfter = switchCpuSeconds(product.pid, drachtio?.pid);
    // Let the callee see its last BYEs, then stop it (SIGUSR1 lets open calls finish).
    await sleep(1500);
    const rssEnd = rssMb(product.pid) ?? NaN;
    sampler.stop();
    uasOutcome = await uas.stop(5000);

    const window = sampler.samples.slice(loadStart, Math.max(loadStart + 1, loadEnd));
    const productAlive = !product.exited();
    const productLog = [...product.logs.counts.entries()].map(([what, count]) => ({ what, count }))
      .sort((a, b) => b.count - a.count);
    const maxConcurrent = Math.max(0, ...out.periods.map((r) => num(r, 'CurrentCall')));
    return {
      params: p,
      attempted: num(out.stats, 'OutgoingCall(C)'),
      successful: num(out.stats, 'SuccessfulCall(C)'),
      failed: num(out.stats, 'FailedCall(C)'),
      refused: out.rtt.get('3')?.length ?? 0,
      failures: failureCounters(out.stats),
      offeredCps: num(out.stats, 'OutgoingCall(C)') / Math.max(1, placingSeconds(out.periods)),
      retransmissions: num(out.stats, 'Retransmissions(C)'),
      callee: {
        incoming: num(uasOutcome.stats, 'IncomingCall(C)'),
        successful: num(uasOutcome.stats, 'SuccessfulCall(C)'),
        failed: num(uasOutcome.stats, 'FailedCall(C)'),
        failures: failureCounters(uasOutcome.stats),
      },
      cpu: { avg: avg(window.map(switchCpu)), max: max(window.map(switchCpu)) },
      cpuMsPerCall: ((cpuAfter - cpuBefore) * 1000) / Math.max(1, num(out.stats, 'OutgoingCall(C)')),
      rss: { start: rssStart, max: max([rssStart, ...sampler.samples.map((s) => s.rssMb)].filter(Number.isFinite)), end: rssEnd },
      sippCpu: {
        uacAvg: avg(window.map((s) => s.others.uac).filter((x): x is number => x !== undefined)),
        uasAvg: avg(window.map((s) => s.others.uas).filter((x): x is number => x !== undefined)),
      },
      machineBusyAvg: avg(window.map((s) => s.machineBusy)),
      otherLoadAvg: Math.max(0, avg(window.map((s) => s.machineBusy * os.cpus().length - switchCpu(s) - (s.others.uac ?? 0) - (s.others.uas ?? 0)))),
      setup: percentiles(out.rtt.get('1')),
      bye: percentiles(out.rtt.get('2')),
      refusal: percentiles(out.rtt.get('3')),
      maxConcurrent,
      productAlive,
      productLog,
      productLogTail: product.logs.tail.slice(-10),
      sippErrorsTail: out.errors.slice(-3000) + (out.stderr.trim() ? `\n--- sipp stderr ---\n${out.stderr.slice(-1000)}` : ''),
      samples: sampler.samples,
      elapsedMs: out.elapsedMs,
    };
  } finally {
    await product.stop();
    drachtio?.stop();
  }
}

function resultLine(r: RunResult): string {
  const { params: p } = r;
  const pct = (x?: Percentiles): string => (x ? `p50 ${f1(x.p50)} ms p99 ${f1(x.p99)} ms` : 'n/a');
  return [
    `RESULT engine=${p.engine} round=${p.round} rate=${p.rate}cps seconds=${p.seconds} hold=${p.holdMs}ms`,
    `calls attempted=${r.attempted} successful=${r.successful - r.refused} refused_503=${r.refused} failed=${r.failed} callee_failed=${r.callee.failed}`,
    `offered=${f1(r.offeredCps)}cps`,
    `cpu avg=${f1(r.cpu.avg)}% max=${f1(r.cpu.max)}% per_call=${f1(r.cpuMsPerCall)}ms`,
    `rss start=${f1(r.rss.start)}MB max=${f1(r.rss.max)}MB`,
    `setup(INVITE->200) ${pct(r.setup)}`,
    `bye(BYE->200) ${pct(r.bye)}`,
    ...(r.refused ? [`refusal(INVITE->503) ${pct(r.refusal)}`] : []),
  ].join(' | ');
}

function details(r: RunResult): string {
  const lines = [
    `  callee: incoming ${r.callee.incoming}, successful ${r.callee.successful}, failed ${r.callee.failed}` +
      (Object.keys(r.callee.failures).length ? ` ${JSON.stringify(r.callee.failures)}` : ''),
    `  caller: failures ${JSON.stringify(r.failures)}, retransmissions ${r.retransmissions}, max simultaneous calls ${r.maxConcurrent}, ` +
      `run took ${f1(r.elapsedMs / 1000)} s`,
    `  machine busy avg ${f1(r.machineBusyAvg)}% of all cores; SIPp CPU avg caller ${f1(r.sippCpu.uacAvg)}%, callee ${f1(r.sippCpu.uasAvg)}% of one core; ` +
      `everything else ${f1(r.otherLoadAvg)}% of one core; product RSS at end ${f1(r.rss.end)} MB`,
  ];
  if (r.setup) lines.push(`  setup ms: n ${r.setup.n} p50 ${f1(r.setup.p50)} p90 ${f1(r.setup.p90)} p99 ${f1(r.setup.p99)} max ${f1(r.setup.max)}`);
  if (r.refusal) lines.push(`  503 ms:   n ${r.refusal.n} p50 ${f1(r.refusal.p50)} p90 ${f1(r.refusal.p90)} p99 ${f1(r.refusal.p99)} max ${f1(r.refusal.max)}`);
  if (r.bye) lines.push(`  bye ms:   n ${r.bye.n} p50 ${f1(r.bye.p50)} p90 ${f1(r.bye.p90)} p99 ${f1(r.bye.p99)} max ${f1(r.bye.max)}`);
  if (!r.productAlive) lines.push('  THE PRODUCT PROCESS DIED DURING THE RUN');
  if (r.productLog.length) {
    lines.push('  product warnings/errors:');
    for (const { what, count } of r.productLog.slice(0, 10)) lines.push(`    ${count} x ${what}`);
  }
  if (r.failed > 0 && r.sippErrorsTail.trim()) lines.push('  SIPp error log (tail):', ...r.sippErrorsTail.trim().split('\n').slice(-15).map((l) => `    ${l}`));
  return lines.join('\n');
}

/**
 * A step is clean when no call failed on either side and SIPp kept the offered rate (within 10 %, the stat rows are 1 s apart).
 * A call refused at once with 503 is not a failure: it is how an overloaded switch should answer.
 */
function clean(r: RunResult): boolean {
  return r.failed === 0 && r.callee.failed === 0 && r.successful === r.attempted && r.attempted === Math.round(r.params.rate * r.params.seconds)
    && r.offeredCps >= r.params.rate * 0.9 && r.productAlive;
}

/** The runs as a Markdown table (for bench/RESULTS.md). */
function markdownTable(results: RunResult[]): string {
  const head = ['engine', 'round', 'rate (cps)', 'attempted', 'successful', 'refused (503)', 'failed (caller)', 'failed (callee)', 'offered cps', 'CPU avg %', 'CPU max %',
    'CPU ms/call', 'RSS start MB', 'RSS max MB', 'setup p50 ms', 'setup p99 ms', 'retrans', 'other load %'];
  const rows = results.map((r) => [r.params.engine, r.params.round, r.params.rate, r.attempted, r.successful - r.refused, r.refused, r.failed, r.callee.failed, f1(r.offeredCps), f1(r.cpu.avg),
    f1(r.cpu.max), f1(r.cpuMsPerCall), f1(r.rss.start), f1(r.rss.max), f1(r.setup?.p50 ?? NaN), f1(r.setup?.p99 ?? NaN),
    r.retransmissions, f1(r.otherLoadAvg)].map(String));
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '50' },
      seconds: { type: 'string' },
      hold: { type: 'string', default: '1000' },
      limit: { type: 'string' },
      sweep: { type: 'boolean', default: false },
      rates: { type: 'string', default: '50,100,150,200,300,400,500,600,800,1000' },
      'stop-after': { type: 'string', default: '2' },
      json: { type: 'string' },
      trace: { type: 'boolean', default: false },
      profile: { type: 'string' },
      build: { type: 'boolean' },
      'no-build': { type: 'boolean' },
      'max-calls': { type: 'string' },
      'max-delay': { type: 'string' },
      'lift-source-limits': { type: 'boolean', default: false },
      engines: { type: 'string', default: drachtioGiven() ? 'embedded,drachtio' : 'embedded' },
      rounds: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const seconds = positive('seconds', values.seconds ?? (values.sweep ? '20' : '60'));
  const holdMs = positive('hold', values.hold);
  const rates = values.sweep
    ? positiveList('rates', values.rates)
    : [positive('rate', values.rate)];
  const limitFor = (rate: number): number => (values.limit ? positive('limit', values.limit) : Math.max(200, Math.ceil(rate * 10)));

  const protection: Protection = {
    ...(values['max-calls'] ? { maxConcurrentCalls: positive('max-calls', values['max-calls']) } : {}),
    ...(values['max-delay'] ? { maxEventLoopDelayMs: positive('max-delay', values['max-delay']) } : {}),
    ...(values['lift-source-limits'] ? { sourceLimits: LIFTED_SOURCE_LIMITS } : {}),
  };

  const engines = values.engines.split(',').map((e) => {
    if (!(ENGINES as readonly string[]).includes(e)) throw new Error(`--engines: unknown engine ${e} (known: ${ENGINES.join(', ')})`);
    if (e === 'drachtio' && !drachtioGiven()) throw new Error('--engines drachtio needs DRACHTIO_BIN or DRACHTIO_HOST');
    return e as Engine;
  });
  const rounds = positive('rounds', values.rounds);

  ensureBuilt(buildMode(values));
  const { startedAt, machine } = printRunHeader('b2bua-cps');
  console.log(`# engines: ${engines.join(', ')}${!engines.includes('drachtio') ? ''
    : process.env.DRACHTIO_BIN ? ` (drachtio-server ${process.env.DRACHTIO_BIN}, started per run)` : ` (drachtio-server at ${process.env.DRACHTIO_HOST})`}`);

  const results: RunResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const engine of engines) {
      console.log(`# round ${round}, engine ${engine}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      let failingInARow = 0;
      for (const rate of rates) {
        const params: RunParams = { engine, round, rate, seconds, holdMs, limit: limitFor(rate), trace: values.trace, profileDir: values.profile, protection };
        console.log(`# run: ${engine}, ${rate} cps for ${seconds} s (${Math.round(rate * seconds)} calls), hold ${holdMs} ms, -l ${params.limit}, ` +
          `overload protection ${JSON.stringify(protection)}`);
        const r = await runOnce(params);
        results.push(r);
        console.log(resultLine(r));
        console.log(details(r));
        if (values.sweep) {
          failingInARow = clean(r) ? 0 : failingInARow + 1;
          if (failingInARow >= positive('stop-after', values['stop-after'])) {
            console.log(`# ${failingInARow} step(s) in a row with failures or a missed rate: stopping the sweep`);
            break;
          }
          await sleep(2000);
        }
      }
    }
  }

  console.log('');
  console.log(markdownTable(results));
  if (values.sweep) {
    console.log('\nSWEEP highest rate with 0 failed calls (and the offered rate kept); the same with also 0 refused and 0 retransmitted; '
      + 'CPU ms/call at the first rate; per engine, median (per round):');
    for (const engine of engines) {
      const mine = results.filter((r) => r.params.engine === engine);
      const highest = (ok: (r: RunResult) => boolean): string => {
        const best = Array.from({ length: rounds }, (_, i) =>
          Math.max(0, ...mine.filter((r) => r.params.round === i + 1 && ok(r)).map((r) => r.params.rate)));
        return `${median(best)} (${best.join(', ')})`;
      };
      const cpu = mine.filter((r) => r.params.rate === rates[0]).map((r) => r.cpuMsPerCall);
      console.log(`  ${engine.padEnd(9)} ${highest(clean)}; ${highest((r) => clean(r) && r.refused === 0 && r.retransmissions === 0)}; `
        + `CPU at ${rates[0]}/s ${f1(median(cpu))} (${cpu.map(f1).join(', ')})`);
    }
  }

  if (values.json) {
    writeJsonResults(values.json, startedAt, machine, results);
  }
  const allClean = results.every((r) => r.failed === 0 && r.productAlive);
  process.exitCode = values.sweep || allClean ? 0 : 1;
}

runMain(main);
