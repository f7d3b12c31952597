/**
 * A real PostgreSQL for tests (scripts/postgres-server.ts): one server per
 * test file, on a free port on 127.0.0.1, its cluster in a temp dir, and a
 * fresh database per test (`database()`). stop() ends the server and
 * removes its files; a server still running when the test process exits is
 * SIGKILLed.
 *
 *   let pg: PostgresServer;
 *   beforeAll(async () => { pg = await startPostgres(); });
 *   afterAll(async () => { await pg?.stop(); });
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { launchPostgres, type PostgresProcess } from '../../scripts/postgres-server.js';
import { freePort, releasePort } from './ports.js';
import { tempDir } from './tmp.js';

export interface PostgresServer {
  port: number;
  /** A new, empty database; its URL. */
  database(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPostgres(opts: { timeoutMs?: number } = {}): Promise<PostgresServer> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let server: PostgresProcess | undefined;
  let dir = '';
  let lastError: unknown;
  // A port free when checked may be taken by another process first: a few tries, each in a fresh dir.
  for (let attempt = 0; attempt < 3 && !server; attempt++) {
    const port = await freePort('tcp');
    dir = tempDir('postgres-');
    try {
      server = await launchPostgres(port, dir, timeoutMs);
    } catch (err) {
      lastError = err;
      releasePort(port);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!server) throw lastError instanceof Error ? lastError : new Error(String(lastError));
  const running = server;
  let made = 0;
  let stopped = false;
  return {
    port: running.port,
    output: () => running.output(),
    async database() {
      const name = `test_${++made}`;
      const admin = new pg.Client({ connectionString: running.url() });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return running.url(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.kill();
      releasePort(running.port);
      if (process.env.KEEP_TEST_FILES !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}
