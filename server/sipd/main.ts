/**
 * The embedded SIP server on its own, for a site that wants the SIP engine
 * in a separate process: the app then connects to it as to a drachtio-server
 * (DRACHTIO_HOST/DRACHTIO_PORT/DRACHTIO_SECRET). With TLS_CERT / TLS_KEY its
 * WebSocket port serves WSS, as in the app's own process. Its control port hands
 * every REGISTER, credentials included, to whoever knows the secret, so it
 * will not start on drachtio's well-known demo secret.
 */
import { DEMO_DRACHTIO_SECRET } from '../../config/rules.js';
import { loadConfig, ConfigError } from '../config/load.js';
import { createLogger } from '../log.js';
import { readTlsFiles } from '../net/tls.js';
import { Directory } from '../sip/directory.js';
import { SipServer } from './server.js';
import { webSocketListener } from './websocket-listener.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.drachtio.secret === DEMO_DRACHTIO_SECRET) {
    throw new ConfigError('environment variable DRACHTIO_SECRET', 'drachtio.secret',
      'is drachtio\'s well-known demo secret: any program that reaches the control port could take the calls; '
      + 'set DRACHTIO_SECRET to a secret of your own, the same for this server and the app');
  }
  const logger = createLogger(config.logLevel);
  const trunks = new Directory(config);
  const sipd = new SipServer({
    host: config.sip.host,
    advertisedAddress: config.sip.advertisedAddress,
    sipPort: config.sip.port,
    webSocket: webSocketListener(config.sip, readTlsFiles(config.tls)),
    controlHost: process.env.SIPD_CONTROL_HOST ?? '127.0.0.1',
    controlPort: config.drachtio.port,
    secret: config.drachtio.secret,
    sourceLimits: config.sip.sourceLimits,
    isTrusted: (address) => trunks.isTrunkAddress(address),
    loadShedding: { maxDelayMs: config.sip.maxQueueDelayMs },
    logger,
  });
  await sipd.start();
  const stop = (): void => void sipd.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const prefix = err instanceof ConfigError ? 'configuration error' : 'failed to start';
  process.stderr.write(`${prefix}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
