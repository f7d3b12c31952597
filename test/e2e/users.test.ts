/**
 * The users page in a real browser, on the real product, as the admin: a
 * user made by keyboard alone can sign in; a name taken gets the product's
 * refusal, said in Swedish by its code, next to the name field; a role change, a new password and a
 * deletion take effect; an API token's secret is shown once and works
 * until revoked; Swedish and English.
 */
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_USERS } from '../support/api.js';
import { signIn, useBrowser, useProduct } from '../support/browser.js';
import { startProduct, TEST_ADMIN_PASSWORD } from '../support/product.js';

const started = useProduct(() => startProduct(), { path: '#/users' });

const browser = useBrowser();

beforeAll(async () => {
  await browser.page.goto(started.home);
  await signIn(browser.page, TEST_USERS.admin.name, TEST_ADMIN_PASSWORD);
  await browser.page.getByRole('heading', { name: 'Användare', exact: true }).waitFor();
});

const userRow = (name: string): Locator => browser.page.locator(`[data-table="users"] tr[data-user="${name}"]`);

/** Whether the product lets this name and password in (the page's session is not touched). */
async function canSignIn(name: string, password: string): Promise<{ status: number; role?: string }> {
  const res = await started.product.app.api.inject({ method: 'POST', url: '/api/v1/login', payload: { name, password } });
  return { status: res.statusCode, ...(res.statusCode === 200 ? { role: res.json<{ role: string }>().role } : {}) };
}

describe('the users page', () => {
  it('creates a user by keyboard alone, who can then sign in', async () => {
    const { page } = browser;
    await browser.screenshots('users');
    await page.getByLabel('Användarnamn', { exact: true }).focus();
    await page.keyboard.type('karin');
    await page.keyboard.press('Tab');
    // The role list offers operator first; one up is supervisor.
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Tab');
    await page.keyboard.type('karins-losenord-1');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Användaren karin är skapad.').waitFor();
    await userRow('karin').waitFor();
    expect(await canSignIn('karin', 'karins-losenord-1')).toEqual({ status: 200, role: 'supervisor' });
    await browser.screenshots('users-created');
  });

  it('shows a name already taken next to the name field, in Swedish, and makes nobody', async () => {
    const { page } = browser;
    browser.allow(409, '/api/v1/users');
    const name = page.getByLabel('Användarnamn', { exact: true });
    await name.fill('karin');
    await page.getByLabel('Första lösenord (minst 8 tecken)').fill('another-password-1');
    await page.getByRole('button', { name: 'Skapa användare' }).click();
    const refusal = page.locator('#user-name-error');
    await refusal.waitFor();
    // The product's problem says it in English with the code name-taken; the page says it in the user's language.
    expect(await refusal.textContent()).toBe('Det finns redan en användare med det namnet.');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toBe('user-name-error');
    expect(await canSignIn('karin', 'another-password-1')).toEqual({ status: 401 });
    await browser.screenshots('users-name-taken');
  });

  it('changes a role, sets a new password and deletes a user', async () => {
    const { page } = browser;
    browser.allow(401, '/api/v1/login');
    const karin = userRow('karin');
    await karin.getByLabel('Roll för karin', { exact: true }).selectOption('operator');
    await karin.getByRole('button', { name: 'Spara roll för karin' }).click();
    await karin.getByText('Rollen är sparad.').waitFor();
    expect(await canSignIn('karin', 'karins-losenord-1')).toEqual({ status: 200, role: 'operator' });

    await karin.getByRole('button', { name: 'Nytt lösenord för karin' }).click();
    await karin.getByLabel('Nytt lösenord för karin').fill('karins-nya-losenord');
    await karin.getByRole('button', { name: 'Spara lösenord' }).click();
    await karin.getByText('Lösenordet är bytt. Användaren loggas ut överallt.').waitFor();
    expect(await canSignIn('karin', 'karins-nya-losenord')).toEqual({ status: 200, role: 'operator' });
    expect(await canSignIn('karin', 'karins-losenord-1')).toEqual({ status: 401 });

    await karin.getByRole('button', { name: 'Ta bort användaren karin' }).click();
    await karin.getByText('Ta bort karin för gott?').waitFor();
    await browser.screenshots('users-confirm-delete');
    await karin.getByRole('button', { name: 'Ja, ta bort' }).click();
    await karin.waitFor({ state: 'detached' });
    expect(await canSignIn('karin', 'karins-nya-losenord')).toEqual({ status: 401 });
  });

  it('refuses to delete the last admin, with the product\'s reason beside the buttons', async () => {
    browser.allow(409, '/api/v1/users/admin');
    const admin = userRow('admin');
    await admin.getByRole('button', { name: 'Ta bort användaren admin' }).click();
    await admin.getByRole('button', { name: 'Ja, ta bort' }).click();
    const refusal = admin.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe('Det är den sista administratören. Gör någon annan till administratör först.');
    expect((await canSignIn('admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
  });

  it('shows a new API token\'s secret once; it works until revoked', async () => {
    const { page } = browser;
    await page.getByLabel('Namn på nyckeln').fill('CRM');
    await page.locator('#token-role').selectOption('supervisor');
    await page.getByRole('button', { name: 'Skapa nyckel' }).click();
    const secret = page.locator('[data-secret]');
    await secret.waitFor();
    const bearer = { authorization: `Bearer ${await secret.textContent()}` };
    const asToken = async (): Promise<number> => (await started.product.app.api.inject({ method: 'GET', url: '/api/v1/config/audit', headers: bearer })).statusCode;
    expect(await asToken()).toBe(200);
    const row = page.locator('[data-table="tokens"] tr', { hasText: 'CRM' });
    expect(await row.locator('td').first().textContent()).toBe('arbetsledare');
    await browser.screenshots('users-token-secret');

    await row.getByRole('button', { name: 'Dra tillbaka nyckeln CRM' }).click();
    await row.waitFor({ state: 'detached' });
    expect(await asToken()).toBe(401);
    // Shown once: a fresh page has no secret on it.
    await page.reload();
    await page.getByRole('heading', { name: 'API-nycklar' }).waitFor();
    expect(await secret.count()).toBe(0);
  });

  it('speaks English when asked', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'In English' }).click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Create user' }).waitFor();
    await browser.screenshots('users-english');
    await page.getByRole('button', { name: 'På svenska' }).click();
  });
});
