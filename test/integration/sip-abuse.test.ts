/**
 * The switch tried as an attacker would, with SIP written by hand on
 * loopback (each 127.0.0.x address a different machine):
 *
 * - a Proxy-Authorization captured from an extension's call to a colleague,
 *   replayed with a new Call-ID to a foreign number, is refused and nothing
 *   reaches the trunk; replayed to the colleague again, it is challenged;
 * - 50 wrong passwords from one address block that address (its requests
 *   go unanswered) while the right password from another address still
 *   registers; an extension that does not exist gets the same answers as
 *   one that does;
 * - a scanner's OPTIONS is dropped before the SIP server keeps any state,
 *   while a phone's OPTIONS is answered;
 * - a second local application offering drachtio's demo secret cannot
 *   connect to the embedded engine's control port, and gets no REGISTER.
 */
import { createHash, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import Srf from 'drachtio-srf';
import { afterEach, describe, expect, it } from 'vitest';
import type { Block } from '../../server/sip/throttle.js';
import { freePort } from '../support/ports.js';
import { startProduct, TRUNK_HOST_IP, type RunningProduct } from '../support/product.js';
import { header, UdpPeer } from '../support/raw-sip.js';

const ATTACKER = '127.0.0.1';
const PHONE = '127.0.0.2';
const REALM = 'kustbanken.local';
const FOREIGN_NUMBER = '00882123456789';
const NATIONAL_NUMBER = '0313900699';

let product: RunningProduct | undefined;
const closers: Array<() => void> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  const running = product;
  product = undefined;
  await running?.stop();
});

/** The operator's side of the trunk: keeps what reaches it and turns every INVITE down with 486. */
async function fakeTrunk(): Promise<{ port: number; received: string[] }> {
  const socket = dgram.createSocket('udp4');
  const port = await freePort('udp');
  await new Promise<void>((resolve) => socket.bind(port, TRUNK_HOST_IP, () => resolve()));
  const received: string[] = [];
  socket.on('message', (buf, from) => {
    const text = buf.toString('utf8');
    received.push(text);
    if (text.startsWith('INVITE ')) socket.send(responseTo(text, 486, 'Busy Here'), from.port, from.address);
  });
  closers.push(() => socket.close());
  return { port, received };
}

async function start(opts: { trunkPort?: number } = {}): Promise<RunningProduct> {
  // The trunk trusts an address no test sends from: every sender here is a phone or an attacker.
  product = await startProduct({ ...opts, tweak: (c) => { c.trunks[0]!.trustedSources = ['127.0.0.9']; } });
  return product;
}

async function peer(address: string): Promise<UdpPeer> {
  const p = await UdpPeer.open(product!.sipPort, address);
  closers.push(() => p.close());
  return p;
}

/** Every value of a header (names compared without case). */
function headers(message: string, name: string): string[] {
  const head = message.slice(0, message.indexOf('\r\n\r\n'));
  return head.split('\r\n').slice(1)
    .filter((line) => line.slice(0, line.indexOf(':')).trim().toLowerCase() === name.toLowerCase())
    .map((line) => line.slice(line.indexOf(':') + 1).trim());
}

function statusOf(response: string): number {
  return Number(/^SIP\/2\.0 (\d{3}) /.exec(response)?.[1]);
}

function responseTo(request: string, status: number, reason: string): string {
  const copy = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].flatMap((n) => headers(request, n).map((v) => `${n}: ${v}`));
  return `SIP/2.0 ${status} ${reason}\r\n${copy.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`;
}

interface Dialled {
  callId: string;
  /** Sends the request (again, with a new branch and CSeq) with these extra header lines; resolves with the final response. */
  send(extra?: string[]): Promise<string>;
  /** The message last sent. */
  last: string;
}

/** A request from `from` (a UdpPeer) as extension `user`, to `uri`; INVITE carries a little SDP. */
function request(from: UdpPeer, address: string, method: 'INVITE' | 'REGISTER' | 'OPTIONS', uri: string, user: string, userAgent = 'Yealink SIP-T46U 108.86.0.20'): Dialled {
  const callId = `${randomUUID()}@sip-abuse.test`;
  const tag = randomUUID().slice(0, 8);
  const contact = `${address}:${from.port}`;
  let cseq = 0;
  const sdp = method === 'INVITE'
    ? `v=0\r\no=- 1 1 IN IP4 ${address}\r\ns=-\r\nc=IN IP4 ${address}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`
    : '';
  const dialled: Dialled = {
    callId,
    last: '',
    async send(extra = []) {
      cseq++;
      const lines = [
        `${method} ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP ${contact};branch=z9hG4bK-${randomUUID()};rport`,
        'Max-Forwards: 70',
        `From: <sip:${user}@${REALM}>;tag=${tag}`,
        method === 'REGISTER' ? `To: <sip:${user}@${REALM}>` : `To: <${uri}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} ${method}`,
        `Contact: <sip:${user}@${contact}>`,
        `User-Agent: ${userAgent}`,
        ...(method === 'REGISTER' ? ['Expires: 600'] : []),
        ...extra,
        ...(sdp ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(sdp)}`,
      ];
      const text = `${lines.join('\r\n')}\r\n\r\n${sdp}`;
      dialled.last = text;
      const before = from.received.length;
      await from.send(text);
      const response = await finalAfter(from, callId, cseq, before);
      if (method === 'INVITE') await from.send(ackFor(text, response));
      return response;
    },
  };
  return dialled;
}

/** The first final response to CSeq `cseq` of this call that arrived after `before` messages. */
function finalAfter(from: UdpPeer, callId: string, cseq: number, before: number): Promise<string> {
  return from.waitFor(
    (m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && header(m, 'Call-ID') === callId && header(m, 'CSeq')?.startsWith(`${cseq} `) === true,
    { timeoutMs: 5_000, after: before },
  );
}

/** The ACK for a final response to an INVITE (RFC 3261 section 17.1.1.3 for a non-2xx: the INVITE's branch). */
function ackFor(invite: string, response: string): string {
  const uri = invite.slice(7, invite.indexOf(' SIP/2.0'));
  const cseq = header(invite, 'CSeq')!.split(' ')[0];
  return [
    `ACK ${uri} SIP/2.0`, `Via: ${header(invite, 'Via')}`, 'Max-Forwards: 70', `From: ${header(invite, 'From')}`,
    `To: ${header(response, 'To')}`, `Call-ID: ${header(invite, 'Call-ID')}`, `CSeq: ${cseq} ACK`, 'Content-Length: 0', '', '',
  ].join('\r\n');
}

/** The credentials a phone computes for the first challenge of `response` (RFC 7616 section 3.4.1). */
function credentialsFor(response: string, o: { method: string; uri: string; user: string; password: string }): string {
  const isProxy = statusOf(response) === 407;
  const challenge = headers(response, isProxy ? 'Proxy-Authenticate' : 'WWW-Authenticate')[0]!;
  const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
  const algorithm = /algorithm=([\w-]+)/.exec(challenge)![1]!;
  const h = (s: string): string => createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const ha1 = h(`${o.user}:${REALM}:${o.password}`);
  const digest = h(`${ha1}:${nonce}:00000001:7f3a9c:auth:${h(`${o.method}:${o.uri}`)}`);
  const value = `Digest username="${o.user}", realm="${REALM}", nonce="${nonce}", uri="${o.uri}", response="${digest}", `
    + `algorithm=${algorithm}, qop=auth, nc=00000001, cnonce="7f3a9c"`;
  return `${isProxy ? 'Proxy-Authorization' : 'Authorization'}: ${value}`;
}

/** A REGISTER answered: challenge, then credentials with `password`; the statuses seen, or 'dropped' when no answer came. */
async function register(from: UdpPeer, address: string, user: string, password: string, timeoutMs = 5_000): Promise<number[] | 'dropped'> {
  const reg = request(from, address, 'REGISTER', `sip:${REALM}`, user);
  let challenge: string;
  try {
    challenge = await withTimeout(reg.send(), timeoutMs);
  } catch {
    return 'dropped';
  }
  if (statusOf(challenge) !== 401) return [statusOf(challenge)];
  const final = await reg.send([credentialsFor(challenge, { method: 'REGISTER', uri: `sip:${REALM}`, user, password })]);
  return [401, statusOf(final)];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_r, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}

describe('a captured Proxy-Authorization', () => {
  it('replayed with a new Call-ID to a foreign number is refused and nothing reaches the trunk; replayed to the colleague, it is challenged', async () => {
    const trunk = await fakeTrunk();
    await start({ trunkPort: trunk.port });
    const anna = await peer(PHONE);
    const colleague = `sip:1002@${REALM}`;

    // Anna's real call to a colleague: challenged (SHA-256 first), then made with her credentials.
    const call = request(anna, PHONE, 'INVITE', colleague, '1001');
    const challenged = await call.send();
    expect(statusOf(challenged)).toBe(407);
    expect(headers(challenged, 'Proxy-Authenticate').map((c) => /algorithm=([\w-]+)/.exec(c)?.[1])).toEqual(['SHA-256', 'MD5']);
    const captured = credentialsFor(challenged, { method: 'INVITE', uri: colleague, user: '1001', password: 'demo-1001' });
    const made = await call.send([captured]);
    expect([407, 403]).not.toContain(statusOf(made)); // through authentication: 1002 has no phone registered

    const attacker = await peer(ATTACKER);
    const toForeign = request(attacker, ATTACKER, 'INVITE', `sip:${FOREIGN_NUMBER}@${REALM}`, '1001');
    expect(statusOf(await toForeign.send([captured]))).toBe(403);
    const toColleague = request(attacker, ATTACKER, 'INVITE', colleague, '1001');
    const again = await toColleague.send([captured]);
    expect(statusOf(again)).toBe(407);
    expect(header(again, 'Proxy-Authenticate')).toMatch(/stale=true/);
    expect(trunk.received).toEqual([]);

    // The trunk does hear an extension's own call out, so the silence above means something.
    const out = request(anna, PHONE, 'INVITE', `sip:${NATIONAL_NUMBER}@${REALM}`, '1001');
    const outChallenge = await out.send();
    expect(statusOf(await out.send([credentialsFor(outChallenge, { method: 'INVITE', uri: `sip:${NATIONAL_NUMBER}@${REALM}`, user: '1001', password: 'demo-1001' })])))
      .toBe(486);
    expect(trunk.received.filter((m) => m.startsWith('INVITE '))).toHaveLength(1);
  }, 30_000);
});

describe('password guessing', () => {
  it('50 wrong passwords from one address block it, while the right password from another address still registers', async () => {
    await start();
    const blocks: Block[] = [];
    product!.app.switch.throttle.on('block', (b) => blocks.push(b));
    const attacker = await peer(ATTACKER);
    const phone = await peer(PHONE);
    const threshold = product!.config.sip.throttle.sourceFailures;

    const outcomes: Array<number[] | 'dropped'> = [];
    for (let i = 0; i < 50; i++) {
      // Once the address is blocked nothing answers: wait briefly, the phone's answer below proves the switch is alive.
      const blocked = outcomes.at(-1) === 'dropped';
      outcomes.push(await register(attacker, ATTACKER, '1001', `guess-${i}`, blocked ? 20 : 2_000));
    }
    expect(outcomes.slice(0, threshold)).toEqual(Array(threshold).fill([401, 403]));
    expect(outcomes.slice(threshold)).toEqual(Array(50 - threshold).fill('dropped'));

    expect(await register(phone, PHONE, '1001', 'demo-1001')).toEqual([401, 200]);
    expect(product!.app.switch.registrar.contactsOf('1001').map((b) => b.flow.address)).toEqual([PHONE]);

    // Still blocked: an OPTIONS sent before the phone's goes unanswered, the phone's is answered.
    const probe = request(attacker, ATTACKER, 'OPTIONS', `sip:${REALM}`, '1001');
    const probed = probe.send();
    expect(statusOf(await request(phone, PHONE, 'OPTIONS', `sip:${REALM}`, '1001').send())).toBe(200);
    await expect(withTimeout(probed, 50)).rejects.toThrow('timeout');
    expect(blocks).toEqual([expect.objectContaining({ kind: 'source', key: ATTACKER, reason: 'failures', failures: threshold })]);
  }, 60_000);

  it('REGISTER answers an extension that does not exist exactly like one that does: a challenge, then 403', async () => {
    await start();
    const someone = await peer('127.0.0.5');
    const unknown = await register(someone, '127.0.0.5', '4711', 'guess');
    const known = await register(someone, '127.0.0.5', '1003', 'guess');
    expect(unknown).toEqual([401, 403]);
    expect(known).toEqual(unknown);
  }, 30_000);
});

describe('scanners', () => {
  it('a scanner\'s OPTIONS is dropped before the SIP server keeps anything, a phone\'s is answered', async () => {
    await start();
    const scanner = await peer('127.0.0.4');
    const phone = await peer(PHONE);
    const kept = product!.app.sipd!.stats.serverTransactions;
    const scan = request(scanner, '127.0.0.4', 'OPTIONS', `sip:100@${REALM}`, '100', 'friendly-scanner');
    const scanned = scan.send();
    expect(statusOf(await request(phone, PHONE, 'OPTIONS', `sip:${REALM}`, '1001').send())).toBe(200);
    // The same scanner dressed as a phone is still dropped: its address is blocked.
    const disguised = request(scanner, '127.0.0.4', 'OPTIONS', `sip:${REALM}`, '100').send();
    expect(statusOf(await request(phone, PHONE, 'OPTIONS', `sip:${REALM}`, '1001').send())).toBe(200);
    await expect(withTimeout(Promise.any([scanned, disguised]), 50)).rejects.toThrow();
    // The phone's two OPTIONS transactions, none for the scanner's.
    expect(product!.app.sipd!.stats.serverTransactions).toBe(kept + 2);
  }, 30_000);
});

describe('the embedded engine\'s control port', () => {
  it('refuses a second local application offering the demo secret, which gets no REGISTER', async () => {
    await start();
    const intruder = new Srf();
    const registers: unknown[] = [];
    intruder.use('register', (req) => registers.push(req));
    const refusal = new Promise<Error | undefined>((resolve) => intruder.on('connect', (err) => resolve(err ?? undefined)));
    intruder.on('error', () => {});
    void intruder.connect({ host: '127.0.0.1', port: product!.app.sipd!.control.port, secret: 'cymru' });
    const refused = await refusal;
    intruder.disconnect();
    expect(refused?.message).toMatch(/authenticate/);

    const phone = await peer(PHONE);
    expect(await register(phone, PHONE, '1002', 'demo-1002')).toEqual([401, 200]);
    expect(registers).toEqual([]);
    expect(product!.app.sipd!.control.routesFor('REGISTER')).toHaveLength(1);
  }, 30_000);
});
