/**
 * A private redis-server for bench/acd-assign.ts, started the way the tests
 * start theirs (scripts/redis-server.ts) but on a free bench port
 * (./ports.ts, 30000-32699, away from the tests' ports): bound to
 * 127.0.0.1, no persistence, in its own temp dir. start resolves once it
 * answers; stop() kills it (SIGTERM, then SIGKILL after 3 s) and
 * removes the dir. A server still running when the bench process exits is
 * SIGKILLed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchRedisOnFreePort, REDIS_SERVER, requireRedisServer } from '../../scripts/redis-server.js';
import { benchPort } from './ports.js';

export interface BenchRedis {
  url: string;
  port: number;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

export function redisVersion(): string {
  try {
    const out = execFileSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
    return /v=(\S+)/.exec(out)?.[1] ?? out.trim();
  } catch {
    return 'unknown';
  }
}

export async function startBenchRedis(timeoutMs = 10_000): Promise<BenchRedis> {
  requireRedisServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vaxel-bench-redis-'));
  const server = await launchRedisOnFreePort(() => benchPort(), dir, timeoutMs).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${server.port}`,
    port: server.port,
    pid: server.pid,
    version: redisVersion(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
