/**
 * Hand-written readers for the header values every message carries (From,
 * To, CSeq), in the forms real phones and trunks send.
 *
 * sip.js's generated grammar costs far more than the rest of a message's
 * handling, and its cache cannot help From and To, which bring new tags with
 * every call. These readers accept only a strict subset of RFC 3261's
 * syntax, every value of which the grammar accepts too, with the same fields;
 * anything outside it (IPv6 hosts, URI headers, escapes in the display name,
 * non-ASCII, unusual parameters) returns undefined, and the caller asks the
 * grammar. So the grammar stays the judge of what is valid, and these only
 * answer early for the values it would accept anyway. The agreement is
 * checked by test/unit/sip-fast-fields.test.ts against the grammar.
 */

/** What From and To are read for: the tag, if any (section 19.3). */
export interface NameAddrFields {
  tag?: string;
}

export interface CSeqFields {
  seq: number;
  method: string;
}

// Character classes of RFC 3261 section 25.1, as 128-entry lookup tables.
const ALPHANUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const TOKEN = table(`${ALPHANUM}-.!%*_+\`'~`);
/** A method is a token (section 25.1), but the grammar refuses a percent sign in one: left to it. */
const METHOD = table(`${ALPHANUM}-.!*_+\`'~`);
/** unreserved and user-unreserved, without ; ? / (which would make the end of the user part ambiguous). */
const USER = table(`${ALPHANUM}-_.!~*'()&=+$,`);
const PASSWORD = table(`${ALPHANUM}-_.!~*'()&=+$,`);
/** unreserved, the characters a uri-parameter name or value may hold here (no escapes, no param-unreserved). */
const PARAM = table(`${ALPHANUM}-_.!~*'()`);
const DIGIT = table('0123456789');
const HOSTCHAR = table(`${ALPHANUM}-.`);

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

function isIn(t: Uint8Array, code: number): boolean {
  return code < 128 && t[code] === 1;
}

/** The end of a run of characters of a class, from `at`. */
function run(s: string, at: number, t: Uint8Array): number {
  let i = at;
  while (i < s.length && isIn(t, s.charCodeAt(i))) i++;
  return i;
}

function skipSpaces(s: string, at: number): number {
  let i = at;
  while (s.charCodeAt(i) === 32) i++;
  return i;
}

/** URI parameters with rules of their own (section 19.1.1) read here: lr bare, the others with a plain word. */
const WORD_URI_PARAMS = new Set(['transport', 'user']);
/** The rest of those with rules of their own, left to the grammar. */
const GRAMMAR_URI_PARAMS = new Set(['method', 'ttl', 'maddr']);
const WORD = table(`${ALPHANUM}-`);

/**
 * From or To (section 20.20, 20.39): `[display-name] <sip:...>` or a bare
 * sip/sips URI, then header parameters. Undefined: outside the subset.
 */
export function readNameAddr(value: string): NameAddrFields | undefined {
  let i = 0;
  let bracketed = false;
  if (value.charCodeAt(0) === 34 /* " */) {
    i = quotedStringEnd(value, 0);
    if (i < 0) return undefined;
    i = skipSpaces(value, i);
    if (value.charCodeAt(i) !== 60 /* < */) return undefined;
    bracketed = true;
  } else if (value.includes('<')) {
    // Display name as tokens separated by single spaces.
    while (i < value.length && value.charCodeAt(i) !== 60) {
      const end = run(value, i, TOKEN);
      if (end === i) return undefined;
      i = end;
      if (value.charCodeAt(i) === 32) i = skipSpaces(value, i);
    }
    bracketed = true;
  }
  if (bracketed) i++;
  i = sipUriEnd(value, i, bracketed);
  if (i < 0) return undefined;
  if (bracketed) {
    if (value.charCodeAt(i) !== 62 /* > */) return undefined;
    i++;
  }
  return headerParams(value, i);
}

/** `*( SEMI generic-param )` to the end of the value, token values only; the tag read out. */
function headerParams(value: string, from: number): NameAddrFields | undefined {
  const fields: NameAddrFields = {};
  let i = from;
  while (i < value.length) {
    i = skipSpaces(value, i);
    if (value.charCodeAt(i) !== 59 /* ; */) return undefined;
    i = skipSpaces(value, i + 1);
    const nameEnd = run(value, i, TOKEN);
    if (nameEnd === i) return undefined;
    const name = value.slice(i, nameEnd);
    i = skipSpaces(value, nameEnd);
    let paramValue: string | undefined;
    if (value.charCodeAt(i) === 61 /* = */) {
      i = skipSpaces(value, i + 1);
      const valueEnd = run(value, i, TOKEN);
      if (valueEnd === i) return undefined;
      paramValue = value.slice(i, valueEnd);
      i = valueEnd;
    } else if (i < value.length && value.charCodeAt(i) !== 59) {
      return undefined;
    }
    if (name.length === 3 && name.toLowerCase() === 'tag') {
      if (paramValue === undefined || fields.tag !== undefined) return undefined;
      fields.tag = paramValue;
    }
  }
  return fields;
}

/**
 * `sip:` or `sips:`, an optional user[:password]@, a host name or IPv4
 * address, an optional port, and (inside angle brackets only) plain
 * uri-parameters. Returns where the URI ends, or -1.
 */
function sipUriEnd(s: string, from: number, bracketed: boolean): number {
  let i = from;
  const scheme = s.slice(i, i + 5).toLowerCase();
  if (scheme === 'sips:') i += 5;
  else if (scheme.startsWith('sip:')) i += 4;
  else return -1;
  const at = s.indexOf('@', i);
  const close = bracketed ? s.indexOf('>', i) : s.length;
  if (at >= 0 && at < close) {
    const userEnd = run(s, i, USER);
    if (userEnd === i || !escapesOk(s, i, userEnd)) return -1;
    i = userEnd;
    if (s.charCodeAt(i) === 58 /* : */) i = run(s, i + 1, PASSWORD);
    if (i !== at) return -1;
    i++;
  }
  i = hostEnd(s, i);
  if (i < 0) return -1;
  if (s.charCodeAt(i) === 58 /* : */) {
    const portEnd = run(s, i + 1, DIGIT);
    const digits = portEnd - i - 1;
    if (digits < 1 || digits > 5 || (digits > 1 && s.charCodeAt(i + 1) === 48) || Number(s.slice(i + 1, portEnd)) > 65535) return -1;
    i = portEnd;
  }
  if (!bracketed) return i;
  while (s.charCodeAt(i) === 59 /* ; */) {
    const nameEnd = run(s, i + 1, PARAM);
    const name = s.slice(i + 1, nameEnd).toLowerCase();
    if (nameEnd === i + 1 || GRAMMAR_URI_PARAMS.has(name)) return -1;
    i = nameEnd;
    const hasValue = s.charCodeAt(i) === 61; /* = */
    if (name === 'lr' && hasValue) return -1;
    if (hasValue) {
      const valueEnd = run(s, i + 1, WORD_URI_PARAMS.has(name) ? WORD : PARAM);
      if (valueEnd === i + 1) return -1;
      i = valueEnd;
    }
  }
  return i;
}

/** A percent sign is not in USER: a user part with escapes is left to the grammar. */
function escapesOk(s: string, from: number, to: number): boolean {
  return s.indexOf('%', from) < 0 || s.indexOf('%', from) >= to;
}

/**
 * A dotted IPv4 address of four decimal octets without leading zeros, or a
 * host name whose labels start and end with a letter or digit and whose last
 * label starts with a letter (section 25.1, toplabel). Returns its end or -1.
 */
function hostEnd(s: string, from: number): number {
  const end = run(s, from, HOSTCHAR);
  if (end === from) return -1;
  const labels = s.slice(from, end).split('.');
  if (labels.some((l) => l.length === 0 || l.length > 63 || l.startsWith('-') || l.endsWith('-'))) return -1;
  if (labels.every((l) => isIn(DIGIT, l.charCodeAt(0)))) {
    const octets = labels.length === 4 && labels.every((l) => /^(?:0|[1-9]\d{0,2})$/.test(l) && Number(l) <= 255);
    return octets ? end : -1;
  }
  const top = labels[labels.length - 1]!;
  return /^[A-Za-z]/.test(top) ? end : -1;
}

/**
 * A quoted display name of printable ASCII without backslashes, from the
 * opening quote at `from`; returns the index after the closing quote, or -1.
 */
function quotedStringEnd(s: string, from: number): number {
  for (let i = from + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c < 32 || c > 126 || c === 92 /* \ */) return -1;
  }
  return -1;
}

/** CSeq (section 20.16): digits, one or more spaces, a method token. */
export function readCSeq(value: string): CSeqFields | undefined {
  const digitsEnd = run(value, 0, DIGIT);
  if (digitsEnd === 0 || digitsEnd > 10 || value.charCodeAt(digitsEnd) !== 32) return undefined;
  const methodStart = skipSpaces(value, digitsEnd);
  const methodEnd = run(value, methodStart, METHOD);
  if (methodEnd === methodStart || methodEnd !== value.length) return undefined;
  return { seq: Number(value.slice(0, digitsEnd)), method: value.slice(methodStart) };
}
