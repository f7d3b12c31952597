/**
 * The running configuration's store in DATA_DIR, for one process (the data
 * folder is locked to it: server/data-lock.ts):
 *
 *   running-config.json    the current version, replaced atomically (a
 *                          temp file written and fsynced, then renamed over
 *                          it, then the folder fsynced), so a crash leaves
 *                          the old version or the new one, never half
 *   config-audit.jsonl     the audit log, one JSON record per line, appended
 *                          and fsynced before the commit returns
 *
 * The audit line is written after the version: a crash between the two
 * keeps the change and loses its audit line, never the other way round.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditPage, AuditRecord, StoredVersion } from '../running/model.js';
import type { RunningStore } from '../running/store-port.js';

export class FileRunningStore implements RunningStore {
  private readonly file: string;
  private readonly auditFile: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'running-config.json');
    this.auditFile = join(dir, 'config-audit.jsonl');
  }

  async load(): Promise<StoredVersion | undefined> {
    return this.read();
  }

  private read(): StoredVersion | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the running configuration ${this.file}: ${(err as Error).message}`);
    }
    try {
      return JSON.parse(text) as StoredVersion;
    } catch (err) {
      throw new Error(`the running configuration ${this.file} is not valid JSON (${(err as Error).message}): restore it from a backup or an export`);
    }
  }

  /** Synchronous from the version check to the rename: two commits in this process cannot interleave. */
  async commit(next: StoredVersion, audit: AuditRecord): Promise<boolean> {
    const stored = this.read();
    if ((stored?.version ?? 0) !== next.version - 1) return false;
    mkdirSync(this.dir, { recursive: true });
    const temp = `${this.file}.tmp`;
    writeDurably(temp, 'w', JSON.stringify(next));
    renameSync(temp, this.file);
    syncFolder(this.dir);
    writeDurably(this.auditFile, 'a', `${JSON.stringify(audit)}\n`);
    return true;
  }

  /** One process per data folder: nobody else commits. */
  onCommitted(): () => void {
    return () => {};
  }

  async auditPage({ before, limit }: { before?: number; limit: number }): Promise<AuditPage> {
    let text: string;
    try {
      text = readFileSync(this.auditFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [] };
      throw err;
    }
    const older = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditRecord)
      .filter((r) => before === undefined || r.version < before)
      .reverse();
    const records = older.slice(0, limit);
    return older.length > limit ? { records, next: records.at(-1)!.version } : { records };
  }

  async close(): Promise<void> {}
}

function writeDurably(file: string, flags: 'w' | 'a', text: string): void {
  const fd = openSync(file, flags, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
