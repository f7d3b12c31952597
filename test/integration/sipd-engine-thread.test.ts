/**
 * `sip.engineThread`: the embedded SIP server on a thread of its own. Real
 * SIP on loopback: a SIPp phone registers with digest auth and SIPp calls
 * from the operator trunk reach it through the B2BUA; a burst of requests
 * makes the engine's own socket queue wait, and a new INVITE is refused 503
 * with Retry-After at its door; stopping the product frees every port, so
 * the same ports start again. On its own the thread drops what the throttle
 * would: a scanner, and an address the app's throttle blocked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineThread } from '../../server/sipd/engine-thread.js';
import { createLogger } from '../../server/log.js';
import { ringExtensionsDirectly, startProduct, testConfig, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { header, rawRequest, UdpPeer } from '../support/raw-sip.js';
import { assertSippOk, portInUse, runSipp, startRegisteredSippPhone } from '../support/sipp.js';
import { waitUntil } from '../support/wait.js';

let product: RunningProduct | undefined;
let udp: UdpPeer | undefined;
let thread: EngineThread | undefined;
const peers: UdpPeer[] = [];

afterEach(async () => {
  udp?.close();
  for (const p of peers.splice(0)) p.close();
  await product?.stop();
  await thread?.stop();
  udp = undefined;
  product = undefined;
  thread = undefined;
});

/** An OPTIONS from `from` (an address of its own) and one from `control`, in that order; whether `from`'s was answered by the time `control`'s was. */
async function answeredBefore(sipPort: number, from: UdpPeer, control: UdpPeer, userAgent?: string): Promise<boolean> {
  const options = rawRequest('OPTIONS', `sip:127.0.0.1:${sipPort}`, from.port);
  const text = userAgent ? options.text.replace('\r\n\r\n', `\r\nUser-Agent: ${userAgent}\r\n\r\n`) : options.text;
  await from.send(text);
  const check = rawRequest('OPTIONS', `sip:127.0.0.1:${sipPort}`, control.port);
  await control.send(check.text);
  await control.answerTo(check.callId, { timeoutMs: 5_000, final: true });
  return from.received.some((m) => m.includes(options.callId));
}

describe('the SIP engine on its own thread', () => {
  it('registers a phone and carries calls from the trunk to it; the app holds no engine of its own', async () => {
    product = await startProduct({ tweak: (c) => { c.sip.engineThread = true; ringExtensionsDirectly(c); } });
    expect(product.app.sipd).toBeUndefined();
    const phone = await startRegisteredSippPhone(product.sipPort, '1002', { calls: 3 });
    const calls = await runSipp({
      scenario: 'uac-basic.xml', remote: product.sipPort, service: '+46313900601', calls: 3, durationMs: 200,
      extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    assertSippOk(calls, 3);
    const answered = await phone.stop(2_000);
    expect(answered.successful).toBe(3);
  });

  it('refuses a new INVITE with 503 and Retry-After while its socket queue waits longer than sip.maxQueueDelayMs', async () => {
    product = await startProduct({ tweak: (c) => { c.sip.engineThread = true; c.sip.maxQueueDelayMs = 1; } });
    // From the trunk's address: the source limits never hold it back, so every datagram of a burst waits its turn.
    udp = await UdpPeer.open(product.sipPort, TRUNK_SOURCE_IP);
    const peer = udp;
    const uri = `sip:+46313900601@127.0.0.1:${product.sipPort}`;
    const refused = await waitUntil(async () => {
      for (let i = 0; i < 2_000; i++) void peer.send(rawRequest('OPTIONS', `sip:127.0.0.1:${product!.sipPort}`, peer.port).text);
      const invite = rawRequest('INVITE', uri, peer.port);
      await peer.send(invite.text);
      return { callId: invite.callId, answer: await peer.answerTo(invite.callId, { timeoutMs: 5_000, final: true }) };
    }, ({ answer }) => answer.startsWith('SIP/2.0 503 '), { what: 'an INVITE refused 503 by the engine', timeoutMs: 30_000 });
    expect(header(refused.answer, 'Retry-After')).toBe('2');
    // Refused at the engine's door, before any state: no 100 Trying (the app's own overload guard answers after one).
    expect(peer.received.filter((m) => m.startsWith('SIP/2.0 100 ') && m.includes(refused.callId))).toEqual([]);
  });

  it('frees its SIP ports on stop: the same ports start again', async () => {
    product = await startProduct({ tweak: (c) => { c.sip.engineThread = true; } });
    const { config } = product;
    await product.stop();
    product = undefined;
    expect(portInUse(config.sip.port, 'udp')).toBe(false);
    expect(portInUse(config.sip.port, 'tcp')).toBe(false);
    expect(portInUse(config.sip.wsPort, 'tcp')).toBe(false);
    product = await startProduct({ tweak: (c) => { Object.assign(c.sip, { engineThread: true, port: config.sip.port, wsPort: config.sip.wsPort }); } });
    const udpPeer = await UdpPeer.open(product.sipPort);
    udp = udpPeer;
    const options = rawRequest('OPTIONS', `sip:127.0.0.1:${product.sipPort}`, udpPeer.port);
    await udpPeer.send(options.text);
    expect(await udpPeer.answerTo(options.callId, { timeoutMs: 5_000, final: true })).toMatch(/^SIP\/2\.0 200 /);
  });

  it('drops a scanner\'s requests, and those of an address the app\'s throttle blocked, while others are answered', async () => {
    const config = await testConfig();
    thread = await EngineThread.start({ config, tls: undefined, secret: 'a-secret-for-this-test', logLevel: 'silent', terminal: false },
      createLogger('silent'));
    const open = async (address: string): Promise<UdpPeer> => {
      const p = await UdpPeer.open(config.sip.port, address);
      peers.push(p);
      return p;
    };
    const [scanner, blocked, control] = [await open('127.0.0.5'), await open('127.0.0.6'), await open('127.0.0.7')];
    expect(await answeredBefore(config.sip.port, blocked, control)).toBe(true);
    expect(await answeredBefore(config.sip.port, scanner, control, 'friendly-scanner')).toBe(false);
    // Blocked as a scanner: its next request is dropped too, whatever it calls itself.
    expect(await answeredBefore(config.sip.port, scanner, control)).toBe(false);
    const engine = thread;
    engine.blockSource('127.0.0.6', Date.now() + 60_000);
    // The block travels to the thread beside the datagrams, not in order with them: ask until it has arrived.
    await waitUntil(() => answeredBefore(config.sip.port, blocked, control), (answered) => !answered,
      { what: 'the blocked address to be dropped by the engine\'s thread' });
  });
});
