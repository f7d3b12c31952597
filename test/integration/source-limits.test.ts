/**
 * Limits per source address in the embedded SIP engine, on real sockets on
 * loopback (each 127.0.0.x address a different machine), with the product
 * started on short limits:
 *
 * - one connection more than an address may hold (TCP or WebSocket) is
 *   closed at once, logged once, while another address still connects and is
 *   answered;
 * - a connection that never speaks SIP is closed after firstMessageSeconds,
 *   one that spoke and went silent after idleSeconds;
 * - a desk phone registered over TCP keeps its connection past the idle
 *   time and still receives a call on it;
 * - a flood of OPTIONS from one address beyond its rate is dropped (UDP) or
 *   answered 503 with Retry-After (TCP), with one event, while a call from
 *   the trunk goes through and another address is still answered;
 * - an address where an extension is registered has the higher rate.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceLimitsConfig } from '../../config/schema.js';
import type { RateLimited } from '../../server/sipd/rate-limit.js';
import { createLogger } from '../../server/log.js';
import { startBaresip, stopAllBaresip } from '../support/baresip.js';
import { ringExtensionsDirectly, startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { expectCallReaches1004 } from '../support/operator-network.js';
import { header, UdpPeer } from '../support/raw-sip.js';
import { assertSippOk, runSipp, startRegisteredSippPhone } from '../support/sipp.js';
import { waitFor } from '../support/wait.js';

const STRANGER = '127.0.0.4';
const OTHER = '127.0.0.5';

let product: RunningProduct | undefined;
const peers: Array<{ close(): void }> = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await stopAllBaresip();
  const running = product;
  product = undefined;
  await running?.stop();
});

/** The product with these source limits (the rest as configured by default); its warnings kept in `warnings`. */
async function start(limits: Partial<SourceLimitsConfig>): Promise<{ product: RunningProduct; warnings: string[] }> {
  const warnings: string[] = [];
  product = await startProduct({
    logger: createLogger('warn', { write: (line: string) => void warnings.push(line) }),
    tweak: (c) => {
      ringExtensionsDirectly(c);
      Object.assign(c.sip.sourceLimits, limits);
    },
  });
  return { product, warnings };
}

function options(protocol: 'UDP' | 'TCP', from: { address: string; port: number }): { text: string; callId: string } {
  const callId = `${randomUUID()}@limits`;
  const text = [
    'OPTIONS sip:127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/${protocol} ${from.address}:${from.port};branch=z9hG4bK-${randomUUID()};rport`,
    'Max-Forwards: 70', `From: <sip:probe@${from.address}>;tag=${randomUUID().slice(0, 8)}`, 'To: <sip:127.0.0.1>',
    `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS', 'User-Agent: limits-test', 'Content-Length: 0', '', '',
  ].join('\r\n');
  return { text, callId };
}

/** A TCP connection from one loopback address, keeping what it receives and when it was closed. */
class TcpPeer {
  received = '';
  closedAt?: number;
  readonly openedAt = Date.now();

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => { this.received += chunk.toString('utf8'); });
    socket.on('error', () => {});
    socket.on('close', () => { this.closedAt = Date.now(); });
  }

  static async open(port: number, localAddress: string): Promise<TcpPeer> {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    const peer = new TcpPeer(socket);
    peers.push(peer);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return peer;
  }

  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  get from(): { address: string; port: number } {
    return { address: this.socket.localAddress!, port: this.socket.localPort! };
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Sends an OPTIONS and waits for its final response. */
  async ping(): Promise<string> {
    const { text, callId } = options('TCP', this.from);
    this.send(text);
    await waitFor(() => this.received.includes(callId), { what: `an answer to OPTIONS ${callId}` });
    return this.received;
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('connections per source address', () => {
  it('one more than an address may hold is closed at once and logged once; another address still connects', async () => {
    const { product, warnings } = await start({ connections: 3, registeredConnections: 3, firstMessageSeconds: 60 });
    const held = await Promise.all([1, 2, 3].map(() => TcpPeer.open(product.sipPort, STRANGER)));
    await waitFor(() => product.app.sipd!.transport.openFrom(STRANGER) === 3, { what: 'three connections accepted' });
    // WebSocket connections count against the same limit, and are closed before any HTTP is read.
    const extra = await Promise.all([product.sipPort, product.sipPort, product.wsPort].map((port) => TcpPeer.open(port, STRANGER)));
    await waitFor(() => extra.every((p) => p.closed), { what: 'the connections beyond the limit closed' });
    expect(held.some((p) => p.closed)).toBe(false);
    expect(warnings.filter((l) => l.includes('SIP connections'))).toHaveLength(1);
    expect(JSON.parse(warnings.find((l) => l.includes('SIP connections'))!)).toMatchObject({ source: STRANGER, limit: 3 });

    const other = await TcpPeer.open(product.sipPort, OTHER);
    expect(await other.ping()).toMatch(/^SIP\/2\.0 200 /);
    // A connection closed makes room for another.
    held[0]!.close();
    await waitFor(() => product.app.sipd!.transport.openFrom(STRANGER) === 2, { what: 'the closed connection counted out' });
    expect(await (await TcpPeer.open(product.sipPort, STRANGER)).ping()).toMatch(/^SIP\/2\.0 200 /);
  });

  it('one that never speaks SIP is closed after firstMessageSeconds; one that spoke lives on', async () => {
    const { product } = await start({ firstMessageSeconds: 1, idleSeconds: 60 });
    const silent = await TcpPeer.open(product.sipPort, STRANGER);
    const silentWs = await TcpPeer.open(product.wsPort, STRANGER);
    const speaking = await TcpPeer.open(product.sipPort, OTHER);
    await speaking.ping();
    await waitFor(() => silent.closed && silentWs.closed, { what: 'the silent connections closed', timeoutMs: 5_000 });
    expect(silent.closedAt! - silent.openedAt).toBeGreaterThanOrEqual(900);
    expect(speaking.closed).toBe(false);
    expect(await speaking.ping()).toMatch(/^SIP\/2\.0 200 /);
  });

  it('a desk phone registered over TCP keeps its connection past idleSeconds and is still called on it', async () => {
    const { product } = await start({ firstMessageSeconds: 1, idleSeconds: 1 });
    const phone = await startBaresip({
      user: '1004', password: 'demo-1004', autoAnswer: true,
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'tcp' },
    });
    const [binding] = product.app.switch.registrar.contactsOf('1004');
    expect(binding?.flow.protocol).toBe('tcp');
    // A connection that spoke once, opened after the phone registered: once it is closed for idling,
    // the phone's connection has been idle at least as long.
    const bystander = await TcpPeer.open(product.sipPort, OTHER);
    await bystander.ping();
    await waitFor(() => bystander.closed, { what: 'the idle bystander closed', timeoutMs: 5_000 });
    expect(bystander.closedAt! - bystander.openedAt).toBeGreaterThanOrEqual(900);
    expect(product.app.sipd!.transport.openFrom('127.0.0.1')).toBeGreaterThanOrEqual(1);

    await expectCallReaches1004(product.sipPort, phone);
    expect(product.app.switch.registrar.contactsOf('1004')[0]?.flow).toEqual(binding!.flow);
  });
});

describe('messages per source address', () => {
  it('a flood beyond the rate is dropped on UDP, 503 on TCP, one event; the trunk\'s call and another address get through', async () => {
    const { product, warnings } = await start({ messagesPerSecond: 20, messageBurst: 40 });
    const events: RateLimited[] = [];
    product.app.sipd!.sourceRate!.on('limited', (e) => events.push(e));
    const phone = await startRegisteredSippPhone(product.sipPort, '1002');
    peers.push({ close: () => void phone.stop(500).catch(() => {}) });
    const attacker = await UdpPeer.open(product.sipPort, STRANGER);
    peers.push(attacker);

    const started = Date.now();
    const flood = (async () => {
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(Array.from({ length: 100 }, () => attacker.send(options('UDP', { address: STRANGER, port: attacker.port }).text)));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const call = runSipp({
      scenario: 'uac-basic.xml', remote: product.sipPort, service: '+46313900601', durationMs: 500,
      extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    await flood;
    const floodSeconds = (Date.now() - started) / 1000;
    assertSippOk(await call, 1);

    const bystander = await UdpPeer.open(product.sipPort, OTHER);
    peers.push(bystander);
    const probe = options('UDP', { address: OTHER, port: bystander.port });
    await bystander.send(probe.text);
    expect(await bystander.answerTo(probe.callId, { timeoutMs: 5_000, final: true })).toMatch(/^SIP\/2\.0 200 /);
    // Within the burst and the rate, with a second's slack for the answers still on their way.
    const answered = () => attacker.received.filter((m) => m.startsWith('SIP/2.0 200')).length;
    await waitFor(() => answered() >= 40, { what: 'the burst answered' });
    expect(answered()).toBeLessThanOrEqual(40 + 20 * (floodSeconds + 1));
    expect(attacker.received.some((m) => m.startsWith('SIP/2.0 503'))).toBe(false);
    expect(events).toEqual([{ address: STRANGER, standing: 'stranger', perSecond: 20 }]);
    expect(warnings.filter((l) => l.includes('over its SIP message rate'))).toHaveLength(1);

    // Over TCP the source is real and told when to come back.
    const tcp = await TcpPeer.open(product.sipPort, '127.0.0.6');
    for (let i = 0; i < 200; i++) tcp.send(options('TCP', tcp.from).text);
    await waitFor(() => /^SIP\/2\.0 503 /m.test(tcp.received), { what: 'a 503 over TCP' });
    const refusal = tcp.received.split('\r\n\r\n').find((m) => m.startsWith('SIP/2.0 503'))!;
    expect(header(`${refusal}\r\n\r\n`, 'Retry-After')).toBe('2');
    expect(events.map((e) => e.address)).toEqual([STRANGER, '127.0.0.6']);
  });

  it('an address where an extension is registered has the higher limit', async () => {
    const { product } = await start({ messagesPerSecond: 5, messageBurst: 10, registeredMessagesPerSecond: 1000, registeredMessageBurst: 1000 });
    const phone = await startRegisteredSippPhone(product.sipPort, '1002');
    peers.push({ close: () => void phone.stop(500).catch(() => {}) });
    const answered = async (address: string): Promise<number> => {
      const peer = await UdpPeer.open(product.sipPort, address);
      peers.push(peer);
      const sent = Array.from({ length: 50 }, () => options('UDP', { address, port: peer.port }));
      for (const m of sent) await peer.send(m.text);
      const last = sent[sent.length - 1]!;
      // The last one is answered only if nothing was dropped; either way the others have had their time.
      await peer.answerTo(last.callId, { timeoutMs: 2_000, final: true }).catch(() => {});
      return sent.filter((m) => peer.received.some((r) => header(r, 'Call-ID') === m.callId)).length;
    };
    expect(await answered('127.0.0.1')).toBe(50);
    expect(await answered(STRANGER)).toBeLessThanOrEqual(12);
  });
});
