/**
 * The product, started in-process on free loopback ports, the way main.ts
 * starts it. Callers from the "operator network" come from 127.0.0.2 (the
 * trunk's trusted source); agents' phones use 127.0.0.1; the trunk itself
 * (mobiles, calls out) is whatever listens on 127.0.0.3.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '../../server/config/load.js';
import type { Config } from '../../config/schema.js';
import { createLogger } from '../../server/log.js';
import { startApp, type App, type StartOptions } from '../../server/app.js';
import { freePort } from './ports.js';
import { tempDir } from './tmp.js';

export const TRUNK_SOURCE_IP = '127.0.0.2';
export const TRUNK_HOST_IP = '127.0.0.3';
/** The API's first admin ("admin") in a test product. */
export const TEST_ADMIN_PASSWORD = 'test-admin-password';

export interface RunningProduct {
  app: App;
  config: Config;
  sipPort: number;
  wsPort: number;
  stop(): Promise<void>;
}

/**
 * The demo configuration on free loopback ports, its trunk pointing at the
 * operator network (`trunkPort` on TRUNK_HOST_IP, trusting TRUNK_SOURCE_IP),
 * with a data dir of its own so each product keeps its ACD state,
 * announcements and API users to itself, the API's first admin
 * signing in with TEST_ADMIN_PASSWORD, the embedded SIP server's load
 * shedding (`sip.maxQueueDelayMs`) out of the way, and that server in the
 * app's thread, where tests can read its state (`sip.engineThread` off).
 */
export async function testConfig(opts: { trunkPort?: number } = {}): Promise<Config> {
  const config = loadConfig({ env: {} });
  config.sip.host = '127.0.0.1';
  config.sip.port = await freePort('both');
  config.sip.wsPort = await freePort('tcp');
  config.drachtio.port = await freePort('tcp');
  config.http.host = '127.0.0.1';
  config.http.port = await freePort('tcp');
  // Tests run on machines that may be busy: unless a test is about it, the SIP server refuses nothing as overloaded.
  config.sip.maxQueueDelayMs = 60_000;
  // Tests read the engine's state (app.sipd) as it runs: in the app's thread unless a test is about its own thread.
  config.sip.engineThread = false;
  config.adminPassword = TEST_ADMIN_PASSWORD;
  config.trunks[0]!.trustedSources = [TRUNK_SOURCE_IP];
  config.trunks[0]!.host = TRUNK_HOST_IP;
  config.trunks[0]!.port = opts.trunkPort ?? 5060;
  delete config.trunks[0]!.username;
  delete config.trunks[0]!.password;
  config.dataDir = tempDir('data-');
  return config;
}

export async function startProduct(opts: StartOptions & { trunkPort?: number; logger?: Logger; tweak?: (c: Config) => void } = {}): Promise<RunningProduct> {
  const config = await testConfig({ trunkPort: opts.trunkPort });
  opts.tweak?.(config);
  const logger = opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app = await startApp(config, logger, {
    ...(opts.flowDir ? { flowDir: opts.flowDir, partialFlows: true } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return { app, config, sipPort: config.sip.port, wsPort: config.sip.wsPort, stop: () => app.stop() };
}

/**
 * The product as its own process (./product-process.ts), for crash tests:
 * resolves once it is ready; kill it with SIGKILL.
 */
export async function startProductProcess(config: Config, flowDir: string): Promise<ChildProcess> {
  const configFile = join(tempDir('cfg-'), 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/product-process.ts', configFile, flowDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`product exited (${code}) before it was ready`)));
  });
  return child;
}

/**
 * Makes the demo numbers ring one extension each, directly, as before the
 * contact center existed (no flow, no queue): for tests of the switch itself.
 * The main number also greets its callers first.
 */
export function ringExtensionsDirectly(config: Config): void {
  const targets: Record<string, string> = {
    '+46313900600': '1001', '+46313900601': '1002', '+46313900602': '1003', '+46313900603': '1002', '+46313900604': '1004',
    '+46313900605': '1005', '+46313900606': '1005', '+46313900607': '1006', '+46313900608': '1004', '+46313900609': '1003',
  };
  for (const n of config.numbers) {
    const target = targets[n.number];
    if (!target) continue;
    n.target = target;
    delete n.queue;
    if (n.number === '+46313900600') n.greeting = true;
  }
}
