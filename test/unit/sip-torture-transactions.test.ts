/**
 * Every server transaction ends, whatever the application does. An
 * application that takes a request and never answers it must not leave the
 * transaction (and the caller) waiting forever: the server answers 500 itself
 * after 64*T1 for a non-INVITE and 360*T1 after the last provisional response
 * for an INVITE (three minutes at the default T1, as a proxy's Timer C), and
 * the transaction is gone after that. The server here runs with T1 = 20 ms.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UdpPeer, drained, header, startEmbeddedSipd, type EmbeddedSipd } from '../support/raw-sip.js';

const T1 = 20;
let harness: EmbeddedSipd;
let peer: UdpPeer;

beforeAll(async () => {
  harness = await startEmbeddedSipd();
  peer = await UdpPeer.open(harness.port);
  // The application takes every INVITE and OPTIONS and answers neither.
  harness.handle('INVITE', () => {});
  harness.handle('OPTIONS', () => {});
});

afterAll(async () => {
  peer?.close();
  await harness?.stop();
});

function request(method: 'INVITE' | 'OPTIONS'): { text: string; callId: string } {
  const callId = `${randomUUID()}@silent.example`;
  const text = [
    `${method} sip:1001@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-${randomUUID()};rport`,
    'Max-Forwards: 70', 'From: <sip:caller@127.0.0.1>;tag=1', 'To: <sip:1001@127.0.0.1>', `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`, 'Content-Length: 0', '', '',
  ].join('\r\n');
  return { text, callId };
}

describe('an application that never answers', () => {
  it('an OPTIONS gets 500 from the server after 64*T1, and the transaction ends', async () => {
    const sent = request('OPTIONS');
    const started = Date.now();
    await peer.send(sent.text);
    const answer = await peer.answerTo(sent.callId, { timeoutMs: 5_000, final: true });
    expect(answer).toMatch(/^SIP\/2\.0 500 /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(64 * T1 - 5);
    expect((await drained(harness.sipd, 5_000)).serverTransactions).toBe(0);
  });

  it('an INVITE gets 100 at once, 500 after 360*T1, and the transaction ends', async () => {
    const sent = request('INVITE');
    const started = Date.now();
    await peer.send(sent.text);
    const answer = await peer.answerTo(sent.callId, { timeoutMs: 15_000, final: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(360 * T1 - 5);
    expect(answer).toMatch(/^SIP\/2\.0 500 /);
    expect(peer.received.some((m) => m.startsWith('SIP/2.0 100 ') && header(m, 'Call-ID') === sent.callId)).toBe(true);
    expect((await drained(harness.sipd, 5_000)).serverTransactions).toBe(0);
  }, 30_000);
});
