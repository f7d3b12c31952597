/**
 * The agent desktop in a real browser on the real product.
 *
 * Erik (1002, a card specialist, the only one with a phone for the
 * card-blocking queue) works with a baresip desk phone that he answers by
 * hand: paused from the page with a reason from the list, the SIPp caller
 * waits and neither the ACD nor his phone offers him anything; made ready
 * from the page, the offer shows with service, number dialled, caller and
 * wait while his phone rings, and he answers on the phone. On the events
 * socket only he (and supervision) sees that caller: Anna, an agent too,
 * sees nothing of it; an operator and a stranger are refused.
 *
 * Anna (1001, made a card specialist here) then connects the page's
 * softphone: sip.js registers over WebSocket with the extension's digest
 * credentials, the product logs her in. Her call to a colleague with no
 * phone is refused, and said so. A caller rings the softphone: the
 * page offers answer and decline; she declines twice, and sees a notice
 * of each missed offer and of the pause the ACD then puts her in. She
 * closes the tab: the registration ends at once and the ACD logs her out
 * (the rule for an agent whose last phone unregisters). Answering in the
 * page, with media, is in agent-desktop-media.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import { API_PREFIX } from '../../server/api/features.js';
import { signIn as apiSignIn, signInEachRole, TEST_USERS, type RoleCredentials } from '../support/api.js';
import { startBaresip, stopAllBaresip } from '../support/baresip.js';
import { signIn, useBrowser } from '../support/browser.js';
import { CARD_NUMBER, ERIK, ERIK_USER, makeEriksUser, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { EventsClient } from '../support/events-client.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { TEST_ADMIN_PASSWORD } from '../support/product.js';
import { waitFor } from '../support/wait.js';

const CALLER = '+46701740654';
const CALLER_TO_ANNA = '+46701740655';
const ANNA = '1001';

let product: CallbackCenter;
let home: string;
let roles: RoleCredentials;

beforeAll(async () => {
  // The repo's flows: the card-blocking queue offers no callback, the caller just waits.
  product = await startCallbackCenter({
    flowDir: flowDir(),
    // Anna a card specialist too, so the card-blocking queue's caller rings her softphone.
    tweak: (c) => { c.extensions.find((e) => e.extension === ANNA)!.agent!.skills['kort'] = 4; },
  });
  roles = await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
  await makeEriksUser(product, roles.as.admin);
  home = `http://127.0.0.1:${product.config.http.port}/`;
});

afterAll(async () => {
  await stopAllBaresip();
  await product?.stop();
});

const browser = useBrowser({ fakeMicrophone: true });

const eventsUrl = (): string => `ws://127.0.0.1:${product.config.http.port}${API_PREFIX}/events`;

describe('the agent desktop with a desk phone', () => {
  it('paused with a reason: no offer; ready: the offer shows while the desk phone rings, and the phone answers', async () => {
    const { page } = browser;
    const erik = await startBaresip({
      user: ERIK, password: 'demo-1002', autoAnswer: false, audioSource: 'silence',
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
    });
    await page.goto(home);
    await signIn(page, ERIK_USER.name, ERIK_USER.password);
    const state = page.locator('[data-desk-state]');
    await state.filter({ hasText: /^Ledig$/ }).waitFor();
    await page.getByRole('heading', { name: 'Erik Johansson, anknytning 1002' }).waitFor();
    await page.locator('[data-colleague="1001"]', { hasText: 'Utloggad' }).waitFor();

    await page.getByLabel('Orsak till paus').selectOption('Möte');
    await page.getByRole('button', { name: 'Pausa' }).click();
    await state.filter({ hasText: /^Paus: Möte$/ }).waitFor();
    expect(product.app.acd.agent(ERIK)).toMatchObject({ state: 'paused', pauseReason: 'Möte' });

    const asErik = await apiSignIn(product.app.api, ERIK_USER.name, ERIK_USER.password);
    const eriksEvents = await EventsClient.connect(eventsUrl(), asErik);
    const annasEvents = await EventsClient.connect(eventsUrl(), roles.as.agent);
    const supervisorEvents = await EventsClient.connect(eventsUrl(), roles.bearer.supervisor);
    await expect(EventsClient.connect(eventsUrl(), roles.as.operator)).rejects.toThrow('refused with HTTP 403');
    await expect(EventsClient.connect(eventsUrl(), {})).rejects.toThrow('refused with HTTP 401');

    // Held until our BYE: the caller stays in line as long as it takes.
    const caller = callFromOperatorNetwork(product.sipPort, CARD_NUMBER, CALLER);
    await waitFor(() => product.acdEvents.some((e) => e.type === 'queued'), { what: 'the caller in the queue', timeoutMs: 15_000 });
    await product.app.acd.idle();
    expect(product.acdEvents.filter((e) => e.type === 'offered-to-agent')).toEqual([]);
    expect(erik.events.some((e) => e.type === 'CALL_INCOMING')).toBe(false);
    await supervisorEvents.next('the waiting caller, to supervision', (m) => JSON.stringify(m).includes(CALLER));
    expect(await page.locator('[data-section="offer"]').count()).toBe(0);
    await browser.screenshots('agent-desktop-paused');

    await page.getByRole('button', { name: 'Redo' }).click();
    const offer = page.locator('[data-section="offer"]');
    await offer.getByRole('heading', { name: 'Samtal till dig' }).waitFor();
    await erik.waitEvent('CALL_INCOMING', 10_000);
    await offer.locator('[data-field="service"]', { hasText: 'Kort och spärr' }).waitFor();
    await offer.locator('[data-field="dialled"]', { hasText: CARD_NUMBER }).waitFor();
    await offer.locator('[data-field="caller"]', { hasText: CALLER }).waitFor();
    await offer.locator('[data-field="wait"]', { hasText: /^\d+:\d\d$/ }).waitFor();
    await offer.getByText('Din bordstelefon ringer: svara i telefonen.').waitFor();
    await state.filter({ hasText: /^Ringer$/ }).waitFor();
    await browser.screenshots('agent-desktop-offer');

    // Only the agent offered the call sees its caller; supervision sees everything.
    await eriksEvents.next("the offer, to Erik", (m) => m.type === 'agent' && JSON.stringify(m).includes(CALLER));
    await eriksEvents.next("the offered call's details, to Erik", (m) => m.type === 'call' && JSON.stringify(m).includes(CARD_NUMBER));
    expect(annasEvents.messages.filter((m) => JSON.stringify(m).includes(CALLER))).toEqual([]);
    expect(annasEvents.events.every((m) => JSON.stringify(m).includes('"1001"'))).toBe(true);

    await erik.answer();
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    const inCall = page.locator('[data-section="call"]');
    await inCall.locator('[data-field="caller"]', { hasText: CALLER }).waitFor();
    await state.filter({ hasText: /^I samtal$/ }).waitFor();
    await inCall.getByText('Styr samtalet från telefonen.').waitFor();
    await browser.screenshots('agent-desktop-call');

    await erik.hangup();
    expect((await caller).successful).toBe(1);
    // Figures from the contact records, read again once the call ended.
    await page.locator('[data-figure="answered"]', { hasText: /^1$/ }).waitFor({ timeout: 20_000 });
    expect(annasEvents.messages.filter((m) => JSON.stringify(m).includes(CALLER))).toEqual([]);
    await Promise.all([eriksEvents.close(), annasEvents.close(), supervisorEvents.close()]);
    await erik.stop();
    await page.getByRole('button', { name: /^Logga ut$/ }).click();
    await page.getByLabel('Användarnamn').waitFor();
  });
});

describe("the agent desktop's softphone", () => {
  it('registers over WebSocket with the extension\'s digest credentials, says why a call failed, rings and declines with notices; the tab closed, the agent is logged out', async () => {
    const { page } = browser;
    await page.goto(home);
    await signIn(page, TEST_USERS.agent.name, TEST_USERS.agent.password);
    await page.locator('[data-desk-state]', { hasText: /^Utloggad$/ }).waitFor();

    await page.getByLabel('Webbläsaren (webbtelefon)').check();
    await page.getByRole('button', { name: 'Kontrollera mikrofonen' }).click();
    await page.getByText('Mikrofonen fungerar.').waitFor();

    // A wrong password: the product's refusal, said plainly.
    await page.getByLabel('Lösenord för anknytning 1001').fill('not-the-password');
    await page.getByRole('button', { name: 'Anslut webbtelefonen' }).click();
    await page.getByText('Växeln godtog inte lösenordet.').waitFor({ timeout: 10_000 });
    expect(product.app.switch.registrar.contactsOf(ANNA)).toEqual([]);

    await page.getByLabel('Lösenord för anknytning 1001').fill('demo-1001');
    await page.getByRole('button', { name: 'Anslut webbtelefonen' }).click();
    await page.getByText('Webbtelefonen är ansluten.').waitFor({ timeout: 10_000 });
    const [binding] = product.app.switch.registrar.contactsOf(ANNA);
    expect(binding).toMatchObject({ flow: { protocol: 'ws' }, userAgent: expect.stringContaining('sip.js') });
    // Registered from no registration: logged in and ready, by the rule.
    await page.locator('[data-desk-state]', { hasText: /^Ledig$/ }).waitFor();
    await browser.screenshots('agent-desktop-softphone');

    // A call to a colleague with no phone registered: said plainly, and she can dial again.
    await page.getByRole('button', { name: 'Ring Maja Karlsson' }).click();
    await page.locator('#dial-error', { hasText: 'Ingen svarade.' }).waitFor();
    await page.getByLabel(/^Ring ett nummer/).fill('12ab');
    await page.getByRole('button', { name: 'Ring', exact: true }).click();
    await page.locator('#dial-error', { hasText: 'Skriv ett nummer med bara siffror, gärna med + först.' }).waitFor();

    const caller = callFromOperatorNetwork(product.sipPort, CARD_NUMBER, CALLER_TO_ANNA, { hangUpAfterMs: 12_000 });
    const offer = page.locator('[data-section="offer"]');
    await offer.locator('[data-field="caller"]', { hasText: CALLER_TO_ANNA }).waitFor({ timeout: 15_000 });
    await offer.getByRole('button', { name: 'Avvisa' }).waitFor();
    await browser.screenshots('agent-desktop-softphone-offer');
    await offer.getByRole('button', { name: 'Avvisa' }).click();
    const missed = page.locator('[data-notice="missed-offer"]', { hasText: `Du svarade inte på ett samtal från ${CALLER_TO_ANNA} (Kort och spärr).` });
    await missed.waitFor();
    // Offered again (she is the only one ready), declined again: the queue's second miss pauses her.
    await offer.getByRole('button', { name: 'Avvisa' }).click();
    await page.locator('[data-desk-state]', { hasText: /^Paus: svarade inte$/ }).waitFor();
    await page.locator('[data-notice="paused"]', { hasText: 'Du har pausats: svarade inte.' }).waitFor();
    expect(await missed.count()).toBe(2);
    expect(product.acdEvents.filter((e) => e.type === 'offer-missed' && e.agentId === ANNA)).toHaveLength(2);
    await browser.screenshots('agent-desktop-notices');
    expect((await caller).successful).toBe(1);

    await page.close();
    await waitFor(() => product.app.switch.registrar.contactsOf(ANNA).length === 0, { what: "the softphone's registration to end", timeoutMs: 10_000 });
    await waitFor(() => product.app.acd.agent(ANNA)?.state === 'logged-out', { what: 'Anna logged out', timeoutMs: 10_000 });
  });
});
