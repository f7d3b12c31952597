/**
 * Tests of the contact records a running product writes, on each history
 * database: SQLite in its DATA_DIR, and PostgreSQL (Debian's server, started
 * for the test file, a fresh database per test). The test keeps what it
 * starts in the returned object; after each test the SIPp processes, the
 * product (in-process or as its own process) and the test's own reader of
 * the database are stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../config/schema.js';
import { SQLITE_FILE } from '../../server/history/open.js';
import { PostgresHistory } from '../../server/history/postgres.js';
import type { HistoryRepository } from '../../server/history/repository.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import type { RunningProduct } from './product.js';
import { killAllSipp } from './sipp.js';

export interface HistoryBackend {
  name: string;
  /** Points the configuration at a fresh history database. */
  place(c: Config): Promise<void>;
  /** Reads what the product wrote there. */
  open(c: Config): Promise<HistoryRepository>;
}

export interface ProductOnHistory {
  backends: HistoryBackend[];
  product?: RunningProduct;
  /** The product as its own process, for a kill. */
  child?: ChildProcess;
  reader?: HistoryRepository;
  /** Kills the product's own process with SIGKILL and waits until it is gone. */
  killChild(): Promise<void>;
}

export function useHistoryBackends(): ProductOnHistory {
  let postgres: PostgresServer | undefined;
  beforeAll(async () => { postgres = await startPostgres(); }, 60_000);
  afterAll(async () => { await postgres?.stop(); });

  const run: ProductOnHistory = {
    backends: [
      {
        name: 'SQLite',
        place: async () => {},
        open: async (c) => SqliteHistory.open(join(c.dataDir, SQLITE_FILE)),
      },
      {
        name: 'PostgreSQL',
        place: async (c) => { c.databaseUrl = await postgres!.database(); },
        open: (c) => PostgresHistory.open(c.databaseUrl!, { onError: () => {} }),
      },
    ],
    async killChild() {
      const child = run.child;
      if (!child) throw new Error('the product is not running as its own process');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      run.child = undefined;
    },
  };
  afterEach(async () => {
    killAllSipp();
    run.child?.kill('SIGKILL');
    run.child = undefined;
    await run.product?.stop();
    run.product = undefined;
    await run.reader?.close();
    run.reader = undefined;
  });
  return run;
}
