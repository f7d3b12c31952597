/**
 * An agent transfers the caller from their phone (REFER), on the wire with
 * real SIP and RTP on loopback.
 *
 * A caller (baresip on 127.0.0.1, trusted as the trunk so it can hear the
 * far end) dials the Växel number and waits in the växel queue; Anna (1001,
 * baresip) answers, then transfers with her phone's transfer command: to
 * Erik's extension (1002), to the card queue (`queue-kort`, where Erik is
 * the agent), or to a premium-rate number the dial-out policy refuses. Each
 * phone sends its own tone, so who hears whom is measured, not assumed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { heardMore, lastSecondHeard, startBaresip, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { assertSippOk, describeSippResult, runSipp, startRegisteredSippPhone } from '../support/sipp.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { SessionState, startSoftphone, stopAllSoftphones } from '../support/softphone.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

const VAXEL = '+46313900600';
const ANNA = '1001';
const ERIK = '1002';
const ANNA_HZ = 700;
const ERIK_HZ = 1100;
const CALLER_HZ = 440;
/** Card blocking's service number (config/default.yaml: the kort queue), national form. */
const CARD_NATIONAL = '0313900603';
/** Erik's own number, ringing his extension directly (`numbers[].target`), national form. */
const ERIK_DIRECT = '0313900699';
/** Sweden's premium rate: no caller class may dial it by default. */
const PREMIUM = '+46900123456';

let product: RunningProduct;
let callEvents: CallEvent[] = [];

/** Växel's calls wait in the växel queue, where only Anna of the two is an agent. */
function flows(): string {
  const dir = tempDir('agent-transfer-flows-');
  writeFileSync(join(dir, 'vaxel.yaml'), [
    'flow: vaxel', 'description: Straight into the queue', 'services: [Växel]', 'language: sv', 'nodes:',
    '  - { id: ko, type: queue, queue: vaxel }', '',
  ].join('\n'));
  return dir;
}

beforeAll(async () => {
  product = await startProduct({
    flowDir: flows(),
    tweak: (c) => {
      c.trunks[0]!.trustedSources = [TRUNK_SOURCE_IP, '127.0.0.1'];
      c.numbers.push({ number: '+46313900699', service: 'Erik direkt', target: ERIK });
    },
  });
  product.app.center.on('event', (e) => callEvents.push(e));
}, 30_000);

afterEach(async () => {
  await stopAllSoftphones();
  await stopAllBaresip();
  callEvents = [];
  // Anna's wrap-up from one test must not keep her from the next call.
  await expect.poll(() => product.app.acd.agent(ANNA)?.state ?? 'logged-out', { timeout: 15_000 }).toMatch(/^(ready|logged-out)$/);
}, 30_000);

afterAll(async () => {
  await product?.stop();
});

async function agentPhone(extension: string, hz: number, on: RunningProduct = product): Promise<BaresipPhone> {
  const phone = await startBaresip({
    user: extension, password: `demo-${extension}`, autoAnswer: true, audioSource: { toneHz: hz, seconds: 60 },
    registrar: { host: '127.0.0.1', port: on.sipPort, transport: 'udp' },
  });
  await expect.poll(() => on.app.acd.agent(extension)?.state, { timeout: 5_000 }).toBe('ready');
  return phone;
}

/** A caller on Anna's line: she answered and they hear each other. */
async function callerWithAnna(caller: string): Promise<{ phone: BaresipPhone; anna: BaresipPhone; callId: string }> {
  const anna = await agentPhone(ANNA, ANNA_HZ);
  const phone = await startBaresip({ user: caller, audioSource: { toneHz: CALLER_HZ, seconds: 60 } });
  await phone.dial(`sip:${VAXEL}@127.0.0.1:${product.sipPort}`);
  await phone.waitEvent('CALL_ESTABLISHED', 10_000);
  const established = await anna.waitEvent('CALL_ESTABLISHED', 10_000);
  expect(established.peerdisplayname).toBe(`[Växel] ${caller}`);
  await heardMore(phone, 1);
  expect(Math.abs(lastSecondHeard(phone) - ANNA_HZ)).toBeLessThanOrEqual(15);
  await expect.poll(() => callIdOf(caller), { timeout: 5_000 }).toBeDefined();
  return { phone, anna, callId: callIdOf(caller)! };
}

const callIdOf = (caller: string): string | undefined =>
  callEvents.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started' && e.caller === caller)?.callId;

const transfers = (callId: string): Array<{ node: string; to: string; outcome: string }> =>
  callEvents.flatMap((e) => (e.type === 'transfer' && e.callId === callId ? [{ node: e.node, to: e.to, outcome: e.outcome }] : []));

async function transfer(anna: BaresipPhone, to: string): Promise<void> {
  await anna.command('transfer', `sip:${to}@127.0.0.1:${product.sipPort}`);
}

async function expectNothingLeft(on: RunningProduct = product): Promise<void> {
  const { app } = on;
  await expect.poll(() => (app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => app.sipd!.stats.dialogs, { timeout: 5_000 }).toBe(0);
  for (const q of app.acd.snapshot().queues) expect(q.entries, q.id).toEqual([]);
  const timers = app.acd.pendingTimers();
  expect(timers.steps).toEqual([]);
  expect(timers.rings).toEqual([]);
}

describe('an agent transfers the caller blind (REFER)', () => {
  it.each([
    { target: ERIK, what: 'an extension', caller: '+46701740671' },
    // Erik's own number as the agent dials it: his phone rings, the call does not go out through the trunk.
    { target: ERIK_DIRECT, what: 'a number that rings an extension', caller: '+46701740677' },
  ])('to $what: Erik\'s phone rings with the caller shown, the caller and Erik hear each other, Anna is off the call and in wrap-up', async ({ target, caller }) => {
    const erik = await agentPhone(ERIK, ERIK_HZ);
    const { phone, anna, callId } = await callerWithAnna(caller);

    await transfer(anna, target);
    const established = await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    expect(established.peerdisplayname).toBe(`[Växel] ${caller}`);
    // Anna's phone was told the transfer went through, and her call is over.
    await anna.waitEvent('CALL_CLOSED', 10_000);
    await expect.poll(() => product.app.acd.agent(ANNA)?.state, { timeout: 5_000 }).toBe('wrap-up');
    // Erik, put through by a transfer, is busy for the ACD while the call lasts.
    expect(product.app.acd.agent(ERIK)?.state).toBe('busy');

    await heardMore(phone, 1.5);
    expect(Math.abs(lastSecondHeard(phone) - ERIK_HZ)).toBeLessThanOrEqual(15);
    await heardMore(erik, 1.5);
    expect(Math.abs(lastSecondHeard(erik) - CALLER_HZ)).toBeLessThanOrEqual(15);

    // The record names the extension the call went through to, however the agent dialled it.
    expect(transfers(callId)).toEqual([{ node: `agent:${ANNA}`, to: ERIK, outcome: 'connected' }]);
    await phone.hangup();
    await erik.waitEvent('CALL_CLOSED', 10_000);
    await expectNothingLeft();
    await expect.poll(() => product.app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');
  }, 60_000);

  it.each([
    { target: 'queue-kort', what: 'a queue', caller: '+46701740672' },
    // Card blocking's number as the agent dials it (national form): where its callers wait, not out through the trunk.
    { target: CARD_NATIONAL, what: 'a service number', caller: '+46701740676' },
  ])('to $what: the call waits in the card queue with its data and Erik, its agent, gets it', async ({ target, caller }) => {
    const erik = await agentPhone(ERIK, ERIK_HZ);
    const { phone, anna, callId } = await callerWithAnna(caller);

    await transfer(anna, target);
    await anna.waitEvent('CALL_CLOSED', 10_000);
    const established = await erik.waitEvent('CALL_ESTABLISHED', 15_000);
    // The same call, the same caller and service, offered by the ACD from the card queue.
    expect(established.peerdisplayname).toBe(`[Växel] ${caller}`);
    expect(callEvents.some((e) => e.type === 'agent-connected' && e.callId === callId && e.agentId === ERIK)).toBe(true);
    await heardMore(phone, 1.5);
    expect(Math.abs(lastSecondHeard(phone) - ERIK_HZ)).toBeLessThanOrEqual(15);

    expect(transfers(callId)).toEqual([{ node: `agent:${ANNA}`, to: target, outcome: 'connected' }]);
    await erik.hangup();
    await phone.waitEvent('CALL_CLOSED', 10_000);
    await expectNothingLeft();
  }, 60_000);

  it('to a number the dial-out policy refuses: the phone is told 403, nothing leaves, and the caller stays with the agent', async () => {
    // A desk phone that keeps its call when a transfer fails (baresip 1.0 hangs up instead): SIPp, echoing the caller.
    const desk = await startRegisteredSippPhone(product.sipPort, ANNA, {
      scenario: 'uas-answer-refer.xml', keys: { user: ANNA, refer_to: PREMIUM }, echo: true, durationMs: 1_000,
    });
    const alarms: unknown[] = [];
    product.app.switch.dialOut.on('alarm', (a) => alarms.push(a));
    const caller = '+46701740673';
    const phone = await startBaresip({ user: caller, audioSource: { toneHz: CALLER_HZ, seconds: 60 } });
    await phone.dial(`sip:${VAXEL}@127.0.0.1:${product.sipPort}`);
    await phone.waitEvent('CALL_ESTABLISHED', 10_000);
    await expect.poll(() => callIdOf(caller), { timeout: 5_000 }).toBeDefined();
    const callId = callIdOf(caller)!;

    await desk.waitMessage(/NOTIFY[\s\S]*SIP\/2\.0 403 Forbidden/, 10_000);
    expect(alarms).toEqual([expect.objectContaining({ callerClass: 'transfer', extension: ANNA, refusal: 'destination' })]);
    expect(transfers(callId)).toEqual([{ node: `agent:${ANNA}`, to: PREMIUM, outcome: 'unavailable' }]);
    // Still the agent's call: the caller hears their own tone echoed by the agent's phone, and the agent is busy.
    await heardMore(phone, 1.5);
    expect(Math.abs(lastSecondHeard(phone) - CALLER_HZ)).toBeLessThanOrEqual(15);
    expect(product.app.acd.agent(ANNA)?.state).toBe('busy');

    await phone.hangup();
    const result = await desk.exited;
    expect(result.successful, describeSippResult(result)).toBe(1);
    expect(result.messages).toMatch(/SIP\/2\.0 202 Accepted/);
    expect(result.messages).toMatch(/SIP\/2\.0 100 Trying/);
    await expectNothingLeft();
  }, 60_000);
});

describe('a caller asks the switch to transfer them (REFER)', () => {
  it('from the operator network, to a premium-rate number: 403, nothing is dialled, no transfer is tried', async () => {
    const alarms: unknown[] = [];
    product.app.switch.dialOut.on('alarm', (a) => alarms.push(a));
    const caller = '+46701740675';
    const result = await runSipp({
      scenario: 'uac-refer-refused.xml', remote: product.sipPort, service: VAXEL,
      keys: { caller, refer_to: PREMIUM }, durationMs: 1_000, timeoutMs: 20_000, extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    assertSippOk(result, 1);
    const callId = callIdOf(caller);
    expect(callId).toBeDefined();
    expect(transfers(callId!)).toEqual([]);
    expect(alarms).toEqual([]);
    await expectNothingLeft();
  }, 60_000);
});

describe('an agent transfers the caller after talking to the colleague first (REFER with Replaces)', () => {
  // The softphone connects from 127.0.0.1, which the tests above trust as the trunk: a product of its own, with the
  // caller on the operator network (SIPp, echoing what it hears, so Erik hearing his own tone proves both ways).
  let own: RunningProduct | undefined;
  afterAll(async () => { await own?.stop(); });

  it('Anna (the sip.js softphone) calls Erik through the switch, then joins the caller to him: they hear each other and both of Anna\'s calls end', async () => {
    own = await startProduct({ flowDir: flows() });
    const events: CallEvent[] = [];
    own.app.center.on('event', (e) => events.push(e));
    const { app } = own;
    const caller = '+46701740674';
    const erik = await agentPhone(ERIK, ERIK_HZ, own);
    const anna = await startSoftphone({ extension: ANNA, wsPort: own.wsPort });
    expect((await anna.register()).ok, anna.describe()).toBe(true);
    await expect.poll(() => app.acd.agent(ANNA)?.state, { timeout: 5_000 }).toBe('ready');
    const call = callFromOperatorNetwork(own.sipPort, VAXEL, caller);
    const offer = await anna.nextInvitation(10_000);
    await anna.answer(offer);

    const consultation = await anna.call(ERIK, 10_000);
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    // The switch keeps the call once Anna's ACK reaches it, which may come after Erik's phone is up.
    await expect.poll(() => app.switch.directCalls.size, { timeout: 5_000 }).toBe(1);
    await offer.refer(consultation);

    await anna.waitForState(offer, SessionState.Terminated, 10_000);
    await anna.waitForState(consultation, SessionState.Terminated, 10_000);
    expect(anna.describe()).toMatch(/Refer-To: .*Replaces=/);
    expect(anna.describe()).toMatch(/SIP\/2\.0 200 OK\r?\n?$/m);
    const transferred = events.filter((e) => e.type === 'transfer');
    expect(transferred).toMatchObject([{ node: `agent:${ANNA}`, to: ERIK, outcome: 'connected' }]);
    // Erik's tone went to the caller and came back: the caller and Erik are joined both ways.
    await heardMore(erik, 2);
    expect(Math.abs(lastSecondHeard(erik) - ERIK_HZ)).toBeLessThanOrEqual(15);
    expect(app.acd.agent(ANNA)?.state).toBe('wrap-up');
    expect(app.acd.agent(ERIK)?.state).toBe('busy');
    // Erik's phone kept its one call: it was moved to the caller, never rung again.
    expect(erik.events.filter((e) => e.type === 'CALL_ESTABLISHED')).toHaveLength(1);

    // Erik's hang-up reaches the caller at once: his phone had the ACK for the switch's re-INVITE that moved him,
    // so it did not hold his BYE back while retransmitting its 200 (for 32 s).
    await erik.hangup();
    await waitFor(() => app.center.activeCalls === 0, { what: "the caller's call to end with Erik's hang-up", timeoutMs: 5_000 });
    assertSippOk(await call, 1);
    await expectNothingLeft(own);
    expect(app.switch.directCalls.size).toBe(0);
  }, 60_000);
});
