/**
 * RFC 4475 section 3: every torture message, byte for byte as the RFC gives
 * it (test/fixtures/rfc4475), sent over UDP and over TCP to the embedded SIP
 * server behind a minimal drachtio-srf application (INVITE 486, REGISTER 401,
 * OPTIONS 200, nothing else), and answered as the RFC says.
 *
 * Where a message is valid the application's answer comes back; where the
 * RFC wants the element itself to refuse (400, 416, 420, 415, 406, 405, 501,
 * 505) the server answers before the application sees it; where no response
 * can be formed (a response, a stream that never frames) nothing comes back.
 * Where the RFC allows either strictness or liberality, the table says which
 * this server chose. Answers are read where the server puts them on the wire
 * (UDP answers go to the Via's port, which nothing here listens on).
 * Afterwards no transaction is left behind.
 */
import { readFileSync, readdirSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drained, header, startEmbeddedSipd, type EmbeddedSipd } from '../support/raw-sip.js';

const FIXTURES = new URL('../fixtures/rfc4475/', import.meta.url);
/** How long "nothing comes back" is watched for. */
const QUIET_MS = 300;
const ANSWER_MS = 3_000;

/** A final status, or null: no answer at all. */
type Outcome = number | null;

/**
 * The RFC's verdict for each message, over UDP and over TCP (where they differ,
 * the reason is in the note). The application answers INVITE 486, REGISTER 401
 * and OPTIONS 200; every other number is the server's own.
 */
const EXPECTED: Record<string, { udp: Outcome; tcp: Outcome; note: string }> = {
  '3.1.1.1-wsinv': { udp: 481, tcp: 481, note: 'valid; its To tag names a dialog that does not exist here' },
  '3.1.1.2-intmeth': { udp: 501, tcp: 501, note: 'valid unknown method: 501 with Allow' },
  '3.1.1.3-esc01': { udp: 486, tcp: 486, note: 'valid' },
  '3.1.1.4-escnull': { udp: 401, tcp: 401, note: 'valid REGISTER: the registrar challenges' },
  '3.1.1.5-esc02': { udp: 501, tcp: 501, note: 'RE%47IST%45R is not REGISTER: 501' },
  '3.1.1.6-lwsdisp': { udp: 200, tcp: 200, note: 'no LWS before <: accepted' },
  '3.1.1.7-longreq': { udp: 486, tcp: 486, note: 'long values: valid' },
  '3.1.1.8-dblreq': { udp: 401, tcp: 401, note: 'UDP: the INVITE after Content-Length is ignored' },
  '3.1.1.9-semiuri': { udp: 200, tcp: 200, note: 'valid' },
  '3.1.1.10-transports': { udp: 200, tcp: 200, note: 'valid' },
  '3.1.1.11-mpart01': { udp: 405, tcp: 405, note: 'valid MESSAGE nobody here takes: 405 with Allow' },
  '3.1.1.12-unreason': { udp: null, tcp: null, note: 'a response to nothing: dropped' },
  '3.1.1.13-noreason': { udp: null, tcp: null, note: 'a response to nothing: dropped' },
  '3.1.2.1-badinv01': { udp: 400, tcp: 400, note: 'empty Via parameters' },
  '3.1.2.2-clerr': { udp: 400, tcp: null, note: 'TCP: the rest of the body may still come; nothing to answer yet' },
  '3.1.2.3-ncl': { udp: 400, tcp: 400, note: 'negative Content-Length; TCP: answered, then closed' },
  '3.1.2.4-scalar02': { udp: 400, tcp: 400, note: 'CSeq above 2**31' },
  '3.1.2.5-scalarlg': { udp: null, tcp: null, note: 'a response: dropped' },
  '3.1.2.6-quotbal': { udp: 400, tcp: 400, note: 'unterminated quote' },
  '3.1.2.7-ltgtruri': { udp: 400, tcp: 400, note: '<> around the Request-URI' },
  '3.1.2.8-lwsruri': { udp: 400, tcp: 400, note: 'LWS in the Request-URI' },
  '3.1.2.9-lwsstart': { udp: 400, tcp: 400, note: 'strict: rejecting is acceptable' },
  '3.1.2.10-trws': { udp: 400, tcp: 400, note: 'strict: rejecting is acceptable' },
  '3.1.2.11-escruri': { udp: 486, tcp: 486, note: 'liberal: escaped headers in the Request-URI are never acted on' },
  '3.1.2.12-baddate': { udp: 486, tcp: 486, note: 'liberal: Date is not used' },
  '3.1.2.13-regbadct': { udp: 401, tcp: 401, note: 'liberal: the registrar never stores it unauthenticated' },
  '3.1.2.14-badaspec': { udp: 400, tcp: 400, note: 'spaces within addr-spec' },
  '3.1.2.15-baddn': { udp: 400, tcp: null, note: 'no empty line after the headers: TCP waits for it' },
  '3.1.2.16-badvers': { udp: 505, tcp: 505, note: 'SIP/7.0' },
  '3.1.2.17-mismatch01': { udp: 400, tcp: 400, note: 'CSeq method differs' },
  '3.1.2.18-mismatch02': { udp: 400, tcp: 400, note: '400 is acceptable beside 501' },
  '3.1.2.19-bigcode': { udp: null, tcp: null, note: 'a response: dropped' },
  '3.2.1-badbranch': { udp: 200, tcp: 200, note: 'the parser does not break' },
  '3.3.1-insuf': { udp: 400, tcp: 400, note: 'no Call-ID, From, To: 400 all the same' },
  '3.3.2-unkscm': { udp: 416, tcp: 416, note: 'unknown scheme' },
  '3.3.3-novelsc': { udp: 416, tcp: 416, note: 'a scheme this server does not serve' },
  '3.3.4-unksm2': { udp: 400, tcp: 400, note: 'To is not a SIP URI' },
  '3.3.5-bext01': { udp: 420, tcp: 420, note: 'Require: 420 with Unsupported' },
  '3.3.6-invut': { udp: 415, tcp: 415, note: 'unknown body type: 415 with Accept' },
  '3.3.7-regaut01': { udp: 401, tcp: 401, note: 'unknown authorization scheme: challenged' },
  '3.3.8-multi01': { udp: 400, tcp: 400, note: 'repeated single-value headers' },
  '3.3.9-mcl01': { udp: 400, tcp: 400, note: 'two Content-Lengths; TCP: answered, then closed' },
  '3.3.10-bcast': { udp: null, tcp: null, note: 'a response: dropped, never sent to 255.255.255.255' },
  '3.3.11-zeromf': { udp: 200, tcp: 200, note: 'OPTIONS with Max-Forwards 0 is answered here' },
  '3.3.12-cparam01': { udp: 401, tcp: 401, note: 'valid REGISTER' },
  '3.3.13-cparam02': { udp: 401, tcp: 401, note: 'valid REGISTER' },
  '3.3.14-regescrt': { udp: 401, tcp: 401, note: 'valid REGISTER' },
  '3.3.15-sdp01': { udp: 406, tcp: 406, note: 'Accept rules out SDP' },
  '3.4.1-inv2543': { udp: 486, tcp: 400, note: 'RFC 2543 INVITE; TCP: no Content-Length, answered 400 and closed' },
};

const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.dat')).map((f) => f.slice(0, -4));

/** What ties an answer to its message: the Call-ID, or the top Via branch when there is none. */
function keyOf(message: Buffer): { name: 'Call-ID' | 'Via'; value: string } {
  const text = message.toString('latin1');
  const callId = /\r\n(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/i.exec(text)?.[1];
  if (callId) return { name: 'Call-ID', value: callId };
  return { name: 'Via', value: /branch=([^;\s,]+)/.exec(text)![1]! };
}

let harness: EmbeddedSipd;

/**
 * Several messages share a branch (z9hG4bKkdjuw is everywhere in the RFC): sent
 * while the first one's transaction lingers, the next would rightly be taken
 * for its retransmission (RFC 3261 section 17.2.3). Such a message waits until
 * the server holds no transaction.
 */
const branchesSeen = new Set<string>();

async function clearOfSameBranch(message: Buffer): Promise<void> {
  const branch = /branch=([^;\s,]+)/i.exec(message.toString('latin1'))?.[1] ?? '';
  if (branchesSeen.has(branch)) await drained(harness.sipd, 10_000);
  branchesSeen.add(branch);
}

beforeAll(async () => {
  harness = await startEmbeddedSipd();
});

afterAll(async () => {
  await harness?.stop();
});

/**
 * The first final answer the server put on the wire for `message` after
 * `from`, or null when none came: within QUIET_MS where none is expected
 * (anything at all then fails the test), within ANSWER_MS otherwise.
 */
async function finalAnswer(message: Buffer, from: number, expected: Outcome): Promise<string | null> {
  const key = keyOf(message);
  const matches = (text: string): boolean => (key.name === 'Call-ID'
    ? header(text, 'Call-ID') === key.value
    : (header(text, 'Via') ?? '').includes(`branch=${key.value}`));
  const isFinal = (text: string): boolean => /^SIP\/2\.0 [2-6]\d\d /.test(text);
  const deadline = Date.now() + (expected === null ? QUIET_MS : ANSWER_MS);
  while (Date.now() < deadline) {
    const found = harness.sent.slice(from).find((s) => matches(s.text) && isFinal(s.text));
    if (found) return found.text;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}

function statusOf(answer: string | null): Outcome {
  return answer === null ? null : Number(answer.slice(8, 11));
}

async function overUdp(message: Buffer, expected: Outcome): Promise<string | null> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  await clearOfSameBranch(message);
  const from = harness.sent.length;
  await new Promise<void>((resolve, reject) =>
    socket.send(message, harness.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  try {
    return await finalAnswer(message, from, expected);
  } finally {
    socket.close();
  }
}

async function overTcp(message: Buffer, expected: Outcome): Promise<{ answer: string | null; received: string }> {
  const socket = net.connect({ host: '127.0.0.1', port: harness.port });
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => { received += d; });
  socket.on('error', () => { /* the server may close a stream it cannot frame */ });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await clearOfSameBranch(message);
  const from = harness.sent.length;
  socket.write(message);
  try {
    const answer = await finalAnswer(message, from, expected);
    if (answer !== null) {
      // A TCP answer goes back on the very connection it came on.
      const until = Date.now() + ANSWER_MS;
      while (!received.includes(answer.split('\r\n')[0]!) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    }
    return { answer, received };
  } finally {
    socket.destroy();
  }
}

describe('RFC 4475 torture messages', () => {
  it('the fixtures are the 49 messages of section 3, each with an expectation', () => {
    expect(names).toHaveLength(49);
    expect(new Set(names)).toEqual(new Set(Object.keys(EXPECTED)));
  });

  // A message sent twice with the same branch is one transaction: UDP first, then TCP once UDP's have ended.
  describe.each(names)('over UDP: %s', (name) => {
    const message = readFileSync(new URL(`${name}.dat`, FIXTURES));
    const expected = EXPECTED[name]!;

    it(`${expected.udp ?? 'no answer'} (${expected.note})`, async () => {
      const answer = await overUdp(message, expected.udp);
      expect(statusOf(answer), answer ?? '').toBe(expected.udp);
      if (answer) expectAnswerDetails(name, answer);
    });
  });

  it('the UDP transactions end', async () => {
    expect((await drained(harness.sipd, 10_000)).serverTransactions).toBe(0);
    branchesSeen.clear();
  });

  describe.each(names)('over TCP: %s', (name) => {
    const message = readFileSync(new URL(`${name}.dat`, FIXTURES));
    const expected = EXPECTED[name]!;

    it(`${expected.tcp ?? 'no answer'}`, async () => {
      const { answer, received } = await overTcp(message, expected.tcp);
      expect(statusOf(answer), answer ?? '').toBe(expected.tcp);
      if (answer) {
        expect(received).toContain(answer.split('\r\n')[0]);
        expectAnswerDetails(name, answer);
      }
    });
  });

  it('no transaction is left behind once the timers have run', async () => {
    const left = await drained(harness.sipd, 10_000);
    expect(left.serverTransactions).toBe(0);
    expect(left.clientTransactions).toBe(0);
    expect(left.dialogs).toBe(0);
  });
});

/** The headers the RFC asks for beside some statuses. */
function expectAnswerDetails(name: string, answer: string): void {
  const status = statusOf(answer);
  if (status === 405 || status === 501) {
    expect(header(answer, 'Allow')).toMatch(/INVITE/);
    expect(header(answer, 'Allow')).toMatch(/OPTIONS/);
  }
  if (status === 420) expect(header(answer, 'Unsupported')).toBe('nothingSupportsThis, nothingSupportsThisEither');
  if (status === 415) expect(header(answer, 'Accept')).toContain('application/sdp');
  if (name === '3.1.1.1-wsinv') expect(header(answer, 'To')).toMatch(/;\s*tag\s*=\s*1918181833n$/);
}
