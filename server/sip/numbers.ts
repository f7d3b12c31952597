/**
 * Telephone number normalisation (E.164, ITU-T E.164 / RFC 3966), pure functions.
 *
 * Callers and trunks write the same number many ways: "+46313900600",
 * "0046313900600", "46313900600" or nationally "0313900600". Everything inside
 * the system uses E.164 ("+46313900600").
 */

/** E.164: "+", a non-zero digit, then 6 to 14 more digits (7..15 digits in all). */
export const E164_RE = /^\+[1-9]\d{6,14}$/;

/** Minimum length of a national significant number we accept without a "+" or "00". */
const MIN_NSN = 7;

/** Visual separators allowed in dial strings (RFC 3966 "-", ".", "(", ")") and spaces. */
const SEPARATORS = /[\s\-.()]/g;

export function isE164(value: string): boolean {
  return E164_RE.test(value);
}

/** Drops URI parameters (";phone-context=...", ";user=phone") and visual separators. */
function clean(value: string): string {
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(0, semi) : value).replace(SEPARATORS, '');
}

/**
 * A national number ("0313900600", trunk prefix 0) to E.164 ("+46313900600").
 * A number already in E.164 is returned as is. Anything else gives null.
 */
export function nationalToE164(number: string, countryCode = '46'): string | null {
  const n = clean(number);
  if (n.startsWith('+')) return isE164(n) ? n : null;
  if (!/^0[1-9]\d*$/.test(n)) return null;
  const e164 = `+${countryCode}${n.slice(1)}`;
  return isE164(e164) ? e164 : null;
}

/**
 * The user part of a dialled SIP/tel URI to E.164, or null when it is not a
 * telephone number (an extension such as "1001", a name, a feature code).
 *
 * Accepts "+46313900600", "0046313900600" (international prefix 00),
 * "0313900600" (national, trunk prefix 0) and "46313900600" (country code
 * without "+", as some trunks send it).
 */
export function normaliseDialled(userPart: string, countryCode = '46'): string | null {
  let n: string;
  try {
    n = clean(decodeURIComponent(userPart));
  } catch {
    return null;
  }
  if (n.startsWith('+')) return isE164(n) ? n : null;
  if (!/^\d+$/.test(n)) return null;
  if (n.startsWith('00')) {
    const e164 = `+${n.slice(2)}`;
    return isE164(e164) ? e164 : null;
  }
  if (n.startsWith('0')) return nationalToE164(n, countryCode);
  if (n.startsWith(countryCode) && n.length - countryCode.length >= MIN_NSN) {
    const e164 = `+${n}`;
    return isE164(e164) ? e164 : null;
  }
  return null;
}

/**
 * E.164 to the form people dial at home: "+46313900600" -> "0313900600";
 * a foreign number keeps the international prefix: "+4722000000" -> "004722000000".
 */
export function e164ToNational(e164: string, countryCode = '46'): string {
  if (e164.startsWith(`+${countryCode}`)) return `0${e164.slice(countryCode.length + 1)}`;
  return e164.startsWith('+') ? `00${e164.slice(1)}` : e164;
}
