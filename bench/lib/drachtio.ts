/**
 * A real drachtio-server for the benchmarks that measure against it, chosen
 * by the environment:
 * - DRACHTIO_BIN: a drachtio-server binary, started here on free loopback
 *   ports (UDP SIP contact and control port), one per run;
 * - DRACHTIO_HOST: host:port of a running one's control port, with
 *   DRACHTIO_SIP (host:port where it takes SIP over UDP, default
 *   127.0.0.1:5060);
 * either with DRACHTIO_SECRET (default "cymru", drachtio's own, which the
 * product accepts only on this machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { benchPort } from './ports.js';
import { waitUdpBound } from './sipp.js';

export interface HostPort { host: string; port: number }

export interface DrachtioServer {
  /** Where applications connect. */
  control: HostPort;
  secret: string;
  /** Where it takes SIP over UDP. */
  sip: HostPort;
  /** The process started here (DRACHTIO_BIN); undefined for one already running (DRACHTIO_HOST). */
  pid?: number;
  stop(): void;
}

/** Whether the environment names a drachtio-server (DRACHTIO_BIN or DRACHTIO_HOST). */
export function drachtioGiven(): boolean {
  return Boolean(process.env.DRACHTIO_BIN || process.env.DRACHTIO_HOST);
}

/** "host:port" (an IPv6 host in brackets or not) as its parts; a clear error for anything else. */
export function hostPort(name: string, text: string): HostPort {
  const at = text.lastIndexOf(':');
  const host = text.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${name} must be host:port, got "${text}"`);
  return { host, port };
}

/** The drachtio-server the environment names: started now (DRACHTIO_BIN) or the running one (DRACHTIO_HOST). */
export async function startDrachtio(): Promise<DrachtioServer> {
  const secret = process.env.DRACHTIO_SECRET ?? 'cymru';
  const bin = process.env.DRACHTIO_BIN;
  if (!bin) {
    if (!process.env.DRACHTIO_HOST) throw new Error('neither DRACHTIO_BIN nor DRACHTIO_HOST is set');
    return {
      control: hostPort('DRACHTIO_HOST', process.env.DRACHTIO_HOST),
      secret,
      sip: hostPort('DRACHTIO_SIP', process.env.DRACHTIO_SIP ?? '127.0.0.1:5060'),
      stop: () => {},
    };
  }
  const control = await benchPort();
  const sip = await benchPort();
  const proc: ChildProcess = spawn(bin, ['--contact', `sip:127.0.0.1:${sip};transport=udp`, '--port', String(control),
    '--secret', secret, '--loglevel', 'error'], { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${bin} exited (${code}) before it took SIP on udp 127.0.0.1:${sip}`)));
  });
  try {
    await Promise.race([waitUdpBound(sip), exited]);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  exited.catch(() => {});
  return {
    control: { host: '127.0.0.1', port: control },
    secret,
    sip: { host: '127.0.0.1', port: sip },
    pid: proc.pid,
    stop: () => { proc.kill('SIGTERM'); },
  };
}
