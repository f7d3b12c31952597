/**
 * A private redis-server for bench/acd-assign.ts: on a free bench port
 * (./ports.ts, 30000-32699, away from the tests' ports), bound to
 * 127.0.0.1, no persistence (--save '' --appendonly no), in its own temp
 * dir. start resolves once it answers PING; stop() kills it (SIGTERM, then
 * SIGKILL after 3 s) and removes the dir. A server still running when the
 * bench process exits is SIGKILLed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { benchPort } from './ports.js';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface BenchRedis {
  url: string;
  port: number;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/** One PING over a raw socket; true on +PONG. */
function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
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
  if (!existsSync(REDIS_SERVER)) throw new Error(`redis-server not found at ${REDIS_SERVER} (apt-get install redis-server)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vaxel-bench-redis-'));
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await benchPort();
    const child: ChildProcess = spawn(
      REDIS_SERVER,
      ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const keep = (d: Buffer): void => { out = (out + d.toString()).slice(-10_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited = false;
    const exit = new Promise<void>((resolve) => {
      child.once('exit', () => { exited = true; resolve(); });
      child.once('error', (err) => { exited = true; out += `\nspawn failed: ${err.message}`; resolve(); });
    });
    const killAtExit = (): void => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
    process.on('exit', killAtExit);
    const kill = async (): Promise<void> => {
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 3_000);
        await exit;
        clearTimeout(t);
      }
      process.off('exit', killAtExit);
    };
    const deadline = Date.now() + timeoutMs;
    let up = false;
    while (!exited && Date.now() < deadline) {
      if (await ping(port)) { up = true; break; }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (up && child.pid !== undefined) {
      const pid = child.pid;
      let stopped = false;
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        pid,
        version: redisVersion(),
        async stop() {
          if (stopped) return;
          stopped = true;
          await kill();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    lastError = `redis-server on port ${port} did not answer PING:\n${out}`;
    await kill();
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(lastError);
}
