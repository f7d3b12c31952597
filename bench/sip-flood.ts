/**
 * Figure: the highest rate of hostile SIP traffic under which normal calls
 * still all succeed, with the per-source limits (config sip.sourceLimits at
 * their defaults) and without them (set beyond reach), side by side.
 *
 *   npx tsx bench/sip-flood.ts [--cps 10] [--seconds 15] [--rates 500,1000,2000,4000,8000] [--sources 1,50] [--json FILE]
 *
 * Per step, a fresh product process (node dist/server/main.js, LOG_LEVEL=warn,
 * loopback) with a SIPp callee registered as 1002 and a SIPp caller on the
 * operator trunk's address 127.0.0.2 placing --cps calls a second for
 * --seconds (bench/sipp/uac-bench-overload.xml, each call held 1 s: the B2BUA
 * path of bench/b2bua-cps.ts). Meanwhile this process sends hostile UDP
 * traffic at the step's rate, spread evenly over --sources addresses
 * (127.0.1.1, 127.0.1.2, ... one socket each), in turn: an OPTIONS sweep
 * (sipvicious-like, its User-Agent hidden so the scanner filter does not
 * catch it), a REGISTER for a random extension without credentials (an
 * extension sweep), and 200 bytes that are no SIP. A step is clean when
 * every call succeeded on both sides. For each mode and source count the
 * rates are stepped up until two steps in a row are not clean.
 *
 * Options:
 *   --cps N           normal calls a second (default 10)
 *   --seconds N       seconds of calls per step (default 15)
 *   --rates LIST      hostile messages a second to step through (default 500,1000,2000,4000,8000,16000)
 *   --sources LIST    hostile source addresses to try (default 1,50)
 *   --modes LIST      limits,none (default both)
 *   --json FILE       also write every step as JSON
 *   --build / --no-build   always / never run `npm run build` (default: only when dist is missing or stale)
 */
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchPort } from './lib/ports.js';
import { DIALLED, directNumber, startRegisteredCallee } from './lib/b2bua.js';
import { ensureBuilt, operatorTrunkConfig, startProductProcess } from './lib/product.js';
import { cpuSeconds } from './lib/proc.js';
import { num, startSipp } from './lib/sipp.js';
import { buildMode, positive, positiveList, printRunHeader, runMain, writeJsonResults } from './lib/cli.js';

const TRUNK_SOURCE_IP = '127.0.0.2';
const CALLER = '+46701740650';
const UAC_SCENARIO = fileURLToPath(new URL('sipp/uac-bench-overload.xml', import.meta.url));
const BEYOND_REACH = 1_000_000_000;
/** sourceLimits that never bite: the product as it was without them (streams aside, which this bench does not use). */
const NO_LIMITS = {
  connections: BEYOND_REACH, registeredConnections: BEYOND_REACH, messagesPerSecond: BEYOND_REACH,
  messageBurst: BEYOND_REACH, registeredMessagesPerSecond: BEYOND_REACH, registeredMessageBurst: BEYOND_REACH,
};

type Mode = 'limits' | 'none';

interface Step {
  mode: Mode;
  sources: number;
  hostileRate: number;
  hostileSent: number;
  /** Answers the hostile sources got (any status). */
  hostileAnswered: number;
  calls: number;
  successful: number;
  failed: number;
  calleeFailed: number;
  setupP99Ms: number;
  productCpuPct: number;
  clean: boolean;
}

/** Hostile UDP traffic at `rate` messages a second from `sources` loopback addresses, until stopped. */
async function startFlood(target: number, rate: number, sources: number): Promise<{ stop(): Promise<{ sent: number; answered: number }> }> {
  const sockets = await Promise.all(Array.from({ length: sources }, async (_, i) => {
    const socket = dgram.createSocket('udp4');
    const address = `127.0.1.${i + 1}`;
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    return { socket, address, port: socket.address().port };
  }));
  let sent = 0;
  let answered = 0;
  for (const s of sockets) s.socket.on('message', () => { answered++; });
  const started = Date.now();
  const tick = setInterval(() => {
    const due = Math.floor(((Date.now() - started) * rate) / 1000) - sent;
    for (let i = 0; i < due; i++) {
      const s = sockets[sent % sockets.length]!;
      s.socket.send(hostileMessage(sent, s.address, s.port), target, '127.0.0.1');
      sent++;
    }
  }, 5);
  return {
    async stop() {
      clearInterval(tick);
      await new Promise((r) => setTimeout(r, 500)); // the last answers
      for (const s of sockets) s.socket.close();
      return { sent, answered };
    },
  };
}

function hostileMessage(n: number, address: string, port: number): string {
  const kind = n % 3;
  if (kind === 2) return 'x'.repeat(200);
  const method = kind === 0 ? 'OPTIONS' : 'REGISTER';
  const user = kind === 0 ? String(100 + (n % 900)) : String(1000 + (n % 9000));
  return [
    `${method} sip:${user}@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP ${address}:${port};branch=z9hG4bK-${n}-${Date.now()};rport`,
    'Max-Forwards: 70', `From: <sip:${user}@127.0.0.1>;tag=${n}`, `To: <sip:${user}@127.0.0.1>`,
    `Call-ID: ${n}-${port}@${address}`, `CSeq: 1 ${method}`,
    ...(method === 'REGISTER' ? [`Contact: <sip:${user}@${address}:${port}>`] : []),
    'User-Agent: Mozilla/5.0', 'Content-Length: 0', '', '',
  ].join('\r\n');
}

async function runStep(mode: Mode, sources: number, hostileRate: number, cps: number, seconds: number): Promise<Step> {
  const product = await startProductProcess({
    configYaml: operatorTrunkConfig({
      writtenBy: 'bench/sip-flood.ts', callerIp: TRUNK_SOURCE_IP, more: directNumber(),
      sip: mode === 'none' ? { sourceLimits: NO_LIMITS } : {},
    }),
    logLevel: 'warn',
  });
  const timeoutMs = (seconds + 60) * 1000;
  try {
    const uas = await startRegisteredCallee(product.sipPort, timeoutMs);
    const flood = await startFlood(product.sipPort, hostileRate, sources);
    const cpuBefore = cpuSeconds(product.pid) ?? NaN;
    const startedAt = Date.now();
    const callerPort = await benchPort(TRUNK_SOURCE_IP);
    const calls = Math.round(cps * seconds);
    const uac = startSipp(UAC_SCENARIO, [
      `127.0.0.1:${product.sipPort}`,
      '-i', TRUNK_SOURCE_IP, '-mi', TRUNK_SOURCE_IP, '-bind_local', '-p', String(callerPort), '-t', 'u1',
      '-s', DIALLED, '-key', 'caller', CALLER,
      '-r', String(cps), '-m', String(calls), '-l', String(Math.max(100, cps * 10)), '-d', '1000',
      '-recv_timeout', '10000', '-timeout', `${Math.ceil(timeoutMs / 1000)}s`,
    ], { timeoutMs, traceRtt: true });
    const out = await uac.done;
    const cpuPct = (((cpuSeconds(product.pid) ?? NaN) - cpuBefore) * 100_000) / (Date.now() - startedAt);
    const hostile = await flood.stop();
    const callee = await uas.stop(3000);
    const setups = [...(out.rtt.get('1') ?? [])].sort((a, b) => a - b);
    const step: Step = {
      mode, sources, hostileRate,
      hostileSent: hostile.sent,
      hostileAnswered: hostile.answered,
      calls,
      successful: num(out.stats, 'SuccessfulCall(C)') - (out.rtt.get('3')?.length ?? 0),
      failed: num(out.stats, 'FailedCall(C)'),
      calleeFailed: num(callee.stats, 'FailedCall(C)'),
      setupP99Ms: setups[Math.max(0, Math.ceil(setups.length * 0.99) - 1)] ?? NaN,
      productCpuPct: cpuPct,
      clean: false,
    };
    step.clean = step.successful === calls && step.failed === 0 && step.calleeFailed === 0 && !product.exited();
    return step;
  } finally {
    await product.stop();
  }
}

function stepLine(s: Step): string {
  return `RESULT mode=${s.mode} sources=${s.sources} hostile=${s.hostileRate}/s sent=${s.hostileSent} answered=${s.hostileAnswered}`
    + ` | calls ${s.successful}/${s.calls} ok, failed=${s.failed} callee_failed=${s.calleeFailed} setup_p99=${s.setupP99Ms.toFixed(1)}ms`
    + ` | product cpu ${s.productCpuPct.toFixed(0)}% | ${s.clean ? 'clean' : 'NOT clean'}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cps: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '15' },
      rates: { type: 'string', default: '500,1000,2000,4000,8000,16000' },
      sources: { type: 'string', default: '1,50' },
      modes: { type: 'string', default: 'limits,none' },
      json: { type: 'string' },
      build: { type: 'boolean' },
      'no-build': { type: 'boolean' },
    },
    strict: true,
  });
  const cps = positive('cps', values.cps);
  const seconds = positive('seconds', values.seconds);
  const rates = positiveList('rates', values.rates);
  const sourceCounts = positiveList('sources', values.sources);
  const modes = values.modes.split(',').map((m) => m.trim());
  for (const m of modes) if (m !== 'limits' && m !== 'none') throw new Error(`--modes: limits or none, got ${m}`);
  ensureBuilt(buildMode(values));
  const { startedAt, machine } = printRunHeader('sip-flood');

  const steps: Step[] = [];
  const summary: string[] = [];
  for (const sources of sourceCounts) {
    for (const mode of modes as Mode[]) {
      let failing = 0;
      let best: number | undefined;
      for (const rate of rates) {
        const step = await runStep(mode, sources, rate, cps, seconds);
        steps.push(step);
        console.log(stepLine(step));
        if (step.clean) {
          best = rate;
          failing = 0;
        } else if (++failing >= 2) break;
      }
      const line = `sources=${sources} mode=${mode}: highest hostile rate with every call successful: ${best !== undefined ? `${best}/s` : 'none of those tried'}`;
      summary.push(line);
      console.log(`# ${line}`);
    }
  }
  console.log('');
  console.log('| sources | limits | hostile msg/s | answered | calls ok | failed | setup p99 ms | product CPU % |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of steps) {
    console.log(`| ${s.sources} | ${s.mode === 'limits' ? 'on' : 'off'} | ${s.hostileRate} | ${s.hostileAnswered} | ${s.successful}/${s.calls} | `
      + `${s.failed + s.calleeFailed} | ${s.setupP99Ms.toFixed(1)} | ${s.productCpuPct.toFixed(0)} |`);
  }
  console.log('');
  for (const line of summary) console.log(`SUMMARY ${line}`);
  if (values.json) writeJsonResults(values.json, startedAt, machine, steps);
}

runMain(main);
