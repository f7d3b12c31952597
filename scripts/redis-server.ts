/**
 * A private redis-server on 127.0.0.1, for the test harness
 * (test/support/redis.ts) and the benchmarks (bench/lib/acd-redis.ts) alike:
 * both need a real server that nobody else shares, without persistence
 * (--save '' --appendonly no), that dies with the process that started it.
 * Where its port and its dir come from stays with them: the tests and the
 * benches draw ports from ranges that must not overlap, so that both can run
 * on one machine at once.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { superviseServer } from './server-process.js';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisProcess {
  port: number;
  pid: number;
  /** Resolves with the exit code once the server is gone. */
  exited: Promise<number | null>;
  /** The end of what the server wrote to stdout and stderr (its log), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it is gone. */
  kill(): Promise<void>;
}


export function requireRedisServer(): void {
  if (!existsSync(REDIS_SERVER)) throw new Error(`redis-server not found at ${REDIS_SERVER} (apt-get install redis-server)`);
}

/**
 * Whether the server on `port` answers and is the process `pid`: asking
 * INFO rather than PING, because until our server has bound the port (or
 * given up, when it was taken) another redis-server there answers too.
 * A raw socket, so no client library is needed.
 */
function answersAs(port: number, pid: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => { clearTimeout(timer); sock.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('INFO server\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.startsWith('-')) done(false);
      const m = /process_id:(\d+)\r\n/.exec(buf);
      if (m) done(Number(m[1]) === pid);
    });
  });
}

/**
 * Starts redis-server on `port` with its files in `dir` and resolves once it
 * answers. Rejects, with the server's log, when it exits first (the
 * port was taken, say) or does not answer within `timeoutMs`; it is gone by then.
 */
export async function launchRedis(port: number, dir: string, timeoutMs: number): Promise<RedisProcess> {
  const child = spawn(REDIS_SERVER, [
    '--save', '',
    '--appendonly', 'no',
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', '',
    '--loglevel', 'warning',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { exited, hasExited, output, kill } = superviseServer(child, { signal: 'SIGTERM', graceMs: 3_000 });

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`redis-server on port ${port} exited before answering:\n${output()}`);
    if (child.pid !== undefined && await answersAs(port, child.pid)) {
      return { port, pid: child.pid, exited, output, kill };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms:\n${output()}`);
}

/**
 * launchRedis on a port from `freePort`, up to 5 of them: a port that was
 * free when it was checked may still be taken by another process first.
 */
export async function launchRedisOnFreePort(freePort: () => Promise<number>, dir: string, timeoutMs: number): Promise<RedisProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await launchRedis(port, dir, timeoutMs);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
