import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { advertisedAddressFor } from '../../server/net/address.js';

describe('the address written in Via and Contact', () => {
  it('is the bound host when there is one', () => {
    expect(advertisedAddressFor('127.0.0.1')).toBe('127.0.0.1');
    expect(advertisedAddressFor('192.0.2.20')).toBe('192.0.2.20');
  });

  it('is a LAN address, not loopback, when bound to every interface', () => {
    const lan = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal);
    const chosen = advertisedAddressFor('0.0.0.0');
    if (lan.length > 0) expect(lan.map((a) => a!.address)).toContain(chosen);
    else expect(chosen).toBe('127.0.0.1');
  });
});
