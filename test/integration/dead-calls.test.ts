/**
 * Dead calls end by themselves: a leg whose far end stops sending RTP while
 * the call is up (a phone gone, a BYE lost on the way) ends its call after
 * rtp.timeoutSeconds, so the agent is freed and the call recorded as ended
 * without anyone hanging up. Real SIP and RTP on loopback: the caller from
 * the operator network talks until the agent (baresip, sending a tone)
 * answers, then goes silent without a BYE.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stopAllBaresip } from '../support/baresip.js';
import { CARD_NUMBER, ERIK, eriksPhone, eventTypes as types, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { TrunkCaller } from '../support/trunk-caller.js';

let running: CallbackCenter | undefined;
let caller: TrunkCaller | undefined;

afterEach(async () => {
  await caller?.hangUp();
  caller = undefined;
  await stopAllBaresip();
  await running?.stop();
  running = undefined;
});

describe('a call whose caller goes silent', () => {
  it('ends after rtp.timeoutSeconds of no RTP: the caller gets BYE, the agent\'s phone is released, the agent freed, the call ended', async () => {
    const r = running = await startCallbackCenter({ tweak: (c) => { c.rtp.timeoutSeconds = 2; } });
    const erik = await eriksPhone(r.sipPort);
    caller = await TrunkCaller.call(r.sipPort, CARD_NUMBER, '+46701740651');
    let talking = true;
    const talk = (async () => {
      while (talking) await caller!.rtp.talk('PCMU', new Int16Array(1_600));
    })();
    await erik.waitEvent('CALL_ESTABLISHED', 20_000);
    await expect.poll(() => r.app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('busy');
    talking = false;
    await talk;
    const silentFrom = Date.now();

    await caller.waitForBye(15_000);
    expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(1_500);
    await erik.waitEvent('CALL_CLOSED', 10_000);
    await expect.poll(() => r.acdEvents.find((e) => e.type === 'ended'), { timeout: 5_000 }).toMatchObject({ agentId: ERIK });
    expect(types(r.acdEvents)).not.toContain('abandoned');
    await expect.poll(() => r.app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');
    await expect.poll(() => r.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  }, 60_000);
});
