/**
 * A private PostgreSQL server on 127.0.0.1, for the tests
 * (test/support/postgres.ts) and the benchmarks alike, from Debian's
 * postgresql package: a fresh cluster (initdb) in `dir`, one superuser
 * without a password (trust, on loopback only), no Unix socket, fsync off
 * unless asked to be durable (the data is thrown away afterwards), dying
 * with the process that started it. initdb and postgres refuse to run as
 * root: as root, both run as the unprivileged `postgres` user the package
 * makes, and `dir` is handed to it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { superviseServer } from './server-process.js';

/** The superuser of the test cluster, and the database every cluster has. */
export const POSTGRES_USER = 'vaxel';

export interface PostgresProcess {
  port: number;
  /** postgresql://vaxel@127.0.0.1:<port>/<database>, default the `postgres` database. */
  url(database?: string): string;
  exited: Promise<number | null>;
  /** The end of the server's log, for error messages. */
  output(): string;
  /** A fast shutdown (SIGINT), SIGKILL after 5 s; resolves once it is gone. */
  kill(): Promise<void>;
}

/** The newest server binaries Debian installed: POSTGRES_BIN, or /usr/lib/postgresql/<version>/bin. */
export function postgresBin(): string {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`PostgreSQL not found under ${root} (apt-get install postgresql)`);
  return join(root, newest, 'bin');
}

/** The user and group to run the server as: `postgres` when this process is root, else this process's own. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, and there is no postgres user to run PostgreSQL as (apt-get install postgresql makes one)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Makes a cluster in `dir`/data (an empty `dir` this process made) and
 * starts it on `port`; resolves once it takes connections. `durable`: keep
 * PostgreSQL's own settings (fsync, synchronous commit), for benchmarks
 * whose figures must hold for a real server; by default they are off.
 */
export async function launchPostgres(port: number, dir: string, timeoutMs: number, opts: { durable?: boolean } = {}): Promise<PostgresProcess> {
  const bin = postgresBin();
  const user = unprivileged();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  if (!existsSync(data)) {
    const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', POSTGRES_USER, '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], {
      ...user, encoding: 'utf8', timeout: timeoutMs,
    });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.error?.message}):\n${init.stdout}${init.stderr}`);
  }
  const child = spawn(join(bin, 'postgres'), [
    '-D', data, '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
    ...(opts.durable ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off']),
  ], { ...user, stdio: ['ignore', 'pipe', 'pipe'] });
  const { exited, hasExited, output, kill } = superviseServer(child, { signal: 'SIGINT', graceMs: 5_000 });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`postgres on port ${port} exited before taking connections:\n${output()}`);
    if (output().includes('ready to accept connections')) {
      return { port, url: (database = 'postgres') => `postgresql://${POSTGRES_USER}@127.0.0.1:${port}/${database}`, exited, output, kill };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await kill();
  throw new Error(`postgres on port ${port} did not take connections within ${timeoutMs} ms:\n${output()}`);
}
