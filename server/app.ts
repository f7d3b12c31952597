/**
 * Starts the product: the embedded SIP server unless DRACHTIO_HOST points at
 * a real drachtio-server, then the switch connected to it through drachtio-srf.
 */
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { SipServer } from './sipd/server.js';
import { createSwitch, type Switch } from './sip/switch.js';
import type { MediaServer } from '../media/port.js';
import { EmbeddedMediaServer } from '../media/engine/index.js';
import { connectFreeswitch } from '../media/freeswitch.js';
import { loadPromptSet } from '../media/speech.js';
import { advertisedAddressFor } from './net/address.js';

export interface App {
  srf: Srf;
  /** The embedded engine, when no drachtio-server is configured. */
  sipd?: SipServer;
  media: MediaServer;
  switch: Switch;
  stop(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

export async function startApp(config: Config, logger: Logger): Promise<App> {
  let sipd: SipServer | undefined;
  let target = { host: config.drachtio.host ?? '127.0.0.1', port: config.drachtio.port, secret: config.drachtio.secret };
  if (!config.drachtio.host) {
    sipd = new SipServer({
      host: config.sip.host,
      advertisedAddress: config.sip.advertisedAddress,
      sipPort: config.sip.port,
      wsPort: config.sip.wsPort,
      // The control port carries the shared secret: keep it off the network.
      controlHost: '127.0.0.1',
      controlPort: config.drachtio.port,
      secret: config.drachtio.secret,
      logger,
    });
    await sipd.start();
    target = { ...target, port: sipd.control.port };
  }

  const srf = new Srf();
  try {
    await connect(srf, target, logger);
  } catch (err) {
    srf.disconnect();
    await sipd?.stop();
    throw err;
  }
  const media = await startMedia(srf, config, logger);
  const sw = createSwitch(srf, config, media, loadPromptSet(), logger);
  logger.info({
    sip: sipd ? 'embedded' : `drachtio-server ${target.host}:${target.port}`,
    media: config.freeswitch.host ? `FreeSWITCH ${config.freeswitch.host}:${config.freeswitch.port}` : 'embedded',
  }, 'switch ready');

  return {
    srf,
    sipd,
    media,
    switch: sw,
    async stop() {
      sw.stop();
      await media.close();
      srf.disconnect();
      await sipd?.stop();
    },
  };
}

/** FreeSWITCH when FREESWITCH_HOST is set, else the embedded RTP engine. */
async function startMedia(srf: Srf, config: Config, logger: Logger): Promise<MediaServer> {
  const address = config.sip.advertisedAddress ?? advertisedAddressFor(config.sip.host);
  if (config.freeswitch.host) {
    return connectFreeswitch(srf, {
      host: config.freeswitch.host, port: config.freeswitch.port, secret: config.freeswitch.secret, listenAddress: address,
    });
  }
  return new EmbeddedMediaServer({
    portMin: config.rtp.portMin,
    portMax: config.rtp.portMax,
    bindAddress: config.sip.host,
    advertisedAddress: address,
    logger: logger.child({ component: 'media' }),
  });
}

function connect(srf: Srf, target: { host: string; port: number; secret: string }, logger: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no answer from drachtio-server at ${target.host}:${target.port} within ${CONNECT_TIMEOUT_MS / 1000} s`)),
      CONNECT_TIMEOUT_MS,
    );
    srf.on('connect', (err, hostport) => {
      clearTimeout(timer);
      if (err) reject(new Error(`drachtio-server at ${target.host}:${target.port} refused us: ${err.message}`));
      else {
        logger.info({ hostport }, 'connected to the SIP engine');
        resolve();
      }
    });
    // Reconnects are drachtio-srf's job; an error here must not end the process.
    srf.on('error', (err) => logger.warn({ err }, 'SIP engine connection error'));
    void srf.connect(target);
  });
}
