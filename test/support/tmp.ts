/**
 * Temp dirs for the harness: everything a test process creates lives under
 * <tmpdir>/vaxel-test-<pid>/. Test workers are often ended without running
 * 'exit' handlers, so instead of relying on cleanup at exit, the first call in
 * each process removes the folders of processes that no longer exist.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../../server/data-lock.js';

const PREFIX = 'vaxel-test-';
let root: string | undefined;

function sweep(): void {
  let entries: string[] = [];
  try { entries = readdirSync(os.tmpdir()); } catch { return; }
  for (const name of entries) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length));
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    try { rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true }); } catch { /* someone else's */ }
  }
}

/** This process's harness root dir (created, stale siblings swept, on first use). */
export function harnessRoot(): string {
  if (!root) {
    if (process.env.KEEP_TEST_FILES !== '1') sweep();
    root = path.join(os.tmpdir(), `${PREFIX}${process.pid}`);
    mkdirSync(root, { recursive: true });
  }
  return root;
}

/** A fresh dir under the harness root, e.g. tempDir('baresip-1001-'). */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(harnessRoot(), prefix.replace(/[^\w.-]/g, '_')));
}
