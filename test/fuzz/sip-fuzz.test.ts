/**
 * Property-based fuzzing of the embedded SIP server's reading of the wire.
 *
 * Starting from valid INVITE, REGISTER and OPTIONS requests and the RFC 4475
 * messages, fast-check mutates bytes, headers and lengths. Whatever it makes:
 * the parser refuses with a SipParseError or gives a message, never anything
 * else; the TCP framer never throws and frames the same messages however the
 * stream is cut; a valid message survives parse → serialise → parse; and the
 * server itself, fed the mutants over UDP and TCP, stays up, answers OPTIONS
 * afterwards and is left holding no transaction.
 *
 * Runs are bounded and seeded (FUZZ_SEED overrides the seed; fast-check prints
 * the seed and the shrunk counterexample when a property fails), so CI spends
 * seconds here and a failure can be replayed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SipMessage, SipParseError, parseMessage } from '../../server/sipd/message.js';
import { StreamFramer } from '../../server/sipd/transport.js';
import { UdpPeer, drained, header, startEmbeddedSipd, type EmbeddedSipd } from '../support/raw-sip.js';

const SEED = Number(process.env.FUZZ_SEED ?? 4475);
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

const CRLF = '\r\n';

function request(method: 'INVITE' | 'REGISTER' | 'OPTIONS', n: number, body = ''): string {
  const uri = method === 'REGISTER' ? 'sip:switch.example' : 'sip:1001@switch.example';
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-fuzz-${n};rport`,
    'Max-Forwards: 70',
    `From: "Fuzz ${n}" <sip:fuzz@192.0.2.10>;tag=f${n}`,
    method === 'REGISTER' ? 'To: <sip:fuzz@switch.example>' : 'To: <sip:1001@switch.example>',
    `Call-ID: fuzz-${n}@192.0.2.10`,
    `CSeq: ${n} ${method}`,
    'Contact: <sip:fuzz@192.0.2.10:5062>',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ].join(CRLF) + CRLF + CRLF + body;
}

const SDP = ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', 'm=audio 4000 RTP/AVP 0', ''].join(CRLF);
const FIXTURES = new URL('../fixtures/rfc4475/', import.meta.url);
const SEEDS: Buffer[] = [
  Buffer.from(request('INVITE', 1, SDP)), Buffer.from(request('REGISTER', 2)), Buffer.from(request('OPTIONS', 3)),
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.dat')).map((f) => readFileSync(new URL(f, FIXTURES))),
];

const HOSTILE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'l', 'v', 'i'];

/** One change to a message: bytes, whole header lines, or its Content-Length. */
const mutation: fc.Arbitrary<(msg: Buffer) => Buffer> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => (msg: Buffer) => {
    const out = Buffer.from(msg);
    if (out.length) out[at % out.length] = byte;
    return out;
  }),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, bytes]) => (msg: Buffer) => {
    const i = at % (msg.length + 1);
    return Buffer.concat([msg.subarray(0, i), Buffer.from(bytes), msg.subarray(i)]);
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 64 })).map(([at, len]) => (msg: Buffer) => {
    const i = at % (msg.length + 1);
    return Buffer.concat([msg.subarray(0, i), msg.subarray(i + len)]);
  }),
  fc.nat().map((at) => (msg: Buffer) => Buffer.from(editLines(msg, (lines) => {
    const i = 1 + (at % Math.max(1, lines.length - 1));
    return [...lines.slice(0, i + 1), lines[i] ?? '', ...lines.slice(i + 1)];
  }))),
  fc.nat().map((at) => (msg: Buffer) => Buffer.from(editLines(msg, (lines) => lines.filter((_, i) => i === 0 || i !== 1 + (at % Math.max(1, lines.length - 1)))))),
  fc.tuple(fc.constantFrom(...HOSTILE_NAMES), fc.string({ maxLength: 40 })).map(([name, value]) => (msg: Buffer) =>
    Buffer.from(editLines(msg, (lines) => [...lines, `${name}: ${value.replace(/[\r\n]/g, ' ')}`]))),
  fc.oneof(fc.integer({ min: -10, max: 100_000 }).map(String), fc.constantFrom('', 'five', '1e3', '0x10', '00', ' 7 ', '3, 4'))
    .map((value) => (msg: Buffer) => Buffer.from(editLines(msg, (lines) =>
      lines.map((l) => (/^(content-length|l)\s*:/i.test(l) ? `Content-Length: ${value}` : l))))),
  fc.constantFrom('\r', '\n', '\r\n', '\r\n\r\n', '\0', ' ', '\t', '"', '<', ';', ',').chain((s) => fc.nat().map((at) => (msg: Buffer) => {
    const i = at % (msg.length + 1);
    return Buffer.concat([msg.subarray(0, i), Buffer.from(s), msg.subarray(i)]);
  })),
);

/** Applies `edit` to the header lines of `msg`, keeping its body. */
function editLines(msg: Buffer, edit: (lines: string[]) => string[]): string {
  const text = msg.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const rest = end < 0 ? '' : text.slice(end);
  return Buffer.from(edit(head.split('\r\n')).join('\r\n') + rest, 'latin1').toString('latin1');
}

/** A seed message with one to four mutations. */
const mutant: fc.Arbitrary<Buffer> = fc.tuple(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([seed, changes]) => changes.reduce((msg, change) => change(msg), seed));

/** Random bytes, sometimes behind a plausible start line. */
const noise: fc.Arbitrary<Buffer> = fc.tuple(
  fc.constantFrom('', 'INVITE sip:a@b SIP/2.0\r\n', 'SIP/2.0 200 OK\r\n', 'OPTIONS sip:x SIP/2.0\r\nVia: '),
  fc.uint8Array({ maxLength: 600 }),
).map(([start, bytes]) => Buffer.concat([Buffer.from(start), Buffer.from(bytes)]));

const anyInput = fc.oneof({ weight: 3, arbitrary: mutant }, { weight: 1, arbitrary: noise });

function parseOrRefuse(input: Buffer, datagram: boolean): SipMessage | SipParseError {
  try {
    return parseMessage(input.toString('utf8'), { datagram });
  } catch (err) {
    if (err instanceof SipParseError) return err;
    throw err;
  }
}

describe('the parser', () => {
  it('refuses with a SipParseError or gives a message, whatever it is given', () => {
    fc.assert(fc.property(anyInput, fc.boolean(), (input, datagram) => {
      const result = parseOrRefuse(input, datagram);
      if (result instanceof SipParseError) {
        expect(result.status).toBeGreaterThanOrEqual(400);
        expect(result.status).toBeLessThan(600);
      }
    }), { seed: SEED, numRuns: RUNS * 5 });
  });

  it('parse → serialise → parse is a fixed point for every message it accepts', () => {
    fc.assert(fc.property(anyInput, (input) => {
      const first = parseOrRefuse(input, true);
      if (first instanceof SipParseError) return;
      const text = first.toString();
      const second = parseMessage(text, { datagram: false });
      expect(second.isRequest).toBe(first.isRequest);
      expect([second.method, second.uri, second.status, second.body]).toEqual([first.method, first.uri, first.status, first.body]);
      expect(second.headers.filter(([n]) => n !== 'Content-Length'))
        .toEqual(first.headers.filter(([n]) => n !== 'Content-Length'));
      expect(second.toString()).toBe(text);
    }), { seed: SEED, numRuns: RUNS * 5 });
  });

  it('valid requests with any extension headers round-trip', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!%*_+`'~.-]{1,20}$/);
    const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,60}[\x21-\x7e])?$/);
    fc.assert(fc.property(fc.constantFrom('INVITE', 'REGISTER', 'OPTIONS') as fc.Arbitrary<'INVITE' | 'REGISTER' | 'OPTIONS'>,
      fc.array(fc.tuple(token.filter((t) => !/^(content-length|l|call-id|i|cseq|from|f|to|t|via|v|max-forwards|content-type|c|expires)$/i.test(t)), value),
        { maxLength: 8 }), fc.nat({ max: 1_000_000 }),
      (method, extra, n) => {
        const base = request(method, n + 1);
        const lines = extra.map(([k, v]) => `${k}: ${v}\r\n`).join('');
        const text = base.replace('\r\n\r\n', () => `\r\n${lines}\r\n`);
        const msg = parseMessage(text, { datagram: true });
        for (const [k, v] of extra) expect(msg.getAll(k)).toContain(v);
        expect(parseMessage(msg.toString(), { datagram: false }).toString()).toBe(msg.toString());
      }), { seed: SEED, numRuns: RUNS });
  });
});

describe('the TCP framer', () => {
  it('never throws, and frames valid messages the same however the stream is cut', () => {
    const valid = SEEDS.slice(0, 3);
    fc.assert(fc.property(fc.array(fc.constantFrom(...valid), { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 30 }), fc.option(anyInput),
      (messages, cuts, tail) => {
        const stream = Buffer.concat([...messages, ...(tail ? [tail] : [])]);
        const framer = new StreamFramer();
        const out: string[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const size = cuts[i % cuts.length]!;
          const { messages: got, error } = framer.push(stream.subarray(at, at + size));
          out.push(...got);
          at += size;
          if (error) break;
        }
        expect(out.slice(0, messages.length)).toEqual(messages.map((m) => m.toString('utf8')));
      }), { seed: SEED, numRuns: RUNS });
  });
});

describe('the server fed mutants', () => {
  let harness: EmbeddedSipd;
  let udp: UdpPeer;
  const escaped: unknown[] = [];
  const record = (err: unknown): void => { escaped.push(err); };

  beforeAll(async () => {
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
    harness = await startEmbeddedSipd({ record: false });
    udp = await UdpPeer.open(harness.port);
  });

  afterAll(async () => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
    udp?.close();
    await harness?.stop();
  });

  it('over UDP and TCP: nothing escapes, OPTIONS still gets 200, and no transaction is left behind', async () => {
    const inputs = fc.sample(anyInput, { seed: SEED, numRuns: RUNS });
    for (const [i, input] of inputs.entries()) {
      await udp.send(input);
      if (i % 4 === 0) await overTcp(harness.port, input);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    const options = request('OPTIONS', 999_999).replace('192.0.2.10:5062', `127.0.0.1:${udp.port}`);
    await udp.send(options);
    const answer = await udp.answerTo('fuzz-999999@192.0.2.10', { timeoutMs: 5_000, final: true });
    expect(answer).toMatch(/^SIP\/2\.0 200 /);
    expect(header(answer, 'CSeq')).toBe('999999 OPTIONS');
    const left = await drained(harness.sipd, 15_000);
    expect(left).toEqual({ serverTransactions: 0, clientTransactions: 0, dialogs: 0 });
    expect(escaped).toEqual([]);
  }, 60_000);
});

/** Writes `input` on a fresh TCP connection and closes it a moment later. */
async function overTcp(port: number, input: Buffer): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => { /* the server may close a stream it cannot frame */ });
  socket.on('data', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(input);
  await new Promise((r) => setTimeout(r, 5));
  socket.destroy();
}
