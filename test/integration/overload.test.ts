/**
 * An overloaded switch refuses a new call at once with 503 and Retry-After,
 * while the calls it has taken go on and end normally: real SIP on
 * loopback, with `sip.maxConcurrentCalls: 1` as the overload. SIPp plays
 * the caller of the call in progress and the agent's phone; the refused
 * INVITE is sent from a plain UDP socket so its answer can be read whole.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringExtensionsDirectly, startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { assertSippOk, runSipp, startRegisteredSippPhone, type SippResult, type SippUas } from '../support/sipp.js';
import { header, UdpPeer } from '../support/raw-sip.js';
import { waitFor } from '../support/wait.js';

const ANSWER_MS = 3_000;

let product: RunningProduct;
let udp: UdpPeer;
const phones: SippUas[] = [];

beforeAll(async () => {
  product = await startProduct({
    tweak: (config) => {
      ringExtensionsDirectly(config);
      config.sip.maxConcurrentCalls = 1;
    },
  });
  udp = await UdpPeer.open(product.sipPort);
});

afterAll(async () => {
  udp?.close();
  await Promise.all(phones.map((p) => p.stop(500)));
  await product?.stop();
});

interface Request { text: string; callId: string; branch: string; from: string }

function request(method: 'INVITE' | 'OPTIONS', uri: string): Request {
  const callId = `${randomUUID()}@overload.test`;
  const branch = `z9hG4bK-${randomUUID()}`;
  const host = `127.0.0.1:${udp.port}`;
  const from = `<sip:1001@${host}>;tag=${randomUUID().slice(0, 8)}`;
  const body = method === 'INVITE'
    ? ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', ''].join('\r\n')
    : '';
  const lines = [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${host};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: ${from}`,
    `To: <${uri}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:1001@${host}>`,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return { text: `${lines.join('\r\n')}\r\n\r\n${body}`, callId, branch, from };
}

/** The ACK for a non-2xx final response: the INVITE's branch, the response's To (RFC 3261 section 17.1.1.3). */
function ackFor(invite: Request, response: string): string {
  const uri = /^INVITE (\S+) /.exec(invite.text)![1]!;
  return [
    `ACK ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${udp.port};branch=${invite.branch};rport`,
    'Max-Forwards: 70',
    `From: ${invite.from}`,
    `To: ${header(response, 'To')}`,
    `Call-ID: ${invite.callId}`,
    'CSeq: 1 ACK',
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

/** A call from the operator network to +46313900601, which rings extension 1002; the caller hangs up after `holdMs`. */
function call(holdMs: number): Promise<SippResult> {
  return runSipp({
    scenario: 'uac-basic.xml',
    remote: product.sipPort,
    service: '+46313900601',
    keys: { caller: '+46701740650' },
    durationMs: holdMs,
    extraArgs: ['-i', TRUNK_SOURCE_IP],
  });
}

describe('an overloaded switch refuses new calls at once and keeps the calls it took', () => {
  it('with one call allowed, a second INVITE gets 503 with Retry-After while the first goes on, ends with BYE 200, and then a call is taken again', async () => {
    const overload = product.app.switch.overload;
    const phone = await startRegisteredSippPhone(product.sipPort, '1002', { calls: 2, timeoutMs: 60_000 });
    phones.push(phone);

    const first = call(2_500);
    await waitFor(() => overload.activeCalls === 1, { what: 'the first call in progress' });

    const invite = request('INVITE', 'sip:+46313900601@127.0.0.1');
    const sentAt = Date.now();
    await udp.send(invite.text);
    const refused = await udp.answerTo(invite.callId, { final: true, timeoutMs: ANSWER_MS });
    expect(refused, refused).toMatch(/^SIP\/2\.0 503 /);
    expect(Number(header(refused, 'Retry-After'))).toBeGreaterThan(0);
    expect(header(refused, 'Via')).toContain(`branch=${invite.branch}`);
    // Refused, not set up and failed: the answer comes long before the first call ends.
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    await udp.send(ackFor(invite, refused));

    // Requests other than new calls are still served while the limit is reached.
    const options = request('OPTIONS', 'sip:127.0.0.1');
    await udp.send(options.text);
    expect(await udp.answerTo(options.callId, { final: true, timeoutMs: ANSWER_MS })).toMatch(/^SIP\/2\.0 200 /);
    expect(overload.activeCalls).toBe(1);

    // The call in progress was untouched: answered, held, and its BYE got 200.
    assertSippOk(await first, 1);
    await waitFor(() => overload.activeCalls === 0, { what: 'the first call ended' });

    assertSippOk(await call(200), 1);
    assertSippOk(await phone.exited, 2);
    expect(overload.activeCalls).toBe(0);
  });
});
