/**
 * The wrap-up after a call in the agent desktop, in a real browser on the
 * real product, the agent answering on a desk phone.
 *
 * Erik (1002, the card specialist) has his baresip desk phone ringing with
 * a SIPp caller to the card-blocking queue before he opens the page: the
 * page shows the offer with the number dialled and the wait at once, as if
 * it had followed the events all along. He answers on the phone and hangs
 * up: the page shows the wrap-up form with the time left of the queue's
 * wrap-up and the queue's case types. Meanwhile an administrator removes
 * "Nytt kort" from the queue's list: the code Erik picks from what the
 * page read is refused, and the product's reason is said beside the field.
 * He picks "Kort spärrat", writes a note and saves: the call's contact
 * record has the case type, set by the agent, and the note. "Ready now"
 * ends the wrap-up early.
 *
 * The pause reasons the product gives on its own are worded in the page's
 * language: Erik keys the pause code on his phone with no reason, and the
 * queue monitor and his desktop say so in Swedish and in English.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import { API_PREFIX } from '../../server/api/features.js';
import { SQLITE_FILE } from '../../server/history/open.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { startBaresip, stopAllBaresip } from '../support/baresip.js';
import { signIn, useBrowser } from '../support/browser.js';
import { CARD_NUMBER, ERIK, ERIK_USER, makeEriksUser, eriksPhone, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { TEST_ADMIN_PASSWORD } from '../support/product.js';
import { waitFor } from '../support/wait.js';

const CALLER = '+46701740656';
const WRAP_UP_SECONDS = 300;
const NOTE = 'Kortet spärrat, nytt skickas hem';

let product: CallbackCenter;
let home: string;

beforeAll(async () => {
  // The repo's flows: the card-blocking queue offers no callback, the caller just waits.
  product = await startCallbackCenter({ flowDir: flowDir(), kort: { wrapUpSeconds: WRAP_UP_SECONDS, ringTimeoutSeconds: 60 } });
  const roles = await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
  await makeEriksUser(product, roles.as.admin);
  home = `http://127.0.0.1:${product.config.http.port}/`;
});

afterAll(async () => {
  await stopAllBaresip();
  await product?.stop();
});

const browser = useBrowser();

describe('the wrap-up in the agent desktop, answering on a desk phone', () => {
  it("shows an offer already ringing whole, then the queue's case types and the time left; saves the case type and note on the call", async () => {
    const { page } = browser;
    const erik = await startBaresip({
      user: ERIK, password: 'demo-1002', autoAnswer: false, audioSource: 'silence',
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
    });
    await waitFor(() => product.app.acd.agent(ERIK)?.state === 'ready', { what: 'Erik ready', timeoutMs: 10_000 });

    // Held until our BYE: the caller stays on as long as Erik talks.
    const caller = callFromOperatorNetwork(product.sipPort, CARD_NUMBER, CALLER);
    await erik.waitEvent('CALL_INCOMING', 15_000);
    const callId = product.callEvents.find((e) => e.type === 'call-started')!.callId;

    await page.goto(home);
    await signIn(page, ERIK_USER.name, ERIK_USER.password);
    const offer = page.locator('[data-section="offer"]');
    await offer.locator('[data-field="caller"]', { hasText: CALLER }).waitFor();
    await offer.locator('[data-field="dialled"]', { hasText: CARD_NUMBER }).waitFor();
    await offer.locator('[data-field="wait"]', { hasText: /^\d+:\d\d$/ }).waitFor();

    await erik.answer();
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await page.locator('[data-desk-state]', { hasText: /^I samtal$/ }).waitFor();
    await erik.hangup();
    expect((await caller).successful).toBe(1);

    const wrapUp = page.locator('[data-section="wrap-up"]');
    await page.locator('[data-desk-state]', { hasText: /^Efterarbete$/ }).waitFor();
    await wrapUp.locator('[data-wrap-up-left]', { hasText: /^Tid kvar: (5:00|4:[0-5]\d)$/ }).waitFor();
    const caseType = wrapUp.getByLabel('Ärendetyp');
    expect(await caseType.locator('option').allTextContents()).toEqual(['Välj ärendetyp …', 'Kort spärrat', 'Nytt kort']);
    await browser.screenshots('agent-desktop-wrap-up');

    // The list changes while the form is open: the code picked from what it read is refused, and said beside the field.
    await product.app.running.change('admin', 'no more new cards by phone', (d) => {
      const kort = d.queues.find((q) => q.id === 'kort')!;
      kort.caseTypes = kort.caseTypes!.filter((c) => c.name !== 'Nytt kort');
    });
    browser.allow(422, `${API_PREFIX}/agents/${ERIK}/wrap-up`);
    await caseType.selectOption('Nytt kort');
    await wrapUp.getByRole('button', { name: 'Spara' }).click();
    await wrapUp.locator('#case-type-error', { hasText: 'Kön har inte den ärendetypen (längre). Välj en av: 1 (Kort spärrat).' }).waitFor();
    await browser.screenshots('agent-desktop-wrap-up-refused');

    await caseType.selectOption('Kort spärrat');
    await wrapUp.getByLabel('Anteckning (frivillig)').fill(NOTE);
    // From the keyboard: the note's field, then the save button.
    await wrapUp.getByLabel('Anteckning (frivillig)').press('Tab');
    await page.keyboard.press('Enter');
    await wrapUp.getByText('Sparat: Kort spärrat.').waitFor();
    expect(await wrapUp.locator('#case-type-error').textContent()).toBe('');

    await product.app.contactRecords.flush();
    const history = SqliteHistory.open(join(product.config.dataDir, SQLITE_FILE));
    try {
      const record = await history.contact(callId);
      expect(record?.fields).toMatchObject({ caseType: '1', caseTypeBy: 'agent', wrapUpNote: NOTE });
      expect(record?.segments).toEqual([expect.objectContaining({ queue: 'kort', agent: ERIK, outcome: 'answered' })]);
    } finally {
      await history.close();
    }

    await wrapUp.getByRole('button', { name: 'Redo nu' }).click();
    await page.locator('[data-desk-state]', { hasText: /^Ledig$/ }).waitFor();
    expect(await wrapUp.count()).toBe(0);
    expect(product.app.acd.agent(ERIK)?.state).toBe('ready');
    await erik.stop();
    await page.getByRole('button', { name: /^Logga ut$/ }).click();
    await page.getByLabel('Användarnamn').waitFor();
  });

  it('the pause the phone\'s code gives without a reason is worded on the queue monitor and the desktop, in Swedish and English', async () => {
    const { page } = browser;
    const erik = await eriksPhone(product.sipPort);
    await waitFor(() => product.app.acd.agent(ERIK)?.state === 'ready', { what: 'Erik ready', timeoutMs: 10_000 });
    await erik.dial('*23');
    await waitFor(() => product.app.acd.agent(ERIK)?.state === 'paused', { what: 'Erik paused by his code', timeoutMs: 10_000 });
    expect(product.app.acd.agent(ERIK)?.pauseReason).toBe('pause');

    await page.goto(home);
    await signIn(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    const erikState = page.locator(`[data-table="agents"] tr[data-agent="${ERIK}"] td`).nth(1);
    await erikState.filter({ hasText: /^Paus: ingen orsak angiven$/ }).waitFor();
    await page.getByRole('button', { name: 'In English' }).click();
    await erikState.filter({ hasText: /^Paused: no reason given$/ }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, ERIK_USER.name, ERIK_USER.password);
    await page.locator('[data-desk-state]', { hasText: /^Paused: no reason given$/ }).waitFor();
    await erik.stop();
  });
});
