/**
 * The B2BUA path the call benchmarks drive: a service number made to ring
 * extension 1002 directly, and a SIPp callee (test/sipp/uas-bench.xml) on
 * 127.0.0.1 registered as 1002 with digest auth, answering every call.
 */
import { loadConfig } from '../../server/config/load.js';
import { describeSippResult, runSipp } from '../../test/support/sipp.js';
import { benchPort } from './ports.js';
import { startSipp, waitUdpBound, type SippRun } from './sipp.js';

export const EXTENSION = '1002';
const PASSWORD = 'demo-1002';
export const DIALLED = '+46313900601';

/**
 * The demo's numbers with DIALLED ringing 1002 directly: in config/default.yaml
 * it runs the contact center's flow (answered with our media, queued), which
 * is not the B2BUA. The list is whole (a CONFIG list replaces the default's)
 * since the flows name the other services.
 */
export function directNumber(): string {
  const { numbers } = loadConfig({ env: {} });
  const direct = numbers.map((n) => (n.number === DIALLED ? { number: n.number, service: n.service, target: EXTENSION } : n));
  return `numbers: ${JSON.stringify(direct)}\n`;
}

/** The agent's phone: started, bound and registered as EXTENSION with the product taking SIP at `registrar` (a port on 127.0.0.1). */
export async function startRegisteredCallee(registrar: number | { host: string; port: number }, timeoutMs: number, trace?: boolean): Promise<SippRun> {
  const uasPort = await benchPort();
  const uas = startSipp('uas-bench.xml', [
    '-i', '127.0.0.1', '-mi', '127.0.0.1', '-bind_local', '-p', String(uasPort), '-t', 'u1',
    '-recv_timeout', '30000', '-timeout', `${Math.ceil(timeoutMs / 1000) + 30}s`,
  ], { timeoutMs: timeoutMs + 30_000, traceMsg: trace });
  try {
    await waitUdpBound(uasPort);
  } catch (err) {
    const r = await uas.stop(0);
    throw new Error(`SIPp callee did not start: ${(err as Error).message}\n${r.stderr}`);
  }
  const reg = await runSipp({
    scenario: 'register.xml',
    remote: registrar,
    keys: { user: EXTENSION, contact_port: String(uasPort), expires: '3600' },
    extraArgs: ['-au', EXTENSION, '-ap', PASSWORD],
  });
  if (reg.code !== 0 || reg.successful !== 1) {
    await uas.stop(0);
    throw new Error(`extension ${EXTENSION} could not register:\n${describeSippResult(reg)}`);
  }
  return uas;
}
