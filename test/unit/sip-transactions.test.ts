/**
 * RFC 3261 section 17 timers on a simulated clock: what goes on the wire,
 * and when, for each transaction over UDP and over a reliable transport.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_TIMERS, InviteClientTransaction, InviteServerTransaction, NonInviteClientTransaction, NonInviteServerTransaction,
  type ClientTransactionUser,
} from '../../server/sipd/transactions.js';
import { SipMessage } from '../../server/sipd/message.js';

const { T1, T2 } = DEFAULT_TIMERS;

/** A transport that records the time of every send. */
function wire(reliable = false) {
  const sent: Array<{ at: number; text: string }> = [];
  const start = Date.now();
  return { sent, transport: { reliable, send: async (text: string) => void sent.push({ at: Date.now() - start, text }) } };
}

function user() {
  const events: string[] = [];
  const u: ClientTransactionUser = {
    onResponse: (res) => void events.push(`response ${res.status}`),
    onTimeout: (status) => void events.push(`timeout ${status}`),
  };
  return { events, u };
}

const response = (status: number) => SipMessage.response(status, 'X');
const request = (method: string) => SipMessage.request(method, 'sip:1002@127.0.0.1');

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('INVITE client transaction (17.1.1)', () => {
  it('retransmits over UDP at T1, 2T1, 4T1 ... and reports 408 after 64*T1', async () => {
    const { sent, transport } = wire();
    const { events, u } = user();
    const txn = new InviteClientTransaction('k', request('INVITE'), 'INVITE', transport, u, () => 'ACK');
    txn.start();
    await vi.advanceTimersByTimeAsync(64 * T1);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(events).toEqual(['timeout 408']);
    expect(txn.state).toBe('terminated');
  });

  it('stops retransmitting on a provisional and ACKs a failure on the same transaction', async () => {
    const { sent, transport } = wire();
    const { events, u } = user();
    const txn = new InviteClientTransaction('k', request('INVITE'), 'INVITE', transport, u, (res) => `ACK for ${res.status}`);
    txn.start();
    txn.receiveResponse(response(180), '180');
    await vi.advanceTimersByTimeAsync(10 * T1);
    expect(sent).toHaveLength(1);
    txn.receiveResponse(response(486), '486');
    txn.receiveResponse(response(486), '486'); // a retransmitted final response gets the ACK again
    expect(sent.map((s) => s.text)).toEqual(['INVITE', 'ACK for 486', 'ACK for 486']);
    expect(events).toEqual(['response 180', 'response 486']);
  });

  it('does not retransmit over a reliable transport', async () => {
    const { sent, transport } = wire(true);
    const { u } = user();
    new InviteClientTransaction('k', request('INVITE'), 'INVITE', transport, u, () => 'ACK').start();
    await vi.advanceTimersByTimeAsync(20 * T1);
    expect(sent).toHaveLength(1);
  });
});

describe('non-INVITE client transaction (17.1.2)', () => {
  it('retransmits with intervals doubling up to T2', async () => {
    const { sent, transport } = wire();
    const { events, u } = user();
    new NonInviteClientTransaction('k', request('BYE'), 'BYE', transport, u).start();
    await vi.advanceTimersByTimeAsync(64 * T1);
    const gaps = sent.slice(1).map((s, i) => s.at - sent[i]!.at);
    expect(gaps.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(Math.max(...gaps)).toBe(T2);
    expect(events).toEqual(['timeout 408']);
  });
});

describe('INVITE server transaction (17.2.1)', () => {
  it('retransmits its 2xx until the ACK arrives', async () => {
    const { sent, transport } = wire();
    const txn = new InviteServerTransaction('k', request('INVITE'), transport);
    txn.respond(200, '200');
    await vi.advanceTimersByTimeAsync(T1 + 2 * T1 + 10);
    expect(sent).toHaveLength(3);
    txn.ackFor2xx();
    await vi.advanceTimersByTimeAsync(10 * T1);
    expect(sent).toHaveLength(3);
  });

  it('gives up on a 2xx that is never ACKed after 64*T1', async () => {
    const { transport } = wire();
    const txn = new InviteServerTransaction('k', request('INVITE'), transport);
    let ackTimeout = false;
    txn.onAckTimeout = () => void (ackTimeout = true);
    txn.respond(200, '200');
    await vi.advanceTimersByTimeAsync(64 * T1);
    expect(ackTimeout).toBe(true);
    expect(txn.state).toBe('terminated');
  });

  it('answers a retransmitted INVITE with the last provisional, and retransmits a failure until ACKed', async () => {
    const { sent, transport } = wire();
    const txn = new InviteServerTransaction('k', request('INVITE'), transport);
    txn.respond(100, '100');
    txn.receiveRetransmission();
    expect(sent.map((s) => s.text)).toEqual(['100', '100']);
    txn.respond(486, '486');
    await vi.advanceTimersByTimeAsync(T1 + 10);
    expect(sent.map((s) => s.text)).toEqual(['100', '100', '486', '486']);
    txn.receiveAck();
    expect(txn.state).toBe('confirmed');
    await vi.advanceTimersByTimeAsync(10 * T1);
    expect(sent).toHaveLength(4);
  });
});

describe('non-INVITE server transaction (17.2.2)', () => {
  it('answers a retransmitted request with its final response, and ends after 64*T1 on UDP', async () => {
    const { sent, transport } = wire();
    const txn = new NonInviteServerTransaction('k', request('BYE'), transport);
    let ended = false;
    txn.onTerminated = () => void (ended = true);
    txn.respond(200, '200');
    txn.receiveRetransmission();
    expect(sent.map((s) => s.text)).toEqual(['200', '200']);
    await vi.advanceTimersByTimeAsync(64 * T1);
    expect(ended).toBe(true);
  });
});
