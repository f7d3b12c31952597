/**
 * The hand-written readers of From, To and CSeq (server/sipd/fast-fields.ts)
 * against sip.js's RFC 3261 grammar, which stays the judge: wherever a
 * reader answers, the grammar accepts the same value and reads the same tag,
 * sequence number and method. Where a reader declines (undefined) the
 * message layer asks the grammar, so declining is always allowed; the tests
 * also check that the readers answer for the forms real traffic uses, or
 * they would be no faster.
 *
 * Inputs: every From, To and CSeq of the RFC 4475 torture messages
 * (test/fixtures/rfc4475), a corpus generated from the grammar's pieces, and
 * that corpus mutated character by character.
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { Grammar, type NameAddrHeader } from 'sip.js';
import { describe, expect, it } from 'vitest';
import { readCSeq, readNameAddr } from '../../server/sipd/fast-fields.js';
import { parseMessage, SipParseError } from '../../server/sipd/message.js';

const FIXTURES = new URL('../fixtures/rfc4475/', import.meta.url);

type Rule = 'From' | 'To' | 'CSeq';

/** The grammar's verdict in the readers' terms: undefined when it refuses the value. */
function grammarReads(rule: Rule, value: string): { tag?: string } | { seq: number; method: string } | undefined {
  const parsed = Grammar.parse(value, rule) as unknown;
  if (parsed === -1) return undefined;
  if (rule === 'CSeq') {
    const { value: seq, method } = parsed as { value: number; method: string };
    return { seq, method };
  }
  const tag = (parsed as NameAddrHeader).getParam('tag');
  return tag === undefined ? {} : { tag: tag ?? undefined };
}

function fastReads(rule: Rule, value: string): ReturnType<typeof grammarReads> {
  return rule === 'CSeq' ? readCSeq(value) : readNameAddr(value);
}

/** Asserts agreement; returns whether the reader answered. */
function agrees(rule: Rule, value: string): boolean {
  const fast = fastReads(rule, value);
  if (fast === undefined) return false;
  expect({ rule, value, read: grammarReads(rule, value) }).toEqual({ rule, value, read: fast });
  return true;
}

/** The header values of a message as it arrived (folded lines joined, compact forms named). */
function fieldsOf(text: string): Array<[Rule, string]> {
  const head = text.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
  const out: Array<[Rule, string]> = [];
  for (const line of head.split('\r\n').slice(1)) {
    const m = /^([A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    const rule = name === 'from' || name === 'f' ? 'From' : name === 'to' || name === 't' ? 'To' : name === 'cseq' ? 'CSeq' : undefined;
    if (rule) out.push([rule, m[2]!]);
  }
  return out;
}

describe('RFC 4475 torture messages', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.dat'));

  it('every From, To and CSeq the readers answer for, the grammar reads the same', () => {
    let answered = 0;
    let fields = 0;
    for (const file of files) {
      const text = readFileSync(new URL(file, FIXTURES)).toString('utf8');
      for (const [rule, value] of fieldsOf(text)) {
        fields++;
        if (agrees(rule, value)) answered++;
      }
    }
    expect(fields).toBeGreaterThan(100);
    // The torture messages are mostly ordinary in From, To and CSeq: most are read without the grammar.
    expect(answered / fields).toBeGreaterThan(0.5);
  });

  it('every message parses to the same verdict, status and tags with and without the readers', () => {
    for (const file of files) {
      const text = readFileSync(new URL(file, FIXTURES)).toString('latin1');
      expect({ file, ...outcome(text, true) }).toEqual({ file, ...outcome(text, false) });
    }
  });
});

/** parseMessage's verdict, with the readers or with only the grammar. */
function outcome(text: string, fast: boolean): { status: number; tags?: Array<string | undefined>; seq?: number } {
  try {
    const m = parseMessage(text, { datagram: true, fastFields: fast });
    return { status: 0, tags: [m.tag('From'), m.tag('To')], seq: m.cseq.seq };
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    return { status: err.status };
  }
}

// ------------------------------------------------------------ generated corpus

const alnum = fc.constantFrom(...'abcxyzABC0189');
const word = (min: number, max: number): fc.Arbitrary<string> => fc.string({ unit: alnum, minLength: min, maxLength: max });
const tokenChar = fc.constantFrom(...'aZ09-.!%*_+`\'~');
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 6 });
const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('01', '00', '255', '256'));
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const label = fc.oneof(word(1, 6), fc.tuple(word(1, 3), word(1, 3)).map(([a, b]) => `${a}-${b}`), fc.constantFrom('-a', 'a-', '1x'));
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const host = fc.oneof(ipv4, hostname, fc.constantFrom('[::1]', '[2001:db8::1]', 'example.com.', 'host_name'));
const port = fc.option(fc.oneof(fc.integer({ min: 0, max: 70_000 }).map(String), fc.constantFrom('05060', '', '123456')), { nil: undefined });
const userChar = fc.constantFrom(...'aZ09-_.!~*\'()&=+$,;?/%:+');
const user = fc.option(fc.oneof(word(1, 8), fc.string({ unit: userChar, minLength: 1, maxLength: 8 }), fc.constantFrom('%41lice', '+46701740650', 'a:pw')), { nil: undefined });
const uriParam = fc.oneof(
  fc.constantFrom(';lr', ';lr=on', ';transport=udp', ';transport=TCP', ';user=phone', ';user=', ';ttl=5', ';maddr=1.2.3.4', ';method=INVITE', ';ob', ';x=y', ';a=(b)', ';=x', ';tag=u'),
  fc.tuple(word(1, 4), fc.option(word(0, 4))).map(([n, v]) => (v === null ? `;${n}` : `;${n}=${v}`)),
);
const scheme = fc.constantFrom('sip', 'sips', 'SIP', 'Sip', 'tel', 'http', 'si');
const uri = fc.tuple(scheme, user, host, port, fc.array(uriParam, { maxLength: 3 }), fc.constantFrom('', '', '', '?subject=x'))
  .map(([s, u, h, p, params, headers]) => `${s}:${u === undefined ? '' : `${u}@`}${h}${p === undefined ? '' : `:${p}`}${params.join('')}${headers}`);
const quotedChar = fc.constantFrom(...'aZ 9<>;,@"\\\tÅ');
const displayName = fc.oneof(
  fc.constant(''),
  fc.array(token, { minLength: 1, maxLength: 3 }).map((t) => `${t.join(' ')} `),
  fc.array(token, { minLength: 1, maxLength: 2 }).map((t) => t.join(' ')),
  fc.string({ unit: quotedChar, maxLength: 10 }).map((q) => `"${q}" `),
  fc.string({ unit: quotedChar, maxLength: 10 }).map((q) => `"${q}"`),
);
const spaces = fc.constantFrom('', '', ' ', '  ', '\t');
const headerParam = fc.oneof(
  fc.tuple(spaces, fc.constantFrom('tag', 'TAG', 'Tag', 'tAg'), spaces, spaces, token).map(([a, n, b, c, v]) => `${a};${b}${n}${c}=${v}`),
  fc.constantFrom(';tag', ';tag=', ';tag="q"', ';x="quoted"', ';x=[::1]', ';expires=60', ';q=0.5', '; ;'),
  fc.tuple(token, fc.option(token)).map(([n, v]) => (v === null ? `;${n}` : `;${n}=${v}`)),
);
const nameAddr = fc.oneof(
  fc.tuple(displayName, uri, fc.array(headerParam, { maxLength: 3 })).map(([d, u, p]) => `${d}<${u}>${p.join('')}`),
  fc.tuple(uri, fc.array(headerParam, { maxLength: 3 })).map(([u, p]) => `${u}${p.join('')}`),
);
/**
 * What phones and trunks send: RFC 3261's host names (labels not ending in
 * a dash), IPv4, ports up to 65535 without leading zeros, token or plain
 * quoted display names, plain parameters. The grammar is more liberal than
 * this (a label "a-", port 69775, tabs around parameters); the reader
 * declines those and leaves them to it.
 */
const ordinaryHost = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map((o) => o.join('.')),
  fc.tuple(fc.array(word(1, 8), { maxLength: 3 }), fc.constantFrom('example', 'se', 'com', 'invalid')).map(([l, top]) => [...l, top].join('.')),
);
const ordinaryUri = fc.tuple(
  fc.constantFrom('sip', 'sips'), fc.option(fc.oneof(word(1, 10), fc.integer({ min: 1000, max: 99_999_999 }).map((n) => `+46${n}`)), { nil: undefined }),
  ordinaryHost, fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
  fc.array(fc.constantFrom(';user=phone', ';transport=udp', ';transport=tcp', ';lr', ';ob'), { maxLength: 2 }),
).map(([s, u, h, p, params]) => `${s}:${u === undefined ? '' : `${u}@`}${h}${p === undefined ? '' : `:${p}`}${params.join('')}`);
const ordinaryNameAddr = fc.tuple(
  fc.oneof(fc.constant(''), word(1, 8).map((w) => `${w} `), word(1, 12).map((w) => `"${w} ${w}" `)),
  ordinaryUri,
  fc.option(word(1, 16).map((t) => `;tag=${t}`), { nil: '' }),
).map(([d, u, tag]) => `${d}<${u}>${tag}`);

const cseq = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 2 ** 32 }).map(String), fc.constantFrom('', '007', '12345678901', '-1', '1.5')),
  fc.constantFrom(' ', '  ', '\t', '', ' \t'),
  fc.oneof(token, fc.constantFrom('INVITE', 'ACK', 'invite', 'BYE ', 'IN VITE', '', 'Å')),
).map(([n, s, m]) => `${n}${s}${m}`);

/** One character inserted, removed or replaced, from the characters the syntax turns on. */
const mutation = fc.tuple(fc.nat(), fc.constantFrom('insert', 'remove', 'replace'), fc.constantFrom(...'<>";:@,.=%\\ \t\r\nÅ\u0000a1-'));
function mutate(value: string, [at, how, ch]: [number, string, string]): string {
  const i = value.length === 0 ? 0 : at % value.length;
  if (how === 'insert') return value.slice(0, i) + ch + value.slice(i);
  if (how === 'remove') return value.slice(0, i) + value.slice(i + 1);
  return value.slice(0, i) + ch + value.slice(i + 1);
}

const RUNS = 8_000;

describe('generated and mutated values', () => {
  it('From and To: the reader agrees with the grammar wherever it answers', () => {
    let answered = 0;
    fc.assert(fc.property(nameAddr, fc.constantFrom<Rule>('From', 'To'), (value, rule) => {
      if (agrees(rule, value)) answered++;
    }), { numRuns: RUNS, seed: 4475 });
    // The corpus is built to be hostile: few values are in the reader's subset, but some must be, or nothing was compared.
    expect(answered).toBeGreaterThan(RUNS / 200);
  });

  it('From and To in the ordinary forms: the reader answers for nearly all, as the grammar does', () => {
    let answered = 0;
    fc.assert(fc.property(ordinaryNameAddr, (value) => {
      expect(grammarReads('From', value)).toBeDefined();
      if (agrees('From', value)) answered++;
    }), { numRuns: RUNS / 4, seed: 5060 });
    expect(answered).toBeGreaterThan(RUNS / 4 * 0.95);
  });

  it('From and To mutated: the reader agrees with the grammar wherever it answers', () => {
    fc.assert(fc.property(nameAddr, fc.array(mutation, { minLength: 1, maxLength: 3 }), (value, mutations) => {
      agrees('From', mutations.reduce(mutate, value));
    }), { numRuns: RUNS, seed: 3261 });
  });

  it('CSeq, generated and mutated: the reader agrees with the grammar wherever it answers', () => {
    let answered = 0;
    fc.assert(fc.property(cseq, fc.array(mutation, { maxLength: 2 }), (value, mutations) => {
      if (agrees('CSeq', mutations.reduce(mutate, value))) answered++;
    }), { numRuns: RUNS, seed: 17 });
    expect(answered).toBeGreaterThan(RUNS / 20);
  });

  it('answers without the grammar for the forms phones and trunks send', () => {
    for (const value of [
      '"Anna Svensson" <sip:+46701740650@192.0.2.10>;tag=from-1',
      'sipp <sip:sipp@127.0.0.2:5061>;tag=4711SIPpTag001',
      '<sip:+46313900601@switch.example;user=phone>',
      '<sip:1002@127.0.0.1;transport=udp>;tag=a6c85cf',
      'sip:alice@atlanta.example.com;tag=88sja8x',
    ]) expect(readNameAddr(value), value).toBeDefined();
    expect(readCSeq('314159 INVITE')).toEqual({ seq: 314159, method: 'INVITE' });
  });
});
