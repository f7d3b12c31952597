/**
 * The embedded SIP server as the product runs it, made from its
 * configuration: one recipe whether it runs in the app's thread or on a
 * thread of its own (./engine-thread.ts).
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { TlsFiles } from '../net/tls.js';
import { Directory } from '../sip/directory.js';
import { SipServer, type SipServerOptions } from './server.js';
import { webSocketListener } from './websocket-listener.js';

export interface ProductEngineParts {
  /** The control port's secret: only the app, in the same process, knows it. */
  secret: string;
  tls: TlsFiles | undefined;
  screen: SipServerOptions['screen'];
  logger: Logger;
}

export function productEngine(config: Config, { secret, tls, screen, logger }: ProductEngineParts): SipServer {
  const trunks = new Directory(config);
  return new SipServer({
    host: config.sip.host,
    advertisedAddress: config.sip.advertisedAddress,
    sipPort: config.sip.port,
    webSocket: webSocketListener(config.sip, tls),
    // The control port carries the shared secret: keep it off the network. Only this
    // process connects to it, so any free port does: a second instance never collides on it.
    controlHost: '127.0.0.1',
    controlPort: 0,
    secret,
    screen,
    sourceLimits: config.sip.sourceLimits,
    isTrusted: (address) => trunks.isTrunkAddress(address),
    loadShedding: { maxDelayMs: config.sip.maxQueueDelayMs },
    logger,
  });
}
