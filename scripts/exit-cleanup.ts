/**
 * What a test or benchmark run started and must not leave behind, however
 * it ends (a failed assertion, a timeout, an exception): child processes
 * still running (SIPp, baresip, redis-server) would hold their ports and
 * memory for the next run. One 'exit' hook for all of them; SIGKILL and
 * synchronous work only, because nothing asynchronous runs at 'exit'.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
const tasks: Array<() => void> = [];
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const child of children) {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
    }
    for (const task of tasks) {
      try { task(); } catch { /* best effort */ }
    }
  });
}

/** Kills `child` when this process exits, if it is still running then. */
export function killAtExit(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Runs `task` (synchronous) when this process exits, after the children are killed. */
export function atExit(task: () => void): void {
  install();
  tasks.push(task);
}
