/**
 * The queues page in a real browser on the real product: a supervisor reads
 * a queue's settings and the picture of its widening circles but cannot
 * change them; an admin's bad values get the product's refusal in Swedish
 * beside the field it names (its limits filled in) and change nothing; an admin adds a routing step and changes the
 * wrap-up by keyboard alone, and the running configuration has them; the
 * page in English.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { signIn, useBrowser, useProduct } from '../support/browser.js';
import { startProduct, TEST_ADMIN_PASSWORD } from '../support/product.js';

const started = useProduct(() => startProduct());

beforeAll(async () => {
  await signInEachRole(started.product.app.api, TEST_ADMIN_PASSWORD);
});

const browser = useBrowser();

const kort = () => started.product.app.running.current.operational.queues.find((q) => q.id === 'kort')!;

/** The queues page showing the card-blocking queue, signed in as `name`, in `lang`. */
async function openKort(page: Page, name: string, password: string, lang: 'sv' | 'en' = 'sv'): Promise<Locator> {
  await page.context().clearCookies();
  await page.goto(`${started.home}#/queues`);
  await page.evaluate((l) => { localStorage.clear(); localStorage.setItem('vaxel.lang', l); }, lang);
  await page.reload();
  await signIn(page, name, password);
  const queues = page.locator('vx-queues-page');
  await queues.getByRole('button', { name: 'Kort och spärr' }).click();
  await queues.getByRole('heading', { name: 'Kort och spärr' }).waitFor();
  return queues;
}

async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let presses = 0; presses < 60; presses++) {
    if (await target.evaluate((el) => el.matches(':focus'))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

describe('the queues page', () => {
  it('shows a supervisor the routing steps as widening circles and the settings, read only', async () => {
    const { page } = browser;
    const queues = await openKort(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    const rings = queues.locator('vx-routing-rings');
    await rings.locator('text[data-step="1"]').waitFor();
    expect(await rings.locator('text').allTextContents()).toEqual(['0 s: färdighet kort ≥ 3', '120 s: grupp frontoffice']);
    expect(await rings.locator('circle').count()).toBe(2);
    expect(await rings.getByRole('img').getAttribute('aria-label'))
      .toBe('Vem som får svara över tid: 0 s: färdighet kort ≥ 3; 120 s: grupp frontoffice');
    const ringTimeout = queues.getByLabel('Ringtid innan nästa agent (s)');
    expect(await ringTimeout.inputValue()).toBe('15');
    expect(await ringTimeout.isDisabled()).toBe(true);
    expect(await queues.getByRole('button', { name: 'Spara' }).count()).toBe(0);
    await queues.getByText('Du kan läsa inställningarna; bara administratörer kan ändra dem.').waitFor();
    await browser.screenshots('queues-supervisor');
  });

  it("an admin's bad value gets the product's refusal in Swedish beside its field, and nothing is applied", async () => {
    const { page } = browser;
    browser.allow(422, '/api/v1/queues/kort');
    const queues = await openKort(page, 'admin', TEST_ADMIN_PASSWORD);
    const before = structuredClone(kort());
    const version = started.product.app.running.current.version;

    await queues.getByLabel('Efterarbete (s)').fill('45');
    await queues.getByLabel('Ringtid innan nästa agent (s)').fill('0');
    await queues.getByRole('button', { name: 'Spara' }).click();
    const error = queues.locator('#ringTimeoutSeconds-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('Skriv ett heltal, minst 1.');
    expect(await queues.locator('.error').count()).toBe(1);
    expect(started.product.app.running.current.version).toBe(version);
    expect(kort()).toEqual(before);
    await browser.screenshots('queues-refused');

    // Over the target's range, with a bad value elsewhere already put right: the range's limits beside the target.
    await queues.getByLabel('Ringtid innan nästa agent (s)').fill('15');
    await queues.getByLabel('Mål: svar inom (s)').fill('4000');
    await queues.getByRole('button', { name: 'Spara' }).click();
    const target = queues.locator('#targetSeconds-error');
    await target.waitFor();
    expect(await target.textContent()).toBe('Skriv ett heltal från 1 till 3600.');
    expect(await queues.locator('#ringTimeoutSeconds-error').count()).toBe(0);
    expect(started.product.app.running.current.version).toBe(version);
    expect(kort()).toEqual(before);
  });

  it('an admin adds a routing step and changes the wrap-up by keyboard alone', async () => {
    const { page } = browser;
    const queues = await openKort(page, 'admin', TEST_ADMIN_PASSWORD);
    await tabTo(page, queues.getByRole('button', { name: 'Lägg till steg' }));
    await page.keyboard.press('Enter');
    // The new step's "after" field has the focus: everyone from 240 s.
    await page.keyboard.press('Control+A');
    await page.keyboard.type('240');
    await tabTo(page, queues.getByLabel('Efterarbete (s)'));
    await page.keyboard.press('Control+A');
    await page.keyboard.type('25');
    await tabTo(page, queues.getByRole('button', { name: 'Spara' }));
    await page.keyboard.press('Enter');
    await queues.getByText('Sparat.').waitFor();

    expect(kort().steps).toEqual([
      { afterSeconds: 0, skill: 'kort', minLevel: 3 },
      { afterSeconds: 120, group: 'frontoffice' },
      { afterSeconds: 240, everyone: true },
    ]);
    expect(kort().wrapUpSeconds).toBe(25);
    expect(await queues.locator('vx-routing-rings text').allTextContents())
      .toEqual(['0 s: färdighet kort ≥ 3', '120 s: grupp frontoffice', '240 s: alla']);
    await browser.screenshots('queues');
  });

  it('speaks English', async () => {
    const { page } = browser;
    const queues = await openKort(page, 'admin', TEST_ADMIN_PASSWORD, 'en');
    await queues.getByRole('heading', { name: 'Queues' }).waitFor();
    expect(await queues.locator('vx-routing-rings text').first().textContent()).toBe('0 s: skill kort ≥ 3');
    await queues.getByLabel('Rings before the next agent (s)').waitFor();
    await browser.screenshots('queues-en');
  });
});
