/**
 * An agent's transfer (REFER from their phone) when it does not go
 * through, on the simulated clock: the target does not answer, is busy, is
 * refused before anything rings, or the consultation call named is gone. SIP and media are scripted
 * (test/support/calls.ts); the ACD is the real one. The transfers that go
 * through are on the wire in test/integration/agent-transfer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RING_SECONDS } from '../../server/calls/agent-transfer.js';
import { parseReferTo } from '../../server/calls/refer.js';
import { agentAt, callsHarness, flow } from '../support/calls.js';

const queueFlow = flow([{ id: 'ko', type: 'queue', queue: 'support' }]);

/** Anna (1001) has the caller; Erik (1002) is an extension with a phone, logged out of the ACD. */
async function annaHasTheCaller() {
  const h = await callsHarness({ agents: [agentAt('1001'), agentAt('1002')], loggedIn: ['1001'] });
  const caller = h.incoming(queueFlow);
  await h.advance(1);
  const ringing = h.telephony.ringing('1001')!;
  const anna = ringing.answer();
  await h.advance(30);
  expect(caller.endpoint.bridgedTo).toBe(ringing.endpoint);
  return { h, caller, anna, annaEndpoint: ringing.endpoint };
}

describe('an agent\'s blind transfer that does not go through', () => {
  it('nobody answers: the caller hears music while it rings, the ringing stops at RING_SECONDS and the caller is back with the agent', async () => {
    const { h, caller, anna, annaEndpoint } = await annaHasTheCaller();
    const told = anna.asksTransfer('1002');
    await h.advance(0);
    const erik = h.telephony.ringing('1002')!;
    expect(erik.legs[0]!.headers.From).toContain('+46701740651');
    expect(caller.endpoint.bridgedTo).toBeUndefined();
    expect(caller.endpoint.onHold).toBe(true);
    expect(told).toEqual([100]);

    await h.advance(RING_SECONDS - 0.001);
    expect(erik.outcome).toBe('ringing');
    await h.advance(0.001);
    expect(erik.cancelled).toBe(true);
    expect(told).toEqual([100, 408]);
    expect(caller.endpoint.bridgedTo).toBe(annaEndpoint);
    expect(anna.up).toBe(true);
    expect(h.acd.agent('1001')?.state).toBe('busy');
    expect(h.callEventsOf('transfer')).toMatchObject([{ node: 'agent:1001', to: '1002', outcome: 'no-answer' }]);

    caller.leg.farEndHangsUp();
    await caller.over;
    expect(anna.hungUpByUs).toBe(true);
    await h.advance(10);
    h.assertNothingLeft();
  });

  it('the target is busy and the agent hung up meanwhile: the caller goes back to the queue, and the agent to wrap-up', async () => {
    const { h, caller, anna } = await annaHasTheCaller();
    const told = anna.asksTransfer('1002');
    await h.advance(0);
    const playedBefore = caller.endpoint.played.length;
    anna.farEndHangsUp(); // many phones hang up as soon as the transfer is accepted
    await h.advance(2);
    expect(caller.leg.up).toBe(true);
    h.telephony.ringing('1002')!.refuse(486);
    await h.advance(0);
    expect(told).toEqual([100, 486]);
    expect(h.callEventsOf('transfer')).toMatchObject([{ outcome: 'busy' }]);
    expect(h.of('queued')).toHaveLength(2);
    expect(h.acd.agent('1001')?.state).toBe('wrap-up');
    // Waiting again, told where in the queue as any caller is.
    await h.advance(1);
    expect(caller.endpoint.played.slice(playedBefore).some((p) => p.files.some((f) => f.endsWith('/queue_position_prefix.wav')))).toBe(true);

    caller.leg.farEndHangsUp();
    await caller.over;
    expect(h.of('abandoned')).toHaveLength(1);
    await h.advance(10);
    h.assertNothingLeft();
  });

  it.each([
    ['queue-nowhere', 404],
    ['+46900123456', 403],
  ])('to %s: refused (%i) before anything rings; the caller stays with the agent', async (target, status) => {
    const { h, caller, anna, annaEndpoint } = await annaHasTheCaller();
    const rung = h.telephony.rung.length;
    expect(anna.asksTransfer(target)).toEqual([100, status]);
    await h.advance(1);
    expect(h.telephony.rung).toHaveLength(rung);
    expect(caller.endpoint.bridgedTo).toBe(annaEndpoint);
    expect(h.acd.agent('1001')?.state).toBe('busy');
    expect(h.callEventsOf('transfer')).toMatchObject([{ to: target, outcome: 'unavailable' }]);
    anna.farEndHangsUp();
    await caller.over;
    await h.advance(10);
    h.assertNothingLeft();
  });
});

describe('an agent\'s consulted transfer that does not go through', () => {
  it('the consultation call it names is gone: the phone is told 481 and the caller is back with the agent', async () => {
    const { h, caller, anna, annaEndpoint } = await annaHasTheCaller();
    const told = anna.asksTransfer('', { callId: 'consultation@phone', toTag: 'ours', fromTag: 'theirs' });
    await h.advance(1);
    expect(told).toEqual([100, 481]);
    expect(caller.endpoint.bridgedTo).toBe(annaEndpoint);
    expect(h.acd.agent('1001')?.state).toBe('busy');
    expect(h.callEventsOf('transfer')).toMatchObject([{ node: 'agent:1001', outcome: 'unavailable' }]);
    caller.leg.farEndHangsUp();
    await caller.over;
    await h.advance(10);
    h.assertNothingLeft();
  });
});

describe('Refer-To', () => {
  it('an extension, a queue or a number, escaped or not', () => {
    expect(parseReferTo('<sip:1002@kustbanken.local>')).toEqual({ target: '1002' });
    expect(parseReferTo('sip:queue-kort@10.0.0.1;transport=udp')).toEqual({ target: 'queue-kort' });
    expect(parseReferTo('"Erik" <sip:%2B46701740640@kustbanken.local;user=phone>')).toEqual({ target: '+46701740640' });
  });

  it('with Replaces (RFC 3891): the consultation call\'s dialog', () => {
    expect(parseReferTo('<sip:1002@kustbanken.local?Replaces=abc%40host%3Bto-tag%3D12%3Bfrom-tag%3D34>')).toEqual({
      target: '1002', replaces: { callId: 'abc@host', toTag: '12', fromTag: '34' },
    });
    // sip.js refers to the consultation dialog's remote target: our Contact, with no user.
    expect(parseReferTo('"1002@kustbanken.local" <sip:127.0.0.1:8088;transport=ws?Replaces=c1%3Bto-tag%3Da%3Bfrom-tag%3Db>')).toEqual({
      target: '', replaces: { callId: 'c1', toTag: 'a', fromTag: 'b' },
    });
  });

  it('what cannot be read says why', () => {
    expect(parseReferTo(undefined)).toEqual({ error: 'no Refer-To' });
    expect(parseReferTo('<tel:+46701740640>')).toMatchObject({ error: expect.stringContaining('SIP URI') });
    expect(parseReferTo('<sip:kustbanken.local>')).toMatchObject({ error: expect.stringContaining('without a user') });
    expect(parseReferTo('<sip:%E0%A4%A@x>')).toMatchObject({ error: expect.stringContaining('escaped') });
    expect(parseReferTo('<sip:1002@x?Replaces=abc%3Bto-tag%3D12>')).toMatchObject({ error: expect.stringContaining('Replaces') });
  });
});
