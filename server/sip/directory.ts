/**
 * Who is who on the switch, from the configuration: agent extensions and
 * their passwords, the numbers callers dial and the service each leads to,
 * and which source addresses are the operator trunk.
 */
import { BlockList, isIP } from 'node:net';
import type { Config, ExtensionConfig, NumberConfig, TrunkConfig } from '../../config/schema.js';
import { normaliseDialled } from './numbers.js';

export class Directory {
  private readonly extensions: Map<string, ExtensionConfig>;
  private readonly numbers: Map<string, NumberConfig>;
  private readonly trunkSources: Array<{ trunk: TrunkConfig; list: BlockList }>;

  constructor(private readonly config: Pick<Config, 'extensions' | 'numbers' | 'trunks' | 'company'>) {
    this.extensions = new Map(config.extensions.map((e) => [e.extension, e]));
    this.numbers = new Map(config.numbers.map((n) => [n.number, n]));
    this.trunkSources = config.trunks.map((trunk) => ({ trunk, list: blockListOf(trunk.trustedSources) }));
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

  /** The trunk a request comes from, judged only by its source address. */
  trunkFor(address: string): TrunkConfig | undefined {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return this.trunkSources.find(({ list }) => list.check(address, family))?.trunk;
  }

  get outboundTrunk(): TrunkConfig | undefined {
    return this.config.trunks[0];
  }
}

function blockListOf(sources: string[]): BlockList {
  const list = new BlockList();
  for (const source of sources) {
    const [address, prefix] = source.split('/');
    const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(prefix), family);
  }
  return list;
}
