/**
 * SIP over secure WebSocket (RFC 7118) in the embedded engine, on real
 * sockets on loopback, with a self-signed certificate made for the test:
 *
 * - with TLS_CERT / TLS_KEY the WebSocket port speaks WSS: a sip.js
 *   softphone registers over wss:// (Via SIP/2.0/WSS, bound to its wss flow)
 *   and takes a call from the operator network (SIPp) on that same
 *   connection, answers, and the caller hangs up;
 * - the same port refuses a plain ws:// client;
 * - the limits per source address hold for WSS: a connection over the limit
 *   is closed before its handshake, a handshake that never starts and a
 *   connection that never speaks SIP are closed after firstMessageSeconds,
 *   and a registered softphone's connection outlives idleSeconds and still
 *   takes a call;
 * - without a certificate, plain ws:// listens on loopback only, unless
 *   sip.allowPlainWebSocket, and works there as before.
 *
 * Media is the softphone helper's stand-in (plain RTP SDP, no RTP).
 */
import net from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceLimitsConfig } from '../../config/schema.js';
import type { Config } from '../../server/config/load.js';
import { ringExtensionsDirectly, startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { assertSippOk, killAllSipp, runSipp } from '../support/sipp.js';
import { SessionState, startSoftphone, stopAllSoftphones, type Softphone } from '../support/softphone.js';
import { selfSignedCertificate } from '../support/tls.js';
import { waitFor } from '../support/wait.js';

const STRANGER = '127.0.0.4';
const OTHER = '127.0.0.5';
const certificate = selfSignedCertificate();

let product: RunningProduct | undefined;
const softphones: Softphone[] = [];
const sockets: net.Socket[] = [];

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') for (const p of softphones) console.log(p.describe());
  softphones.length = 0;
  for (const s of sockets.splice(0)) s.destroy();
  await stopAllSoftphones();
  killAllSipp();
  const running = product;
  product = undefined;
  await running?.stop();
}, 20_000);

async function start(tweak: (c: Config) => void = () => {}): Promise<RunningProduct> {
  product = await startProduct({ tweak: (c) => { ringExtensionsDirectly(c); tweak(c); } });
  return product;
}

function withCertificate(c: Config): void {
  c.tls = { cert: certificate.cert, key: certificate.key };
}

function withLimits(limits: Partial<SourceLimitsConfig>): (c: Config) => void {
  return (c) => {
    withCertificate(c);
    Object.assign(c.sip.sourceLimits, limits);
  };
}

const received = (p: Softphone, re: RegExp) => p.trace.filter((e) => e.direction === 'received' && re.test(e.text));
const sent = (p: Softphone, re: RegExp) => p.trace.filter((e) => e.direction === 'sent' && re.test(e.text));

/** A connection from one loopback address, noting whether its TLS handshake finished and when it was closed. */
class Peer {
  secured = false;
  closedAt?: number;
  readonly openedAt = Date.now();

  constructor(readonly socket: net.Socket) {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('close', () => { this.closedAt = Date.now(); });
  }

  /** A TLS client trusting the test certificate; it never sends a byte after its handshake. */
  static tls(port: number, localAddress: string): Peer {
    const peer = new Peer(tls.connect({ socket: net.connect({ host: '127.0.0.1', port, localAddress }), ca: certificate.ca }));
    peer.socket.once('secureConnect', () => { peer.secured = true; });
    return peer;
  }

  /** A TCP connection that never starts a TLS handshake. */
  static tcp(port: number, localAddress: string): Peer {
    return new Peer(net.connect({ host: '127.0.0.1', port, localAddress }));
  }

  get closed(): boolean {
    return this.closedAt !== undefined;
  }
}

describe('with a certificate, the WebSocket port serves WSS', () => {
  it('a softphone registers over wss:// and takes a call from the operator network on that connection', async () => {
    const product = await start(withCertificate);
    expect(product.app.sipd!.transport.webSocket).toMatchObject({ protocol: 'wss', address: '127.0.0.1', port: product.wsPort });
    const phone = await startSoftphone({ extension: '1003', wsPort: product.wsPort, secure: { ca: certificate.ca } });
    softphones.push(phone);
    expect((await phone.register()).ok, phone.describe()).toBe(true);
    expect(sent(phone, /^REGISTER [^]*\r\nVia: SIP\/2\.0\/WSS /), phone.describe()).not.toHaveLength(0);
    const localPort = phone.connection()?.localPort;
    const binding = product.app.switch.registrar.contactsOf('1003').find((b) => b.uri === phone.contact);
    expect(binding?.flow, phone.describe()).toEqual({ protocol: 'wss', address: '127.0.0.1', port: localPort });

    // +46313900602 (Företag) rings extension 1003.
    const caller = runSipp({
      scenario: 'uac-basic.xml', remote: product.sipPort, service: '+46313900602', keys: { caller: '+46701740650' },
      durationMs: 500, timeoutMs: 20_000, extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    try {
      const invitation = await phone.nextInvitation(10_000);
      const invite = received(phone, /^INVITE /)[0]?.text ?? '';
      expect(invite, phone.describe()).toMatch(/^Via: SIP\/2\.0\/WSS /im);
      // RFC 7118 section 5.2: a URI says transport=ws over WSS too.
      expect(invite).toMatch(/^Contact: <sip:[^>]*;transport=ws>/im);
      expect(invite.startsWith(`INVITE ${phone.contact}`), phone.describe()).toBe(true);
      expect(invitation.remoteIdentity.uri.user).toBe('+46701740650');
      // The one connection the phone registered on.
      expect(phone.connection()?.localPort).toBe(localPort);
      await phone.answer(invitation);
      await phone.waitForState(invitation, SessionState.Terminated, 10_000);
      expect(received(phone, /^BYE /), phone.describe()).toHaveLength(1);
    } finally {
      assertSippOk(await caller, 1);
    }
  }, 45_000);

  it('a plain ws:// client is refused on the WSS port', async () => {
    const product = await start(withCertificate);
    const plain = new WebSocket(`ws://127.0.0.1:${product.wsPort}`, 'sip');
    const outcome = await new Promise<string>((resolve) => {
      plain.once('open', () => resolve('open'));
      plain.once('error', (err) => resolve(`refused: ${err.message}`));
    });
    expect(outcome).toMatch(/^refused: /);
    await waitFor(() => product.app.sipd!.transport.openFrom('127.0.0.1') === 0, { what: 'the plain connection closed' });
    // A secure client on the same port is served.
    const secure = new WebSocket(`wss://127.0.0.1:${product.wsPort}`, 'sip', { ca: certificate.ca });
    await new Promise<void>((resolve, reject) => { secure.once('open', () => resolve()); secure.once('error', reject); });
    expect(secure.protocol).toBe('sip');
    secure.terminate();
  });
});

describe('the limits per source address hold for WSS', () => {
  it('one connection more than an address may hold is closed before its handshake; another address still connects', async () => {
    const product = await start(withLimits({ connections: 2, registeredConnections: 2, firstMessageSeconds: 60 }));
    const held = [Peer.tls(product.wsPort, STRANGER), Peer.tls(product.wsPort, STRANGER)];
    await waitFor(() => held.every((p) => p.secured), { what: 'two TLS handshakes' });
    const extra = Peer.tls(product.wsPort, STRANGER);
    await waitFor(() => extra.closed, { what: 'the connection beyond the limit closed' });
    expect(extra.secured).toBe(false);
    expect(held.some((p) => p.closed)).toBe(false);
    const other = Peer.tls(product.wsPort, OTHER);
    await waitFor(() => other.secured, { what: 'a TLS handshake from another address' });
  });

  it('a handshake that never starts and a connection that never speaks SIP are closed after firstMessageSeconds', async () => {
    const product = await start(withLimits({ firstMessageSeconds: 1, idleSeconds: 60 }));
    const noHandshake = Peer.tcp(product.wsPort, STRANGER);
    const silent = Peer.tls(product.wsPort, OTHER);
    await waitFor(() => silent.secured, { what: 'the TLS handshake' });
    await waitFor(() => noHandshake.closed && silent.closed, { what: 'both connections closed', timeoutMs: 8_000 });
    expect(noHandshake.closedAt! - noHandshake.openedAt).toBeGreaterThanOrEqual(900);
    expect(silent.closedAt! - silent.openedAt).toBeGreaterThanOrEqual(900);
  });

  it('a softphone registered over WSS keeps its connection past idleSeconds and is still called on it', async () => {
    const product = await start(withLimits({ firstMessageSeconds: 1, idleSeconds: 1 }));
    const phone = await startSoftphone({ extension: '1003', wsPort: product.wsPort, secure: { ca: certificate.ca } });
    softphones.push(phone);
    expect((await phone.register()).ok, phone.describe()).toBe(true);
    const localPort = phone.connection()?.localPort;
    // A WSS connection that spoke once, opened after the phone registered: once it is closed for idling,
    // the phone's connection has been idle at least as long.
    const bystander = new WebSocket(`wss://127.0.0.1:${product.wsPort}`, 'sip', { ca: certificate.ca, localAddress: OTHER });
    let bystanderClosedAt: number | undefined;
    bystander.on('close', () => { bystanderClosedAt = Date.now(); });
    let answered = '';
    bystander.on('message', (data) => { answered += String(data); });
    await new Promise<void>((resolve, reject) => { bystander.once('open', () => resolve()); bystander.once('error', reject); });
    const openedAt = Date.now();
    bystander.send(['OPTIONS sip:127.0.0.1 SIP/2.0', 'Via: SIP/2.0/WSS bystander.invalid;branch=z9hG4bK-idle-bystander',
      'Max-Forwards: 70', 'From: <sip:probe@bystander.invalid>;tag=1', 'To: <sip:127.0.0.1>', 'Call-ID: idle-bystander',
      'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'));
    await waitFor(() => /^SIP\/2\.0 200 /.test(answered), { what: 'an answer to the bystander\'s OPTIONS' });
    await waitFor(() => bystanderClosedAt !== undefined, { what: 'the idle bystander closed', timeoutMs: 5_000 });
    expect(bystanderClosedAt! - openedAt).toBeGreaterThanOrEqual(900);
    expect(phone.connection()?.localPort).toBe(localPort);

    const caller = runSipp({
      scenario: 'uac-basic.xml', remote: product.sipPort, service: '+46313900602', durationMs: 300, timeoutMs: 20_000,
      extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    try {
      const invitation = await phone.nextInvitation(10_000);
      await phone.answer(invitation);
      await phone.waitForState(invitation, SessionState.Terminated, 10_000);
      expect(phone.connection()?.localPort).toBe(localPort);
    } finally {
      assertSippOk(await caller, 1);
    }
  }, 45_000);
});

describe('without a certificate, plain WebSocket', () => {
  it('on a public SIP address listens on loopback only, and a softphone registers there as before', async () => {
    const product = await start((c) => { c.sip.host = '0.0.0.0'; });
    expect(product.app.sipd!.transport.webSocket).toMatchObject({ protocol: 'ws', address: '127.0.0.1', port: product.wsPort });
    const phone = await startSoftphone({ extension: '1003', wsPort: product.wsPort });
    softphones.push(phone);
    expect((await phone.register()).ok, phone.describe()).toBe(true);
    expect(product.app.switch.registrar.contactsOf('1003').find((b) => b.uri === phone.contact)?.flow.protocol).toBe('ws');
  });

  it('listens on the SIP address when sip.allowPlainWebSocket says so', async () => {
    const product = await start((c) => { c.sip.host = '0.0.0.0'; c.sip.allowPlainWebSocket = true; });
    expect(product.app.sipd!.transport.webSocket).toMatchObject({ protocol: 'ws', address: '0.0.0.0', port: product.wsPort });
  });
});
