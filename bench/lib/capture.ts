/**
 * tcpdump on lo, for packet spacing on kernel timestamps: taken as each
 * packet goes through the loopback device, so they show the sender's pacing
 * and not how late a busy receiver got round to reading it. Needs tcpdump
 * (`apt-get install -y tcpdump`) and root or CAP_NET_RAW.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface Capture {
  proc: ChildProcess;
  /** The classic pcap (Ethernet frames, as lo gives them) being written. */
  file: string;
  stderr: string[];
}

export interface CaptureCounts {
  captured: number;
  received: number;
  dropped: number;
}

/** Why tcpdump cannot be used, or undefined when it can. */
export function tcpdumpProblem(): string | undefined {
  const r = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'tcpdump is not installed (apt-get install -y tcpdump)';
  return undefined;
}

/**
 * Starts writing the packets on lo that match `filter` to `file`, and
 * resolves once tcpdump says it is listening: packets sent before that would
 * be missing from the capture and count as lost.
 */
export async function startCapture(file: string, filter: string): Promise<Capture> {
  const stderr: string[] = [];
  // -s 64 is enough for the headers up to RTP's; -B (128 MiB) so bursts of many streams are not dropped by the
  // kernel; -Z root because tcpdump would otherwise drop to a user that cannot write into our temp dir.
  const proc = spawn('tcpdump', ['-i', 'lo', '-n', '-p', '-Z', 'root', '-s', '64', '-B', '131072', '-w', file, filter],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr.join('')}`)), 10_000);
    proc.stderr!.on('data', (chunk: string) => {
      stderr.push(chunk);
      if (/listening on/.test(stderr.join(''))) { clearTimeout(timer); resolve(); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tcpdump exited (${code}): ${stderr.join('')}`)); });
  });
  return { proc, file, stderr };
}

/** Stops the capture (SIGINT, so tcpdump flushes the file) and returns its own counts; NaN where it did not say. */
export async function stopCapture(c: Capture): Promise<CaptureCounts> {
  const exited = new Promise<void>((resolve) => c.proc.once('exit', () => resolve()));
  c.proc.kill('SIGINT');
  await exited;
  const text = c.stderr.join('');
  const n = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
  return {
    captured: n(/(\d+) packets? captured/),
    received: n(/(\d+) packets? received by filter/),
    dropped: n(/(\d+) packets? dropped by kernel/),
  };
}
