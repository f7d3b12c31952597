/**
 * Session timers (RFC 4028) on the wire: a caller on the operator network
 * (SIPp on 127.0.0.2, no timer support, takes UPDATE) reaches Erik's phone
 * (1002, an agent; SIPp), either straight through the switch's B2BUA
 * (Kundtjänst's number ringing his extension) or through the contact
 * center's queue with our media on both legs (Kort och spärr). The switch
 * refreshes both legs with UPDATE at half the interval; the product runs on
 * a clock the test jumps forward, so the half hours pass at once while the
 * SIP is real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/schema.js';
import { ringExtensionsDirectly, startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { CARD_NUMBER, setUpKort } from '../support/callbacks.js';
import { assertSippOk, runSipp, startRegisteredSippPhone, type SippResult, type SippUas } from '../support/sipp.js';
import { ShiftedClock } from '../support/clock.js';
import { waitFor } from '../support/wait.js';
import { createLogger } from '../../server/log.js';

const KUNDTJANST = '+46313900601';
const ERIK = '1002';
/** Half the interval the switch offers and asks for (sip.sessionTimers.expiresSeconds 1800): when it refreshes. */
const HALF_INTERVAL_MS = 900_000;

let clock: ShiftedClock;
let product: RunningProduct;
const lines: Array<{ level: number; msg: string; why?: string; callId?: string }> = [];

/** The product for the tests of a describe, on a clock of its own, its log lines in `lines`. */
function runProduct(tweak: (c: Config) => void): void {
  beforeAll(async () => {
    clock = new ShiftedClock();
    product = await startProduct({
      tweak, clock,
      logger: createLogger('debug', { write: (line: string) => { lines.push(JSON.parse(line) as (typeof lines)[number]); } }),
    });
  });
  afterAll(async () => {
    await product?.stop();
  });
}

const erik = () => product.app.acd.agent(ERIK);

/** Erik's phone, registered, and Erik ready for calls. */
async function erikAnswersWith(scenario: string): Promise<SippUas> {
  const phone = await startRegisteredSippPhone(product.sipPort, ERIK, { scenario, timeoutMs: 60_000 });
  await expect.poll(() => erik()?.state, { timeout: 5_000 }).toBe('ready');
  return phone;
}

/** A caller on the operator network calling `number`, answered by Erik; `done` settles when its SIPp is done. */
async function callErik(number: string): Promise<{ done: Promise<SippResult> }> {
  lines.length = 0;
  const call = runSipp({
    scenario: 'uac-answer-refreshes.xml', remote: product.sipPort, service: number,
    keys: { caller: '+46701740650' }, extraArgs: ['-i', TRUNK_SOURCE_IP], timeoutMs: 60_000,
  });
  await expect.poll(() => erik()?.state, { timeout: 15_000 }).toBe('busy');
  return { done: call };
}

/** UPDATEs the phone has received so far. */
function updatesTo(phone: SippUas): number {
  return phone.messagesSoFar().match(/^UPDATE sip:/gm)?.length ?? 0;
}

/** Refreshes of ours that succeeded, on either leg. */
const refreshed = (): number => lines.filter((l) => l.msg === 'session refreshed').length;

/** Why sessions expired (the switch's warnings). */
const expiries = (): Array<string | undefined> => lines.filter((l) => l.msg === 'session expired: ending the call').map((l) => l.why);

/**
 * Three rounds of refreshes answered on both legs (an hour and a half, more
 * than the interval) keep the call up; the fourth, answered 481 by Erik's
 * phone, ends it on both legs.
 */
async function refreshesThen481(number: string): Promise<void> {
  const phone = await erikAnswersWith('uas-refreshes-then-481.xml');
  const call = await callErik(number);
  await waitFor(() => product.app.switch.sessionTimers.active === 2, { what: 'both legs answered', timeoutMs: 5_000 });

  for (let round = 1; round <= 3; round++) {
    clock.jump(HALF_INTERVAL_MS);
    await waitFor(() => refreshed() === 2 * round, { what: `refresh round ${round} answered on both legs`, timeoutMs: 5_000 });
    expect(updatesTo(phone)).toBe(round);
  }
  expect(erik()).toMatchObject({ state: 'busy' });
  expect(expiries()).toEqual([]);
  expect(product.app.switch.sessionTimers.active).toBe(2);

  clock.jump(HALF_INTERVAL_MS);
  assertSippOk(await phone.exited, 1);
  assertSippOk(await call.done, 1);
  expect(expiries()).toEqual(['session refresh failed with 481']);
}

describe('session timers on a call through the switch', () => {
  runProduct(ringExtensionsDirectly);

  it('refreshes keep the call up over several intervals; a refresh answered 481 ends it on both legs and frees the agent', async () => {
    await refreshesThen481(KUNDTJANST);
    await expect.poll(() => erik()?.state, { timeout: 5_000 }).toBe('ready');
    expect(erik()?.otherCalls ?? []).toEqual([]);
    expect(product.app.switch.sessionTimers.active).toBe(0);
  }, 60_000);

  it('a phone that stops answering refreshes: both legs get BYE before the interval is over, and the agent is free', async () => {
    const phone = await erikAnswersWith('uas-refresh-unanswered.xml');
    const call = await callErik(KUNDTJANST);

    clock.jump(HALF_INTERVAL_MS);
    // The caller's leg answers its refresh; Erik's phone does not.
    await waitFor(() => updatesTo(phone) >= 1 && refreshed() === 1, { what: 'the refreshes sent, the caller\'s answered', timeoutMs: 5_000 });
    expect(erik()).toMatchObject({ state: 'busy' });
    expect(expiries()).toEqual([]);

    // No answer to it by the interval less 32 s (RFC 4028 section 10): BYE, long before the UPDATE transaction's own 32 s.
    clock.jump(1_768_000 - HALF_INTERVAL_MS);
    assertSippOk(await phone.exited, 1);
    assertSippOk(await call.done, 1);
    expect(expiries()).toEqual(['no session refresh within the interval']);
    await expect.poll(() => erik()?.state, { timeout: 5_000 }).toBe('ready');
    expect(product.app.switch.sessionTimers.active).toBe(0);
  }, 60_000);

  it('a phone wanting a longer session interval answers 422: it is asked again in the same call with its Min-SE, and answers', async () => {
    const phone = await erikAnswersWith('uas-422-then-answer.xml');
    lines.length = 0;
    const call = await runSipp({
      scenario: 'uac-basic.xml', remote: product.sipPort, service: KUNDTJANST, durationMs: 200,
      keys: { caller: '+46701740650' }, extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    assertSippOk(call, 1);
    assertSippOk(await phone.exited, 1);
    expect(lines.filter((l) => l.msg === 'session interval too brief for the phone: asked again')).toHaveLength(1);
    await expect.poll(() => erik()?.state, { timeout: 5_000 }).toBe('ready');
    expect(product.app.switch.sessionTimers.active).toBe(0);
  }, 30_000);

  it('an INVITE asking for a session interval below Min-SE gets 422 with the Min-SE', async () => {
    const refused = await runSipp({
      scenario: 'uac-session-too-brief.xml', remote: product.sipPort, service: KUNDTJANST,
      keys: { caller: '+46701740650' }, extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    assertSippOk(refused, 1);
    expect(product.app.switch.sessionTimers.active).toBe(0);
  });
});

describe('session timers on a call answered by the contact center', () => {
  runProduct((c) => {
    setUpKort(c);
    // The callers here send no RTP: only the session timers may end their calls.
    c.rtp.timeoutSeconds = 0;
  });

  it('the caller\'s and the agent\'s legs are refreshed; when the agent\'s phone answers 481 both get BYE, the call is ended and the agent freed', async () => {
    const events: string[] = [];
    product.app.acd.on((e) => { if (e.type === 'ended' || e.type === 'abandoned') events.push(e.type); });
    await refreshesThen481(CARD_NUMBER);
    await expect.poll(() => events, { timeout: 5_000 }).toEqual(['ended']);
    // After the queue's wrap-up (1 s).
    await expect.poll(() => erik()?.state, { timeout: 5_000 }).toBe('ready');
    await expect.poll(() => product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
    expect(product.app.switch.sessionTimers.active).toBe(0);
  }, 60_000);
});
