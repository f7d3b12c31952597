/**
 * SIP message model and parser (RFC 3261 section 7).
 *
 * Header values are kept as the text that arrived, in order, so a message can
 * be relayed to the application unchanged; the structured parts that routing
 * needs (Via, CSeq, name-addr headers, URIs) are parsed on demand: From, To
 * and CSeq by the hand-written readers of ./fast-fields.ts when they can,
 * everything else (and what those readers decline) with sip.js's RFC 3261
 * grammar.
 */
import { Grammar, NameAddrHeader, URI } from 'sip.js';
import { readCSeq, readNameAddr } from './fast-fields.js';

export const MAX_MESSAGE_BYTES = 65_535;
export const MAX_HEADER_LINE_BYTES = 8_192;
export const MAX_HEADERS = 128;
/**
 * The longest value handed to sip.js's grammar (Request-URI, Via, From, To,
 * Contact, CSeq). The grammar costs a few microseconds per character and far
 * more inside quoted strings, so an 8 kB display name would cost tens of
 * milliseconds; real values are well under this.
 */
export const MAX_GRAMMAR_FIELD_BYTES = 1_024;
/** The longest quoted display name, checked by a plain scan before any grammar runs. */
export const MAX_DISPLAY_NAME_BYTES = 256;

/**
 * RFC 3261 section 7.3.3 compact forms, plus the common extension ones.
 * Maps, not object literals: a header named "constructor" or "__proto__"
 * must not find Object's prototype.
 */
const COMPACT_FORMS = new Map<string, string>([
  ['i', 'Call-ID'], ['m', 'Contact'], ['e', 'Content-Encoding'], ['l', 'Content-Length'], ['c', 'Content-Type'],
  ['f', 'From'], ['s', 'Subject'], ['k', 'Supported'], ['t', 'To'], ['v', 'Via'], ['o', 'Event'], ['r', 'Refer-To'],
  ['u', 'Allow-Events'], ['b', 'Referred-By'], ['x', 'Session-Expires'],
]);

const CANONICAL = new Map<string, string>([
  ['call-id', 'Call-ID'], ['cseq', 'CSeq'], ['www-authenticate', 'WWW-Authenticate'], ['mime-version', 'MIME-Version'],
  ['rseq', 'RSeq'], ['rack', 'RAck'],
]);

/**
 * Names as written (by the code, or on the wire) to their canonical form:
 * every get, has and append names a header, and working the form out each
 * time cost a sixth of the server's time. Bounded, since the wire may bring
 * any number of distinct names; past the bound a name is worked out anew.
 */
const CANONICAL_CACHE_MAX = 2048;
const canonicalCache = new Map<string, string>();

export function canonicalHeaderName(name: string): string {
  const cached = canonicalCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const canonical = COMPACT_FORMS.get(lower) ?? CANONICAL.get(lower)
    ?? lower.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
  if (canonicalCache.size < CANONICAL_CACHE_MAX) canonicalCache.set(name, canonical);
  return canonical;
}

/**
 * Header fields that may appear at most once (RFC 3261 section 7.3.1: only
 * comma-separated list headers may repeat). Two different Call-IDs or
 * Content-Lengths leave no way to know which one counts.
 */
const SINGLE_VALUED = new Set(['Call-ID', 'CSeq', 'From', 'To', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Expires']);

/**
 * Header names that drachtio-srf's parser, which reads every message the
 * application gets, looks up in plain objects after lower-casing and
 * unescaping them. They mean nothing in SIP, so they are ignored (left out
 * of what the application sees) as any unknown header may be.
 */
const PROTOTYPE_NAMES = new Set(['constructor', '__proto__']);

export function isPrototypeName(name: string): boolean {
  let plain = name;
  try {
    plain = decodeURIComponent(name);
  } catch {
    // A malformed escape is simply not one of the names.
  }
  return PROTOTYPE_NAMES.has(plain.toLowerCase());
}

/** A message we could not parse. `status` is what to answer when a response is possible. */
export class SipParseError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = 'SipParseError';
  }
}

export interface ViaValue {
  transport: string;
  host: string;
  port?: number;
  branch?: string;
  rport: boolean;
  raw: string;
}

/**
 * sip.js's generated parser rebuilds its tables on every Grammar.parse call
 * (130-260 us a parse), and one call through the B2BUA reads the same Via,
 * From, To and CSeq values many times (about 83 parses of 13 distinct
 * strings). Results are memoised by rule and input, and the usual Via form
 * is read with a regular expression. Cached objects are shared: only read them.
 */
const GRAMMAR_CACHE_MAX = 4096;
const grammarCache = new Map<string, unknown>();

function grammarParse(input: string, rule: string): unknown {
  const key = `${rule}\u0000${input}`;
  let parsed = grammarCache.get(key);
  if (parsed === undefined) {
    parsed = Grammar.parse(input, rule);
    if (grammarCache.size >= GRAMMAR_CACHE_MAX) grammarCache.delete(grammarCache.keys().next().value!);
    grammarCache.set(key, parsed);
  }
  return parsed;
}

/** SIP/2.0/UDP host[:port];params with an IPv4 address or a host name, and token parameters. */
const SIMPLE_VIA =
  /^SIP\/2\.0\/([A-Za-z]+) ((?:\d{1,3}\.){3}\d{1,3}|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::(\d{1,5}))?((?:;[A-Za-z0-9!%*_+`'~.-]+(?:=[A-Za-z0-9!%*_+`'~.:-]+)?)*)$/;

export class SipMessage {
  method = '';
  uri = '';
  status = 0;
  reason = '';
  headers: Array<[name: string, value: string]> = [];
  body = '';
  /** False: From, To and CSeq are read by the grammar alone (the baseline the readers are tested against). */
  fastFields = true;

  get isRequest(): boolean {
    return this.method !== '';
  }

  static request(method: string, uri: string): SipMessage {
    const m = new SipMessage();
    m.method = method;
    m.uri = uri;
    return m;
  }

  static response(status: number, reason: string): SipMessage {
    const m = new SipMessage();
    m.status = status;
    m.reason = reason;
    return m;
  }

  get(name: string): string | undefined {
    const wanted = canonicalHeaderName(name);
    return this.headers.find(([n]) => n === wanted)?.[1];
  }

  getAll(name: string): string[] {
    const wanted = canonicalHeaderName(name);
    return this.headers.filter(([n]) => n === wanted).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every occurrence of a header with one value (kept at the first one's place). */
  set(name: string, value: string): this {
    const wanted = canonicalHeaderName(name);
    const at = this.headers.findIndex(([n]) => n === wanted);
    this.headers = this.headers.filter(([n]) => n !== wanted);
    this.headers.splice(at < 0 ? this.headers.length : at, 0, [wanted, value]);
    return this;
  }

  setIfAbsent(name: string, value: string): this {
    if (!this.has(name)) this.append(name, value);
    return this;
  }

  append(name: string, value: string): this {
    this.headers.push([canonicalHeaderName(name), value]);
    return this;
  }

  prepend(name: string, value: string): this {
    this.headers.unshift([canonicalHeaderName(name), value]);
    return this;
  }

  remove(name: string): this {
    const wanted = canonicalHeaderName(name);
    this.headers = this.headers.filter(([n]) => n !== wanted);
    return this;
  }

  /** The message without the headers an application's parser cannot hold (see isPrototypeName). */
  withoutPrototypeNames(): this {
    this.headers = this.headers.filter(([n]) => !isPrototypeName(n));
    return this;
  }

  /** Each comma-separated value of a list header, in order (Via, Route, Record-Route). */
  listValues(name: string): string[] {
    return this.getAll(name).flatMap(splitHeaderList);
  }

  get callId(): string {
    return this.get('Call-ID') ?? '';
  }

  get cseq(): { seq: number; method: string } {
    const value = this.get('CSeq') ?? '';
    const read = this.fastFields ? readCSeq(value) : undefined;
    if (read) return read;
    const parsed = grammarParse(value, 'CSeq') as { value: number; method: string } | -1;
    if (parsed === -1) throw new SipParseError('bad CSeq');
    return { seq: parsed.value, method: parsed.method };
  }

  get topVia(): ViaValue {
    const first = this.listValues('Via')[0];
    if (!first) throw new SipParseError('missing Via');
    return parseVia(first);
  }

  /** From, To or the first Contact, in name-addr or addr-spec form (section 20.10). */
  nameAddr(name: 'From' | 'To' | 'Contact'): NameAddrHeader | undefined {
    if (name === 'Contact') {
      const first = this.listValues('Contact')[0];
      const parsed = first === undefined ? -1 : (grammarParse(first, 'Contact') as Array<{ parsed: NameAddrHeader }> | -1);
      return parsed === -1 ? undefined : parsed[0]?.parsed;
    }
    const value = this.get(name);
    const parsed = value === undefined ? -1 : (grammarParse(value, name) as NameAddrHeader | -1);
    return parsed === -1 ? undefined : parsed;
  }

  tag(name: 'From' | 'To'): string | undefined {
    const read = this.readNameAddr(name);
    if (read) return read.tag;
    return this.nameAddr(name)?.getParam('tag') ?? undefined;
  }

  /** From or To is a valid name-addr or addr-spec. */
  hasValidNameAddr(name: 'From' | 'To'): boolean {
    return this.readNameAddr(name) !== undefined || this.nameAddr(name) !== undefined;
  }

  private readNameAddr(name: 'From' | 'To'): ReturnType<typeof readNameAddr> {
    const value = this.fastFields ? this.get(name) : undefined;
    return value === undefined ? undefined : readNameAddr(value);
  }

  toString(): string {
    const startLine = this.isRequest
      ? `${this.method} ${this.uri} SIP/2.0`
      : `SIP/2.0 ${this.status} ${this.reason}`;
    const lines = [startLine];
    for (const [n, v] of this.headers) {
      if (n !== 'Content-Length') lines.push(`${n}: ${v}`);
    }
    lines.push(`Content-Length: ${Buffer.byteLength(this.body, 'utf8')}`);
    return lines.join('\r\n') + '\r\n\r\n' + this.body;
  }

  clone(): SipMessage {
    const m = new SipMessage();
    Object.assign(m, this);
    m.headers = this.headers.map(([n, v]) => [n, v]);
    return m;
  }
}

/** Splits a header value on commas that are outside quotes and angle brackets. */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let depthAngle = 0;
  let quoted = false;
  let escaped = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      // RFC 3261 section 25.1: inside a quoted-string a backslash escapes the next character.
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '<') depthAngle++;
    else if (ch === '>') depthAngle--;
    else if (depthAngle === 0 && ch === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

export function parseVia(raw: string): ViaValue {
  const rport = /;\s*rport(\s*[;=]|\s*$)/i.test(raw);
  // maddr is left to the grammar, which reports it as the host.
  const simple = /;maddr=/i.test(raw) ? null : SIMPLE_VIA.exec(raw);
  if (simple) {
    const port = simple[3] === undefined ? undefined : Number(simple[3]);
    const branch = /;branch=([^;]+)/i.exec(simple[4] ?? '')?.[1];
    return { transport: simple[1]!.toUpperCase(), host: simple[2]!, port, branch, rport, raw };
  }
  const parsed = grammarParse(raw, 'Via') as { transport: string; host: string; port?: number; branch?: string } | -1;
  if (parsed === -1) throw new SipParseError(`bad Via: ${raw.slice(0, 80)}`);
  return { transport: parsed.transport.toUpperCase(), host: parsed.host, port: parsed.port, branch: parsed.branch, rport, raw };
}

export function parseUri(uri: string): URI | undefined {
  const parsed = grammarParse(uri, 'SIP_URI');
  return parsed instanceof URI ? parsed : undefined;
}

/** RFC 3261 section 25.1: Method is a token, case-sensitive; the version is checked apart, for 505. */
const REQUEST_LINE = /^([A-Za-z0-9!%*_+`'~.-]+) (\S+) SIP\/(\d+\.\d+)$/;
const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/;
/** URI schemes a request may be addressed to; others get 416 (RFC 3261 section 8.2.2.1). */
export const SUPPORTED_URI_SCHEMES = new Set(['sip', 'sips', 'tel']);

/**
 * Parses one complete message. A datagram may carry bytes past Content-Length;
 * a stream message arrives already framed by it.
 */
export function parseMessage(text: string, opts: { datagram: boolean; validate?: boolean; fastFields?: boolean }): SipMessage {
  if (Buffer.byteLength(text, 'utf8') > MAX_MESSAGE_BYTES) throw new SipParseError('message too large', 513);
  const headerEnd = text.indexOf('\r\n\r\n');
  if (headerEnd < 0) throw new SipParseError('no end of headers');
  const lines = text.slice(0, headerEnd).split('\r\n');
  const message = new SipMessage();
  message.fastFields = opts.fastFields ?? true;
  parseStartLine(lines[0] ?? '', message);

  let current: [string, string] | undefined;
  for (const line of lines.slice(1)) {
    if (line.length > MAX_HEADER_LINE_BYTES) throw new SipParseError('header line too long', 513);
    if (/^[ \t]/.test(line)) {
      // RFC 3261 section 7.3.1: a line starting with whitespace continues the previous header.
      if (!current) throw new SipParseError('continuation line without header');
      current[1] = `${current[1]} ${line.trim()}`.trim();
      if (current[1].length > MAX_HEADER_LINE_BYTES) throw new SipParseError('header too long', 513);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`bad header line: ${line.slice(0, 40)}`);
    const name = line.slice(0, colon).trim();
    if (!/^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) throw new SipParseError(`bad header name: ${name.slice(0, 40)}`);
    current = [canonicalHeaderName(name), line.slice(colon + 1).trim()];
    message.headers.push(current);
    if (message.headers.length > MAX_HEADERS) throw new SipParseError('too many headers', 513);
  }

  const body = text.slice(headerEnd + 4);
  message.body = bodyByContentLength(message, body, opts.datagram);
  if (opts.validate !== false) precheckSizes(message);
  // Messages from the application are partial on purpose: the server fills in the rest.
  if (opts.validate !== false) validateMandatoryHeaders(message);
  return message;
}

function parseStartLine(line: string, message: SipMessage): void {
  const request = REQUEST_LINE.exec(line);
  if (request) {
    message.method = request[1]!;
    message.uri = request[2]!;
    if (request[3] !== '2.0') throw new SipParseError(`SIP/${request[3]} not supported`, 505);
    if (message.uri.length > MAX_GRAMMAR_FIELD_BYTES) throw new SipParseError('Request-URI too long', 414);
    // sip.js parses sip: and sips: URIs; other schemes (tel:, urn:) need only a scheme-specific part.
    const otherScheme = /^[a-z][a-z0-9+.-]*:\S+$/i.test(message.uri) && !/^sips?:/i.test(message.uri);
    if (!otherScheme && !parseUri(message.uri)) {
      throw new SipParseError('bad Request-URI');
    }
    return;
  }
  const status = STATUS_LINE.exec(line);
  if (status) {
    message.status = Number(status[1]);
    message.reason = status[2];
    return;
  }
  throw new SipParseError('bad start line');
}

function bodyByContentLength(message: SipMessage, body: string, datagram: boolean): string {
  const values = message.getAll('Content-Length');
  if (values.length > 1) throw new SipParseError('more than one Content-Length');
  const declared = values[0];
  if (declared === undefined) {
    // RFC 3261 section 18.3: over a stream Content-Length is mandatory; the framer already enforced it.
    return body;
  }
  if (!/^\d+$/.test(declared)) throw new SipParseError('bad Content-Length');
  const length = Number(declared);
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length < length) throw new SipParseError('Content-Length larger than the body');
  // A datagram may carry trailing bytes after the body; they are ignored (section 18.3).
  if (datagram || bytes.length > length) return bytes.subarray(0, length).toString('utf8');
  return body;
}

/** Headers whose values go through sip.js's grammar, and which of them are comma-separated lists. */
const GRAMMAR_PARSED = new Set(['Via', 'From', 'To', 'Contact', 'CSeq', 'Route', 'Record-Route']);
const LISTS = new Set(['Via', 'Contact', 'Route', 'Record-Route']);

/**
 * Cheap checks before any grammar runs: a flood of oversized fields is
 * refused by a scan, not by tens of milliseconds of parsing each.
 */
function precheckSizes(message: SipMessage): void {
  for (const [name, value] of message.headers) {
    if (!GRAMMAR_PARSED.has(name)) continue;
    for (const item of LISTS.has(name) ? splitHeaderList(value) : [value]) {
      if (item.length > MAX_GRAMMAR_FIELD_BYTES) throw new SipParseError(`${name} too long`);
      if (longestQuotedString(item) > MAX_DISPLAY_NAME_BYTES) throw new SipParseError(`${name} display name too long`);
    }
  }
}

function longestQuotedString(value: string): number {
  let longest = 0;
  let start = -1;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (start >= 0 && ch === '\\') i++;
    else if (ch === '"') {
      if (start < 0) start = i;
      else {
        longest = Math.max(longest, i - start - 1);
        start = -1;
      }
    }
  }
  return start >= 0 ? Math.max(longest, value.length - start) : longest;
}

function validateMandatoryHeaders(message: SipMessage): void {
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    if (!message.has(name)) throw new SipParseError(`missing ${name}`);
  }
  for (const name of SINGLE_VALUED) {
    if (message.getAll(name).length > 1) throw new SipParseError(`more than one ${name}`);
  }
  message.topVia; // throws on a malformed Via
  const cseq = message.cseq;
  if (message.isRequest && cseq.method !== message.method) throw new SipParseError('CSeq method does not match');
  if (!message.hasValidNameAddr('From')) throw new SipParseError('bad From');
  if (!message.hasValidNameAddr('To')) throw new SipParseError('bad To');
  if (cseq.seq >= 2 ** 31) throw new SipParseError('CSeq number too large'); // section 8.1.1.5
  const maxForwards = message.get('Max-Forwards');
  if (maxForwards !== undefined && !(/^\d{1,10}$/.test(maxForwards) && Number(maxForwards) <= 255)) {
    throw new SipParseError('bad Max-Forwards');
  }
}

/** Max-Forwards as a number (leading zeros allowed: "0068" is 68); undefined when absent. */
export function maxForwardsOf(message: SipMessage): number | undefined {
  const value = message.get('Max-Forwards');
  return value === undefined ? undefined : Number(value);
}
