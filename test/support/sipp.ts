/**
 * SIPp from tests: run a caller scenario to completion (runSipp) or keep a
 * callee scenario listening in the background (startSippUas).
 *
 * Scenarios live in test/sipp/ (pass the file name) or anywhere (pass a path).
 * SIPp runs without a terminal (-nostdin), writes its statistics, errors,
 * messages and final screens into a temp dir, and is always killed: by its
 * own -timeout, by our watchdog a few seconds later, by stop(), or when the
 * test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, freePortRange } from './ports.js';
import { tempDir } from './tmp.js';
import { waitFor } from './wait.js';
import { killAtExit } from '../../scripts/exit-cleanup.js';

export const SIPP_DIR = fileURLToPath(new URL('../sipp/', import.meta.url));

/** Arguments some scenarios cannot work without (see the comment in each file). */
export const SCENARIO_REQUIRED_ARGS: Readonly<Record<string, readonly string[]>> = {
  'uac-ignore-200.xml': ['-nr'],
  'uas-lost-200.xml': ['-nr'],
  'uac-retransmit-invite.xml': ['-nr'],
};

/** -key values every scenario in test/sipp may use; override per run. */
export const DEFAULT_KEYS: Readonly<Record<string, string>> = {
  caller: '+46701234567',
};

export interface SippCommonOptions {
  /** File name in test/sipp/ or a path to a scenario XML. */
  scenario: string;
  /** Our SIP port (-p). Default: a free port. */
  localPort?: number;
  /** 'udp' (-t u1, default) or 'tcp' (-t t1). */
  transport?: 'udp' | 'tcp';
  /** Request-URI user (-s), the [service] keyword. */
  service?: string;
  /** Stop after this many calls (-m). runSipp default 1; startSippUas default 0 = no limit. */
  calls?: number;
  /** Calls per rate period (-r), default SIPp's 10. */
  rate?: number;
  /** Rate period in ms (-rp). */
  ratePeriodMs?: number;
  /** Max simultaneous calls (-l). */
  limit?: number;
  /** Length of every <pause/> without attributes, in ms (-d). */
  durationMs?: number;
  /** CSV injection (-inf): a path, or rows written to a temp file ([field0], [field1] ...). */
  inf?: string | { rows: string[][]; mode?: 'SEQUENTIAL' | 'RANDOM' | 'USER' };
  /** -key name value: [name] keywords. Merged over DEFAULT_KEYS. */
  keys?: Record<string, string>;
  /** -set name value: global [$name] variables. */
  vars?: Record<string, string>;
  /** SIPp's global -timeout; our watchdog kills it 5 s later. Default 30 s (runSipp) / 300 s (UAS). */
  timeoutMs?: number;
  /** -recv_timeout: a call fails when an expected message does not come in time. */
  recvTimeoutMs?: number;
  /** -nr: no UDP retransmissions (forced for the scenarios in SCENARIO_REQUIRED_ARGS). */
  noRetrans?: boolean;
  /** -trace_msg into the result. Default: true when calls <= 100. */
  traceMessages?: boolean;
  /** -rtp_echo: echo RTP received on the media port. */
  rtpEcho?: boolean;
  /** -mp: media port put in [media_port]; default SIPp picks a free one from 6000. */
  mediaPort?: number;
  /** Anything else, appended last. */
  extraArgs?: string[];
  /** Keep the temp dir with SIPp's files (also when env KEEP_SIPP_FILES=1 or KEEP_TEST_FILES=1). */
  keepFiles?: boolean;
}

export interface RunSippOptions extends SippCommonOptions {
  /** Where to send: "host:port", a port on 127.0.0.1, or {host, port}. */
  remote: string | number | { host?: string; port: number };
}

export interface SippResult {
  /** Exit code: 0 all calls ok, 1 some failed, 97 timeout without success, 99/255/254 usage, fatal or bind error. */
  code: number | null;
  signal: NodeJS.Signals | null;
  successful: number;
  failed: number;
  /** Calls created (outgoing for a UAC, incoming for a UAS). */
  created: number;
  /** Cumulative counters of the last line of the stat CSV, e.g. stats['FailedCallRejected(C)']. */
  stats: Record<string, string>;
  stdout: string;
  stderr: string;
  /** Content of the -trace_err log (unexpected messages, aborted calls). */
  errors: string;
  /** Content of the -trace_msg log ('' when not traced). */
  messages: string;
  /** Final screens (-trace_screen). */
  screen: string;
  args: string[];
  elapsedMs: number;
  /** The temp dir; deleted afterwards unless keepFiles. */
  dir: string;
  /** True when our watchdog had to kill SIPp. */
  killedByWatchdog: boolean;
}

export interface SippUas {
  port: number;
  transport: 'udp' | 'tcp';
  args: string[];
  pid: number | undefined;
  /** Settles when SIPp's SIP socket is bound (rejects if it exits first). */
  ready: Promise<void>;
  /** Settles when SIPp exits, however that happens. */
  exited: Promise<SippResult>;
  /** Soft stop (SIGUSR1: finish ongoing calls), then SIGTERM, then SIGKILL. */
  stop(graceMs?: number): Promise<SippResult>;
  /** The messages sent and received so far, as SIPp logs them while it runs ('' when not traced). */
  messagesSoFar(): string;
  /** Resolves once SIPp has sent or received a message that `pattern` finds (traceMessages must be on). */
  waitMessage(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const MAX_CAPTURE = 2 * 1024 * 1024;
const live = new Set<ChildProcess>();

/** Kill every SIPp this process started that is still running. */
export function killAllSipp(): void {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
}

export function scenarioPath(scenario: string): string {
  const p = scenario.includes('/') ? path.resolve(scenario) : path.join(SIPP_DIR, scenario);
  if (!existsSync(p)) throw new Error(`SIPp scenario not found: ${p}`);
  return p;
}

function remoteString(remote: RunSippOptions['remote']): string {
  if (typeof remote === 'number') return `127.0.0.1:${remote}`;
  if (typeof remote === 'string') return remote;
  return `${remote.host ?? '127.0.0.1'}:${remote.port}`;
}

function readIfExists(file: string, limit = MAX_CAPTURE): string {
  try {
    const buf = readFileSync(file);
    return buf.length > limit ? buf.subarray(buf.length - limit).toString('utf8') : buf.toString('utf8');
  } catch {
    return '';
  }
}

/** Last line of SIPp's ';'-separated stat CSV, keyed by the header. */
export function parseSippStats(csv: string): Record<string, string> {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0];
  const last = lines[lines.length - 1];
  if (!header || !last || lines.length < 2) return {};
  const names = header.split(';');
  const values = last.split(';');
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    if (name) out[name] = values[i] ?? '';
  });
  return out;
}

/** Fallback when there is no stat file: the "Successful call" / "Failed call" rows of the screen. */
function countsFromScreen(text: string): { successful?: number; failed?: number } {
  const pick = (label: string): number | undefined => {
    const re = new RegExp(`${label}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`, 'g');
    let m: RegExpExecArray | null;
    let last: number | undefined;
    while ((m = re.exec(text)) !== null) last = Number(m[1]);
    return last;
  };
  return { successful: pick('Successful call'), failed: pick('Failed call') };
}

interface Prepared {
  args: string[];
  dir: string;
  files: { stat: string; err: string; msg: string; screen: string };
  timeoutMs: number;
  keep: boolean;
}

function prepare(opts: SippCommonOptions, role: 'uac' | 'uas', localPort: number, remote?: string): Prepared {
  const file = scenarioPath(opts.scenario);
  const dir = tempDir(`sipp-${path.basename(file, '.xml')}-`);
  const files = {
    stat: path.join(dir, 'stat.csv'),
    err: path.join(dir, 'errors.log'),
    msg: path.join(dir, 'messages.log'),
    screen: path.join(dir, 'screen.log'),
  };
  const calls = opts.calls ?? (role === 'uac' ? 1 : 0);
  const timeoutMs = opts.timeoutMs ?? (role === 'uac' ? 30_000 : 300_000);
  const args: string[] = ['-sf', file];
  if (remote) args.push(remote);
  args.push('-i', '127.0.0.1', '-mi', '127.0.0.1', '-bind_local', '-ci', '127.0.0.1');
  args.push('-p', String(localPort));
  args.push('-t', opts.transport === 'tcp' ? 't1' : 'u1');
  if (calls > 0) args.push('-m', String(calls));
  if (opts.service !== undefined) args.push('-s', opts.service);
  if (opts.rate !== undefined) args.push('-r', String(opts.rate));
  if (opts.ratePeriodMs !== undefined) args.push('-rp', `${opts.ratePeriodMs}ms`);
  if (opts.limit !== undefined) args.push('-l', String(opts.limit));
  if (opts.durationMs !== undefined) args.push('-d', `${opts.durationMs}ms`);
  if (opts.inf !== undefined) {
    let infFile: string;
    if (typeof opts.inf === 'string') {
      infFile = opts.inf;
    } else {
      infFile = path.join(dir, 'inject.csv');
      const rows = opts.inf.rows.map((r) => `${r.join(';')};`);
      writeFileSync(infFile, `${opts.inf.mode ?? 'SEQUENTIAL'}\n${rows.join('\n')}\n`);
    }
    args.push('-inf', infFile);
  }
  for (const [k, v] of Object.entries({ ...DEFAULT_KEYS, ...(opts.keys ?? {}) })) args.push('-key', k, v);
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('-set', k, v);
  args.push('-timeout', `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`);
  if (opts.recvTimeoutMs !== undefined) args.push('-recv_timeout', `${opts.recvTimeoutMs}ms`);
  const required = SCENARIO_REQUIRED_ARGS[path.basename(file)] ?? [];
  if (opts.noRetrans || required.includes('-nr')) args.push('-nr');
  if (opts.rtpEcho) args.push('-rtp_echo');
  if (opts.mediaPort !== undefined) args.push('-mp', String(opts.mediaPort));
  args.push('-trace_stat', '-stf', files.stat, '-fd', '1');
  args.push('-trace_err', '-error_file', files.err);
  args.push('-trace_screen', '-screen_file', files.screen);
  const trace = opts.traceMessages ?? (calls > 0 && calls <= 100);
  if (trace) args.push('-trace_msg', '-message_file', files.msg);
  args.push('-nostdin');
  if (opts.extraArgs) args.push(...opts.extraArgs);
  const keep = Boolean(opts.keepFiles) || process.env.KEEP_SIPP_FILES === '1' || process.env.KEEP_TEST_FILES === '1';
  return { args, dir, files, timeoutMs, keep };
}

interface Launched {
  child: ChildProcess;
  exited: Promise<SippResult>;
  watchdogFired: () => boolean;
}

function launch(p: Prepared): Launched {
  const started = Date.now();
  const child = spawn('sipp', p.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  killAtExit(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => { stdout = (stdout + d).slice(-MAX_CAPTURE); });
  child.stderr?.on('data', (d: string) => { stderr = (stderr + d).slice(-MAX_CAPTURE); });
  let fired = false;
  const watchdog = setTimeout(() => {
    fired = true;
    child.kill('SIGKILL');
  }, p.timeoutMs + 5_000);
  watchdog.unref();

  const exited = new Promise<SippResult>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      clearTimeout(watchdog);
      live.delete(child);
      const statsCsv = readIfExists(p.files.stat);
      const stats = parseSippStats(statsCsv);
      const screen = readIfExists(p.files.screen);
      const fromScreen = countsFromScreen(screen || stdout);
      const num = (key: string, fallback?: number): number => {
        const v = stats[key];
        return v !== undefined && v !== '' ? Number(v) : fallback ?? 0;
      };
      const created = num('IncomingCall(C)') + num('OutgoingCall(C)');
      const result: SippResult = {
        code,
        signal,
        successful: num('SuccessfulCall(C)', fromScreen.successful),
        failed: num('FailedCall(C)', fromScreen.failed),
        created,
        stats,
        stdout,
        stderr: spawnError ? `${stderr}\n${spawnError.message}` : stderr,
        errors: readIfExists(p.files.err),
        messages: readIfExists(p.files.msg),
        screen,
        args: p.args,
        elapsedMs: Date.now() - started,
        dir: p.dir,
        killedByWatchdog: fired,
      };
      if (!p.keep) rmSync(p.dir, { recursive: true, force: true });
      resolve(result);
    };
    let done = false;
    child.once('error', (err) => { if (!done) { done = true; finish(null, null, err); } });
    child.once('close', (code, signal) => { if (!done) { done = true; finish(code, signal); } });
  });
  return { child, exited, watchdogFired: () => fired };
}

/**
 * Run a SIPp scenario to the end (normally a caller, UAC). Never rejects for
 * a failed call: look at code / successful / failed, or use assertSippOk.
 */
export async function runSipp(opts: RunSippOptions): Promise<SippResult> {
  const localPort = opts.localPort ?? (await freePort('both'));
  const p = prepare(opts, 'uac', localPort, remoteString(opts.remote));
  return launch(p).exited;
}

/**
 * Is something bound to 127.0.0.1:port (or 0.0.0.0:port)? Read from
 * /proc/net/{udp,tcp} so the probe never holds the port itself (a probe bind
 * could make SIPp's own bind fail).
 */
export function portInUse(port: number, transport: 'udp' | 'tcp'): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  // 127.0.0.1, 0.0.0.0, and 127.0.0.3 (the trunk's "operator network" in tests).
  const wanted = new Set([`0100007F:${hexPort}`, `00000000:${hexPort}`, `0300007F:${hexPort}`]);
  let table = '';
  try {
    table = readFileSync(`/proc/net/${transport}`, 'utf8');
  } catch {
    return false;
  }
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    const state = cols[3];
    if (!local || !wanted.has(local)) continue;
    if (transport === 'udp' || state === '0A') return true; // 0A = TCP LISTEN
  }
  return false;
}

/**
 * Start SIPp as a callee (UAS) listening on 127.0.0.1:port. Await `ready`
 * before pointing the switch at it; call stop() in teardown.
 */
export async function startSippUas(opts: SippCommonOptions & { readyTimeoutMs?: number }): Promise<SippUas> {
  const transport = opts.transport ?? 'udp';
  const port = opts.localPort ?? (await freePort('both'));
  const p = prepare(opts, 'uas', port);
  const { child, exited } = launch(p);
  let hasExited = false;
  void exited.then(() => { hasExited = true; });

  const ready = (async () => {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 5_000);
    while (Date.now() < deadline) {
      if (hasExited) {
        const r = await exited;
        throw new Error(`SIPp UAS exited before listening (code ${r.code}):\n${r.stderr}\n${r.stdout.slice(-2000)}`);
      }
      if (portInUse(port, transport)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    throw new Error(`SIPp UAS did not bind ${transport} 127.0.0.1:${port} in time`);
  })();
  ready.catch(() => { /* surfaced to whoever awaits it */ });

  const stop = async (graceMs = 3_000): Promise<SippResult> => {
    if (!hasExited) {
      child.kill('SIGUSR1');
      const t1 = setTimeout(() => { if (!hasExited) child.kill('SIGTERM'); }, graceMs);
      const t2 = setTimeout(() => { if (!hasExited) child.kill('SIGKILL'); }, graceMs + 2_000);
      try { return await exited; } finally { clearTimeout(t1); clearTimeout(t2); }
    }
    return exited;
  };

  const messagesSoFar = (): string => readIfExists(p.files.msg);
  const waitMessage = (pattern: RegExp, timeoutMs = 10_000): Promise<void> =>
    waitFor(() => pattern.test(messagesSoFar()), { what: `SIPp ${path.basename(opts.scenario)} on port ${port} to log ${pattern}`, timeoutMs });

  await ready;
  return { port, transport, args: p.args, pid: child.pid, ready, exited, stop, messagesSoFar, waitMessage };
}

/** A readable report of a SIPp run, for assertion messages. */
/**
 * A desk phone made of SIPp: a callee (UAS, `uas-answer.xml` unless told)
 * that registers its port as the extension's contact, with the demo
 * password unless told; `echo`: it sends back the audio it hears. Stopped again if the registration fails.
 */
export async function startRegisteredSippPhone(registrarPort: number, extension: string,
  opts: { scenario?: string; calls?: number; password?: string; timeoutMs?: number; echo?: boolean } & Pick<SippCommonOptions, 'keys' | 'durationMs'> = {},
): Promise<SippUas> {
  const phone = await startSippUas({
    scenario: opts.scenario ?? 'uas-answer.xml', calls: opts.calls ?? 1, timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.echo ? { rtpEcho: true, mediaPort: await freePortRange(4, 'udp') } : {}),
    ...(opts.keys ? { keys: opts.keys } : {}),
    ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
  });
  try {
    const reg = await runSipp({
      scenario: 'register.xml',
      remote: registrarPort,
      keys: { user: extension, contact_port: String(phone.port), expires: '300' },
      extraArgs: ['-au', extension, '-ap', opts.password ?? `demo-${extension}`],
      timeoutMs: 10_000,
    });
    assertSippOk(reg, 1);
  } catch (err) {
    await phone.stop(500).catch(() => {});
    throw err;
  }
  return phone;
}

export function describeSippResult(r: SippResult): string {
  return [
    `sipp ${r.args.join(' ')}`,
    `exit code ${r.code} signal ${r.signal} successful ${r.successful} failed ${r.failed} created ${r.created}` +
      ` (${r.elapsedMs} ms${r.killedByWatchdog ? ', killed by watchdog' : ''})`,
    r.errors ? `--- errors ---\n${r.errors.slice(-4000)}` : '',
    r.stderr.trim() ? `--- stderr ---\n${r.stderr.slice(-2000)}` : '',
    r.screen ? `--- screen ---\n${r.screen.slice(-4000)}` : '',
    r.messages ? `--- messages (tail) ---\n${r.messages.slice(-6000)}` : '',
  ].filter(Boolean).join('\n');
}

/** Throw with the full report unless SIPp exited 0 with `calls` successful calls (default: at least 1). */
export function assertSippOk(r: SippResult, calls?: number): void {
  const ok = r.code === 0 && r.failed === 0 && (calls === undefined ? r.successful >= 1 : r.successful === calls);
  if (!ok) throw new Error(`SIPp run did not succeed\n${describeSippResult(r)}`);
}
