import { describe, expect, it } from 'vitest';
import { e164ToNational, isE164, nationalToE164, normaliseDialled } from '../../server/sip/numbers.js';

describe('a dialled number becomes E.164 however the caller or trunk wrote it', () => {
  it.each([
    ['+46313900600', '+46313900600'],
    ['46313900600', '+46313900600'],
    ['0313900600', '+46313900600'],
    ['0046313900600', '+46313900600'],
    ['031-390 06 00', '+46313900600'],
    ['+46313900601;phone-context=kustbanken.local', '+46313900601'],
    ['%2B46313900602', '+46313900602'],
    ['0701740605', '+46701740605'],
    ['004722000000', '+4722000000'],
  ])('%s -> %s', (dialled, expected) => {
    expect(normaliseDialled(dialled)).toBe(expected);
  });

  it.each([
    ['1001', 'an extension'],
    ['112', 'a short number'],
    ['4612345', 'too short after the country code'],
    ['4722000000', 'a foreign number without + or 00'],
    ['alice', 'a name'],
    ['*21#', 'a feature code'],
    ['+0313900600', 'a + followed by 0'],
    ['+46', 'too short'],
    ['+4631390060012345678', 'too long'],
    ['', 'empty'],
    ['%E0%A4%A', 'bad percent-encoding'],
  ])('%s is not a telephone number (%s)', (dialled) => {
    expect(normaliseDialled(dialled)).toBeNull();
  });

  it('uses the given country code for national numbers', () => {
    expect(normaliseDialled('022000000', '47')).toBe('+4722000000');
    expect(normaliseDialled('4722000000', '47')).toBe('+4722000000');
  });
});

describe('national numbers to E.164', () => {
  it('turns trunk prefix 0 into the country code', () => {
    expect(nationalToE164('0313900600')).toBe('+46313900600');
    expect(nationalToE164('0313900600', '358')).toBe('+358313900600');
  });
  it('keeps a number already in E.164', () => {
    expect(nationalToE164('+46313900600')).toBe('+46313900600');
  });
  it('refuses what is not a national number', () => {
    expect(nationalToE164('0046313900600')).toBeNull();
    expect(nationalToE164('313900600')).toBeNull();
    expect(nationalToE164('1001')).toBeNull();
    expect(nationalToE164('012')).toBeNull();
  });
});

describe('E.164 helpers', () => {
  it('recognises E.164', () => {
    expect(isE164('+46313900600')).toBe(true);
    expect(isE164('46313900600')).toBe(false);
    expect(isE164('+46 31 390 06 00')).toBe(false);
  });
  it('shows numbers the way people dial them at home', () => {
    expect(e164ToNational('+46313900600')).toBe('0313900600');
    expect(e164ToNational('+4722000000')).toBe('004722000000');
  });
});
