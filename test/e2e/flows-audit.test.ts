/**
 * The call flows and audit log pages in a real browser, on the real
 * product: a flow is drawn as its nodes with arrows for its ways out, each
 * box reached by keyboard; an edit with a fault
 * gets the product's message naming the node, and nothing is applied; a
 * valid edit made by keyboard is saved and the next read has it; an edit
 * of a flow changed meanwhile is refused and read again; the audit
 * log shows who changed it, with the changed lines before and after; a supervisor
 * reads flows without editing them; Swedish and English.
 */
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { signInEachRole, TEST_USERS, type Headers } from '../support/api.js';
import { signIn, useBrowser, useProduct } from '../support/browser.js';
import { startProduct, TEST_ADMIN_PASSWORD } from '../support/product.js';

const started = useProduct(() => startProduct());

let admin: Headers;

beforeAll(async () => {
  admin = (await signInEachRole(started.product.app.api, TEST_ADMIN_PASSWORD)).as.admin;
});

const browser = useBrowser();

beforeAll(async () => {
  await browser.page.goto(`${started.home}#/flows`);
  await signIn(browser.page, TEST_USERS.admin.name, TEST_ADMIN_PASSWORD);
});

/** The flow as the product's API has it now. */
async function storedFlow(name: string): Promise<string> {
  const res = await started.product.app.api.inject({ method: 'GET', url: `/api/v1/flows/${name}`, headers: admin });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ yaml: string }>().yaml;
}

async function auditVersions(): Promise<number[]> {
  const res = await started.product.app.api.inject({ method: 'GET', url: '/api/v1/config/audit', headers: admin });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ records: Array<{ version: number }> }>().records.map((r) => r.version);
}

/** A page from the menu, as a user gets there (the address's fragment changes, the document stays). */
async function open(menuItem: string): Promise<void> {
  await browser.page.getByRole('navigation').getByRole('link', { name: menuItem, exact: true }).click();
}

/** The flows page afresh (by way of the audit log), showing kundtjanst. */
async function openKundtjanst(): Promise<Locator> {
  const { page } = browser;
  await open('Ändringslogg');
  await open('Samtalsflöden');
  await page.getByRole('heading', { name: 'Samtalsflöden' }).waitFor();
  await page.getByLabel('Flöde', { exact: true }).selectOption('kundtjanst');
  const diagram = page.locator('vx-flow-diagram');
  await diagram.locator('[data-node="lavin"]').waitFor();
  return diagram;
}

describe('the call flows page', () => {
  it('draws a flow as its nodes in the steps a call meets them, each with its ways out as arrows, walkable by keyboard', async () => {
    const diagram = await openKundtjanst();
    const steps = await diagram.locator('ol.steps > li').evaluateAll((columns) =>
      columns.map((c) => [...c.querySelectorAll('li.node')].map((n) => n.getAttribute('data-node'))));
    expect(steps.slice(0, 3)).toEqual([['oppettider'], ['lavin', 'stangt'], ['halsning', 'callback-nar-vi-oppnar']]);
    const hours = diagram.locator('[data-node="oppettider"]');
    expect(await hours.locator('ul.exits li').allTextContents()).toEqual(['open → lavin', 'closed → stangt']);
    await diagram.locator('[data-node="halsning"]').getByText('announcement: kundtjanst-halsning').waitFor();

    // An arrow is drawn for each way out, from its box to the box it leads to.
    const arrows = diagram.locator('svg.edges path[data-edge]');
    const ways = await diagram.locator('ul.exits li').evaluateAll((items) =>
      items.map((li) => `${li.closest('li.node')!.getAttribute('data-node')}>${li.getAttribute('data-exit')}`));
    expect(ways.length).toBeGreaterThan(5);
    await expect.poll(async () => (await arrows.evaluateAll((paths) => paths.map((p) => p.getAttribute('data-edge')))).sort()).toEqual([...ways].sort());
    for (const d of await arrows.evaluateAll((paths) => paths.map((p) => p.getAttribute('d')))) expect(d).toMatch(/^M [\d.]+ [\d.]+ /);

    // Each box takes the focus by keyboard; its arrows stand out while it has it.
    const { page } = browser;
    const focused = (box: Locator) => box.evaluate((el) => el.matches(':focus'));
    await page.getByLabel('Flöde', { exact: true }).focus();
    for (let i = 0; i < 5 && !(await focused(hours)); i++) await page.keyboard.press('Tab');
    expect(await focused(hours)).toBe(true);
    expect(await arrows.and(diagram.locator('.lit')).evaluateAll((paths) => paths.map((p) => p.getAttribute('data-edge')))).toEqual(['oppettider>lavin', 'oppettider>stangt']);
    // Its link to "lavin" moves the focus to that box.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await focused(diagram.locator('[data-node="lavin"]'))).toBe(true);
    expect((await arrows.and(diagram.locator('.lit')).evaluateAll((paths) => paths.map((p) => p.getAttribute('data-edge')))).sort()).toEqual(['lavin>halsning', 'oppettider>lavin']);
    await browser.screenshots('flows');
  });

  it('shows the product\'s message for a faulty edit, naming the node, and applies nothing', async () => {
    const { page } = browser;
    await openKundtjanst();
    const before = await storedFlow('kundtjanst');
    const versions = await auditVersions();
    await page.getByRole('button', { name: 'Ändra flödet' }).click();
    const text = page.getByLabel('Flödet som text');
    await text.fill(before.replace('next: halsning', 'next: finns-inte'));
    await page.getByRole('button', { name: 'Kontrollera och spara' }).click();
    const fault = page.locator('#faults li');
    await fault.waitFor();
    expect(await fault.textContent()).toMatch(/^Steget lavin: .*finns-inte/);
    expect(await text.getAttribute('aria-invalid')).toBe('true');
    // What was typed stays for the user to correct; the product has the flow as it was.
    expect(await text.inputValue()).toContain('next: finns-inte');
    expect(await storedFlow('kundtjanst')).toBe(before);
    expect(await auditVersions()).toEqual(versions);
    await browser.screenshots('flows-fault');
  });

  it('saves a valid edit made by keyboard; the audit log shows who changed what, before and after', async () => {
    const { page } = browser;
    await openKundtjanst();
    const before = await storedFlow('kundtjanst');
    const edit = page.getByRole('button', { name: 'Ändra flödet' });
    await edit.focus();
    await page.keyboard.press('Enter');
    const text = page.getByLabel('Flödet som text');
    await expect.poll(() => text.evaluate((el) => el.matches(':focus'))).toBe(true);
    await text.fill(before.replace('deflectionSeconds: 10', 'deflectionSeconds: 15'));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Flödet är sparat. Nästa samtal följer det.').waitFor();
    expect(await storedFlow('kundtjanst')).toContain('deflectionSeconds: 15');

    await open('Ändringslogg');
    await page.getByRole('heading', { name: 'Ändringslogg' }).waitFor();
    const newest = page.locator('[data-table="audit"] tbody tr').first();
    expect(await newest.locator('td').nth(1).textContent()).toBe(TEST_USERS.admin.name);
    expect(await newest.locator('td').nth(2).textContent()).toBe('replaced flow kundtjanst');
    await newest.getByText('Visa 1 ändring').click();
    const change = newest.locator('.change');
    expect(await change.locator('strong').textContent()).toBe('flows.kundtjanst');
    expect(await change.locator('.before pre').textContent()).toContain('deflectionSeconds: 10');
    expect(await change.locator('.after pre').textContent()).toContain('deflectionSeconds: 15');
    // The lines that changed, not the whole flow twice.
    expect(await change.locator('.before pre').textContent()).toBe('    type: avalanche\n    deflectionSeconds: 10\n    next: halsning');
    await change.getByText(/^från rad \d+$/).waitFor();
    await browser.screenshots('audit');
  });

  it('does not overwrite a change made meanwhile: says so, keeps that change and reads the flow again', async () => {
    const { page } = browser;
    browser.allow(409, '/api/v1/flows/kundtjanst');
    await openKundtjanst();
    const before = await storedFlow('kundtjanst');
    await page.getByRole('button', { name: 'Ändra flödet' }).click();
    const meanwhile = before.replace(/deflectionSeconds: \d+/, 'deflectionSeconds: 17');
    const res = await started.product.app.api.inject({ method: 'PUT', url: '/api/v1/flows/kundtjanst', headers: admin, payload: { yaml: meanwhile } });
    expect(res.statusCode, res.body).toBe(200);

    await page.getByLabel('Flödet som text').fill(before.replace(/deflectionSeconds: \d+/, 'deflectionSeconds: 30'));
    await page.getByRole('button', { name: 'Kontrollera och spara' }).click();
    await page.getByRole('alert').filter({ hasText: 'Någon annan har ändrat inställningarna sedan du öppnade dem.' }).waitFor();
    expect(await storedFlow('kundtjanst')).toBe(meanwhile);
    await browser.screenshots('flows-changed-meanwhile');

    await page.getByRole('button', { name: 'Hämta igen' }).click();
    await page.getByRole('button', { name: 'Ändra flödet' }).click();
    expect(await page.getByLabel('Flödet som text').inputValue()).toBe(meanwhile);
  });

  it('pages the audit log: the newest changes first, older ones on request, down to the first', async () => {
    const { page } = browser;
    const yaml = await storedFlow('kundtjanst');
    // More changes than a page holds (25), each a real change of the flow.
    for (let seconds = 20; seconds < 46; seconds++) {
      const res = await started.product.app.api.inject({
        method: 'PUT', url: '/api/v1/flows/kundtjanst', headers: admin,
        payload: { yaml: yaml.replace(/deflectionSeconds: \d+/, `deflectionSeconds: ${seconds}`) },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const newest = (await auditVersions())[0]!;
    await open('Samtalsflöden');
    await open('Ändringslogg');
    const rows = page.locator('[data-table="audit"] tbody tr');
    await rows.first().waitFor();
    expect(await rows.first().getAttribute('data-version')).toBe(String(newest));
    expect(await rows.count()).toBe(25);
    await page.getByRole('button', { name: 'Visa äldre ändringar' }).click();
    await page.locator('[data-table="audit"] tr[data-version="1"]').waitFor();
    expect(await rows.count()).toBe(newest);
    expect(await page.getByRole('button', { name: 'Visa äldre ändringar' }).count()).toBe(0);
  });

  it('speaks English when asked', async () => {
    const { page } = browser;
    await openKundtjanst();
    await page.getByRole('button', { name: 'In English' }).click();
    await page.getByRole('heading', { name: 'Call flows' }).waitFor();
    await page.getByRole('button', { name: 'Change the flow' }).waitFor();
    await browser.screenshots('flows-english');
    await open('Audit log');
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.locator('[data-table="audit"]').getByText('Show 1 change').first().waitFor();
    await browser.screenshots('audit-english');
    await page.getByRole('button', { name: 'På svenska' }).click();
  });

  it('lets a supervisor read the flows and the audit log, without editing', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Logga ut' }).click();
    await signIn(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    const diagram = await openKundtjanst();
    await diagram.locator('[data-node="ko"]').waitFor();
    expect(await page.getByRole('button', { name: 'Ändra flödet' }).count()).toBe(0);
    await open('Ändringslogg');
    await page.locator('[data-table="audit"] tbody tr').first().waitFor();
  });
});
