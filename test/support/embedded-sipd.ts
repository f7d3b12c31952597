/**
 * The embedded SIP server alone on free loopback ports, with drachtio-srf
 * connected to its control port the way the product connects: for tests of
 * the SIP layer without the product's app. The application's handlers are
 * the test's own; `stop()` disconnects and stops the server.
 */
import { randomUUID } from 'node:crypto';
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { createLogger } from '../../server/log.js';
import { SipServer, type SipServerOptions } from '../../server/sipd/server.js';
import { freePort } from './ports.js';

export interface SipdWithSrf {
  sipd: SipServer;
  srf: Srf;
  /** The SIP port, UDP and TCP, on 127.0.0.1. */
  port: number;
  stop(): Promise<void>;
}

/** The server's logger defaults to the test's level (TEST_LOG_LEVEL, else silent); its timers to RFC 3261's. */
export async function startSipdWithSrf(
  opts: { logger?: Logger } & Pick<SipServerOptions, 'timers' | 'loadShedding'> = {},
): Promise<SipdWithSrf> {
  const port = await freePort('both');
  const controlPort = await freePort('tcp');
  const secret = randomUUID();
  const sipd = new SipServer({
    host: '127.0.0.1', sipPort: port, controlHost: '127.0.0.1', controlPort, secret,
    logger: opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), timers: opts.timers, loadShedding: opts.loadShedding,
  });
  await sipd.start();
  const srf = new Srf();
  try {
    await new Promise<void>((resolve, reject) => {
      srf.on('connect', (err) => (err ? reject(err) : resolve()));
      void srf.connect({ host: '127.0.0.1', port: controlPort, secret });
    });
  } catch (err) {
    await sipd.stop();
    throw err;
  }
  return {
    sipd, srf, port,
    async stop() {
      srf.disconnect();
      await sipd.stop();
    },
  };
}
