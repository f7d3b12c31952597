/**
 * The dial-out policy on the calls layer (server/sip/dial-out.ts through
 * the leg builder's word), on the simulated clock: a callback is booked
 * only to a number the policy lets a callback dial, and asked again before
 * dialling; a caller from one of our extensions is called back on its
 * phones; a flow's transfer to a number obeys the policy too. The policy is
 * the product's own with its defaults (national numbers only).
 */
import { describe, expect, it } from 'vitest';
import type { NodeDef } from '../../server/ivr/flow.js';
import type { DialOutAlarm } from '../../server/sip/dial-out.js';
import { SERVICE, SERVICE_NUMBER, agentAt, callsHarness, flow, type CallsHarness } from '../support/calls.js';

const queueNode: NodeDef = { id: 'ko', type: 'queue', queue: 'support', announceEverySeconds: 0, offerCallbackAfterSeconds: 0 };
const SATELLITE_CALLER = '+88216123456';

function alarmsOf(h: CallsHarness): DialOutAlarm[] {
  const alarms: DialOutAlarm[] = [];
  h.dialOut.on('alarm', (a) => alarms.push(a));
  return alarms;
}

/** The caller presses 1 in the queue and the dialogue starts. */
async function askForCallback(h: CallsHarness, caller: string, opts: { fromTrunk?: boolean } = {}) {
  const call = h.incoming(flow([queueNode]), undefined, caller, opts);
  await h.advance(1);
  call.endpoint.press('1');
  await h.advance(0);
  return call;
}

const nothingWentOut = (h: CallsHarness): boolean => h.telephony.rung.every((r) => r.uris.every((u) => !u.includes('trunk.test')));

describe('a callback is booked only to a number the dial-out policy allows', () => {
  it('a caller presenting +882 is not offered their own number, and keying 00882 or a premium-rate number is refused: no booking, an alarm each', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const alarms = alarmsOf(h);
    const caller = await askForCallback(h, SATELLITE_CALLER);
    // Straight to "key in your number": their own is never read back.
    expect(caller.endpoint.heard('callback_confirm_number')).toBe(false);
    expect(caller.endpoint.played.at(-1)!.files.at(-1)).toMatch(/callback_enter_number\.wav$/);
    for (const keyed of ['0088216123456', '0088212345678', '0900123456']) {
      caller.endpoint.press(`${keyed}#`);
      await h.advance(2);
    }
    expect(caller.endpoint.played.filter((p) => p.files.some((f) => f.endsWith('/invalid_choice.wav')))).toHaveLength(3);
    expect(caller.endpoint.heard('callback_confirm_number')).toBe(false);
    expect(h.of('callback-requested')).toEqual([]);
    expect(h.callEventsOf('callback-booked')).toEqual([]);
    expect(alarms.map((a) => [a.callerClass, a.refusal, a.destination])).toEqual([
      ['callback', 'destination', 'special'], // the caller id, before it could be offered
      ['callback', 'destination', 'special'],
      ['callback', 'destination', 'special'],
      ['callback', 'destination', 'premium'],
    ]);
    // Declined: the caller is still waiting in line, told their place again, then music.
    await h.advance(10);
    expect(caller.endpoint.heard('queue_position_prefix')).toBe(true);
    expect(caller.endpoint.onHold).toBe(true);
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(nothingWentOut(h)).toBe(true);
    h.assertNothingLeft();
  });

  it('a trunk caller presenting an extension\'s number is not offered it: a caller id is anyone\'s to claim', async () => {
    const h = await callsHarness({ agents: [agentAt('1001'), agentAt('1006')], loggedIn: ['1001'] });
    const caller = await askForCallback(h, '1006', { fromTrunk: true });
    expect(caller.endpoint.heard('callback_confirm_number')).toBe(false);
    expect(caller.endpoint.played.at(-1)!.files.at(-1)).toMatch(/callback_enter_number\.wav$/);
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(h.callEventsOf('callback-booked')).toEqual([]);
  });

  it('the same caller keying a national number gets it read back and booked', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const caller = await askForCallback(h, SATELLITE_CALLER);
    caller.endpoint.press('0701740699#');
    await h.advance(0);
    expect(caller.endpoint.heard('callback_confirm_number')).toBe(true);
    caller.endpoint.press('1');
    await h.advance(2);
    await caller.over;
    expect(h.callEventsOf('callback-booked')).toMatchObject([{ number: '+46701740699' }]);
  });

  it('a callback booked before the policy refused its number is given up before the agent is rung', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const alarms = alarmsOf(h);
    await h.acd.enqueue(h.call('cb', {
      kind: 'callback', data: { callbackNumber: '+88216123456', service: SERVICE, dialled: SERVICE_NUMBER, language: 'sv' },
    }));
    await h.acd.login('1001');
    await h.advance(0);
    expect(h.telephony.rung).toEqual([]);
    expect(h.acd.entry('cb')).toBeUndefined();
    expect(h.of('callback-done')).toMatchObject([{ entryId: 'cb', outcome: 'cancelled' }]);
    expect(alarms).toMatchObject([{ callerClass: 'callback', refusal: 'destination', number: '+88216123456' }]);
    await h.advance(30);
    expect(h.acd.agent('1001')?.state).toBe('ready');
  });
});

describe('a caller from one of our extensions is called back on it', () => {
  it('1006 books a callback to 1006: the agent, then 1006\'s phones ring; nothing goes out through the trunk', async () => {
    const h = await callsHarness({ agents: [agentAt('1001'), agentAt('1006')] });
    const alarms = alarmsOf(h);
    const caller = await askForCallback(h, '1006');
    // "We will call you back on 1 0 0 6, press 1".
    expect(caller.endpoint.played.at(-1)!.files.filter((f) => /number_\d\.wav$/.test(f))).toHaveLength(4);
    caller.endpoint.press('1');
    await h.advance(2);
    await caller.over;
    expect(h.callEventsOf('callback-booked')).toMatchObject([{ number: '1006' }]);
    await h.acd.login('1001');
    await h.advance(0);
    const agentLeg = h.telephony.ringing('1001')!.answer();
    await h.advance(12);
    const extension = h.telephony.ringing('1006')!;
    expect(extension.uris).toEqual(['sip:1006@phones.test']);
    extension.answer();
    await h.advance(0);
    expect(h.callEventsOf('callback-connected')).toHaveLength(1);
    agentLeg.farEndHangsUp();
    await h.advance(0);
    expect(h.of('callback-done')).toMatchObject([{ entryId: h.callEventsOf('callback-booked')[0]!.entryId, outcome: 'completed' }]);
    expect(nothingWentOut(h)).toBe(true);
    expect(alarms).toEqual([]);
  });
});

describe('a flow\'s transfer to a number', () => {
  it('to an international number: refused by the policy, nothing rings, the failed branch runs', async () => {
    const h = await callsHarness({ agents: [] });
    const alarms = alarmsOf(h);
    const caller = h.incoming(flow([
      { id: 'koppla', type: 'transfer', to: '+4722000000', timeoutSeconds: 25, branches: { failed: 'hejda' } },
      { id: 'hejda', type: 'play', prompts: ['goodbye'] },
    ]));
    await h.advance(3);
    await caller.over;
    expect(h.telephony.rung).toEqual([]);
    expect(h.callEventsOf('transfer').map((e) => e.outcome)).toEqual(['unavailable']);
    expect(caller.endpoint.heard('goodbye')).toBe(true);
    expect(alarms).toMatchObject([{ callerClass: 'transfer', refusal: 'destination', destination: 'international' }]);
  });
});
