/**
 * The dial-out policy (server/sip/dial-out.ts) as a table: which caller may
 * dial which number through the trunk with the product's defaults and with
 * rights given, the caps on calls out, and the alarm on every refusal.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DialOutConfig } from '../../config/schema.js';
import { loadConfig } from '../../server/config/load.js';
import { DialOutPolicy, type DialOutAlarm, type DialOutPermit, type DialOutRequest } from '../../server/sip/dial-out.js';

const defaults = (): DialOutConfig => loadConfig({ env: {} }).dialOut;

function policy(over: Partial<DialOutConfig> = {}, now = () => 0) {
  const alarms: DialOutAlarm[] = [];
  const p = new DialOutPolicy({ config: { ...defaults(), ...over }, countryCode: '46', logger: pino({ level: 'silent' }), now });
  p.on('alarm', (a) => alarms.push(a));
  return { p, alarms };
}

describe('the dial-out policy with the defaults: national numbers only, for every caller', () => {
  const table: Array<[string, DialOutRequest['callerClass'], string, string]> = [
    ['a Swedish mobile', 'callback', '+46701740699', 'allowed national'],
    ['a Swedish number keyed nationally', 'callback', '0313900600', 'allowed national'],
    ['a Swedish number with 0046', 'extension', '0046313900600', 'allowed national'],
    ['Norway', 'extension', '+4722000000', 'destination international'],
    ['Norway keyed with 00', 'callback', '004722000000', 'destination international'],
    ['premium rate 0900', 'callback', '0900123456', 'destination premium'],
    ['premium rate 0939', 'transfer', '+46939123456', 'destination premium'],
    ['premium rate 0944', 'mobile', '+46944123456', 'destination premium'],
    ['satellite +881', 'callback', '+88161234567', 'destination special'],
    ['international networks +882 keyed 00882', 'callback', '0088216123456', 'destination special'],
    ['international networks +883', 'transfer', '+88351000123', 'destination special'],
    ['Inmarsat +870', 'mobile', '+870773123456', 'destination special'],
    ['international premium rate +979', 'extension', '+979123456789', 'destination special'],
    ['an extension', 'callback', '1006', 'not-a-number'],
    ['digits without a country', 'callback', '123', 'not-a-number'],
    ['a URI trick', 'extension', '+46701740699@evil.example', 'not-a-number'],
  ];
  it.each(table)('%s (%s calling %s): %s', (_what, callerClass, number, expected) => {
    const { p, alarms } = policy();
    const verdict = p.check({ callerClass, number });
    const got = verdict.allowed ? `allowed ${verdict.destination}` : [verdict.refusal, verdict.destination].filter(Boolean).join(' ');
    expect(got).toBe(expected);
    expect(alarms).toHaveLength(verdict.allowed ? 0 : 1);
  });
});

describe('rights given in the configuration', () => {
  it('a caller class allowed international may dial Norway; the others still may not', () => {
    const { p } = policy({ allow: { ...defaults().allow, transfer: ['national', 'international'] } });
    expect(p.check({ callerClass: 'transfer', number: '+4722000000' })).toMatchObject({ allowed: true, number: '+4722000000' });
    expect(p.check({ callerClass: 'callback', number: '+4722000000' })).toMatchObject({ allowed: false, refusal: 'destination' });
  });

  it('one extension with rights of its own: international for 1001, not for 1002, and nothing special for anyone', () => {
    const { p } = policy({ extensions: { 1001: ['national', 'international'] } });
    expect(p.check({ callerClass: 'extension', extension: '1001', number: '+4722000000' }).allowed).toBe(true);
    expect(p.check({ callerClass: 'extension', extension: '1002', number: '+4722000000' }).allowed).toBe(false);
    expect(p.check({ callerClass: 'extension', extension: '1001', number: '+88216123456' }).allowed).toBe(false);
    // An extension's own rights are for its own calls, not for callbacks it would take.
    expect(p.check({ callerClass: 'callback', extension: '1001', number: '+4722000000' }).allowed).toBe(false);
  });

  it('a new policy (the running configuration changed) decides the next call out; calls already out keep their place', () => {
    const { p } = policy({ maxConcurrentCalls: 1 });
    const norway: DialOutRequest = { callerClass: 'transfer', number: '+4722000000' };
    const sweden: DialOutRequest = { callerClass: 'transfer', number: '+46701740699' };
    const first = p.admit(sweden);
    expect('release' in first).toBe(true);
    expect(p.check(norway).allowed).toBe(false);
    p.reconfigure({ ...defaults(), maxConcurrentCalls: 1, allow: { ...defaults().allow, transfer: ['national', 'international'] } });
    expect(p.check(norway).allowed).toBe(true);
    expect(p.admit(norway)).toMatchObject({ allowed: false, refusal: 'concurrent-calls' });
    (first as DialOutPermit).release();
    expect('release' in p.admit(norway)).toBe(true);
  });

  it('satellite only where explicitly allowed', () => {
    const { p } = policy({ extensions: { 1001: ['national', 'special'] } });
    expect(p.check({ callerClass: 'extension', extension: '1001', number: '+88216123456' })).toMatchObject({ allowed: true, destination: 'special' });
  });
});

describe('the caps on calls out', () => {
  it('the call beyond maxConcurrentCalls is refused with an alarm; a call over gives its place back', () => {
    const { p, alarms } = policy({ maxConcurrentCalls: 2 });
    const call = { callerClass: 'callback' as const, number: '+46701740699' };
    const first = p.admit(call);
    const second = p.admit(call);
    expect('release' in first && 'release' in second).toBe(true);
    expect(p.admit(call)).toMatchObject({ allowed: false, refusal: 'concurrent-calls' });
    expect(alarms).toMatchObject([{ refusal: 'concurrent-calls', callerClass: 'callback', number: '+46701740699' }]);
    if ('release' in first) {
      first.release();
      first.release(); // once only
    }
    expect(p.activeCalls).toBe(1);
    expect('release' in p.admit(call)).toBe(true);
  });

  it('the call beyond maxCallsPerHour in any 60 minutes is refused; an hour after the first, one more may go', () => {
    let now = 0;
    const { p, alarms } = policy({ maxCallsPerHour: 3 }, () => now);
    const call = { callerClass: 'extension' as const, extension: '1001', number: '+46313900600' };
    for (const at of [0, 10_000, 20_000]) {
      now = at;
      const permit = p.admit(call);
      if ('release' in permit) permit.release();
      else throw new Error(`refused at ${at}`);
    }
    now = 3_599_999;
    expect(p.admit(call)).toMatchObject({ allowed: false, refusal: 'hourly-calls' });
    now = 3_600_000;
    expect('release' in p.admit(call)).toBe(true);
    expect(alarms.map((a) => a.refusal)).toEqual(['hourly-calls']);
  });

  it('admit asks about the destination too: no place for a number the caller may not dial', () => {
    const { p } = policy();
    expect(p.admit({ callerClass: 'mobile', number: '+88216123456' })).toMatchObject({ allowed: false, refusal: 'destination' });
    expect(p.activeCalls).toBe(0);
  });
});
