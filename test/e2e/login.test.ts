/**
 * Signing in to the pages in a real browser, on the real product: the form
 * in Swedish by default, a wrong password answered next to the field,
 * English on demand and remembered, and a sign-in by keyboard alone.
 */
import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/web/api.js';
import { sv } from '../../server/web/i18n/sv.js';
import { PAGES } from '../../server/web/nav.js';
import { signIn, useBrowser, useProduct } from '../support/browser.js';
import { startProduct, TEST_ADMIN_PASSWORD } from '../support/product.js';

const started = useProduct(() => startProduct());

/** The menu a role is to see: the pages made so far that it may use, in the menu's order, by their Swedish names. */
const menuOf = (role: Role): string[] => PAGES.filter((p) => p.tag !== undefined && p.roles.includes(role)).map((p) => sv[`page_${p.id}`]);

const browser = useBrowser();

describe('signing in', () => {
  it('greets a fresh visitor with the sign-in form, in Swedish', async () => {
    const { page } = browser;
    await page.goto(started.home);
    await expect(page.getByRole('heading', { name: 'Logga in' }).textContent()).resolves.toBe('Logga in');
    expect(await page.getAttribute('html', 'lang')).toBe('sv');
    await browser.screenshots('login');
  });

  it('shows a wrong password next to the password field', async () => {
    const { page } = browser;
    browser.allow(401, '/api/v1/login');
    await page.goto(started.home);
    await page.getByLabel('Användarnamn').fill('admin');
    await page.getByLabel('Lösenord').fill('not-the-password');
    await page.getByRole('button', { name: 'Logga in' }).click();
    const error = page.locator('#password-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('Fel användarnamn eller lösenord.');
    const field = page.getByLabel('Lösenord');
    expect(await field.getAttribute('aria-describedby')).toBe('password-error');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await browser.screenshots('login-wrong-password');
  });

  it('after too many wrong passwords says when to try again, next to the password field', async () => {
    const { page } = browser;
    browser.allow(401, '/api/v1/login');
    browser.allow(429, '/api/v1/login');
    await page.goto(started.home);
    // Another name than the admin's: the throttle counts per name, and the admin signs in below.
    await page.getByLabel('Användarnamn').fill('kalle');
    const error = page.locator('#password-error');
    for (let attempt = 1; attempt <= 6; attempt++) {
      await page.getByLabel('Lösenord').fill(`wrong-${attempt}`);
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/login'));
      await page.getByRole('button', { name: 'Logga in' }).click();
      if ((await answered).status() === 429) break;
    }
    await error.filter({ hasText: /^För många misslyckade försök\. Försök igen om \d+ s\.$/ }).waitFor();
  });

  it('switches to English and remembers it, then back to Swedish', async () => {
    const { page } = browser;
    await page.goto(started.home);
    await page.getByRole('button', { name: 'In English' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.reload();
    await page.getByLabel('User name').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByRole('button', { name: 'På svenska' }).click();
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('sv');
  });

  it('signs in with the keyboard alone, shows the menu for the role, and signs out', async () => {
    const { page } = browser;
    await page.goto(started.home);
    const focused = (): Promise<string> => page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}` : '';
    });
    // The cursor starts in the user name field; before it comes the language switch.
    await expect.poll(focused).toBe('input#name');
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('button');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input#name');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input#password');
    await page.keyboard.type(TEST_ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    const menu = page.getByRole('navigation', { name: 'Huvudmeny' });
    await menu.waitFor();
    expect(await menu.getByRole('link').allTextContents()).toEqual(menuOf('admin'));
    await page.getByText('Inloggad som admin (administratör)').waitFor();

    await page.getByRole('button', { name: 'Logga ut', exact: true }).click();
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
  });

  it('shows each role the pages it may use, as the menu declares them', async () => {
    const { page } = browser;
    await page.goto(started.home);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    for (const role of ['supervisor', 'operator', 'agent']) {
      const made = await page.evaluate(async (body) => (await fetch('/api/v1/users', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      })).status, { name: `test-${role}`, password: `a long ${role} password`, role, ...(role === 'agent' ? { agentId: '1001' } : {}) });
      expect(made).toBe(201);
    }
    await page.getByRole('button', { name: 'Logga ut', exact: true }).click();

    await signIn(page, 'test-supervisor', 'a long supervisor password');
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).toEqual(menuOf('supervisor'));
    await page.getByRole('heading', { name: 'Kömonitor' }).waitFor();
    await page.getByRole('button', { name: 'Logga ut', exact: true }).click();

    await signIn(page, 'test-operator', 'a long operator password');
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).toEqual(menuOf('operator'));
    await page.getByRole('heading', { name: 'Tjänster och nummer' }).waitFor();
    await page.getByRole('button', { name: 'Logga ut', exact: true }).click();

    await signIn(page, 'test-agent', 'a long agent password');
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).toEqual(menuOf('agent'));
    await page.getByRole('heading', { name: 'Anna Lindqvist, anknytning 1001' }).waitFor();
    await page.locator('[data-desk-state]').waitFor();
    await page.locator('[data-colleague="1002"]').waitFor();
    await page.getByRole('button', { name: 'Logga ut', exact: true }).click();
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
  });

  it('keeps a signed-in user signed in across a reload', async () => {
    const { page } = browser;
    await page.goto(started.home);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    // The monitor has read its live view: a reload in the middle of that read would abort it, which the page's checks count as a failure.
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.reload();
    await page.getByRole('navigation', { name: 'Huvudmeny' }).waitFor();
    await page.getByRole('button', { name: 'Logga ut', exact: true }).click();
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
  });
});
