/**
 * "Address in use" at start-up, in words a person can act on: which port,
 * which setting (and environment variable) chose it, and the likely cause,
 * another instance already running. Node's own message names only the
 * address (`listen EADDRINUSE: address already in use 0.0.0.0:5060`).
 */
import type { Config } from '../config/schema.js';

/**
 * The settings that choose a port start-up listens on, with their
 * environment variables. (The embedded engine's control port is any free
 * one, and RTP ports are taken per call, skipping busy ones.)
 */
function portSettings(config: Config): Array<{ port: number; what: string; setting: string; env: string }> {
  return [
    { port: config.sip.port, what: 'SIP (UDP and TCP)', setting: 'sip.port', env: 'SIP_PORT' },
    { port: config.sip.wsPort, what: 'SIP over WebSocket', setting: 'sip.wsPort', env: 'SIP_WS_PORT' },
    { port: config.http.port, what: 'HTTP (the API)', setting: 'http.port', env: 'HTTP_PORT' },
  ];
}

/**
 * The error to stop start-up with when `err` is a listen failure because
 * the port is taken; undefined for any other error.
 */
export function portInUseError(err: unknown, config: Config): Error | undefined {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (!e || e.code !== 'EADDRINUSE') return undefined;
  const port = e.port ?? Number(/:(\d+)$/.exec(e.message)?.[1]);
  const where = `${e.address ?? config.sip.host}:${port}`;
  const known = portSettings(config).find((s) => s.port === port);
  if (known) {
    return new Error(`${known.what} port ${port} (${known.setting}, ${known.env}) is already in use on ${where}: `
      + `is another instance (or another SIP server) running? Stop it, or start this one with ${known.env} set to a free port`);
  }
  return new Error(`port ${port} is already in use on ${where}: is another instance running?`);
}
