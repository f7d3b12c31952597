/**
 * One process per data folder. The in-process ACD store, the avalanche
 * state and the announcements live in DATA_DIR; two instances writing them
 * at once would overwrite each other's state without a word. So start-up
 * takes DATA_DIR/vaxel.lock, a file holding the process id and host name:
 *
 * - created exclusively (O_EXCL): of two instances starting together, one wins;
 * - a lock whose process is gone (same host, no such pid) is stale and is
 *   taken over: a crash or a kill -9 does not lock the folder for good;
 * - released (removed, if still ours) when the process stops.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'vaxel.lock';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

interface LockOwner {
  pid: number;
  host: string;
}

/** Whether a process with this id runs on this machine (one we may not signal runs too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? { pid: owner.pid, host: owner.host } : undefined;
  } catch {
    return undefined; // unreadable or half written: treated as stale
  }
}

/** The lock on a data folder, held until `release()`. */
export class DataDirLock {
  private constructor(readonly file: string, private readonly owner: LockOwner) {}

  /**
   * Takes the lock on `dataDir` (created if missing) for this process.
   * Throws DataDirLockedError naming the holder when a live process has it.
   */
  static acquire(dataDir: string, shownAs: string = dataDir): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, LOCK_FILE);
    const me: LockOwner = { pid: process.pid, host: hostname() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' });
        return new DataDirLock(file, me);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readOwner(file);
      if (holder && (holder.host !== me.host || processAlive(holder.pid))) {
        const who = holder.host === me.host ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
        throw new DataDirLockedError(`the data folder ${shownAs} (dataDir, DATA_DIR) is in use by another instance (${who}): `
          + `stop it, or give this one a folder of its own with DATA_DIR (remove ${file} if that process is not an instance)`);
      }
      // Stale: its process is gone. Take it over (one more exclusive create, in case another starter was quicker).
      try {
        unlinkSync(file);
      } catch {
        /* another starter removed it first */
      }
    }
    throw new DataDirLockedError(`the data folder ${shownAs} (DATA_DIR) is being taken by another instance starting at the same time`);
  }

  /** Removes the lock file if it is still ours. */
  release(): void {
    const holder = readOwner(this.file);
    if (holder?.pid !== this.owner.pid || holder.host !== this.owner.host) return;
    try {
      unlinkSync(this.file);
    } catch {
      /* already gone */
    }
  }
}
