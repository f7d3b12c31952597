/**
 * Free ports for benchmarks. Candidates come from 30000-32699: above the
 * 21000-29999 range the tests draw from (so a benchmark can run beside
 * `npm test`), below Linux's ephemeral range (32768+), and away from the
 * product's defaults. A port is only handed out after it was bound (and
 * released) on the given loopback address, for UDP and TCP alike.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const START = 30000;
const END = 32699;
const handedOut = new Set<number>();

function canBindTcp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function canBindUdp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    sock.unref();
    sock.once('error', () => {
      try { sock.close(); } catch { /* closed */ }
      resolve(false);
    });
    sock.bind({ port, address: host, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/** A port free for UDP and TCP on `host` (default 127.0.0.1), never the same twice in one process. */
export async function benchPort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const port = START + Math.floor(Math.random() * (END - START + 1));
    if (handedOut.has(port)) continue;
    if ((await canBindUdp(port, host)) && (await canBindTcp(port, host))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${START}-${END} on ${host}`);
}
