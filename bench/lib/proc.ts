/**
 * Process and machine figures read straight from /proc (Linux only):
 * CPU time of a process (utime + stime, /proc/<pid>/stat), its resident
 * memory (VmRSS, /proc/<pid>/status), and how busy the whole machine is
 * (/proc/stat). A Sampler takes one sample a second and keeps the series.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second for utime/stime (getconf CLK_TCK; 100 on Linux/x86). */
export const CLK_TCK: number = (() => {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process in seconds, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields after its ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]); // field 14
    const stime = Number(rest[12]); // field 15
    return (utime + stime) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** VmRSS of a process in MB (1 MB = 1024 * 1024 bytes), or undefined when it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of all CPUs together (first line of /proc/stat). */
export function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is already in user)
  const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export interface Sample {
  /** Seconds since the sampler started. */
  t: number;
  /** Product CPU over the last interval, % of one core (200 = both cores of a 2-core machine). */
  cpu: number;
  rssMb: number;
  /** CPU of the other watched processes (the SIPp load generators), % of one core, by label. */
  others: Record<string, number>;
  /** Whole machine busy over the last interval, % of all cores (100 = every core busy). */
  machineBusy: number;
}

export class Sampler {
  readonly samples: Sample[] = [];
  private timer?: NodeJS.Timeout;
  private readonly started = performance.now();
  private last?: { at: number; cpu: number; others: Record<string, number>; machine: { busy: number; total: number } };
  private readonly others = new Map<string, number>();

  constructor(private readonly pid: number, private readonly intervalMs = 1000) {}

  /** Also sample this process (e.g. a SIPp) under `label`. */
  watch(label: string, pid: number | undefined): void {
    if (pid !== undefined) this.others.set(label, pid);
  }

  start(): void {
    this.last = this.read();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private read(): { at: number; cpu: number; others: Record<string, number>; machine: { busy: number; total: number } } {
    const others: Record<string, number> = {};
    for (const [label, pid] of this.others) {
      const s = cpuSeconds(pid);
      if (s !== undefined) others[label] = s;
    }
    return { at: performance.now(), cpu: cpuSeconds(this.pid) ?? NaN, others, machine: machineJiffies() };
  }

  private tick(): void {
    const now = this.read();
    const prev = this.last;
    this.last = now;
    if (!prev || Number.isNaN(now.cpu)) return;
    const wall = (now.at - prev.at) / 1000;
    const others: Record<string, number> = {};
    for (const [label, s] of Object.entries(now.others)) {
      const before = prev.others[label];
      if (before !== undefined) others[label] = ((s - before) / wall) * 100;
    }
    const dTotal = now.machine.total - prev.machine.total;
    this.samples.push({
      t: (now.at - this.started) / 1000,
      cpu: ((now.cpu - prev.cpu) / wall) * 100,
      rssMb: rssMb(this.pid) ?? NaN,
      others,
      machineBusy: dTotal > 0 ? ((now.machine.busy - prev.machine.busy) / dTotal) * 100 : NaN,
    });
  }
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memTotalGb: number;
  kernel: string;
  node: string;
  sipp: string;
}

export function machineInfo(): MachineInfo {
  let nproc = os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch { /* os.cpus() then */ }
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  let sipp = 'unknown';
  try {
    const out = execFileSync('sipp', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    sipp = /SIPp v[^\s,]+/.exec(out)?.[0] ?? sipp;
  } catch (err) {
    // sipp -v exits non-zero; its banner is still on stdout.
    const out = String((err as { stdout?: unknown }).stdout ?? '');
    sipp = /SIPp v[^\s,]+/.exec(out)?.[0] ?? sipp;
  }
  return {
    nproc,
    cpuModel,
    memTotalGb: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    sipp,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `nproc ${m.nproc}, ${m.cpuModel}, ${m.memTotalGb} GB RAM, Linux ${m.kernel}, Node ${m.node}, ${m.sipp}`;
}

/** Runs `work`, and says how much CPU this process and everything else on the machine used meanwhile, in % of one core. */
export async function withLoad<T>(work: () => Promise<T>): Promise<{ result: T; load: string }> {
  const m0 = machineJiffies();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const wallMs = performance.now() - t0;
  const m1 = machineJiffies();
  const c1 = process.cpuUsage(c0);
  const own = ((c1.user + c1.system) / 1000 / wallMs) * 100;
  const machine = ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * os.cpus().length * 100;
  return { result, load: `this process ${own.toFixed(0)}%, everything else ${Math.max(0, machine - own).toFixed(0)}% of one core` };
}
