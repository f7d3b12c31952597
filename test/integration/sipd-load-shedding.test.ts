/**
 * The embedded SIP server sheds load at the door (server/sipd/load-shedding.ts):
 * while the wait it measures is over the limit, a new INVITE gets 503 with
 * Retry-After and never reaches the application, a retransmission of a
 * request already answered with 100 gets nothing, and everything else goes
 * on. The wait is injected here; real UDP on loopback carries the requests.
 * A request sent after another on the same socket is handled after it, so
 * "nothing came back" is shown by the answer to a later OPTIONS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drained, header, rawRequest, startEmbeddedSipd, UdpPeer, type EmbeddedSipd, type RawRequest } from '../support/raw-sip.js';
import { waitFor } from '../support/wait.js';

const ANSWER_MS = 5_000;
let sipd: EmbeddedSipd;
let udp: UdpPeer;
let delayMs = 0;
let invitesSeen = 0;
/** Set to hold the application's answer to INVITEs until released. */
let holdInvites: Promise<void> | undefined;

beforeAll(async () => {
  sipd = await startEmbeddedSipd({ loadShedding: { maxDelayMs: 100, retryAfterSeconds: 3, delay: () => delayMs } });
  sipd.handle('INVITE', (_req, res) => {
    invitesSeen++;
    void (holdInvites ?? Promise.resolve()).then(() => res.send(486));
  });
  udp = await UdpPeer.open(sipd.port);
});

afterAll(async () => {
  udp?.close();
  await sipd?.stop();
});

function invite(): RawRequest {
  return rawRequest('INVITE', 'sip:+46313900601@127.0.0.1', udp.port);
}

/** Every message received after `after` with this Call-ID, after an OPTIONS sent behind them was answered. */
async function answersAfterFlush(callId: string, after: number): Promise<string[]> {
  const options = rawRequest('OPTIONS', 'sip:127.0.0.1', udp.port);
  await udp.send(options.text);
  await udp.answerTo(options.callId, { timeoutMs: ANSWER_MS, final: true });
  return udp.received.slice(after).filter((m) => header(m, 'Call-ID') === callId);
}

async function overloaded(on: boolean): Promise<void> {
  delayMs = on ? 1_000 : 0;
  await waitFor(() => sipd.sipd.shedder.shedding === on, { what: on ? 'shedding to start' : 'shedding to stop' });
}

describe('load shedding at the door', () => {
  it('refuses new INVITEs with 503 and Retry-After while overloaded, and takes them again afterwards', async () => {
    const before = invite();
    await udp.send(before.text);
    expect(await udp.answerTo(before.callId, { timeoutMs: ANSWER_MS, final: true })).toMatch(/^SIP\/2\.0 486 /);

    await overloaded(true);
    const seen = invitesSeen;
    const refused = invite();
    await udp.send(refused.text);
    const answer = await udp.answerTo(refused.callId, { timeoutMs: ANSWER_MS, final: true });
    expect(answer).toMatch(/^SIP\/2\.0 503 /);
    expect(header(answer, 'Retry-After')).toBe('3');

    // Its retransmission, still overloaded: nothing.
    const mark = udp.received.length;
    await udp.send(refused.text);
    expect(await answersAfterFlush(refused.callId, mark)).toEqual([]);
    expect(invitesSeen).toBe(seen);

    await overloaded(false);
    // Retransmitted again once caught up: the first 503 was lost, it gets another, and still no call.
    const mark2 = udp.received.length;
    await udp.send(refused.text);
    const again = await udp.waitFor((m) => header(m, 'Call-ID') === refused.callId, { timeoutMs: ANSWER_MS, after: mark2 });
    expect(again).toMatch(/^SIP\/2\.0 503 /);
    expect(invitesSeen).toBe(seen);

    const after = invite();
    await udp.send(after.text);
    expect(await udp.answerTo(after.callId, { timeoutMs: ANSWER_MS, final: true })).toMatch(/^SIP\/2\.0 486 /);
    expect(invitesSeen).toBe(seen + 1);
  });

  it('answers OPTIONS while overloaded: only new calls are refused', async () => {
    await overloaded(true);
    const options = rawRequest('OPTIONS', 'sip:127.0.0.1', udp.port);
    await udp.send(options.text);
    expect(await udp.answerTo(options.callId, { timeoutMs: ANSWER_MS, final: true })).toMatch(/^SIP\/2\.0 200 /);
    await overloaded(false);
  });

  it('is silent to the retransmission of a call in progress, whose final response still goes out', async () => {
    let release!: () => void;
    holdInvites = new Promise((resolve) => (release = resolve));
    const call = invite();
    await udp.send(call.text);
    await udp.waitFor((m) => header(m, 'Call-ID') === call.callId && /^SIP\/2\.0 100 /.test(m), { timeoutMs: ANSWER_MS });
    await waitFor(() => invitesSeen > 0 && sipd.sipd.stats.serverTransactions > 0, { what: 'the INVITE at the application' });

    await overloaded(true);
    const mark = udp.received.length;
    await udp.send(call.text);
    expect(await answersAfterFlush(call.callId, mark)).toEqual([]);

    release();
    holdInvites = undefined;
    expect(await udp.answerTo(call.callId, { timeoutMs: ANSWER_MS, final: true })).toMatch(/^SIP\/2\.0 486 /);
    await overloaded(false);
  });

  it('leaves no transaction behind', async () => {
    expect(await drained(sipd.sipd, 5_000)).toMatchObject({ serverTransactions: 0, clientTransactions: 0 });
  });
});

describe('a real flood, the wait measured by the server itself', () => {
  it('refuses part of a burst of INVITEs with 503, answers every one, and takes calls again once it is over', async () => {
    const flooded = await startEmbeddedSipd({ record: false, loadShedding: { maxDelayMs: 100, retryAfterSeconds: 2 } });
    // Each call costs the application 2 ms of CPU: a burst of 1500 is three seconds of work arriving at once.
    flooded.handle('INVITE', (_req, res) => {
      const until = performance.now() + 2;
      while (performance.now() < until);
      res.send(486);
    });
    const peer = await UdpPeer.open(flooded.port);
    try {
      const burst = Array.from({ length: 1500 }, () => rawRequest('INVITE', 'sip:+46313900601@127.0.0.1', peer.port));
      for (const r of burst) await peer.send(r.text);
      const finals = new Map<string, string>();
      await waitFor(() => {
        for (const m of peer.received.splice(0)) if (/^SIP\/2\.0 [2-6]/.test(m)) finals.set(header(m, 'Call-ID')!, m);
        return finals.size === burst.length;
      }, { what: 'a final answer to every INVITE of the burst', timeoutMs: 60_000 });
      const statuses = [...finals.values()].map((m) => m.slice(8, 11));
      const refused = [...finals.values()].filter((m) => m.startsWith('SIP/2.0 503 '));
      expect(refused.length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === '486').length).toBeGreaterThan(0);
      expect(refused.every((m) => header(m, 'Retry-After') === '2')).toBe(true);
      expect(statuses.every((s) => s === '486' || s === '503')).toBe(true);

      await waitFor(() => !flooded.sipd.shedder.shedding, { what: 'the server to catch up', timeoutMs: 5_000 });
      const after = rawRequest('INVITE', 'sip:+46313900601@127.0.0.1', peer.port);
      await peer.send(after.text);
      expect(await peer.answerTo(after.callId, { timeoutMs: ANSWER_MS, final: true })).toMatch(/^SIP\/2\.0 486 /);
    } finally {
      peer.close();
      await flooded.stop();
    }
  });
});
