/**
 * A callback booked from one of our own extensions is made to that
 * extension's phones, never through the trunk: real SIP and RTP on
 * loopback. Extension 1006 (baresip) calls the card-blocking number, waits
 * with nobody logged in, presses 1 and accepts "1 0 0 6" read back; then
 * Erik registers, is rung first, answers, and 1006's own phone rings and
 * answers. The operator network's far end (a SIPp UAS that would answer)
 * receives nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBaresip, stopAllBaresip } from '../support/baresip.js';
import { CARD_NUMBER, eriksPhone, eventTypes as types, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { startTrunkFarEnd } from '../support/operator-network.js';
import { TRUNK_HOST_IP } from '../support/product.js';
import type { SippUas } from '../support/sipp.js';

let running: CallbackCenter | undefined;
let uas: SippUas | undefined;

afterEach(async () => {
  await stopAllBaresip();
  await uas?.stop(500).catch(() => {});
  uas = undefined;
  await running?.stop();
  running = undefined;
});

describe('a callback for a caller on one of our extensions', () => {
  it('1006 books it on its own number: the agent is rung first, then 1006\'s phone; no INVITE reaches the trunk', async () => {
    const r = running = await startCallbackCenter();
    uas = await startTrunkFarEnd(r.trunkPort, { scenario: 'uas-answer.xml' });
    const phone1006 = await startBaresip({
      user: '1006', password: 'demo-1006', autoAnswer: true, registrar: { host: '127.0.0.1', port: r.sipPort, transport: 'udp' },
    });
    await phone1006.dial(CARD_NUMBER);
    await phone1006.waitEvent('CALL_ESTABLISHED', 10_000);
    // "Press 1" comes a second into the wait; then "1 0 0 6, press 1" is accepted with another 1.
    await expect.poll(async () => {
      await phone1006.sendDtmf('1');
      return types(r.callEvents).includes('callback-booked');
    }, { timeout: 40_000, interval: 1_500 }).toBe(true);
    expect(r.callEvents.find((e) => e.type === 'callback-booked')).toMatchObject({ number: '1006' });
    await phone1006.waitEvent('CALL_CLOSED', 15_000);

    const erik = await eriksPhone(r.sipPort);
    await erik.waitEvent('CALL_ESTABLISHED', 20_000);
    await phone1006.waitEvent('CALL_ESTABLISHED', 25_000);
    await expect.poll(() => types(r.callEvents).includes('callback-connected'), { timeout: 10_000 }).toBe(true);
    const dialling = r.callEvents.find((e) => e.type === 'callback-dialling') as { uri: string } | undefined;
    expect(dialling?.uri).not.toContain(TRUNK_HOST_IP);
    await phone1006.hangup();
    await expect.poll(() => r.acdEvents.find((e) => e.type === 'callback-done'), { timeout: 15_000 })
      .toMatchObject({ outcome: 'completed' });

    const trunk = await uas.stop(500);
    uas = undefined;
    expect(trunk.messages).not.toMatch(/^INVITE /m);
  }, 120_000);
});
