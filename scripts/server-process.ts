/**
 * A server program the tests and benches start for themselves (Redis,
 * PostgreSQL): killed when the starting process exits, the end of its
 * output kept for error messages, and a stop that asks politely first.
 */
import type { ChildProcess } from 'node:child_process';
import { killAtExit } from './exit-cleanup.js';

export interface ServerProcess {
  /** Resolves with the exit code once the program is gone. */
  exited: Promise<number | null>;
  /** Whether it has exited (or failed to start). */
  hasExited(): boolean;
  /** The end of what it wrote to stdout and stderr. */
  output(): string;
  /** `signal`, then SIGKILL after `graceMs`; resolves once it is gone. */
  kill(): Promise<void>;
}

export function superviseServer(child: ChildProcess, stop: { signal: NodeJS.Signals; graceMs: number }): ServerProcess {
  killAtExit(child);
  let out = '';
  const keep = (d: Buffer): void => { out = (out + d.toString()).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let gone = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => { gone = true; resolve(code); });
    child.once('error', (err) => { gone = true; out += `\nspawn failed: ${err.message}`; resolve(-1); });
  });
  const kill = async (): Promise<void> => {
    if (gone) return;
    child.kill(stop.signal);
    const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, stop.graceMs);
    try { await exited; } finally { clearTimeout(t); }
  };
  return { exited, hasExited: () => gone, output: () => out, kill };
}
