/**
 * The dial-out policy on the wire (server/sip/dial-out.ts): real SIP and
 * RTP on loopback, with the operator network's far end (a SIPp UAS on
 * 127.0.0.3 that would answer anything) watching for INVITEs.
 *
 * - A caller from the trunk presenting +882... is not offered their own
 *   number for a callback, and keying 00882... is refused: nothing is
 *   booked, the alarm is raised, and the trunk gets no INVITE.
 * - An extension dialling an international number gets 403; a national
 *   number goes out; with maxConcurrentCalls 1 the second call out at once
 *   gets 403 without an INVITE to the trunk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DialOutAlarm } from '../../server/sip/dial-out.js';
import { CARD_NUMBER, eventTypes as types, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { startTrunkFarEnd } from '../support/operator-network.js';
import type { SippUas } from '../support/sipp.js';
import { startSoftphone, stopAllSoftphones } from '../support/softphone.js';
import { TrunkCaller } from '../support/trunk-caller.js';

const SATELLITE = '+88216123456';

let running: CallbackCenter | undefined;
let uas: SippUas | undefined;
let caller: TrunkCaller | undefined;

afterEach(async () => {
  await caller?.hangUp();
  caller = undefined;
  await stopAllSoftphones();
  await uas?.stop(500).catch(() => {});
  uas = undefined;
  await running?.stop();
  running = undefined;
});

function alarmsOf(r: CallbackCenter): DialOutAlarm[] {
  const alarms: DialOutAlarm[] = [];
  r.app.switch.dialOut.on('alarm', (a) => alarms.push(a));
  return alarms;
}

/** What the trunk's far end received, once stopped. */
async function trunkReceived(): Promise<string> {
  const result = await uas!.stop(500);
  uas = undefined;
  return result.messages;
}

describe('toll fraud through a callback', () => {
  it('a trunk caller presenting +882 who keys 00882 in the callback dialogue: nothing booked, an alarm, no INVITE to the trunk', async () => {
    const r = running = await startCallbackCenter();
    const alarms = alarmsOf(r);
    uas = await startTrunkFarEnd(r.trunkPort, { scenario: 'uas-answer.xml' });

    caller = await TrunkCaller.call(r.sipPort, CARD_NUMBER, SATELLITE);
    // "Press 1" is offered a second into the wait; their own number is then
    // refused before it could be read back: "key in your number".
    await expect.poll(async () => {
      await caller!.press('1');
      return alarms.length;
    }, { timeout: 10_000, interval: 300 }).toBe(1);
    await caller.press('0088216123456#');
    await expect.poll(() => alarms.length, { timeout: 10_000 }).toBe(2);
    expect(alarms).toMatchObject([
      { callerClass: 'callback', refusal: 'destination', destination: 'special', number: SATELLITE },
      { callerClass: 'callback', refusal: 'destination', destination: 'special', number: SATELLITE },
    ]);
    await caller.hangUp();
    caller = undefined;
    await expect.poll(() => r.app.center.activeCalls, { timeout: 5_000 }).toBe(0);

    expect(types(r.acdEvents)).not.toContain('callback-requested');
    expect(types(r.callEvents)).not.toContain('callback-booked');
    expect(r.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.entries).toEqual([]);
    expect(await trunkReceived()).not.toMatch(/^INVITE /m);
  }, 60_000);
});

describe('an extension calling out through the trunk', () => {
  it('international: 403 and no INVITE to the trunk; national: out through the trunk; the call beyond maxConcurrentCalls: 403', async () => {
    const r = running = await startCallbackCenter({ tweak: (c) => { c.dialOut.maxConcurrentCalls = 1; } });
    const alarms = alarmsOf(r);
    uas = await startTrunkFarEnd(r.trunkPort, { scenario: 'uas-answer.xml' });
    const phone = await startSoftphone({ extension: '1003', wsPort: r.wsPort });
    expect((await phone.register()).ok).toBe(true);

    await expect(phone.call('+4722000000')).rejects.toThrow(/\(403 /);
    await expect(phone.call('00882161234567')).rejects.toThrow(/\(403 /);
    expect(alarms).toMatchObject([
      { callerClass: 'extension', extension: '1003', refusal: 'destination', destination: 'international' },
      { callerClass: 'extension', extension: '1003', refusal: 'destination', destination: 'special' },
    ]);

    const out = await phone.call('0701740699');
    expect(r.app.switch.dialOut.activeCalls).toBe(1);
    await expect(phone.call('0701740698')).rejects.toThrow(/\(403 /);
    expect(alarms.at(-1)).toMatchObject({ refusal: 'concurrent-calls', number: '+46701740698' });
    await phone.hangup(out);
    await expect.poll(() => r.app.switch.dialOut.activeCalls, { timeout: 5_000 }).toBe(0);

    const received = await trunkReceived();
    expect(received.match(/^INVITE /gm)).toHaveLength(1);
    expect(received).toMatch(/^INVITE sip:\+46701740699@/m);
  }, 60_000);
});
