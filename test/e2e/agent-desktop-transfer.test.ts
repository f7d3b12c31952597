/**
 * Transfers from the agent desktop's softphone, in headless Chromium on
 * the real product.
 *
 * Anna (1001, made a card specialist here) answers in the page; the
 * callers dial card blocking from the operator network (SIPp, sending back
 * the audio it gets). Erik (1002) is in a meeting (paused for the ACD), his
 * desk phone (baresip, answering at once, sending a tone) on his desk.
 *
 * - Blind: Anna transfers the caller to 1002; Erik's phone rings with the
 *   service and the caller and answers; the page's call ends and Anna goes
 *   to wrap-up; Erik hears his own tone come back from the caller's
 *   phone, so the two are in one call, both ways.
 * - After talking first: Anna consults 1002; the caller is put on hold
 *   (music), the page and Erik hear each other; she connects them: both of
 *   her calls end, Erik's phone keeps its one call, now with the caller
 *   (his tone comes back), and his hang-up ends the caller's call at once.
 * - Failures: a blind transfer to an extension with no phone and a
 *   consultation with a number that does not exist are said beside the
 *   field, and Anna keeps the caller: still on the call, the caller off
 *   hold, her hang-up ends it.
 *
 * The connect and the first failed transfer are keyed, not clicked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { flowDir } from '../../server/app.js';
import type { CallEvent } from '../../server/calls/center.js';
import { cachedWav, chirp, dominantFrequency, heardStretched, readWav, type Wav } from '../support/audio.js';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { heardMore, lastSecondHeard, recordingClosed, startBaresip, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { signIn, useBrowser } from '../support/browser.js';
import { CARD_NUMBER, ERIK, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { heardMark, heardSince, tapAudio } from '../support/page-audio.js';
import { TEST_ADMIN_PASSWORD } from '../support/product.js';
import { to8k } from '../support/rtp-peer.js';
import { assertSippOk, killAllSipp, type SippResult } from '../support/sipp.js';
import { waitFor } from '../support/wait.js';

const ANNA = '1001';
const ERIK_HZ = 1100;
/** An extension with no phone registered. */
const NO_PHONE = '1003';
/** Neither an extension nor a number the switch can call. */
const NO_SUCH_NUMBER = '1999';

/** The page's microphone: a rising chirp, then silence, over and over (a steady tone would be taken for noise). */
const MICROPHONE = cachedWav('desk-transfer-microphone-chirp', () => Float32Array.from([...chirp(1.2, { f0: 400, f1: 2800 }), ...new Float64Array(6400)]));

const browser = useBrowser({ fakeMicrophone: { file: MICROPHONE } });
let product: CallbackCenter;
let erik: BaresipPhone;

beforeAll(async () => {
  product = await startCallbackCenter({
    flowDir: flowDir(),
    // Long enough for the page to show it; ended by "ready now".
    kort: { wrapUpSeconds: 300 },
    tweak: (c) => { c.extensions.find((e) => e.extension === ANNA)!.agent!.skills['kort'] = 4; },
  });
  await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
  erik = await startBaresip({
    user: ERIK, password: 'demo-1002', autoAnswer: true, audioSource: { toneHz: ERIK_HZ, seconds: 300 },
    registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
  });
  // In a meeting: the ACD offers him nothing, his desk phone still takes calls put through to it.
  await waitFor(() => product.app.acd.agent(ERIK)?.state === 'ready', { what: 'Erik logged in by his phone' });
  await product.app.acd.pause(ERIK, 'Möte');

  const { page } = browser;
  await page.goto(`http://127.0.0.1:${product.config.http.port}/`);
  await signIn(page, TEST_USERS.agent.name, TEST_USERS.agent.password);
  await page.getByLabel('Webbläsaren (webbtelefon)').check();
  await page.getByLabel(`Lösenord för anknytning ${ANNA}`).fill('demo-1001');
  await page.getByRole('button', { name: 'Anslut webbtelefonen' }).click();
  await page.getByText('Webbtelefonen är ansluten.').waitFor({ timeout: 10_000 });
});

afterAll(async () => {
  killAllSipp();
  await stopAllBaresip();
  await product?.stop();
});

const inCall = (): Locator => browser.page.locator('[data-section="call"]');
const transferred = (callId: string): CallEvent[] => product.callEvents.filter((e) => e.type === 'transfer' && e.callId === callId);
const eriksCalls = (): number => erik.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;

/** A caller on the card-blocking number, answered in the page; resolves with the call's id and the caller's SIPp run. */
async function answeredCaller(caller: string): Promise<{ callId: string; ended: Promise<SippResult> }> {
  const { page } = browser;
  await page.locator('[data-desk-state]', { hasText: /^Ledig$/ }).waitFor();
  const ended = callFromOperatorNetwork(product.sipPort, CARD_NUMBER, caller);
  const offer = page.locator('[data-section="offer"]');
  await offer.locator('[data-field="caller"]', { hasText: caller }).waitFor({ timeout: 15_000 });
  await offer.getByRole('button', { name: 'Svara' }).click();
  await inCall().getByRole('button', { name: 'Lägg på' }).waitFor({ timeout: 10_000 });
  const started = product.callEvents.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started' && e.caller === caller);
  return { callId: started!.callId, ended };
}

/** Erik hears his own tone come back: he is in one call with the caller, whose phone sends back what it gets. */
async function erikHearsTheCaller(): Promise<void> {
  await heardMore(erik, 2);
  expect(Math.abs(lastSecondHeard(erik) - ERIK_HZ), "Erik's tone back from the caller").toBeLessThanOrEqual(15);
}

/** Anna's call is over and she is in wrap-up, in the ACD and on the page; "ready now" ends it. */
async function annaWrapsUp(): Promise<void> {
  const { page } = browser;
  await inCall().waitFor({ state: 'detached', timeout: 10_000 });
  await waitFor(() => product.app.acd.agent(ANNA)?.state === 'wrap-up', { what: 'Anna in wrap-up' });
  await page.locator('[data-desk-state]', { hasText: /^Efterarbete$/ }).waitFor();
  await page.locator('[data-section="wrap-up"]').getByRole('button', { name: 'Redo nu' }).click();
  await page.locator('[data-desk-state]', { hasText: /^Ledig$/ }).waitFor();
}

describe("transfers from the agent desktop's softphone", () => {
  it('blind, to a desk phone: it rings with the caller, the caller is connected to it, the agent goes to wrap-up', async () => {
    const caller = '+46701740691';
    const { callId, ended } = await answeredCaller(caller);
    const before = eriksCalls();

    await inCall().getByLabel(/^Koppla till/).fill(ERIK);
    await inCall().getByRole('button', { name: 'Koppla vidare' }).click();
    await waitFor(() => eriksCalls() > before, { what: "Erik's phone to answer the transfer" });
    expect(erik.events.filter((e) => e.type === 'CALL_ESTABLISHED').at(-1)?.peerdisplayname).toBe(`[Kort och spärr] ${caller}`);
    await annaWrapsUp();
    await erikHearsTheCaller();
    expect(transferred(callId)).toMatchObject([{ node: `agent:${ANNA}`, to: ERIK, outcome: 'connected' }]);

    await erik.hangup();
    assertSippOk(await ended, 1);
  }, 90_000);

  it('after talking first: the caller on hold with music, the agent and the desk phone hear each other, then the two are connected', async () => {
    const { page } = browser;
    const caller = '+46701740692';
    const { callId, ended } = await answeredCaller(caller);
    const before = eriksCalls();

    await inCall().getByLabel(/^Koppla till/).fill(ERIK);
    await inCall().getByRole('button', { name: 'Prata först' }).click();
    await expect.poll(() => product.callEvents.find((e) => e.type === 'call-held' && e.callId === callId), { timeout: 5_000 }).toMatchObject({ agentId: ANNA });
    const consultation = inCall().locator('[data-consultation="talking"]');
    await consultation.getByText(`Du pratar med ${ERIK}. Kunden väntar och hör musik.`).waitFor({ timeout: 10_000 });
    expect(eriksCalls()).toBe(before + 1);
    // The caller's own controls wait while Anna talks to Erik.
    expect(await inCall().getByRole('button', { name: 'Lägg på' }).count()).toBe(0);
    await browser.screenshots('agent-desktop-consultation');

    // The page hears Erik's tone.
    await tapAudio(page.locator('#remote-audio'));
    const heard = await heardSince(page, await heardMark(page), 1.5);
    expect(Math.abs(dominantFrequency(heard.samples, heard.sampleRate) - ERIK_HZ), "Erik's tone in the page").toBeLessThanOrEqual(15);

    // Two rounds of the page's microphone at Erik's phone: at least one whole, checked once his call is over.
    await heardMore(erik, 4);
    // From the keyboard: the state's obvious control has the focus.
    await page.keyboard.press('Enter');
    await annaWrapsUp();
    // Erik's phone kept its one call, moved to the caller.
    expect(eriksCalls()).toBe(before + 1);
    await erikHearsTheCaller();
    expect(transferred(callId)).toMatchObject([{ node: `agent:${ANNA}`, to: ERIK, outcome: 'connected' }]);

    await erik.hangup();
    await waitFor(() => product.app.center.activeCalls === 0, { what: "the caller's call to end with Erik's hang-up", timeoutMs: 5_000 });
    assertSippOk(await ended, 1);
    // The page's microphone reached Erik while they talked.
    expect(heardStretched(at8k(readWav(await recordingClosed(erik))), readWav(MICROPHONE)), "the page's microphone at Erik's phone").toBeGreaterThan(0.85);
  }, 90_000);

  it('to an extension with no phone, and talking first to a number that does not exist: said beside the field, the agent keeps the caller', async () => {
    const caller = '+46701740693';
    const { callId, ended } = await answeredCaller(caller);
    const error = inCall().locator('#transfer-error');

    // From the keyboard: Enter in the field transfers at once.
    await inCall().getByLabel(/^Koppla till/).fill(NO_PHONE);
    await inCall().getByLabel(/^Koppla till/).press('Enter');
    await error.filter({ hasText: 'Samtalet kopplades inte vidare: Ingen svarade. Du har kvar kunden.' }).waitFor({ timeout: 10_000 });
    expect(transferred(callId)).toMatchObject([{ to: NO_PHONE, outcome: 'unavailable' }]);
    await browser.screenshots('agent-desktop-transfer-failed');

    await inCall().getByLabel(/^Koppla till/).fill(NO_SUCH_NUMBER);
    await inCall().getByRole('button', { name: 'Prata först' }).click();
    await error.filter({ hasText: `${NO_SUCH_NUMBER} nåddes inte: Numret finns inte. Du har kunden igen.` }).waitFor({ timeout: 10_000 });
    // Off hold again: the caller is Anna's as before.
    await expect.poll(() => product.callEvents.find((e) => e.type === 'call-resumed' && e.callId === callId), { timeout: 5_000 }).toMatchObject({ agentId: ANNA });
    await inCall().getByRole('button', { name: 'Parkera', pressed: false }).waitFor();
    expect(product.app.acd.agent(ANNA)?.state).toBe('busy');

    await inCall().getByRole('button', { name: 'Lägg på' }).click();
    assertSippOk(await ended, 1);
    await annaWrapsUp();
  }, 90_000);
});

/** A recording at 8 kHz, as the sounds looked for are. */
function at8k(wav: Wav): Wav {
  return wav.sampleRate === 8000 ? wav : { ...wav, sampleRate: 8000, samples: Float32Array.from(to8k(wav.samples, wav.sampleRate)) };
}
