/**
 * A trunk's trusted source as written in the configuration: an IP address
 * with or without a port ("192.0.2.10", "192.0.2.10:5060",
 * "[2001:db8::1]:5060"), or a CIDR ("198.51.100.0/24", any port). Without a
 * port any port of the address counts as the trunk: anyone who can send from
 * that machine (another program on it, another customer on a shared SBC)
 * reaches the switch as the trunk, so give the port where it is known.
 */
import { isIP } from 'node:net';

export interface TrustedSource {
  address: string;
  family: 'ipv4' | 'ipv6';
  /** Bits of a CIDR; absent for one address. */
  prefix?: number;
  /** Only this source port; absent: any. */
  port?: number;
}

/** The source written as `text`, or undefined when it is none of the accepted forms. */
export function parseTrustedSource(text: string): TrustedSource | undefined {
  const withPort = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:/]+):(\d+)$/.exec(text);
  if (withPort) {
    const [, address, digits] = withPort;
    const port = Number(digits);
    const family = isIP(address!);
    if (family === 0 || port < 1 || port > 65535 || !/^[1-9]\d*$/.test(digits!)) return undefined;
    return { address: address!, family: family === 6 ? 'ipv6' : 'ipv4', port };
  }
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return undefined;
  const source: TrustedSource = { address, family: family === 6 ? 'ipv6' : 'ipv4' };
  if (slash < 0) return source;
  const bits = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return undefined;
  return { ...source, prefix: Number(bits) };
}
