/**
 * The media port contract on the embedded RTP engine (EmbeddedMediaServer),
 * on loopback, in every test run.
 */
import { EmbeddedMediaServer } from '../../media/engine/index.js';
import { freePortRange } from '../support/ports.js';
import { mediaPortContract } from './media-port.js';

const PORTS = 40;

mediaPortContract('embedded engine', async () => {
  const portMin = await freePortRange(PORTS, 'udp');
  const server = new EmbeddedMediaServer({ portMin, portMax: portMin + PORTS - 1, bindAddress: '127.0.0.1' });
  return { server, close: () => server.close() };
});
