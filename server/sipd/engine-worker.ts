/**
 * The embedded SIP server's thread (started by ./engine-thread.ts): the
 * engine made as in the app's thread (./product-engine.ts), its logs
 * through the product's logger, its screen the throttle's front door.
 * Scanners are recognised here; addresses the app's throttle blocks for
 * failed authentications arrive as messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { consoleDestination, createLogger } from '../log.js';
import { ExpiringMap } from '../net/expiring-map.js';
import { createThrottle } from '../sip/throttle.js';
import type { EngineWorkerCommand, EngineWorkerData, EngineWorkerReply } from './engine-thread.js';
import { productEngine } from './product-engine.js';

/** As many blocked addresses as the app's throttle keeps. */
const MAX_BLOCKED = 10_000;

const port = parentPort!;
const { config, tls, secret, logLevel, terminal } = workerData as EngineWorkerData;
const logger = createLogger(logLevel, consoleDestination(process.stdout, terminal));
process.on('uncaughtException', (err) => logger.error({ err, component: 'sipd' }, 'uncaught exception'));
process.on('unhandledRejection', (err) => logger.error({ err, component: 'sipd' }, 'unhandled rejection'));

const throttle = createThrottle(config, logger);
const blocked = new ExpiringMap<string, true>(MAX_BLOCKED, Date.now);
const engine = productEngine(config, {
  secret,
  tls,
  screen: (req, source) => blocked.get(source.address) === undefined && throttle.admits(source.address, req.get('User-Agent')),
  logger,
});
const reply = (r: EngineWorkerReply): void => port.postMessage(r);

port.on('message', (command: EngineWorkerCommand) => {
  if (command.type === 'block') blocked.set(command.address, true, command.until);
  // Once the engine's sockets and this port are closed, the thread has nothing left and ends.
  else void engine.stop().finally(() => port.close());
});

try {
  await engine.start();
  reply({ type: 'listening', controlPort: engine.control.port });
} catch (err) {
  await engine.stop().catch(() => {});
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  reply({ type: 'failed', message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.port ? { port: e.port } : {}),
    ...(e.address ? { address: e.address } : {}) });
  port.close();
}
