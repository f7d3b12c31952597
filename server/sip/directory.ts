/**
 * Who is who on the switch, from the configuration: agent extensions and
 * their passwords, the numbers callers dial and the service each leads to,
 * and which sources are the operator trunk: an address and port, or an
 * address or CIDR with any port (config/trusted-source.ts), or whoever
 * proves a trunk's inbound credentials.
 */
import { BlockList, isIP } from 'node:net';
import type { Config, ExtensionConfig, NumberConfig, TrunkConfig } from '../../config/schema.js';
import { parseTrustedSource } from '../../config/trusted-source.js';
import { normaliseDialled } from './numbers.js';

/** Addresses of a trunk, and the one port they must send from, if any. */
interface TrustedSources {
  trunk: TrunkConfig;
  list: BlockList;
  port?: number;
}

export class Directory {
  private extensions = new Map<string, ExtensionConfig>();
  private numbers = new Map<string, NumberConfig>();
  private readonly trunkSources: TrustedSources[];

  constructor(private readonly config: Pick<Config, 'extensions' | 'numbers' | 'trunks' | 'company'>) {
    this.reconfigure(config);
    this.trunkSources = config.trunks.flatMap((trunk) => sourcesOf(trunk));
  }

  /** New extensions and numbers (the running configuration changed): the next request sees them, a new password included. */
  reconfigure(config: Pick<Config, 'extensions' | 'numbers'>): void {
    this.extensions = new Map(config.extensions.map((e) => [e.extension, e]));
    this.numbers = new Map(config.numbers.map((n) => [n.number, n]));
  }

  extension(id: string): ExtensionConfig | undefined {
    return this.extensions.get(id);
  }

  passwordOf(id: string): string | undefined {
    return this.extensions.get(id)?.password;
  }

  /** The service number a dialled user part means, in E.164 or national form. */
  number(userPart: string): NumberConfig | undefined {
    const e164 = normaliseDialled(userPart, this.config.company.countryCode);
    return e164 ? this.numbers.get(e164) : undefined;
  }

  /** An outside number an agent may call out to through the trunk. */
  externalNumber(userPart: string): string | undefined {
    const e164 = normaliseDialled(userPart, this.config.company.countryCode);
    return e164 && !this.numbers.has(e164) ? e164 : undefined;
  }

  /** The trunk a request comes from, judged by its source address and port. */
  trunkFor(address: string, port: number | string): TrunkConfig | undefined {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return this.trunkSources.find((s) => (s.port === undefined || s.port === Number(port)) && s.list.check(address, family))?.trunk;
  }

  /** The trunk whose inbound user name this is (config trunks[].inboundAuth), with its password. */
  trunkByUser(username: string): TrunkConfig | undefined {
    return this.config.trunks.find((t) => t.inboundAuth?.username === username);
  }

  /** Whether an address is one of a trunk's, on any port: such an address is never blocked for failed authentications. */
  isTrunkAddress(address: string): boolean {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return this.trunkSources.some((s) => s.list.check(address, family));
  }

  get outboundTrunk(): TrunkConfig | undefined {
    return this.config.trunks[0];
  }
}

/** A trunk's trusted sources, grouped by the port they must come from (none: any). */
function sourcesOf(trunk: TrunkConfig): TrustedSources[] {
  const byPort = new Map<number | undefined, BlockList>();
  for (const text of trunk.trustedSources) {
    const source = parseTrustedSource(text);
    if (!source) throw new Error(`trunk ${trunk.name}: not a trusted source: ${text}`);
    const list = byPort.get(source.port) ?? new BlockList();
    byPort.set(source.port, list);
    if (source.prefix === undefined) list.addAddress(source.address, source.family);
    else list.addSubnet(source.address, source.prefix, source.family);
  }
  return [...byPort].map(([port, list]) => ({ trunk, list, ...(port !== undefined ? { port } : {}) }));
}
