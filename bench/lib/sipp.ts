/**
 * SIPp as a load generator. The scenario is copied into a private temp dir
 * and SIPp runs there, so every file it writes (statistics, per-call
 * response times of -trace_rtt, error log, screens) lands in that dir and
 * nowhere in the tree. The pid is exposed so its CPU can be sampled.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSippStats, scenarioPath } from '../../test/support/sipp.js';

export interface SippRun {
  pid: number | undefined;
  /** Resolves when SIPp exits. */
  done: Promise<SippOutcome>;
  /** SIGUSR1 (stop placing calls, finish the open ones), then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<SippOutcome>;
}

export interface SippOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  elapsedMs: number;
  /** Cumulative counters of the last line of the stat CSV. */
  stats: Record<string, string>;
  /** Per-period rows of the stat CSV (one a second with -fd 1). */
  periods: Array<Record<string, string>>;
  /** Response times in ms from -trace_rtt, by rtd number ('1' = INVITE -> 200, '2' = BYE -> 200). */
  rtt: Map<string, number[]>;
  /** Tail of the -trace_err log. */
  errors: string;
  stderr: string;
  /** Last screen of -trace_screen. */
  screen: string;
  args: string[];
  dir: string;
}

function read(file: string, limit = 256 * 1024): string {
  try {
    const b = readFileSync(file);
    return b.length > limit ? b.subarray(b.length - limit).toString('utf8') : b.toString('utf8');
  } catch {
    return '';
  }
}

function parsePeriods(csv: string): Array<Record<string, string>> {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const names = (lines[0] ?? '').split(';');
  return lines.slice(1).map((l) => {
    const values = l.split(';');
    const row: Record<string, string> = {};
    names.forEach((n, i) => { if (n) row[n] = values[i] ?? ''; });
    return row;
  });
}

/**
 * -trace_rtt writes `Date_ms;response_time_ms;rtd_no` lines (first line a
 * header). rtd_no is the rtd's name as in the scenario ('1', '2').
 */
function parseRtt(dir: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('_rtt.csv')) continue;
    for (const line of readFileSync(path.join(dir, name), 'utf8').split(/\r?\n/)) {
      const [, value, rtd] = line.split(';');
      const ms = Number(value);
      if (!rtd || !Number.isFinite(ms) || value === undefined || value.trim() === '') continue;
      const key = rtd.trim();
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      list.push(ms);
    }
  }
  return out;
}

/**
 * Starts SIPp with `scenario` (a file name in test/sipp/ or a path) and the
 * given arguments (everything but -sf and the files, which are added here).
 */
export function startSipp(scenario: string, args: string[], opts: { timeoutMs: number; traceRtt?: boolean; traceMsg?: boolean }): SippRun {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vaxel-bench-sipp-'));
  const file = path.join(dir, path.basename(scenarioPath(scenario)));
  copyFileSync(scenarioPath(scenario), file);
  const files = {
    stat: path.join(dir, 'stat.csv'), err: path.join(dir, 'errors.log'), screen: path.join(dir, 'screen.log'), msg: path.join(dir, 'messages.log'),
  };
  const full = ['-sf', file, ...args,
    '-trace_stat', '-stf', files.stat, '-fd', '1',
    '-trace_err', '-error_file', files.err,
    '-trace_screen', '-screen_file', files.screen,
    '-nostdin'];
  if (opts.traceRtt) full.push('-trace_rtt', '-rtt_freq', '50');
  if (opts.traceMsg) full.push('-trace_msg', '-message_file', files.msg);
  const started = Date.now();
  const child = spawn('sipp', full, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => { stderr = (stderr + d).slice(-64 * 1024); });
  const kill = (): void => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.once('exit', kill);
  const watchdog = setTimeout(kill, opts.timeoutMs + 10_000);
  watchdog.unref();

  const done = new Promise<SippOutcome>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      clearTimeout(watchdog);
      process.off('exit', kill);
      const csv = read(files.stat, 64 * 1024 * 1024);
      const outcome: SippOutcome = {
        code,
        signal,
        elapsedMs: Date.now() - started,
        stats: parseSippStats(csv),
        periods: parsePeriods(csv),
        rtt: existsSync(dir) ? parseRtt(dir) : new Map(),
        errors: read(files.err, 64 * 1024),
        stderr: error ? `${stderr}\n${error.message}` : stderr,
        screen: read(files.screen, 16 * 1024),
        args: full,
        dir,
      };
      if (process.env.KEEP_BENCH_FILES !== '1') rmSync(dir, { recursive: true, force: true });
      resolve(outcome);
    };
    let settled = false;
    child.once('error', (err) => { if (!settled) { settled = true; finish(null, null, err); } });
    child.once('close', (code, signal) => { if (!settled) { settled = true; finish(code, signal); } });
  });

  const stop = async (graceMs = 5000): Promise<SippOutcome> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGUSR1');
      const t = setTimeout(kill, graceMs);
      const r = await done;
      clearTimeout(t);
      return r;
    }
    return done;
  };

  return { pid: child.pid, done, stop };
}

/** Non-zero Failed* counters of a stat row, e.g. {"FailedMaxUDPRetrans": 3}. */
export function failureCounters(stats: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) {
    if (k.startsWith('Failed') && k.endsWith('(C)') && k !== 'FailedCall(C)' && Number(v) > 0) out[k.slice(0, -3)] = Number(v);
  }
  return out;
}

export function num(stats: Record<string, string>, key: string): number {
  const v = Number(stats[key]);
  return Number.isFinite(v) ? v : 0;
}

/** Seconds during which the caller placed calls, from its 1 s stat rows (StartTime to the last row that placed calls). */
export function placingSeconds(periods: Array<Record<string, string>>): number {
  // Time columns look like "2026-11-23\t04:48:12.077655\t1795409292.077655": the last part is epoch seconds.
  const epoch = (v: string | undefined): number => Number((v ?? '').split('\t').pop());
  const start = epoch(periods[0]?.['StartTime']);
  let last = NaN;
  for (const row of periods) if (num(row, 'OutgoingCall(P)') > 0) last = epoch(row['CurrentTime']);
  return last - start;
}

/** Waits until a UDP port is bound on 127.0.0.1 (read from /proc/net/udp, no probe bind). */
export async function waitUdpBound(port: number, timeoutMs = 5000): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const table = read('/proc/net/udp', 4 * 1024 * 1024);
    if (table.includes(`0100007F:${hex}`) || table.includes(`00000000:${hex}`)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing bound udp 127.0.0.1:${port} within ${timeoutMs} ms`);
}
