/**
 * The media port contract on a real FreeSWITCH, through the adapter
 * (media/freeswitch.ts, drachtio-fsmrf) and a real drachtio-server.
 *
 * Not part of `npm test` (vitest.config.ts excludes test/freeswitch/); run it
 * with its own config, which collects it only when FREESWITCH_HOST is set:
 *
 *   FREESWITCH_HOST=10.0.0.5 DRACHTIO_HOST=10.0.0.5 DRACHTIO_SECRET=<its --secret> \
 *   FREESWITCH_LISTEN_ADDRESS=10.0.0.9 FREESWITCH_SHARED_DIR=/srv/media-test \
 *     npx vitest run -c vitest.freeswitch.config.ts
 *
 * Environment (the product's own variables, with config/default.yaml's defaults):
 *   FREESWITCH_HOST, FREESWITCH_PORT (8021), FREESWITCH_SECRET (ClueCon): the event socket.
 *   DRACHTIO_HOST, DRACHTIO_PORT (9022), DRACHTIO_SECRET (cymru, refused unless drachtio-server is on this machine): the
 *     drachtio-server that FreeSWITCH's drachtio_mrf profile talks to
 *     (fsmrf sets up every endpoint as a SIP call through it).
 * And for this test:
 *   FREESWITCH_LISTEN_ADDRESS: where FreeSWITCH's outbound event socket
 *     connections reach this machine (default: its first non-loopback IPv4).
 *   MEDIA_PEER_ADDRESS: the address the test's RTP peers bind and put in
 *     their SDP; FreeSWITCH must be able to send RTP to it (default:
 *     FREESWITCH_LISTEN_ADDRESS).
 *   FREESWITCH_SHARED_DIR: a directory FreeSWITCH and this machine see at
 *     the same path: the test writes its prompts there for FreeSWITCH to
 *     play, and FreeSWITCH writes its recordings there for the test to read
 *     (default: a temp dir, which works when FreeSWITCH runs on this machine).
 *
 * FreeSWITCH needs a SIP profile named drachtio_mrf (drachtio-fsmrf looks
 * for it in `sofia status`), the event socket on 8021, and the dialplan that answers calls from
 * "drachtio-fsmrf:" user agents with `socket ${sip_h_X-esl-outbound} async full`;
 * PCMU, PCMA and telephone-event allowed on that profile. deploy/freeswitch/
 * is such a configuration (FreeSWITCH 1.10).
 */
import { networkInterfaces } from 'node:os';
import Srf from 'drachtio-srf';
import { loadConfig } from '../../server/config/load.js';
import { connectFreeswitch } from '../../media/freeswitch.js';
import { mediaPortContract } from '../contract/media-port.js';

function firstLanAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const lan = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (lan) return lan.address;
  }
  return '127.0.0.1';
}

function connectSrf(srf: Srf, target: { host: string; port: number; secret: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    let lastError = '';
    const timer = setTimeout(() => reject(new Error(
      `no answer from drachtio-server at ${target.host}:${target.port} within 10 s${lastError ? ` (${lastError})` : ''}`)), 10_000);
    srf.on('connect', (err) => {
      clearTimeout(timer);
      if (err) reject(new Error(`drachtio-server at ${target.host}:${target.port} refused us: ${err.message}`));
      else resolve();
    });
    // drachtio-srf retries by itself; the last error says why it has not got through yet.
    srf.on('error', (err: Error) => { lastError = err.message; });
    void srf.connect(target);
  });
}

mediaPortContract('FreeSWITCH', async () => {
  const config = loadConfig({ env: process.env });
  const fsHost = config.freeswitch.host;
  const drachtioHost = config.drachtio.host;
  if (!fsHost) throw new Error('FREESWITCH_HOST is not set: this suite runs against a real FreeSWITCH');
  if (!drachtioHost) {
    throw new Error('DRACHTIO_HOST is not set: drachtio-fsmrf reaches FreeSWITCH through a drachtio-server (the one its drachtio_mrf profile talks to)');
  }
  const srf = new Srf();
  await connectSrf(srf, { host: drachtioHost, port: config.drachtio.port, secret: config.drachtio.secret });
  const listenAddress = process.env.FREESWITCH_LISTEN_ADDRESS || firstLanAddress();
  try {
    const server = await connectFreeswitch(srf, {
      host: fsHost, port: config.freeswitch.port, secret: config.freeswitch.secret, listenAddress,
    });
    return {
      server,
      peerAddress: process.env.MEDIA_PEER_ADDRESS || listenAddress,
      fileDir: process.env.FREESWITCH_SHARED_DIR || undefined,
      async close() {
        await server.close();
        srf.disconnect();
      },
    };
  } catch (err) {
    srf.disconnect();
    throw err;
  }
});
