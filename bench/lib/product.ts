/**
 * The product as a separate process, the way it runs in production:
 * `node dist/server/main.js`, configured by a CONFIG file (written to a temp
 * dir) and the runtime-contract environment variables, on free loopback
 * ports. Its pino output (JSON lines on stdout) is kept so a benchmark can
 * report warnings and errors.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchPort } from './ports.js';
import type { DrachtioServer } from './drachtio.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN_JS = path.join(ROOT, 'dist', 'server', 'main.js');

/** Newest .ts under the product's source folders, to tell whether dist is stale. */
function newestSource(): { file: string; mtime: number } | undefined {
  let best: { file: string; mtime: number } | undefined;
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts')) {
        const mtime = statSync(p).mtimeMs;
        if (!best || mtime > best.mtime) best = { file: p, mtime };
      }
    }
  };
  for (const dir of ['server', 'config', 'media']) walk(path.join(ROOT, dir));
  return best;
}

/**
 * Makes sure dist/server/main.js exists and is not older than the sources;
 * otherwise runs `npm run build` once. `mode`: 'auto' (default), 'always', 'never'.
 */
export function ensureBuilt(mode: 'auto' | 'always' | 'never' = 'auto'): void {
  if (mode === 'never') {
    if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} does not exist: run npm run build`);
    return;
  }
  let why = mode === 'always' ? 'asked to (--build)' : '';
  if (!why && !existsSync(MAIN_JS)) why = 'dist/server/main.js is missing';
  if (!why) {
    const newest = newestSource();
    const built = statSync(MAIN_JS).mtimeMs;
    // Only a .ts newer than the build matters; default.yaml is read at run time.
    if (newest && newest.mtime > built) {
      why = `${path.relative(ROOT, newest.file)} is newer than dist`;
    }
  }
  if (!why) return;
  process.stderr.write(`building (${why}): npm run build\n`);
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    // tsc still emits JavaScript on type errors (noEmitOnError is off): go on if there is something to run.
    if (!existsSync(MAIN_JS)) throw new Error('npm run build failed and there is no dist/server/main.js');
    process.stderr.write('warning: npm run build reported errors; running the JavaScript it emitted\n');
  }
}

/**
 * A CONFIG for a product fed by a SIPp caller on `callerIp`: the operator
 * trunk trusts that address, so its calls come in as the operator's, and
 * SIP and HTTP stay on loopback. `more` is YAML put before the trunks (e.g.
 * an rtp: range); `sip` adds settings under sip: (e.g. maxConcurrentCalls, engineThread, or
 * sourceLimits with its own settings);
 * `note` ends the file's opening comment.
 */
export function operatorTrunkConfig(o: {
  writtenBy: string; callerIp: string; note?: string; more?: string; sip?: Record<string, number | boolean | Record<string, number>>;
}): string {
  const sipMore = Object.entries(o.sip ?? {}).map(([k, v]) => (typeof v !== 'object' ? `  ${k}: ${v}\n`
    : `  ${k}:\n${Object.entries(v).map(([k2, v2]) => `    ${k2}: ${v2}\n`).join('')}`)).join('');
  return `# Written by ${o.writtenBy}: the operator trunk is the SIPp caller on ${o.callerIp}${o.note ? `; ${o.note}` : ''}.
sip:
  host: 127.0.0.1
${sipMore}http:
  host: 127.0.0.1
${o.more ?? ''}trunks:
  - name: operator
    host: 127.0.0.3
    port: 5060
    transport: udp
    trustedSources: ["${o.callerIp}"]
    callerId: "+46313900600"
`;
}

export interface ProductOptions {
  /** YAML text merged over config/default.yaml (the CONFIG file). */
  configYaml: string;
  logLevel?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Arguments for node before the script, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeArgs?: string[];
  /** How long to wait for the switch to answer OPTIONS. */
  readyTimeoutMs?: number;
  /** A real drachtio-server to connect to instead of the embedded SIP server: SIP then goes to its address. */
  drachtio?: DrachtioServer;
}

export interface LogSummary {
  /** Count of lines at warn (40) and above, by "level msg". */
  counts: Map<string, number>;
  /** The last lines at warn and above, as written. */
  tail: string[];
  /** Lines that were not pino JSON (stack traces, Node warnings). */
  other: string[];
}

export interface ProductProcess {
  pid: number;
  /** Where the switch takes SIP over UDP: the embedded server, or the drachtio-server it is connected to. */
  sipHost: string;
  sipPort: number;
  wsPort: number;
  httpPort: number;
  drachtioPort: number;
  dir: string;
  logs: LogSummary;
  /** True once the process has exited. */
  exited(): boolean;
  exitInfo(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(): Promise<void>;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

function collectLogs(child: ChildProcess, logs: LogSummary): void {
  const onLine = (line: string): void => {
    if (!line.trim()) return;
    let parsed: { level?: number; msg?: string } | undefined;
    try {
      parsed = JSON.parse(line) as { level?: number; msg?: string };
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed.level !== 'number') {
      logs.other.push(line);
      if (logs.other.length > 200) logs.other.shift();
      return;
    }
    if (parsed.level < 40) return;
    const key = `${LEVELS[parsed.level] ?? parsed.level} ${parsed.msg ?? ''}`;
    logs.counts.set(key, (logs.counts.get(key) ?? 0) + 1);
    logs.tail.push(line);
    if (logs.tail.length > 50) logs.tail.shift();
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    stream.on('end', () => { if (pending) onLine(pending); });
  }
}

/** Sends OPTIONS over UDP and resolves with the status line's code, or undefined after `timeoutMs`. */
export function optionsPing(port: number, timeoutMs = 1000, host = '127.0.0.1'): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (status: number | undefined): void => {
      clearTimeout(timer);
      try { sock.close(); } catch { /* closed */ }
      resolve(status);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (buf) => {
      const m = /^SIP\/2\.0 (\d{3})/.exec(buf.toString('utf8'));
      if (m && m[1] !== '100') done(Number(m[1]));
    });
    sock.bind(0, host, () => {
      const local = sock.address().port;
      const id = randomBytes(6).toString('hex');
      const msg = [
        `OPTIONS sip:${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${host}:${local};branch=z9hG4bK-bench-${id};rport`,
        'Max-Forwards: 70',
        `From: <sip:bench@${host}>;tag=${id}`,
        `To: <sip:${host}:${port}>`,
        `Call-ID: bench-${id}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(msg, port, host);
    });
  });
}

/** Starts `node dist/server/main.js` and resolves once the switch answers OPTIONS with 200. */
export async function startProductProcess(opts: ProductOptions): Promise<ProductProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vaxel-bench-'));
  const configFile = path.join(dir, 'bench.yaml');
  writeFileSync(configFile, opts.configYaml);
  const ownSipPort = await benchPort();
  const { drachtio } = opts;
  const sipHost = drachtio?.sip.host ?? '127.0.0.1';
  const sipPort = drachtio?.sip.port ?? ownSipPort;
  const wsPort = await benchPort();
  const httpPort = await benchPort();
  const drachtioPort = await benchPort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONFIG: configFile,
    SIP_PORT: String(ownSipPort),
    SIP_WS_PORT: String(wsPort),
    HTTP_PORT: String(httpPort),
    // The benchmarks' own DRACHTIO_* variables mean something else (./drachtio.ts): the product gets its runtime contract's.
    DRACHTIO_HOST: drachtio?.control.host ?? '',
    DRACHTIO_PORT: String(drachtio?.control.port ?? drachtioPort),
    DRACHTIO_SECRET: drachtio?.secret ?? '',
    DATA_DIR: path.join(dir, 'data'),
    LOG_LEVEL: opts.logLevel ?? 'warn',
    ...(opts.env ?? {}),
  };
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), MAIN_JS], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogSummary = { counts: new Map(), tail: [], other: [] };
  collectLogs(child, logs);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });
  const kill = (): void => { if (!exit) child.kill('SIGKILL'); };
  process.once('exit', kill);

  const stop = async (): Promise<void> => {
    if (!exit) {
      child.kill('SIGTERM');
      const t = setTimeout(() => { if (!exit) child.kill('SIGKILL'); }, 5000);
      await exitedPromise;
      clearTimeout(t);
    }
    process.off('exit', kill);
    if (process.env.KEEP_BENCH_FILES !== '1') rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (exit) {
      await stop();
      throw new Error(`the product exited while starting (code ${exit.code}, signal ${exit.signal}):\n${[...logs.other, ...logs.tail].join('\n')}`);
    }
    if ((await optionsPing(sipPort, 500, sipHost)) === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the product did not answer OPTIONS with 200 on udp ${sipHost}:${sipPort} within ${(opts.readyTimeoutMs ?? 20_000) / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    pid: child.pid!,
    sipHost,
    sipPort,
    wsPort,
    httpPort,
    drachtioPort,
    dir,
    logs,
    exited: () => exit !== undefined,
    exitInfo: () => exit,
    stop,
  };
}
