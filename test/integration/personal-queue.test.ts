/**
 * A personal queue on the wire: a number set up as one agent's own
 * (`numbers[].personalAgent`) rings that agent first, even when a colleague
 * has been idle longer, and once the queue's `personalOverflowSeconds` have
 * passed the call goes to the queue's other agents.
 *
 * The caller is SIPp on the operator network; the agents' desk phones are
 * SIPp callees registered for their extensions: Oskar's (1004) rings and is
 * never answered, Erik's (1002) answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { assertSippOk, killAllSipp, startRegisteredSippPhone } from '../support/sipp.js';

const CARD_NUMBER = '+46313900603';
const CALLER = '+46701740651';
const OVERFLOW_SECONDS = 5;

let product: RunningProduct | undefined;

afterEach(async () => {
  killAllSipp();
  await product?.stop();
  product = undefined;
});

describe('a personal queue', () => {
  it("a caller on an agent's own number rings that agent first, and overflows to the queue after the set time", async () => {
    product = await startProduct({
      tweak: (c) => {
        c.numbers.find((n) => n.number === CARD_NUMBER)!.personalAgent = '1004';
        const kort = c.queues.find((q) => q.id === 'kort')!;
        kort.personalOverflowSeconds = OVERFLOW_SECONDS;
        // Oskar misses once and is paused: the overflow, not a second try, brings Erik in.
        kort.ringTimeoutSeconds = 3;
        kort.maxMissedOffers = 1;
      },
    });
    const { app } = product;
    const acdEvents: Array<AcdEvent & { seenAt: number }> = [];
    const callEvents: CallEvent[] = [];
    app.acd.on((e) => acdEvents.push({ ...e, seenAt: Date.now() }));
    app.center.on('event', (e) => callEvents.push(e));

    // Erik is logged in first: without the personal queue he, idle longest, would get the call.
    const erik = await startRegisteredSippPhone(product.sipPort, '1002', { scenario: 'uas-answer.xml' });
    await expect.poll(() => app.acd.agent('1002')?.state, { timeout: 10_000 }).toBe('ready');
    const oskar = await startRegisteredSippPhone(product.sipPort, '1004', { scenario: 'uas-ring-expect-cancel.xml' });
    await expect.poll(() => app.acd.agent('1004')?.state, { timeout: 10_000 }).toBe('ready');
    expect(app.acd.agent('1002')!.idleSince).toBeLessThan(app.acd.agent('1004')!.idleSince!);

    // The caller stays on the line past the overflow and a while with Erik, then hangs up.
    const call = await callFromOperatorNetwork(product.sipPort, CARD_NUMBER, CALLER, { hangUpAfterMs: 10_000 });
    assertSippOk(call, 1);

    const queued = acdEvents.find((e) => e.type === 'queued');
    expect(queued?.type === 'queued' && queued.entry.personalAgentId).toBe('1004');
    const offers = acdEvents.flatMap((e) => (e.type === 'offered-to-agent' ? [e] : []));
    expect(offers.map((o) => o.agentId)).toEqual(['1004', '1002']);
    // Oskar's phone rang and was cancelled when his offer ran out.
    const oskarDone = await oskar.stop(2_000);
    assertSippOk(oskarDone, 1);
    // Erik was offered the call only once the personal time was over, not when Oskar's ringing ended.
    expect(offers[1]!.seenAt - queued!.seenAt).toBeGreaterThanOrEqual(OVERFLOW_SECONDS * 1000 - 250);
    expect(callEvents.some((e) => e.type === 'agent-connected' && e.agentId === '1002')).toBe(true);
    const erikDone = await erik.stop(2_000);
    assertSippOk(erikDone, 1);
    expect(app.acd.agent('1004')?.state).toBe('paused');
  });
});
