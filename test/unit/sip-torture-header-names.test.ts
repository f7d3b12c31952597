/**
 * Header names that are Object.prototype members ("constructor", "__proto__",
 * "toString"...) once made the header lookup return Object's prototype: the
 * message reaching the application was garbled, the caller got 100 Trying
 * and nothing more, the INVITE server transaction never ended and each one
 * logged a stack trace. Here 20,000 such INVITEs go over UDP to the embedded
 * server behind a minimal application: every one is answered, none is left
 * behind, the heap does not grow with them, and the log holds no stack.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMAL_APP_ANSWERS, UdpPeer, drained, header, startEmbeddedSipd, type EmbeddedSipd } from '../support/raw-sip.js';

const INVITES = 20_000;
/** Sent this many at a time, each batch answered before the next, so the kernel drops nothing. */
const BATCH = 250;
const HOSTILE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf',
  'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__', 'CONSTRUCTOR', 'C%6Fnstructor',
  '__PROTO__', 'prototype'];
/**
 * Heap growth allowed between the first WARM_UP INVITEs (caches filled, code
 * compiled) and the last one. The leak this guards against grew the process
 * by over 100 MB for 20,000.
 */
const WARM_UP = 5_000;
const HEAP_GROWTH_LIMIT = 8 * 1024 * 1024;

const logLines: string[] = [];
let harness: EmbeddedSipd;
let peer: UdpPeer;

beforeAll(async () => {
  harness = await startEmbeddedSipd({
    record: false,
    log: new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }),
  });
  peer = await UdpPeer.open(harness.port);
});

afterAll(async () => {
  peer?.close();
  await harness?.stop();
});

/** The heap in use after a full collection (V8's gc, exposed for this process if the runner did not). */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function invite(n: number): { text: string; callId: string; branch: string } {
  const callId = `${randomUUID()}@hostile.example`;
  const branch = `z9hG4bK-${randomUUID()}`;
  const name = HOSTILE_NAMES[n % HOSTILE_NAMES.length]!;
  const text = [
    'INVITE sip:1001@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:attacker@127.0.0.1>;tag=${n}`,
    'To: <sip:1001@127.0.0.1>',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `${name}: ${n % 2 ? 'evil' : '{"polluted": true}'}`,
    'Content-Length: 0', '', '',
  ].join('\r\n');
  return { text, callId, branch };
}

/** The ACK a well-behaved caller sends for a non-2xx final response (RFC 3261 section 17.1.1.3). */
function ackFor(sent: { callId: string; branch: string }, answer: string, n: number): string {
  return [
    'ACK sip:1001@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=${sent.branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:attacker@127.0.0.1>;tag=${n}`,
    `To: ${header(answer, 'To')}`,
    `Call-ID: ${sent.callId}`,
    'CSeq: 1 ACK',
    'Content-Length: 0', '', '',
  ].join('\r\n');
}

describe('20,000 INVITEs with hostile header names over UDP', () => {
  it('are each answered by the application, leave no transaction, no heap growth and no stack trace', async () => {
    let heapAfterWarmUp = 0;
    const finals = new Map<string, number>();
    let seen = 0;
    for (let start = 0; start < INVITES; start += BATCH) {
      if (start === WARM_UP) heapAfterWarmUp = heapAfterGc();
      const batch = Array.from({ length: Math.min(BATCH, INVITES - start) }, (_, i) => ({ n: start + i, ...invite(start + i) }));
      const pending = new Map(batch.map((b) => [b.callId, b]));
      await Promise.all(batch.map((b) => peer.send(b.text)));
      const deadline = Date.now() + 10_000;
      while (pending.size > 0 && Date.now() < deadline) {
        for (; seen < peer.received.length; seen++) {
          const answer = peer.received[seen]!;
          const status = Number(/^SIP\/2\.0 (\d{3}) /.exec(answer)?.[1]);
          const sent = pending.get(header(answer, 'Call-ID') ?? '');
          if (!sent || status < 200) continue;
          finals.set(sent.callId, status);
          pending.delete(sent.callId);
          await peer.send(ackFor(sent, answer, sent.n));
        }
        if (pending.size > 0) await new Promise((r) => setTimeout(r, 5));
      }
      expect(pending.size, `unanswered in the batch from ${start}`).toBe(0);
      peer.received.length = 0;
      seen = 0;
    }
    expect(finals.size).toBe(INVITES);
    expect(new Set(finals.values())).toEqual(new Set([MINIMAL_APP_ANSWERS.INVITE]));

    const left = await drained(harness.sipd, 10_000);
    expect(left).toEqual({ serverTransactions: 0, clientTransactions: 0, dialogs: 0 });

    const growth = heapAfterGc() - heapAfterWarmUp;
    expect(growth, `heap grew by ${(growth / 1024 / 1024).toFixed(1)} MB`).toBeLessThan(HEAP_GROWTH_LIMIT);

    const stacks = logLines.filter((l) => /"stack"|\n\s+at /.test(l));
    expect(stacks).toEqual([]);
    expect(logLines.filter((l) => l.length > 1024)).toEqual([]);
  }, 180_000);

  it('the application never saw a header by those names', async () => {
    let seenNames: string[] = [];
    harness.handle('INVITE', (req, res) => {
      seenNames = Object.keys((req as unknown as { headers: Record<string, unknown> }).headers);
      res.send(MINIMAL_APP_ANSWERS.INVITE);
    });
    const sent = invite(1);
    await peer.send(sent.text);
    await peer.answerTo(sent.callId, { timeoutMs: 3_000, final: true });
    expect(seenNames).toContain('call-id');
    expect(seenNames.filter((n) => /constructor|proto|function|object/i.test(n))).toEqual([]);
  });
});
