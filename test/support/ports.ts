/**
 * Free ports on 127.0.0.1 for tests.
 *
 * Every port handed out is remembered for the life of the process, so two
 * tests in the same worker never get the same one even if the first has not
 * bound it yet. Vitest runs test files in several worker processes at once;
 * to keep those apart too, each worker draws candidates from its own slice of
 * 21000-29999 (below Linux's ephemeral range 32768-60999, which the kernel
 * hands to outgoing connections and port-0 binds, and away from the app's
 * defaults 5060, 8080, 8088 and RTP 20000-20999). A candidate is only
 * returned after it was actually bound (and released) on 127.0.0.1.
 */
import dgram from 'node:dgram';
import net from 'node:net';

export type PortKind = 'udp' | 'tcp' | 'both';

const HOST = '127.0.0.1';
const RANGE_START = 21000;
const RANGE_END = 29999;
const SLICES = 8;

const handedOut = new Set<number>();

function workerSlice(): { start: number; end: number } {
  const id = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0);
  if (!Number.isFinite(id) || id <= 0) return { start: RANGE_START, end: RANGE_END };
  const size = Math.floor((RANGE_END - RANGE_START + 1) / SLICES);
  const start = RANGE_START + ((id - 1) % SLICES) * size;
  return { start, end: start + size - 1 };
}

const slice = workerSlice();
let cursor = slice.start + Math.floor(Math.random() * (slice.end - slice.start + 1));

function nextCandidate(): number {
  cursor += 1;
  if (cursor > slice.end) cursor = slice.start;
  return cursor;
}

function canBindTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: HOST, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    sock.unref();
    sock.once('error', () => {
      try { sock.close(); } catch { /* already closed */ }
      resolve(false);
    });
    sock.bind({ port, address: HOST, exclusive: true }, () => {
      sock.close(() => resolve(true));
    });
  });
}

async function isFree(port: number, kind: PortKind): Promise<boolean> {
  if (port < 1024 || port > 65535 || handedOut.has(port)) return false;
  if (kind !== 'udp' && !(await canBindTcp(port))) return false;
  if (kind !== 'tcp' && !(await canBindUdp(port))) return false;
  return true;
}

/** Port-0 fallback: let the kernel pick, then check the other protocol too. */
async function kernelPort(kind: PortKind): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      if (kind === 'udp') {
        const s = dgram.createSocket('udp4');
        s.once('error', reject);
        s.bind(0, HOST, () => { const p = s.address().port; s.close(() => resolve(p)); });
      } else {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, HOST, () => {
          const addr = srv.address();
          const p = typeof addr === 'object' && addr ? addr.port : 0;
          srv.close(() => resolve(p));
        });
      }
    });
    if (await isFree(port, kind)) return port;
  }
  throw new Error(`freePort: no free ${kind} port found`);
}

/**
 * A port on 127.0.0.1 that is free for `kind` ('both' = the same number on
 * UDP and TCP, as a SIP listener needs). Never returns the same port twice
 * in one process.
 */
export async function freePort(kind: PortKind = 'both'): Promise<number> {
  const span = slice.end - slice.start + 1;
  for (let i = 0; i < span; i++) {
    const port = nextCandidate();
    if (await isFree(port, kind)) {
      handedOut.add(port);
      return port;
    }
  }
  const port = await kernelPort(kind);
  handedOut.add(port);
  return port;
}

/**
 * `count` consecutive free ports; returns the first. For programs that bind
 * several neighbouring ports from one setting (baresip puts SIP/TLS on
 * sip_listen+1, an RTP range needs a block).
 */
export async function freePortRange(count: number, kind: PortKind = 'both'): Promise<number> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`freePortRange: bad count ${count}`);
  const span = slice.end - slice.start + 1;
  for (let i = 0; i < span; i++) {
    const first = nextCandidate();
    if (first + count - 1 > slice.end) continue;
    let ok = true;
    for (let p = first; p < first + count && ok; p++) ok = await isFree(p, kind);
    if (ok) {
      for (let p = first; p < first + count; p++) handedOut.add(p);
      cursor = first + count - 1;
      return first;
    }
  }
  throw new Error(`freePortRange: no ${count} consecutive free ${kind} ports in ${slice.start}-${slice.end}`);
}

/** Give a port back (e.g. after the process using it has exited). */
export function releasePort(port: number): void {
  handedOut.delete(port);
}
