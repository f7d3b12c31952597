/**
 * A real redis-server for tests: one per test file, on a free port on
 * 127.0.0.1, without persistence (--save '' --appendonly no), in its own
 * temp dir. startRedis() resolves once the server answers; stop() kills
 * it (SIGTERM, then SIGKILL). restart() brings it back on the same port, empty
 * (to test reconnects). Servers still running when the test process exits
 * are SIGKILLed.
 *
 *   let redis: RedisServer;
 *   beforeAll(async () => { redis = await startRedis(); });
 *   afterAll(async () => { await redis?.stop(); });
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { RedisStore } from '../../server/store/redis.js';
import { launchRedis, launchRedisOnFreePort, requireRedisServer, type RedisProcess } from '../../scripts/redis-server.js';
import { freePort, releasePort } from './ports.js';
import { tempDir } from './tmp.js';

export { REDIS_SERVER } from '../../scripts/redis-server.js';

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Kill the server (SIGTERM, SIGKILL after 3 s). Idempotent. */
  stop(): Promise<void>;
  /** Kill the server but keep its port and dir, for up() (an outage). */
  down(): Promise<void>;
  /** Start it again on the same port after down() (empty: there is no persistence). */
  up(): Promise<void>;
  /** down() then up(). */
  restart(): Promise<void>;
  /** What the server wrote to stdout/stderr (its log), for failure messages. */
  output(): string;
}

export async function startRedis(opts: { timeoutMs?: number } = {}): Promise<RedisServer> {
  requireRedisServer();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const dir = tempDir('redis-');
  let current: RedisProcess | undefined = await launchRedisOnFreePort(() => freePort('tcp'), dir, timeoutMs);
  const port = current.port;

  let stopped = false;
  let last: RedisProcess = current;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    output: () => (current ?? last).output(),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (current) await current.kill();
      releasePort(port);
      if (process.env.KEEP_TEST_FILES !== '1') rmSync(dir, { recursive: true, force: true });
    },
    async down() {
      if (stopped) throw new Error('down() after stop()');
      if (current) await current.kill();
      current = undefined;
    },
    async up() {
      if (stopped) throw new Error('up() after stop()');
      if (current) return;
      current = await launchRedis(port, dir, timeoutMs);
      last = current;
    },
    async restart() {
      await server.down();
      await server.up();
    },
  };
  return server;
}

/**
 * For a test file whose tests open RedisStores: one redis-server for the
 * file, and a function that opens a store on it with the given key prefix.
 * The stores are closed after each test, and an error any of them reported
 * fails that test.
 */
export function redisStoresPerTest(): (prefix: string) => RedisStore {
  let redis: RedisServer | undefined;
  const open: RedisStore[] = [];
  const errors: Error[] = [];
  beforeAll(async () => { redis = await startRedis(); });
  afterAll(async () => { await redis?.stop(); });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    expect(errors.splice(0)).toEqual([]);
  });
  return (prefix) => {
    if (!redis) throw new Error('no redis-server yet: open stores inside a test');
    const s = new RedisStore({ url: redis.url, prefix, onError: (e) => errors.push(e) });
    open.push(s);
    return s;
  };
}
