/**
 * CRM webhooks on the wire: SIPp callers on the operator network dial
 * customer service (+46313900601: an avalanche message, then the
 * "kundtjanst" queue) or card blocking (+46313900603, straight to the "kort"
 * queue); Erik's desk phone (1002, a SIPp callee) answers. A real HTTP receiver, checking
 * each signature with the shared secret as README "Webhooks" tells a CRM to,
 * must get every event of the calls exactly once: while it is up, and also
 * when it was down through the calls and the product was stopped (or killed)
 * and started again on the same DATA_DIR in the meantime. A callback booked
 * by pressing 1 in line is requested, then done by Erik's softphone (baresip)
 * calling the customer through the trunk (SIPp).
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookEventSchema } from '../../server/api/webhooks/events.js';
import { stopAllBaresip } from '../support/baresip.js';
import { eriksPhone as eriksSoftphone, startCallbackCenter, takeCallback } from '../support/callbacks.js';
import { callFromOperatorNetwork, startTrunkFarEnd } from '../support/operator-network.js';
import { startProduct, startProductProcess, testConfig, type RunningProduct } from '../support/product.js';
import { flowDir } from '../../server/app.js';
import { assertSippOk, killAllSipp, startRegisteredSippPhone, type SippUas } from '../support/sipp.js';
import { writeToneWav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { WebhookReceiver, type ReceivedDelivery } from '../support/webhook-receiver.js';
import type { Config } from '../../config/schema.js';

const SERVICE_NUMBER = '+46313900601';
const CARD_NUMBER = '+46313900603';
const CALLER = '+46701740651';
const SECRET = 'kustbanken-crm-shared-secret';
const CARD = { caller: CALLER, dialled: CARD_NUMBER, service: 'Kort och spärr' };
const ANSWERED_CALL = ['call.started', 'call.queued', 'call.offered', 'call.answered', 'call.ended'];

let product: RunningProduct | undefined;
let receiver: WebhookReceiver | undefined;
let child: ChildProcess | undefined;
let trunk: SippUas | undefined;

afterEach(async () => {
  await stopAllBaresip();
  await trunk?.stop(1_000).catch(() => {});
  trunk = undefined;
  killAllSipp();
  child?.kill('SIGKILL');
  child = undefined;
  await product?.stop();
  product = undefined;
  await receiver?.down();
  receiver = undefined;
});

function setUp(c: Config, crm: WebhookReceiver, dataDir: string): void {
  c.dataDir = dataDir;
  c.webhooks = [{ url: crm.url, secret: SECRET, maxAgeHours: 72 }];
  // Customer service open at any hour, with an avalanche message prepared for it.
  c.ivr.alwaysOpen = true;
  c.avalanche = [{ id: '1', services: ['Kundtjänst'], slot: 'lavin-1' }];
}

async function start(crm: WebhookReceiver, dataDir: string): Promise<RunningProduct> {
  return startProduct({ tweak: (c) => setUp(c, crm, dataDir) });
}

/** Erik's desk phone registered and ready, answering `calls` calls. */
async function eriksPhone(p: RunningProduct): Promise<void> {
  await startRegisteredSippPhone(p.sipPort, '1002', { scenario: 'uas-answer.xml' });
  await expect.poll(() => p.app.acd.agent('1002')?.state, { timeout: 10_000 }).toBe('ready');
}

/** The deliveries by call, in the order the calls started. */
function byCall(received: readonly ReceivedDelivery[]): ReceivedDelivery[][] {
  const calls = new Map<string, ReceivedDelivery[]>();
  for (const d of received) calls.set(d.event.callId, [...(calls.get(d.event.callId) ?? []), d]);
  return [...calls.values()];
}

function expectEachOnceSignedAndValid(received: readonly ReceivedDelivery[]): void {
  const ids = received.map((d) => d.event.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const d of received) {
    expect(d.signed, `signature of ${d.event.type}`).toBe(true);
    expect(Value.Check(WebhookEventSchema, d.event), JSON.stringify(d.event)).toBe(true);
    expect(d.headers['vaxel-event-id']).toBe(d.event.id);
  }
}

describe('CRM webhooks', () => {
  it('a call that hears an avalanche message and is answered by an agent: the CRM gets each of its events once, signed, with caller, number, service, queue and agent', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    product = await start(receiver, tempDir('data-'));
    writeToneWav(join(product.config.dataDir, 'announcements', 'lavin-1.wav'), { hz: 600, seconds: 1, amplitude: 0.5 });
    await product.app.avalanche.switch('1', true, Date.now(), 'test');
    await eriksPhone(product);

    assertSippOk(await callFromOperatorNetwork(product.sipPort, SERVICE_NUMBER, CALLER, { hangUpAfterMs: 8_000 }), 1);
    await waitFor(() => receiver!.types().includes('call.ended'), { what: 'call.ended at the CRM' });
    await waitFor(() => product!.app.webhooks.backlog() === 0, { what: 'nothing left to deliver' });

    const crm = receiver.received;
    expect(crm.map((d) => d.event.type)).toEqual(['call.started', 'avalanche.heard', 'call.queued', 'call.offered', 'call.answered', 'call.ended']);
    expectEachOnceSignedAndValid(crm);
    const [started, heard, queued, offered, answered, ended] = crm.map((d) => d.event);
    const callId = started!.callId;
    const facts = { caller: CALLER, dialled: SERVICE_NUMBER, service: 'Kundtjänst' };
    for (const e of crm.map((d) => d.event)) expect(e).toMatchObject({ version: 1, callId, ...facts });
    expect(heard).toMatchObject({ messageIds: ['1'] });
    expect(queued).toMatchObject({ queue: 'kundtjanst' });
    expect(offered).toMatchObject({ queue: 'kundtjanst', agent: '1002' });
    expect(answered).toMatchObject({ queue: 'kundtjanst', agent: '1002', waitSeconds: expect.any(Number) });
    expect(ended).toMatchObject({ agent: '1002', endedBy: 'caller' });
  }, 60_000);

  it('the CRM down through three calls and the product restarted meanwhile, one caller still waiting: when it is back, it gets every event once', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    await receiver.down();
    const dataDir = tempDir('data-');
    product = await start(receiver, dataDir);
    await eriksPhone(product);

    // Erik answers the first caller, then takes a break: the second waits and hangs up.
    assertSippOk(await callFromOperatorNetwork(product.sipPort, CARD_NUMBER, CALLER, { hangUpAfterMs: 4_000 }), 1);
    await product.app.acd.pause('1002', 'lunch');
    assertSippOk(await callFromOperatorNetwork(product.sipPort, CARD_NUMBER, CALLER, { hangUpAfterMs: 2_000 }), 1);
    // The third is still in line when the product stops: the stop ends the call.
    const third = callFromOperatorNetwork(product.sipPort, CARD_NUMBER, CALLER);
    // Five events of the answered call, four of the abandoned one, two of the waiting one so far.
    await waitFor(() => product!.app.webhooks.backlog() === 11, { what: 'eleven events waiting for the CRM' });
    expect(receiver.received).toEqual([]);

    await product.stop();
    assertSippOk(await third, 1);
    product = await start(receiver, dataDir);
    expect(product.app.webhooks.backlog()).toBe(13);
    await receiver.up();
    await waitFor(() => product!.app.webhooks.backlog() === 0, { what: 'the backlog delivered after the restart', timeoutMs: 30_000 });

    const crm = receiver.received;
    expectEachOnceSignedAndValid(crm);
    const [answered, abandoned, cut] = byCall(crm).map((call) => call.map((d) => d.event));
    expect(answered!.map((e) => e.type)).toEqual(ANSWERED_CALL);
    // The ACD's abandon and the call's end are told by different parts, in either order.
    const ABANDONED = ['call.abandoned', 'call.ended', 'call.queued', 'call.started'];
    expect(abandoned!.map((e) => e.type).sort()).toEqual(ABANDONED);
    expect(cut!.map((e) => e.type).sort()).toEqual(ABANDONED);
    for (const e of crm.map((d) => d.event)) expect(e).toMatchObject(CARD);
    expect(abandoned!.find((e) => e.type === 'call.abandoned')).toMatchObject({ queue: 'kort', waitSeconds: expect.any(Number) });
    expect(abandoned!.find((e) => e.type === 'call.ended')).toMatchObject({ endedBy: 'caller' });
    expect(abandoned!.find((e) => e.type === 'call.ended')).not.toHaveProperty('agent');
    expect(cut!.find((e) => e.type === 'call.ended')).toMatchObject({ endedBy: 'local' });
  }, 90_000);

  it('kill -9 with the CRM down, restart on the same DATA_DIR: the CRM gets the call\'s events once when it is back', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    await receiver.down();
    const dataDir = tempDir('data-');
    const config = await testConfig();
    setUp(config, receiver, dataDir);
    child = await startProductProcess(config, flowDir());

    // Nobody staffs the queue: the caller waits two seconds and hangs up.
    assertSippOk(await callFromOperatorNetwork(config.sip.port, CARD_NUMBER, CALLER, { hangUpAfterMs: 2_000 }), 1);
    // Queued on disk (what the kill leaves is all there is): the call's four events.
    const journal = (): string => readdirSync(join(dataDir, 'webhooks')).map((f) => readFileSync(join(dataDir, 'webhooks', f), 'utf8')).join('');
    await waitFor(() => ['call.started', 'call.queued', 'call.abandoned', 'call.ended'].every((t) => journal().includes(`"type":"${t}"`)),
      { what: "the call's events in the webhook journal" });
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = undefined;

    product = await start(receiver, dataDir);
    await receiver.up();
    await waitFor(() => product!.app.webhooks.backlog() === 0, { what: 'the backlog delivered after the restart', timeoutMs: 30_000 });
    const crm = receiver.received;
    expectEachOnceSignedAndValid(crm);
    expect(crm.map((d) => d.event.type).sort()).toEqual(['call.abandoned', 'call.ended', 'call.queued', 'call.started']);
    for (const d of crm) expect(d.event).toMatchObject(CARD);
  }, 90_000);

  it('a caller books a callback and an agent makes it: requested, then done with the agent and the number called back', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    const center = await startCallbackCenter({ tweak: (c) => setUp(c, receiver!, tempDir('data-')) });
    product = center;

    await takeCallback(center.sipPort, CARD_NUMBER, CALLER);
    // The customer's phone, out through the trunk, answers and talks a second; Erik makes the callback.
    trunk = await startTrunkFarEnd(center.trunkPort, { scenario: 'uas-answer-then-bye.xml', durationMs: 1_000 });
    await eriksSoftphone(center.sipPort);
    await waitFor(() => receiver!.types().includes('callback.done'), { what: 'callback.done at the CRM', timeoutMs: 45_000 });
    await waitFor(() => center.app.webhooks.backlog() === 0, { what: 'nothing left to deliver' });

    const crm = receiver.received;
    expectEachOnceSignedAndValid(crm);
    expect(crm.map((d) => d.event.type)).toEqual(['call.started', 'call.queued', 'callback.requested', 'call.ended', 'callback.done']);
    const callId = crm[0]!.event.callId;
    for (const d of crm) expect(d.event).toMatchObject({ callId, ...CARD });
    expect(crm[2]!.event).toMatchObject({ queue: 'kort', callbackNumber: CALLER });
    expect(crm[4]!.event).toMatchObject({ queue: 'kort', callbackNumber: CALLER, agent: '1002', outcome: 'completed' });
  }, 90_000);
});
