/**
 * The address peers must use to reach us, written in SIP's Via and Contact
 * and in SDP: a specific bind address as it is, and for a wildcard bind the
 * machine's first non-loopback IPv4 address. And whether an address is
 * this machine's own loopback.
 */
import { networkInterfaces } from 'node:os';

export function advertisedAddressFor(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const addresses of Object.values(networkInterfaces())) {
    const lan = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (lan) return lan.address;
  }
  return '127.0.0.1';
}

/** 127.0.0.0/8, ::1 or localhost: reachable from this machine only. */
export function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || address === 'localhost';
}
