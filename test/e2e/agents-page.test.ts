/**
 * The agents page in a real browser on the real product, with real SIP:
 * a supervisor moves the card skill from Erik to Anna in the page, by
 * keyboard alone, and the next SIPp caller to the card number reaches
 * Anna's phone instead of Erik's; a bad value gets the product's message
 * beside its field and changes nothing; a save made after someone else's
 * change is refused and offers to load it again; an admin edits the name, where the
 * agent answers and the mobile, in English.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TEST_USERS } from '../support/api.js';
import { startBaresip, type BaresipPhone } from '../support/baresip.js';
import { signIn, useBrowser } from '../support/browser.js';
import { CARD_NUMBER, ERIK, eriksPhone } from '../support/callbacks.js';
import { useCentreForPages } from '../support/centre-pages.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { TEST_ADMIN_PASSWORD } from '../support/product.js';

const ANNA = '1001';

// The card-blocking queue offers no callback: the caller waits for the card skill (≥ 3).
const started = useCentreForPages();

const browser = useBrowser();

const agentOf = (id: string) => started.product.app.running.current.operational.extensions.find((e) => e.extension === id)!;
const offeredTo = (): string[] => started.product.acdEvents.flatMap((e) => (e.type === 'offered-to-agent' ? [e.agentId] : []));

/** Presses Tab until `target` has the focus, as someone without a mouse would. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let presses = 0; presses < 40; presses++) {
    if (await target.evaluate((el) => el.matches(':focus'))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

/** A card caller reaches `phone` (an agent answering by itself), who hangs up; resolves with who was offered the call. */
async function cardCallReaches(phone: BaresipPhone, agentId: string, caller: string): Promise<void> {
  const before = offeredTo().length;
  const call = callFromOperatorNetwork(started.product.sipPort, CARD_NUMBER, caller);
  await phone.waitEvent('CALL_ESTABLISHED', 15_000);
  expect(offeredTo().slice(before)).toEqual([agentId]);
  await phone.hangup();
  expect((await call).successful).toBe(1);
  await expect.poll(() => started.product.app.acd.agent(agentId)?.state, { timeout: 10_000 }).toBe('ready');
  phone.clearEvents();
}

/** The agents page, signed in as `name`, in `lang`, whatever an earlier test left behind. */
async function openAgents(page: Page, name: string, password: string, lang: 'sv' | 'en' = 'sv'): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${started.home}#/agents`);
  await page.evaluate((l) => { localStorage.clear(); localStorage.setItem('vaxel.lang', l); }, lang);
  await page.reload();
  await signIn(page, name, password);
}

describe('the agents page', () => {
  it("a supervisor's skill change in the page, by keyboard alone, changes who gets the next call", async () => {
    const { page } = browser;
    await openAgents(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    await page.getByRole('heading', { name: 'Agenter' }).waitFor();

    const anna = await startBaresip({
      user: ANNA, password: `demo-${ANNA}`, autoAnswer: true, audioSource: 'silence',
      registrar: { host: '127.0.0.1', port: started.product.sipPort, transport: 'udp' },
    });
    const erik = await eriksPhone(started.product.sipPort);
    const row = (id: string): Locator => page.locator(`[data-table="agents"] tr[data-agent="${id}"]`);
    await row(ANNA).locator('td').nth(2).filter({ hasText: /^Ledig$/ }).waitFor();
    await row(ERIK).locator('td').nth(2).filter({ hasText: /^Ledig$/ }).waitFor();
    await row(ERIK).locator('td', { hasText: 'kundtjanst 5, kort 4' }).waitFor();

    // Only Erik has the card skill: he gets the card caller.
    await cardCallReaches(erik, ERIK, '+46701740661');

    // Anna gets the card skill at level 5, by keyboard.
    await tabTo(page, page.getByRole('button', { name: 'Ändra: Anna Lindqvist' }));
    await page.keyboard.press('Enter');
    const editor = page.locator('vx-agent-editor');
    await editor.getByRole('heading', { name: 'Ändra Anna Lindqvist (1001)' }).waitFor();
    await tabTo(page, editor.getByRole('button', { name: 'Lägg till färdighet' }));
    await page.keyboard.press('Enter');
    await page.keyboard.type('kort');
    await page.keyboard.press('Tab');
    await page.keyboard.press('End');
    await tabTo(page, editor.getByRole('button', { name: 'Spara' }));
    await browser.screenshots('agents-editing');
    await page.keyboard.press('Enter');
    await editor.getByText('Sparat.').waitFor();
    expect(agentOf(ANNA).agent!.skills).toEqual({ vaxel: 5, kundtjanst: 3, kort: 5 });
    await tabTo(page, editor.getByRole('button', { name: 'Stäng' }));
    await page.keyboard.press('Enter');
    await editor.waitFor({ state: 'detached' });

    // Erik loses it.
    await tabTo(page, page.getByRole('button', { name: 'Ändra: Erik Johansson' }));
    await page.keyboard.press('Enter');
    await editor.getByRole('heading', { name: 'Ändra Erik Johansson (1002)' }).waitFor();
    await tabTo(page, editor.getByRole('button', { name: 'Ta bort färdigheten kort' }));
    await page.keyboard.press('Enter');
    await tabTo(page, editor.getByRole('button', { name: 'Spara' }));
    await page.keyboard.press('Enter');
    await editor.getByText('Sparat.').waitFor();
    expect(agentOf(ERIK).agent!.skills).toEqual({ kundtjanst: 5 });
    await row(ANNA).locator('td', { hasText: 'vaxel 5, kundtjanst 3, kort 5' }).waitFor();
    await browser.screenshots('agents');

    // Both ready: without the change Erik would get it again.
    const erikSeen = erik.events.length;
    await cardCallReaches(anna, ANNA, '+46701740662');
    expect(erik.events.slice(erikSeen).filter((e) => e.class === 'call')).toEqual([]);
    await Promise.all([anna.stop(), erik.stop()]);
  }, 90_000);

  it("a bad value gets the product's message beside its field, and nothing is applied", async () => {
    const { page } = browser;
    browser.allow(422, `/api/v1/extensions/${ANNA}/agent`);
    await openAgents(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    const before = structuredClone(agentOf(ANNA));
    const version = started.product.app.running.current.version;

    await page.getByRole('button', { name: 'Ändra: Anna Lindqvist' }).click();
    const editor = page.locator('vx-agent-editor');
    await editor.getByLabel('Grupper').fill('frontoffice, kvall');
    // An agent must answer at least one queue.
    for (const name of ['Växel', 'Kundtjänst', 'Kort och spärr']) await editor.getByLabel(name, { exact: true }).uncheck();
    await editor.getByRole('button', { name: 'Spara' }).click();
    const error = editor.locator('#queues-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('Får inte vara tomt: fyll i eller välj minst ett.');
    expect(await editor.locator('.error').count()).toBe(1);
    expect(started.product.app.running.current.version).toBe(version);
    expect(agentOf(ANNA)).toEqual(before);
    await browser.screenshots('agents-refused');
  });

  it('a save after someone else changed the configuration is refused and offers to load it again', async () => {
    const { page } = browser;
    browser.allow(409, `/api/v1/extensions/${ERIK}/agent`);
    await openAgents(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    await page.getByRole('button', { name: 'Ändra: Erik Johansson' }).click();
    const editor = page.locator('vx-agent-editor');
    await editor.getByLabel('Grupper').waitFor();

    // Meanwhile, someone else puts Erik in the evening group.
    await started.product.app.running.change('admin', 'Erik works evenings', (d) => {
      d.extensions.find((e) => e.extension === ERIK)!.agent!.groups.push('kvall');
    });
    const theirs = structuredClone(agentOf(ERIK));
    await editor.getByLabel('Grupper').fill('frontoffice, helg');
    await editor.getByRole('button', { name: 'Spara' }).click();
    await editor.getByText('Någon annan har ändrat inställningarna sedan du öppnade dem.', { exact: false }).waitFor();
    expect(agentOf(ERIK)).toEqual(theirs);

    await editor.getByRole('button', { name: 'Hämta igen' }).click();
    await expect.poll(() => editor.getByLabel('Grupper').inputValue()).toBe('frontoffice, kvall');
    await editor.getByLabel('Grupper').fill('frontoffice, kvall, helg');
    await editor.getByRole('button', { name: 'Spara' }).click();
    await editor.getByText('Sparat.').waitFor();
    expect(agentOf(ERIK).agent!.groups).toEqual(['frontoffice', 'kvall', 'helg']);
  });

  it("an admin changes an agent's name and mobile, in English; a bad mobile number is refused beside its field", async () => {
    const { page } = browser;
    browser.allow(422, `/api/v1/extensions/${ANNA}`);
    await openAgents(page, 'admin', TEST_ADMIN_PASSWORD, 'en');
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    await page.getByRole('button', { name: 'Change: Anna Lindqvist' }).click();
    const editor = page.locator('vx-agent-editor');
    const before = structuredClone(agentOf(ANNA));

    await editor.getByLabel('Name').fill('Anna Lind');
    await editor.getByLabel('Mobile number').fill('0701234567');
    await editor.getByRole('button', { name: 'Save' }).click();
    const error = editor.locator('#mobile-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('Write the number with its country code, such as +46701234567.');
    expect(agentOf(ANNA)).toEqual(before);
    await browser.screenshots('agents-admin-refused-en');

    await editor.getByLabel('Mobile number').fill('+46701234567');
    await editor.getByLabel('Answers on').selectOption('mobile');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByText('Saved.').waitFor();
    expect(agentOf(ANNA)).toMatchObject({ name: 'Anna Lind', mobile: '+46701234567', agent: { ...before.agent, answerOn: 'mobile' } });
    await page.locator(`[data-table="agents"] tr[data-agent="${ANNA}"] td`, { hasText: /^Anna Lind$/ }).waitFor();
    await browser.screenshots('agents-en');
  });
});
