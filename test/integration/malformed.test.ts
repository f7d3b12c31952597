/**
 * A malformed-message suite leaves the process up and a normal call
 * afterwards succeeds.
 *
 * Everything here is real bytes on real sockets (node:dgram, node:net) from
 * 127.0.0.1 to the product started in-process. Where the server can address
 * a response (the request line, Via and CSeq are readable; RFC 4475 section
 * 3.3.1) it must answer 400, or 513 for what is too large, echoing the
 * request's Call-ID (when it has one) and Via branch. Where it cannot (no
 * request line, no Via or CSeq, a response, an ACK) nothing may come back. After every case the same
 * socket still gets 200 for OPTIONS, so "silence" is never a dead server.
 * The product runs in this process, so an exception escaping the SIP server
 * (which would end a real one) is caught here and fails the suite.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringExtensionsDirectly, startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { assertSippOk, runSipp, startRegisteredSippPhone, type SippUas } from '../support/sipp.js';
import { header, UdpPeer } from '../support/raw-sip.js';
import { waitFor } from '../support/wait.js';
import type { SipServer } from '../../server/sipd/server.js';

/** How long an answer that must come may take. */
const ANSWER_MS = 3_000;

let product: RunningProduct;
let udp: UdpPeer;
const phones: SippUas[] = [];
/** Whatever escaped to the top of the process: in production each of these would have ended it. */
const escaped: unknown[] = [];
const recordEscape = (err: unknown): void => { escaped.push(err); };

beforeAll(async () => {
  process.on('uncaughtException', recordEscape);
  process.on('unhandledRejection', recordEscape);
  product = await startProduct({ tweak: ringExtensionsDirectly });
  udp = await UdpPeer.open(product.sipPort);
});

afterAll(async () => {
  process.off('uncaughtException', recordEscape);
  process.off('unhandledRejection', recordEscape);
  udp?.close();
  await Promise.all(phones.map((p) => p.stop(500)));
  await product?.stop();
});

// ------------------------------------------------------------------ wire helpers

interface RequestSpec {
  method?: string;
  uri?: string;
  transport: 'UDP' | 'TCP';
  localPort: number;
  callId?: string;
  branch?: string;
  cseq?: string;
  /** Headers to leave out, by name. */
  omit?: string[];
  /** Extra header lines, before Content-Length. */
  extra?: string[];
  body?: string;
  /** The Content-Length value; null leaves the header out. Default: the body's byte length. */
  contentLength?: string | number | null;
}

interface Sent {
  text: string;
  callId: string;
  branch: string;
  cseq: string;
}

function request(spec: RequestSpec): Sent {
  const method = spec.method ?? 'INVITE';
  const callId = spec.callId ?? `${randomUUID()}@malformed.test`;
  const branch = spec.branch ?? `z9hG4bK-${randomUUID()}`;
  const cseq = spec.cseq ?? `1 ${method}`;
  const body = spec.body ?? '';
  const host = `127.0.0.1:${spec.localPort}`;
  const headers: Array<[string, string]> = [
    ['Via', `SIP/2.0/${spec.transport} ${host};branch=${branch};rport`],
    ['Max-Forwards', '70'],
    ['From', `<sip:1001@${host}>;tag=${randomUUID().slice(0, 8)}`],
    ['To', '<sip:+46313900601@127.0.0.1>'],
    ['Call-ID', callId],
    ['CSeq', cseq],
    ['Contact', `<sip:1001@${host};transport=${spec.transport.toLowerCase()}>`],
  ];
  const lines = [`${method} ${spec.uri ?? 'sip:+46313900601@127.0.0.1'} SIP/2.0`];
  for (const [name, value] of headers) if (!spec.omit?.includes(name)) lines.push(`${name}: ${value}`);
  lines.push(...(spec.extra ?? []));
  const length = spec.contentLength === undefined ? Buffer.byteLength(body) : spec.contentLength;
  if (length !== null) lines.push(`Content-Length: ${length}`);
  return { text: `${lines.join('\r\n')}\r\n\r\n${body}`, callId, branch, cseq };
}

/** The server refused `sent` with `status` (400 unless told) and addressed the answer to that very request. */
function expectRefusal(answer: string, sent: Sent, statuses: number[] = [400]): void {
  const status = Number(/^SIP\/2\.0 (\d{3}) /.exec(answer)?.[1]);
  expect(statuses, `unexpected answer:\n${answer}`).toContain(status);
  expect(header(answer, 'Call-ID')).toBe(sent.callId);
  expect(header(answer, 'Via')).toContain(`branch=${sent.branch}`);
  expect(header(answer, 'CSeq')).toBe(sent.cseq);
  expect(header(answer, 'Content-Length')).toBe('0');
}

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', ''].join('\r\n');

type Stats = SipServer['stats'];

function sipdStats(): Stats {
  return product.app.sipd!.stats;
}

/**
 * Nothing new was left behind since `before` but the server transactions of
 * the `probes` OPTIONS the test sent to see the switch had read what came
 * before them. Transactions from earlier cases may end meanwhile (UDP server
 * transactions linger 32 s in Completed), so the counts may go down but never up.
 */
function expectNoNewState(before: Stats, probes = 0): void {
  const now = sipdStats();
  expect(now.serverTransactions).toBeLessThanOrEqual(before.serverTransactions + probes);
  expect(now.clientTransactions).toBeLessThanOrEqual(before.clientTransactions);
  expect(now.dialogs).toBeLessThanOrEqual(before.dialogs);
}

/** Sends a request over UDP and returns the answer with its Call-ID. */
async function udpExchange(sent: Sent): Promise<string> {
  await udp.send(sent.text);
  return udp.answerTo(sent.callId, { timeoutMs: ANSWER_MS });
}

/**
 * Sends `data` over UDP and asserts that nothing at all comes back: the
 * switch reads datagrams in order and answers a bad one as it reads it, so
 * once it has answered an OPTIONS sent after `data`, an answer to `data`
 * would have come first.
 */
async function udpSilence(data: string | Buffer): Promise<void> {
  const from = udp.received.length;
  await udp.send(data);
  const options = request({ method: 'OPTIONS', uri: 'sip:127.0.0.1', transport: 'UDP', localPort: udp.port });
  const answer = await udpExchange(options);
  const got = udp.received.slice(from).filter((m) => m !== answer);
  expect(got, `expected no answer, got:\n${got.join('\n---\n')}`).toEqual([]);
}

/** The server still answers OPTIONS from our UDP socket with 200. */
async function expectUdpAlive(): Promise<void> {
  const options = request({ method: 'OPTIONS', uri: 'sip:127.0.0.1', transport: 'UDP', localPort: udp.port });
  const answer = await udpExchange(options);
  expect(answer).toMatch(/^SIP\/2\.0 200 /);
  expect(header(answer, 'Via')).toContain(`branch=${options.branch}`);
}

/** A TCP connection to the switch that keeps what it receives and notices when the server closes it. */
class TcpPeer {
  private data = '';
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { this.data += d; });
    socket.on('error', () => { /* a reset while we write is one way of being closed */ });
    this.closed = new Promise((resolve) => socket.once('close', () => { this.isClosed = true; resolve(); }));
  }

  static async open(): Promise<TcpPeer> {
    const socket = net.connect({ host: '127.0.0.1', port: product.sipPort });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TcpPeer(socket);
  }

  get port(): number {
    return this.socket.localPort!;
  }

  get text(): string {
    return this.data;
  }

  get wasClosed(): boolean {
    return this.isClosed;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async answerTo(callId: string, timeoutMs = ANSWER_MS): Promise<string> {
    const find = (): string | undefined => this.data.split(/(?=SIP\/2\.0 \d{3} )/).find((m) => header(m, 'Call-ID') === callId);
    await waitFor(() => find() !== undefined, { what: `an answer with Call-ID ${callId} on TCP; got:\n${this.data}`, timeoutMs, everyMs: 10 });
    return find()!;
  }

  /** Resolves true if the server closes the connection within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => { deadline = setTimeout(() => resolve(false), ms); });
    try {
      return await Promise.race([this.closed.then(() => true), timedOut]);
    } finally {
      clearTimeout(deadline);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A fresh TCP connection still gets 200 for OPTIONS. */
async function expectTcpAlive(peer?: TcpPeer): Promise<void> {
  const conn = peer ?? (await TcpPeer.open());
  try {
    const options = request({ method: 'OPTIONS', uri: 'sip:127.0.0.1;transport=tcp', transport: 'TCP', localPort: conn.port });
    conn.write(options.text);
    const answer = await conn.answerTo(options.callId);
    expect(answer).toMatch(/^SIP\/2\.0 200 /);
  } finally {
    if (!peer) conn.destroy();
  }
}

// ------------------------------------------------------------------ the suite

describe('over UDP, what cannot be answered is dropped without a word', () => {
  it('pure garbage bytes get nothing back', async () => {
    await udpSilence('Hello, is this the switch? Please put me through to the manager.\r\n\r\n');
    await expectUdpAlive();
  });

  it('random binary gets nothing back', async () => {
    for (let i = 0; i < 5; i++) await udpSilence(randomBytes(64 + i * 300));
    await expectUdpAlive();
  });

  it('an empty datagram gets nothing back', async () => {
    await udpSilence(Buffer.alloc(0));
    await udpSilence('\r\n\r\n');
    await expectUdpAlive();
  });

  it('an INVITE cut off before its Call-ID gets nothing back', async () => {
    const sent = request({ transport: 'UDP', localPort: udp.port });
    await udpSilence(sent.text.slice(0, sent.text.indexOf('Call-ID:') + 5));
    await expectUdpAlive();
  });

  it.each(['Via', 'CSeq'])('an INVITE without %s gets nothing back', async (name) => {
    await udpSilence(request({ transport: 'UDP', localPort: udp.port, omit: [name], body: SDP }).text);
    await expectUdpAlive();
  });

  it('a response that belongs to no transaction gets nothing back and creates no state', async () => {
    const before = sipdStats();
    const stray = [
      'SIP/2.0 200 OK',
      `Via: SIP/2.0/UDP 127.0.0.1:${product.sipPort};branch=z9hG4bK-never-sent;rport`,
      `From: <sip:1001@127.0.0.1>;tag=a`, 'To: <sip:1002@127.0.0.1>;tag=b', `Call-ID: ${randomUUID()}`, 'CSeq: 1 INVITE',
      'Content-Length: 0', '', '',
    ].join('\r\n');
    await udpSilence(stray);
    await udpSilence(stray.replace('SIP/2.0 200 OK', 'SIP/2.0 999 Beyond the range'));
    expectNoNewState(before, 2);
    await expectUdpAlive();
  });

  it('an ACK with garbage in it gets nothing back', async () => {
    const ack = request({ method: 'ACK', transport: 'UDP', localPort: udp.port });
    await udpSilence(ack.text.replace(/^CSeq: .*$/m, 'CSeq: !!garbage!! \x01\x02'));
    await udpSilence(request({ method: 'ACK', transport: 'UDP', localPort: udp.port, body: '\x00\xffnot sdp' }).text);
    await expectUdpAlive();
  });
});

describe('over UDP, a broken request that can be answered gets 400 for that very request', () => {
  it('an INVITE cut off mid-header, after its mandatory headers, gets 400', async () => {
    const sent = request({ transport: 'UDP', localPort: udp.port, body: SDP });
    const cut = sent.text.slice(0, sent.text.indexOf('Contact:') + 12);
    await udp.send(cut);
    expectRefusal(await udp.answerTo(sent.callId, { timeoutMs: ANSWER_MS }), sent);
    await expectUdpAlive();
  });

  it('a Content-Length larger than the body gets 400 that says so', async () => {
    const sent = request({ transport: 'UDP', localPort: udp.port, body: SDP, contentLength: Buffer.byteLength(SDP) + 100,
      extra: ['Content-Type: application/sdp'] });
    const answer = await udpExchange(sent);
    expectRefusal(answer, sent);
    expect(header(answer, 'Warning')).toMatch(/Content-Length/);
    await expectUdpAlive();
  });

  // RFC 4475 section 3.3.1: Via and CSeq are enough to address and match the answer.
  it.each(['From', 'To'])('an INVITE without %s gets 400', async (name) => {
    const sent = request({ transport: 'UDP', localPort: udp.port, omit: [name], body: SDP });
    expectRefusal(await udpExchange(sent), sent);
  });

  it('an INVITE without Call-ID gets 400, tied to it by its branch', async () => {
    const sent = request({ transport: 'UDP', localPort: udp.port, omit: ['Call-ID'], body: SDP });
    await udp.send(sent.text);
    const byBranch = (): string | undefined => udp.received.find((m) => (header(m, 'Via') ?? '').includes(`branch=${sent.branch}`));
    await waitFor(() => byBranch() !== undefined, { what: 'the answer carrying the INVITE\'s branch', timeoutMs: ANSWER_MS });
    const answer = byBranch()!;
    expect(answer).toMatch(/^SIP\/2\.0 400 /);
    expect(header(answer, 'Call-ID')).toBeUndefined();
    expect(header(answer, 'CSeq')).toBe(sent.cseq);
  });

  it('a non-numeric Content-Length gets 400', async () => {
    const sent = request({ transport: 'UDP', localPort: udp.port, body: SDP, contentLength: 'twelve' });
    expectRefusal(await udpExchange(sent), sent);
    await expectUdpAlive();
  });

  it('a CSeq that is not a number, or names another method, gets 400', async () => {
    const bad = request({ transport: 'UDP', localPort: udp.port, cseq: 'one INVITE' });
    expectRefusal(await udpExchange(bad), bad);
    const mismatch = request({ transport: 'UDP', localPort: udp.port, cseq: '1 BYE' });
    expectRefusal(await udpExchange(mismatch), mismatch);
    await expectUdpAlive();
  });

  it('a bad Request-URI gets 400', async () => {
    const sent = request({ transport: 'UDP', localPort: udp.port, uri: 'not-a-uri' });
    const answer = await udpExchange(sent);
    expectRefusal(answer, sent);
    expect(header(answer, 'Warning')).toMatch(/Request-URI/);
    await expectUdpAlive();
  });

  it('a 10 kB header line gets 513 (or 400)', async () => {
    const sent = request({ transport: 'UDP', localPort: udp.port, extra: [`X-Padding: ${'x'.repeat(10 * 1024)}`] });
    expectRefusal(await udpExchange(sent), sent, [513, 400]);
    await expectUdpAlive();
  });

  it('200 header lines get 513 (or 400)', async () => {
    const extra = Array.from({ length: 200 }, (_, i) => `X-Filler-${i}: ${i}`);
    const sent = request({ transport: 'UDP', localPort: udp.port, extra });
    expectRefusal(await udpExchange(sent), sent, [513, 400]);
    await expectUdpAlive();
  });

  it('a 70 kB datagram cannot leave the sender; the largest one that can gets 513 (or 400)', async () => {
    const huge = request({ transport: 'UDP', localPort: udp.port, extra: [`X-Padding: ${'x'.repeat(70 * 1024)}`] });
    await expect(udp.send(huge.text)).rejects.toMatchObject({ code: 'EMSGSIZE' });
    // 65,507 bytes is the most one IPv4 datagram can carry.
    const head = request({ transport: 'UDP', localPort: udp.port, extra: ['X-Padding: '] });
    const padding = 65_507 - Buffer.byteLength(head.text);
    const largest = request({ transport: 'UDP', localPort: udp.port, callId: head.callId, branch: head.branch,
      extra: [`X-Padding: ${'x'.repeat(padding)}`] });
    expect(Buffer.byteLength(largest.text)).toBe(65_507);
    expectRefusal(await udpExchange(largest), largest, [513, 400]);
    await expectUdpAlive();
  });
});

describe('over TCP, a stream that cannot be framed is closed and the next connection works', () => {
  it('garbage on the SIP port (an HTTP request) closes the connection without an answer', async () => {
    const conn = await TcpPeer.open();
    conn.write('GET / HTTP/1.1\r\nHost: switch\r\n\r\n');
    expect(await conn.closedWithin(ANSWER_MS)).toBe(true);
    expect(conn.text).toBe('');
    await expectTcpAlive();
  });

  it('70 kB of random binary closes the connection', async () => {
    const conn = await TcpPeer.open();
    conn.write(randomBytes(70 * 1024));
    expect(await conn.closedWithin(ANSWER_MS)).toBe(true);
    expect(conn.text).not.toMatch(/SIP\/2\.0/);
    await expectTcpAlive();
  });

  it('an INVITE without Content-Length gets 400, then the connection is closed', async () => {
    const conn = await TcpPeer.open();
    const sent = request({ transport: 'TCP', localPort: conn.port, contentLength: null });
    conn.write(sent.text);
    expectRefusal(await conn.answerTo(sent.callId), sent);
    expect(await conn.closedWithin(ANSWER_MS)).toBe(true);
    await expectTcpAlive();
  });

  it('requests framed before a broken one in the same write are still answered', async () => {
    const conn = await TcpPeer.open();
    const first = request({ method: 'OPTIONS', uri: 'sip:127.0.0.1', transport: 'TCP', localPort: conn.port });
    const broken = request({ transport: 'TCP', localPort: conn.port, contentLength: null });
    conn.write(first.text + broken.text);
    expect(await conn.answerTo(first.callId)).toMatch(/^SIP\/2\.0 200 /);
    expectRefusal(await conn.answerTo(broken.callId), broken);
    expect(await conn.closedWithin(ANSWER_MS)).toBe(true);
  });

  it('a 70 kB message closes the connection', async () => {
    const conn = await TcpPeer.open();
    const body = 'x'.repeat(70 * 1024);
    conn.write(request({ transport: 'TCP', localPort: conn.port, body, extra: ['Content-Type: text/plain'] }).text);
    expect(await conn.closedWithin(ANSWER_MS)).toBe(true);
    await expectTcpAlive();
  });
});

describe('over TCP, a broken request that can be framed is answered and the connection stays usable', () => {
  it('a bad CSeq gets 400 on the same connection, which then still gets 200 for OPTIONS', async () => {
    const conn = await TcpPeer.open();
    try {
      const sent = request({ transport: 'TCP', localPort: conn.port, cseq: '1 BYE' });
      conn.write(sent.text);
      expectRefusal(await conn.answerTo(sent.callId), sent);
      await expectTcpAlive(conn);
      expect(conn.wasClosed).toBe(false);
    } finally {
      conn.destroy();
    }
  });

  it('a 10 kB header line gets 513 (or 400) on the same connection', async () => {
    const conn = await TcpPeer.open();
    try {
      const sent = request({ transport: 'TCP', localPort: conn.port, extra: [`X-Padding: ${'x'.repeat(10 * 1024)}`] });
      conn.write(sent.text);
      expectRefusal(await conn.answerTo(sent.callId), sent, [513, 400]);
      await expectTcpAlive(conn);
    } finally {
      conn.destroy();
    }
  });

  it('an INVITE without Via gets nothing back, and the connection still works', async () => {
    const conn = await TcpPeer.open();
    try {
      conn.write(request({ transport: 'TCP', localPort: conn.port, omit: ['Via'] }).text);
      // The next request's answer comes on the same connection, after any answer to the first.
      await expectTcpAlive(conn);
      expect(conn.text.match(/^SIP\/2\.0 \d{3} /gm), conn.text).toHaveLength(1);
    } finally {
      conn.destroy();
    }
  });
});

describe('a flood of bad datagrams', () => {
  it('1,000 bad datagrams as fast as they can be sent are answered or dropped, and nothing is left behind', async () => {
    const before = sipdStats();
    const flood = await UdpPeer.open(product.sipPort);
    try {
      const answerable = new Set<string>();
      const sends: Array<Promise<void>> = [];
      for (let i = 0; i < 1000; i++) {
        let data: string | Buffer;
        if (i % 3 === 0) {
          const sent = request({ transport: 'UDP', localPort: flood.port, cseq: `${i} BYE` });
          answerable.add(sent.callId);
          data = sent.text;
        } else if (i % 3 === 1) {
          data = randomBytes(200 + (i % 700));
        } else {
          data = request({ transport: 'UDP', localPort: flood.port, omit: ['Via'] }).text;
        }
        sends.push(flood.send(data));
      }
      await Promise.all(sends);
      // The switch reads datagrams in order: once it has answered an OPTIONS sent after the flood (again
      // if the flood filled its socket), every answer to the flood has come.
      const options = request({ method: 'OPTIONS', uri: 'sip:127.0.0.1', transport: 'UDP', localPort: flood.port });
      let optionsAnswer: string | undefined;
      for (let tries = 0; optionsAnswer === undefined; tries++) {
        await flood.send(options.text);
        optionsAnswer = await flood.answerTo(options.callId, { timeoutMs: 500 }).catch((err: unknown) => {
          if (tries >= 20) throw err;
          return undefined;
        });
      }
      const answers = flood.received.filter((m) => header(m, 'Call-ID') !== options.callId);
      // UDP may lose some under a flood; whatever comes back must be a 400 for one of the answerable ones.
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.length).toBeLessThanOrEqual(answerable.size);
      for (const answer of answers) {
        expect(answer).toMatch(/^SIP\/2\.0 400 /);
        expect(answerable.has(header(answer, 'Call-ID') ?? '')).toBe(true);
      }
      expectNoNewState(before, 1);
    } finally {
      flood.close();
    }
    await expectUdpAlive();
    await expectTcpAlive();
  });
});

describe('after all of it, the switch still does its job', () => {
  it('no error escaped the SIP server while it read all that', () => {
    expect(escaped.map(String)).toEqual([]);
  });

  it('a normal call from the operator network reaches an agent and ends cleanly', async () => {
    const phone = await startRegisteredSippPhone(product.sipPort, '1002');
    phones.push(phone);
    const call = await runSipp({
      scenario: 'uac-basic.xml',
      remote: product.sipPort,
      service: '+46313900601',
      keys: { caller: '+46701740650' },
      durationMs: 200,
      extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    assertSippOk(call, 1);
    const callee = await phone.exited;
    assertSippOk(callee, 1);
    expect(callee.messages).toMatch(/^INVITE sip:/m);
    // Both legs were hung up: the server keeps no dialog.
    await waitFor(() => sipdStats().dialogs === 0, { what: 'no dialog left in the server' });
  });

  it('OPTIONS still gets 200', async () => {
    assertSippOk(await runSipp({ scenario: 'uac-options.xml', remote: product.sipPort }), 1);
  });
});
