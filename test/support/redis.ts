/**
 * A real redis-server for tests: one per test file, on a free port on
 * 127.0.0.1, without persistence (--save '' --appendonly no), in its own
 * temp dir. startRedis() resolves once the server answers PING; stop() kills
 * it (SIGTERM, then SIGKILL). restart() brings it back on the same port, empty
 * (to test reconnects). Servers still running when the test process exits
 * are SIGKILLed.
 *
 *   let redis: RedisServer;
 *   beforeAll(async () => { redis = await startRedis(); });
 *   afterAll(async () => { await redis?.stop(); });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { freePort, releasePort } from './ports.js';
import { tempDir } from './tmp.js';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

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

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
    }
  });
}

/** One PING over a raw socket; true on +PONG. */
function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean) => { clearTimeout(timer); sock.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

interface Launched {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

function launch(port: number, dir: string): Launched {
  const args = [
    '--save', '',
    '--appendonly', 'no',
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', '',
    '--loglevel', 'warning',
  ];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => { running.delete(child); resolve(code); });
    child.once('error', (err) => { running.delete(child); out += `\nspawn failed: ${err.message}`; resolve(-1); });
  });
  return { child, exited, output: () => out };
}

async function waitForPing(port: number, l: Launched, timeoutMs: number): Promise<void> {
  let hasExited = false;
  void l.exited.then(() => { hasExited = true; });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited) {
      throw new Error(`redis-server on port ${port} exited before answering PING:\n${l.output()}`);
    }
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  l.child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms:\n${l.output()}`);
}

async function kill(l: Launched): Promise<void> {
  if (l.child.exitCode !== null || l.child.signalCode !== null) return;
  l.child.kill('SIGTERM');
  const t = setTimeout(() => { try { l.child.kill('SIGKILL'); } catch { /* gone */ } }, 3_000);
  try { await l.exited; } finally { clearTimeout(t); }
}

export async function startRedis(opts: { timeoutMs?: number } = {}): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`redis-server not found at ${REDIS_SERVER} (apt-get install redis-server)`);
  installExitHook();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const dir = tempDir('redis-');

  // The port was free when freePort checked it; another process may still
  // take it first, so try a few.
  let port = 0;
  let current: Launched | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !current; attempt++) {
    port = await freePort('tcp');
    const l = launch(port, dir);
    try {
      await waitForPing(port, l, timeoutMs);
      current = l;
    } catch (err) {
      lastError = err;
      await kill(l);
    }
  }
  if (!current) throw lastError instanceof Error ? lastError : new Error(String(lastError));

  let stopped = false;
  let last: Launched = current;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    output: () => (current ?? last).output(),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (current) await kill(current);
      releasePort(port);
      if (process.env.KEEP_TEST_FILES !== '1') rmSync(dir, { recursive: true, force: true });
    },
    async down() {
      if (stopped) throw new Error('down() after stop()');
      if (current) await kill(current);
      current = undefined;
    },
    async up() {
      if (stopped) throw new Error('up() after stop()');
      if (current) return;
      const l = launch(port, dir);
      try {
        await waitForPing(port, l, timeoutMs);
      } catch (err) {
        await kill(l);
        throw err;
      }
      current = l;
      last = l;
    },
    async restart() {
      await server.down();
      await server.up();
    },
  };
  return server;
}
