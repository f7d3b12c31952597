/**
 * What the embedded engine learns from the answers to REGISTER
 * (server/sipd/registrations.ts), on a clock of the test's own: a 2xx binds
 * its source address and connection for the longest expiry it lists, other
 * answers bind nothing, and a shorter registration from the same office
 * does not cut a longer one short.
 */
import { describe, expect, it } from 'vitest';
import { SipMessage } from '../../server/sipd/message.js';
import { LiveRegistrations } from '../../server/sipd/registrations.js';
import type { Source } from '../../server/sipd/transport.js';

const OFFICE: Source = { protocol: 'tcp', address: '198.51.100.7', port: 50123, connectionId: 'tcp-1' };

function answer(status: number, headers: Array<[string, string]>): SipMessage {
  const res = SipMessage.response(status, status === 200 ? 'OK' : 'Unauthorized');
  for (const [name, value] of headers) res.append(name, value);
  return res;
}

function setUp() {
  let now = 1_700_000_000_000;
  return { live: new LiveRegistrations(() => now), advance: (ms: number) => { now += ms; } };
}

describe('registrations the server sees granted', () => {
  it('bind the address and the connection for the longest expiry listed', () => {
    const { live, advance } = setUp();
    live.noteResponse(answer(200, [['Contact', '<sip:1001@10.0.0.5:5060>;expires=60, <sip:1001@10.0.0.6:5060>;expires=600']]), OFFICE);
    advance(599_000);
    expect(live.hasAddress(OFFICE.address)).toBe(true);
    expect(live.hasConnection('tcp-1')).toBe(true);
    expect(live.hasConnection('tcp-2')).toBe(false);
    advance(2_000);
    expect(live.hasAddress(OFFICE.address)).toBe(false);
    expect(live.hasConnection('tcp-1')).toBe(false);
  });

  it('take the Expires header for contacts without an expires parameter', () => {
    const { live, advance } = setUp();
    live.noteResponse(answer(200, [['Contact', '<sip:1001@10.0.0.5:5060>'], ['Expires', '300']]), OFFICE);
    advance(299_000);
    expect(live.hasAddress(OFFICE.address)).toBe(true);
  });

  it('bind nothing on a challenge, or on a 2xx that lists no binding', () => {
    const { live } = setUp();
    live.noteResponse(answer(401, [['Contact', '<sip:1001@10.0.0.5:5060>;expires=600']]), OFFICE);
    live.noteResponse(answer(200, [['Expires', '600']]), OFFICE);
    expect(live.hasAddress(OFFICE.address)).toBe(false);
  });

  it('keep the longest registration of an address when a shorter one comes after it', () => {
    const { live, advance } = setUp();
    live.noteResponse(answer(200, [['Contact', '<sip:1001@10.0.0.5:5060>;expires=3600']]), OFFICE);
    live.noteResponse(answer(200, [['Contact', '<sip:1002@10.0.0.6:5060>;expires=60']]), { ...OFFICE, connectionId: 'tcp-2' });
    advance(120_000);
    expect(live.hasAddress(OFFICE.address)).toBe(true);
    expect(live.hasConnection('tcp-2')).toBe(false);
  });
});
