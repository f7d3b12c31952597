/**
 * Which requests are the operator trunk's (server/sip/directory.ts): a
 * trusted source with a port admits that port only, one without a port or a
 * CIDR admits any port of its addresses.
 */
import { describe, expect, it } from 'vitest';
import { parseTrustedSource } from '../../config/trusted-source.js';
import { loadConfig } from '../../server/config/load.js';
import { Directory } from '../../server/sip/directory.js';

function directory(trustedSources: string[]): Directory {
  const config = loadConfig({ env: {} });
  config.trunks[0]!.trustedSources = trustedSources;
  return new Directory(config);
}

describe('the trunk is known by source address and port', () => {
  it('192.0.2.10:5060 is the trunk from port 5060 only', () => {
    const d = directory(['192.0.2.10:5060']);
    expect(d.trunkFor('192.0.2.10', '5060')?.name).toBe('operator');
    expect(d.trunkFor('192.0.2.10', '5080')).toBeUndefined();
    expect(d.trunkFor('192.0.2.11', '5060')).toBeUndefined();
  });

  it('an address without a port, or a CIDR, is the trunk from any port', () => {
    const d = directory(['192.0.2.10', '198.51.100.0/24']);
    expect(d.trunkFor('192.0.2.10', '40000')?.name).toBe('operator');
    expect(d.trunkFor('198.51.100.77', '5061')?.name).toBe('operator');
    expect(d.trunkFor('198.51.101.1', '5060')).toBeUndefined();
  });

  it('IPv6 with a port in brackets', () => {
    const d = directory(['[2001:db8::1]:5060']);
    expect(d.trunkFor('2001:db8::1', 5060)?.name).toBe('operator');
    expect(d.trunkFor('2001:db8::1', 5062)).toBeUndefined();
  });

  it.each(['192.0.2.10:0', '192.0.2.10:70000', '192.0.2.0/24:5060', 'sbc.example:5060', '2001:db8::1:5060x', '192.0.2.10:05060'])(
    '%s is no trusted source', (text) => {
      expect(parseTrustedSource(text)).toBeUndefined();
    });
});
