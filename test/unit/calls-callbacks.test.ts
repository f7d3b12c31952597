/**
 * Callbacks on the calls layer, on the simulated clock: the offer a waiting
 * caller hears and the booking it leads to (server/calls/callbacks/
 * queue-offer.ts), and the dialler that makes the callback (agent first,
 * then the customer: server/calls/callbacks/dialler.ts), with hang-ups at
 * each of its stages. SIP and media are scripted (test/support/calls.ts).
 */
import { describe, expect, it } from 'vitest';
import type { NodeDef } from '../../server/ivr/flow.js';
import { CALLER, SERVICE, SERVICE_NUMBER, agentAt, callsHarness, flow } from '../support/calls.js';

const queueNode = (over: Record<string, unknown> = {}): NodeDef => ({ id: 'ko', type: 'queue', queue: 'support', announceEverySeconds: 0, ...over });

describe('the callback offered in the queue', () => {
  it('"press 1" comes after offerCallbackAfterSeconds; a 1 and a confirmation book the callback at the same place, on disk before the caller is told', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const caller = h.incoming(flow([queueNode({ offerCallbackAfterSeconds: 60 })]));
    await h.advance(59.9);
    expect(caller.endpoint.heard('press_1_callback')).toBe(false);
    await h.advance(0.1);
    expect(caller.endpoint.heard('press_1_callback')).toBe(true);
    caller.endpoint.press('1');
    await h.advance(0);
    // "We will call you back on 0701740651, press 1".
    expect(caller.endpoint.collecting).toBe(true);
    expect(caller.endpoint.played.at(-1)!.files.filter((f) => /number_\d\.wav$/.test(f))).toHaveLength(10);
    caller.endpoint.press('1');
    await h.advance(0);
    const [requested] = h.of('callback-requested');
    expect(requested).toBeDefined();
    expect(h.persisted).toBe(1);
    expect(h.callEventsOf('callback-booked')).toMatchObject([{ entryId: requested!.entryId, number: CALLER }]);
    await h.advance(2);
    await caller.over;
    expect(caller.endpoint.heard('callback_confirmed')).toBe(true);
    expect(caller.leg.hungUpByUs).toBe(true);
    expect(h.of('abandoned')).toEqual([]);
    const entry = h.acd.entry(requested!.entryId)!;
    expect(entry).toMatchObject({ kind: 'callback', enqueuedAt: h.of('queued')[0]!.entry.enqueuedAt, data: { callbackNumber: CALLER } });
    expect(h.media.live).toEqual([]);
  });

  it('no key in the dialogue: declined, the caller stays in line and a 1 offers it again', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const caller = h.incoming(flow([queueNode({ offerCallbackAfterSeconds: 10 })]));
    await h.advance(10);
    caller.endpoint.press('1');
    await h.advance(30);
    expect(h.of('callback-requested')).toEqual([]);
    // "Press 1" on its own: once when offered, once more after the declined dialogue.
    expect(caller.endpoint.played.filter((p) => p.files.length === 1 && p.files[0]!.endsWith('/press_1_callback.wav'))).toHaveLength(2);
    expect(caller.endpoint.onHold).toBe(true);
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(h.of('abandoned')).toHaveLength(1);
    h.assertNothingLeft();
  });

  it('offered as soon as the estimated wait passes offerCallbackWhenWaitOverSeconds: at the ACD event that changes it, not on a poll', async () => {
    // 1001 staffs the queue but is in no step of it: the estimate is one handling time (180 s) until they pause.
    const h = await callsHarness({
      agents: [agentAt('1001')], loggedIn: ['1001'], queue: { steps: [{ afterSeconds: 0, eligible: { group: 'nobody' } }] },
    });
    const caller = h.incoming(flow([queueNode({ offerCallbackWhenWaitOverSeconds: 200 })]));
    await h.advance(600);
    expect(caller.endpoint.heard('press_1_callback')).toBe(false);
    await h.acd.pause('1001', 'lunch');
    await h.advance(0);
    expect(caller.endpoint.heard('press_1_callback')).toBe(true);
    caller.leg.farEndHangsUp();
    await caller.over;
    h.assertNothingLeft();
  });

  it('nobody logged in: the place in line and the offer are both said in full, one after the other, then the music', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const caller = h.incoming(flow([queueNode({ announceEverySeconds: 60, offerCallbackWhenWaitOverSeconds: 120 })]));
    await h.advance(20);
    const heard = caller.endpoint.played.map((p) => ({
      what: p.loop ? 'music'
        : p.files.some((f) => f.endsWith('/press_1_callback.wav')) ? 'offer'
          : p.files.some((f) => f.endsWith('/queue_position_prefix.wav')) ? 'position' : p.files.join(),
      cut: p.cut ?? false,
    }));
    expect(heard).toEqual([{ what: 'position', cut: false }, { what: 'offer', cut: false }, { what: 'music', cut: false }]);
    caller.leg.farEndHangsUp();
    await caller.over;
    h.assertNothingLeft();
  });

  it('the caller hangs up in the middle of the dialogue: abandoned, no callback', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const caller = h.incoming(flow([queueNode({ offerCallbackAfterSeconds: 0 })]));
    await h.advance(1);
    caller.endpoint.press('1');
    await h.advance(1);
    expect(caller.endpoint.collecting).toBe(true);
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(h.of('callback-requested')).toEqual([]);
    expect(h.of('abandoned')).toHaveLength(1);
    h.assertNothingLeft();
  });
});

describe('the dialler makes a callback', () => {
  const CUSTOMER = '+46701740699';

  async function agentAnswered(over: { callbackRingSeconds?: number } = {}) {
    const h = await callsHarness({ agents: [agentAt('1001')], ...over });
    await h.acd.enqueue(h.call('cb', {
      kind: 'callback', data: { callbackNumber: CUSTOMER, service: SERVICE, dialled: SERVICE_NUMBER, language: 'sv' },
    }));
    await h.acd.login('1001');
    await h.advance(0);
    const agentRing = h.telephony.ringing('1001')!;
    expect(agentRing.legs[0]!.headers).toMatchObject({ 'X-Callback-Number': CUSTOMER, 'X-Service': SERVICE });
    expect(h.telephony.ringing(CUSTOMER)).toBeUndefined();
    const agentLeg = agentRing.answer();
    await h.advance(0);
    expect(h.acd.agent('1001')?.state).toBe('busy');
    const whisper = agentRing.endpoint as unknown as { heard(name: string): boolean };
    // The number and "please hold", not the caller's own "we will call you back on".
    expect(whisper.heard('please_hold')).toBe(true);
    expect(whisper.heard('callback_confirm_number')).toBe(false);
    return { h, agentLeg };
  }

  it('the agent first, then the customer; no answer within callbackRingSeconds: callbackNoAnswer, the callback waits for its retry', async () => {
    const { h, agentLeg } = await agentAnswered({ callbackRingSeconds: 25 });
    await h.advance(12); // the beep, ten digits, "please hold"
    const customer = h.telephony.ringing(CUSTOMER)!;
    expect(customer).toBeDefined();
    expect(customer.uris).toEqual([`sip:${CUSTOMER}@trunk.test`]);
    await h.advance(24.9);
    expect(customer.outcome).toBe('ringing');
    await h.advance(0.1);
    expect(customer.cancelled).toBe(true);
    expect(h.callEventsOf('callback-no-answer')).toMatchObject([{ entryId: 'cb', number: CUSTOMER, status: 487 }]);
    expect(agentLeg.hungUpByUs).toBe(true);
    expect(h.acd.entry('cb')).toMatchObject({ attempts: 1 });
    expect(h.acd.agent('1001')?.state).not.toBe('busy');
    expect(h.media.live).toEqual([]);
    expect(h.center.activeCalls).toBe(0);
  });

  it('the customer answers: both bridged; the customer hangs up: the agent gets BYE, the callback is done', async () => {
    const { h, agentLeg } = await agentAnswered();
    await h.advance(12);
    const customerLeg = h.telephony.ringing(CUSTOMER)!.answer();
    await h.advance(0);
    expect(h.callEventsOf('callback-connected')).toHaveLength(1);
    await h.advance(60);
    customerLeg.farEndHangsUp();
    await h.advance(0);
    expect(agentLeg.hungUpByUs).toBe(true);
    expect(h.of('callback-done')).toMatchObject([{ entryId: 'cb', outcome: 'completed' }]);
    await h.advance(10);
    expect(h.acd.agent('1001')?.state).toBe('ready');
    h.assertNothingLeft();
  });

  it('the agent hangs up during the whisper: the customer is never dialled; callbackAgentLeft, the callback keeps its place and attempts', async () => {
    const { h, agentLeg } = await agentAnswered();
    await h.advance(3);
    agentLeg.farEndHangsUp();
    await h.advance(1);
    expect(h.telephony.rung.some((r) => r.uris.some((u) => u.includes(CUSTOMER)))).toBe(false);
    expect(h.callEventsOf('callback-agent-left')).toMatchObject([{ entryId: 'cb' }]);
    expect(h.of('offer-missed')).toMatchObject([{ entryId: 'cb', agentId: '1001' }]);
    expect(h.acd.entry('cb')?.attempts ?? 0).toBe(0);
    // Offered again (to the only agent): nothing of the first attempt is left.
    expect(h.media.live).toEqual([h.telephony.ringing('1001')!.endpoint]);
  });

  it('the agent hangs up while the customer\'s endpoint is being made: it is destroyed at once, the customer never dialled', async () => {
    const { h, agentLeg } = await agentAnswered();
    h.media.whileNextEndpointIsMade = () => agentLeg.farEndHangsUp();
    await h.advance(12);
    expect(h.telephony.rung.some((r) => r.uris.some((u) => u.includes(CUSTOMER)))).toBe(false);
    expect(h.callEventsOf('callback-agent-left')).toHaveLength(1);
    expect(h.media.live).toEqual([h.telephony.ringing('1001')!.endpoint]);
  });

  it('the agent hangs up while the customer\'s phone rings: that ringing is cancelled, callbackAgentLeft', async () => {
    const { h, agentLeg } = await agentAnswered();
    await h.advance(12);
    const customer = h.telephony.ringing(CUSTOMER)!;
    agentLeg.farEndHangsUp();
    await h.advance(0);
    expect(customer.cancelled).toBe(true);
    expect(h.callEventsOf('callback-agent-left')).toHaveLength(1);
    expect(h.callEventsOf('callback-no-answer')).toEqual([]);
    expect(h.media.live).toEqual([h.telephony.ringing('1001')!.endpoint]);
  });
});
