/**
 * Start-up refuses what would fail later, in one line that says what to do:
 * a service without a flow or a recording code without one, a port already
 * taken (naming the setting and the likely cause, the SIP engine in the
 * app's thread or on its own), a data folder another
 * instance is using. A second instance on other SIP ports starts beside the
 * first (the embedded engine's control port is any free one). And the
 * process's logs are JSON lines when stdout is not a terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flowDir, startApp, type App } from '../../server/app.js';
import { LOCK_FILE } from '../../server/data-lock.js';
import { createLogger } from '../../server/log.js';
import { freePort } from '../support/ports.js';
import { testConfig } from '../support/product.js';
import { tempDir } from '../support/tmp.js';

const silent = createLogger('silent');
const running: App[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const app of running.splice(0)) await app.stop();
  for (const c of cleanups.splice(0)) c();
});

async function start(config: Awaited<ReturnType<typeof testConfig>>, dir?: string): Promise<App> {
  const app = await startApp(config, silent, dir ? { flowDir: dir } : {});
  running.push(app);
  return app;
}

/** The demo's flows without `leaveOut`. */
function demoFlowsWithout(leaveOut: string): string {
  const dir = tempDir('flows-');
  for (const f of readdirSync(flowDir())) if (f !== leaveOut) copyFileSync(join(flowDir(), f), join(dir, f));
  return dir;
}

describe('flows every call depends on are checked at start-up', () => {
  it('without the default flow (standard.yaml) the services that rely on it stop start-up, named', async () => {
    const config = await testConfig();
    await expect(start(config, demoFlowsWithout('standard.yaml'))).rejects.toThrow(
      /: service "Bolån" \(config numbers\[\]\.service\) has no flow: no flow lists it under services, and no flow is the default one/,
    );
  });

  it('without the recording flow, *77 stops start-up, naming the setting', async () => {
    const config = await testConfig();
    await expect(start(config, demoFlowsWithout('inspelning.yaml'))).rejects.toThrow(
      /: no flow runs \*77 \(config featureCodes\.recordAnnouncements\): a flow must list "\*77" under numbers/,
    );
  });
});

describe.each([
  { engine: 'in the app\'s thread', engineThread: false },
  { engine: 'on its own thread', engineThread: true },
])('a port already in use names the setting and the likely cause (the SIP engine $engine)', ({ engineThread }) => {
  it('the SIP port (sip.port, SIP_PORT)', async () => {
    const config = await testConfig();
    config.sip.engineThread = engineThread;
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((r) => squatter.bind(config.sip.port, config.sip.host, () => r()));
    cleanups.push(() => squatter.close());
    await expect(start(config)).rejects.toThrow(
      `SIP (UDP and TCP) port ${config.sip.port} (sip.port, SIP_PORT) is already in use on 127.0.0.1:${config.sip.port}: is another instance (or another SIP server) running?`,
    );
  });

  it('the WebSocket port (sip.wsPort, SIP_WS_PORT)', async () => {
    const config = await testConfig();
    config.sip.engineThread = engineThread;
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(config.sip.wsPort, config.sip.host, () => r()));
    cleanups.push(() => squatter.close());
    await expect(start(config)).rejects.toThrow(`port ${config.sip.wsPort} (sip.wsPort, SIP_WS_PORT) is already in use`);
  });
});

describe('two instances on one machine', () => {
  it('a second instance on other SIP ports starts beside the first, whatever drachtio.port says', async () => {
    const first = await testConfig();
    const second = await testConfig();
    second.drachtio.port = first.drachtio.port;
    const a = await start(first);
    const b = await start(second);
    expect(a.sipd!.control.port).not.toBe(b.sipd!.control.port);
  });

  it('a second instance on the same data folder is refused, naming the process that has it', async () => {
    const first = await testConfig();
    const second = await testConfig();
    second.dataDir = first.dataDir;
    await start(first);
    await expect(start(second)).rejects.toThrow(
      `the data folder ${first.dataDir} (dataDir, DATA_DIR) is in use by another instance (process ${process.pid})`,
    );
  });

  it('the lock is released at stop, and a lock left by a process that is gone is taken over', async () => {
    const config = await testConfig();
    const lock = join(config.dataDir, LOCK_FILE);
    const app = await start(config);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
    await app.stop();
    running.splice(running.indexOf(app), 1);
    expect(existsSync(lock)).toBe(false);

    // A crashed instance: its lock stays behind, its process is gone.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    writeFileSync(lock, JSON.stringify({ pid: gone.pid, host: hostname() }));
    await start(config);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
  });
});

describe('the process', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('with stdout not a terminal: JSON lines, saying which configuration was read, then "switch ready"', async () => {
    const dataDir = tempDir('data-');
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SIP_PORT: String(await freePort('both')),
      SIP_WS_PORT: String(await freePort('tcp')),
      HTTP_PORT: String(await freePort('tcp')),
      // Without it the first admin's password is printed, a line that is not JSON.
      ADMIN_PASSWORD: 'startup-test-admin',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    };
    delete env.CONFIG;
    child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((r) => child!.once('exit', r));
    await Promise.race([
      expect.poll(() => out, { timeout: 30_000 }).toContain('"switch ready"'),
      exited.then((code) => { throw new Error(`the process exited (${code}) before it was ready`); }),
    ]);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; files?: string[] });
    const read = lines.find((l) => l.msg.startsWith('configuration read from'));
    expect(read).toMatchObject({ files: ['config/default.yaml'] });
    expect(read!.msg).toContain('restart after a change');
    expect(out).not.toContain('Register a SIP phone');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
