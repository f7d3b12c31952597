/**
 * An agent who calls a queue they are in from their own phone is busy for
 * the ACD from the answer to the end, and is never offered their own call,
 * on the wire: Erik (1002, baresip, in the card queue) dials the card
 * number (+46313900603, queue kort, here with a short maximum wait). With
 * no other agent his call waits until it overflows and is never offered to
 * him; he is ready again after it, not paused. With Oskar (1004) ready,
 * Oskar's phone gets it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../server/acd/index.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { startAgentPhone, type BaresipPhone } from '../support/baresip.js';
import { productPerTest } from '../support/product-per-test.js';
import { tempDir } from '../support/tmp.js';

const CARD_NUMBER = '+46313900603';
const ERIK = '1002';
const OSKAR = '1004';
const MAX_WAIT_SECONDS = 4;

let acdEvents: AcdEvent[] = [];

/** The card queue with a short maximum wait, then goodbye. */
function flows(): string {
  const dir = tempDir('own-queue-flows-');
  writeFileSync(join(dir, 'kort.yaml'), [
    'flow: kort', 'description: Card blocking, short wait', 'services: [Kort och spärr]', 'language: sv', 'nodes:',
    `  - { id: ko, type: queue, queue: kort, maxWaitSeconds: ${MAX_WAIT_SECONDS}, branches: { overflow: hejda } }`,
    '  - { id: hejda, type: hangup }', '',
  ].join('\n'));
  return dir;
}

const started = productPerTest(async () => {
  const product = await startProduct({ flowDir: flows() });
  acdEvents = [];
  product.app.acd.on((e) => acdEvents.push(e));
  return product;
});
const start = (): Promise<RunningProduct> => started.start();
const running = (): RunningProduct => started.product;

const phone = (extension: string, autoAnswer: boolean): Promise<BaresipPhone> =>
  startAgentPhone(running(), extension, { autoAnswer, audioSource: { toneHz: 600, seconds: 60 } });

const offersTo = (agent: string): AcdEvent[] => acdEvents.filter((e) => e.type === 'offered-to-agent' && e.agentId === agent);

describe('an agent calls a queue they are in from their own phone', () => {
  it('alone in the queue: the call waits and overflows, never offered to them; they are ready afterwards, not paused', async () => {
    await start();
    const erik = await phone(ERIK, false);

    await erik.dial(`sip:${CARD_NUMBER}@127.0.0.1:${running().sipPort}`);
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await expect.poll(() => running().app.acd.agent(ERIK), { timeout: 5_000 }).toMatchObject({ state: 'busy', otherCalls: [expect.any(String)] });
    await expect.poll(() => acdEvents.some((e) => e.type === 'queued' && e.entry.queueId === 'kort'), { timeout: 5_000 }).toBe(true);

    // The flow hangs up after the maximum wait.
    await erik.waitEvent('CALL_CLOSED', (MAX_WAIT_SECONDS + 10) * 1000);
    expect(acdEvents.filter((e) => e.type === 'overflowed')).toHaveLength(1);
    expect(offersTo(ERIK)).toEqual([]);
    expect(erik.events.filter((e) => e.type === 'CALL_INCOMING')).toEqual([]);
    await expect.poll(() => running().app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');
    expect(running().app.acd.agent(ERIK)?.otherCalls).toBeUndefined();
    expect(acdEvents.filter((e) => e.type === 'offer-missed')).toEqual([]);
  }, 60_000);

  it('another agent ready: that agent gets it, and the caller\'s phone is never rung', async () => {
    await start();
    const erik = await phone(ERIK, false);
    const oskar = await phone(OSKAR, true);

    await erik.dial(`sip:${CARD_NUMBER}@127.0.0.1:${running().sipPort}`);
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await oskar.waitEvent('CALL_ESTABLISHED', 10_000);
    await expect.poll(() => acdEvents.some((e) => e.type === 'answered' && e.agentId === OSKAR), { timeout: 5_000 }).toBe(true);
    expect(offersTo(ERIK)).toEqual([]);
    expect(offersTo(OSKAR)).toHaveLength(1);

    await erik.hangup();
    await oskar.waitEvent('CALL_CLOSED', 10_000);
    expect(erik.events.filter((e) => e.type === 'CALL_INCOMING')).toEqual([]);
    await expect.poll(() => running().app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');
  }, 60_000);
});
