/**
 * The staffing page in a real browser on the real product, over contact
 * records written to the product's own history database: a supervisor sees
 * a past day's forecast against its outcome and the agents needed, imports
 * a plan as CSV (a bad file is refused with the product's message, naming
 * the line) and sees it in the table, and runs the pooling what-if.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../server/history/open.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { signIn, useBrowser } from '../support/browser.js';
import { startProduct, TEST_ADMIN_PASSWORD, type RunningProduct } from '../support/product.js';

let product: RunningProduct;
let home: string;

// Wednesday 18 November 2026, and the two Wednesdays before it.
const DAY = '2026-11-18';
/** 08:00 + `minute` in Stockholm (UTC+1 in November). */
const eight = (date: string, minute = 0): number => Date.parse(`${date}T07:00:00Z`) + minute * 60_000;

function calls(date: string, queue: string, n: number): HistoryWrite[] {
  return Array.from({ length: n }, (_, i): HistoryWrite[] => [
    { kind: 'contact', id: `${queue}-${date}-${i}`, fields: { startedAt: eight(date, i) } },
    {
      kind: 'segment', id: `${queue}-${date}-e${i}`,
      fields: { contactId: `${queue}-${date}-${i}`, queue, kind: 'call', enqueuedAt: eight(date, i), outcome: 'answered', waitMs: 5_000, talkMs: 100_000, wrapUpMs: 20_000 },
    },
  ]).flat();
}

beforeAll(async () => {
  product = await startProduct();
  await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
  home = `http://127.0.0.1:${product.config.http.port}/`;
  const history = SqliteHistory.open(join(product.config.dataDir, SQLITE_FILE));
  await history.write([
    ...calls('2026-11-04', 'kundtjanst', 8), ...calls('2026-11-11', 'kundtjanst', 8), ...calls(DAY, 'kundtjanst', 6),
    ...calls('2026-11-04', 'kort', 8), ...calls('2026-11-11', 'kort', 8),
  ]);
  await history.close();
});

afterAll(async () => {
  await product?.stop();
});

const browser = useBrowser();

describe('the staffing page', () => {
  it("shows a supervisor a day's forecast, outcome and need, takes a plan as CSV, and runs the pooling what-if", async () => {
    const { page } = browser;
    await page.goto(`${home}#/staffing`);
    await page.evaluate(() => { localStorage.clear(); localStorage.setItem('vaxel.lang', 'sv'); });
    await page.reload();
    await signIn(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    const staffing = page.locator('vx-staffing-page');
    await staffing.getByRole('heading', { name: 'Bemanning', exact: true }).waitFor();
    await staffing.getByRole('combobox', { name: 'Kö' }).selectOption('kundtjanst');
    await staffing.getByLabel('Dag', { exact: true }).fill(DAY);
    await staffing.getByLabel('Dag', { exact: true }).dispatchEvent('change');
    const row = staffing.locator('tr[data-start="08:00"]');
    await row.waitFor();
    // Forecast 8, outcome 6, 120 s handling time; 3 needed by Erlang C for 85 % within 60 s, 5 to schedule after 30 % shrinkage.
    expect(await row.locator('td').allTextContents()).toEqual(['8', '6', '120', '3', '5', '–', '0']);
    await staffing.getByText('prognos från 2 tidigare dagar').waitFor();
    // 8 forecast, 6 came: off by 2 of 6.
    expect(await staffing.locator('[data-accuracy]').textContent()).toBe('prognosen missade med 33 % av samtalen (WAPE)');
    expect(await staffing.locator('vx-staffing-chart canvas').count()).toBeGreaterThan(0);

    // A bad file: the product's reason beside the form, nothing planned.
    browser.allow(400, '/api/v1/staffing/plan/import');
    const file = staffing.getByLabel('Fil (CSV)');
    await file.setInputFiles({ name: 'plan.csv', mimeType: 'text/csv', buffer: Buffer.from(`datum;tid;kö\n${DAY};08:00;kundtjanst;4\n`) });
    await staffing.getByRole('button', { name: 'Läs in planen' }).click();
    await staffing.locator('#plan-message', { hasText: 'line 1' }).waitFor();
    expect(await row.locator('td').nth(5).textContent()).toBe('–');

    await file.setInputFiles({ name: 'plan.csv', mimeType: 'text/csv', buffer: Buffer.from(`date;interval start;queue;agents\n${DAY};08:00;kundtjanst;4\n${DAY};08:15;kundtjanst;2\n`) });
    await staffing.getByRole('button', { name: 'Läs in planen' }).click();
    await staffing.getByText('Planen är inläst: 2 intervall för 1 dagar och köer.').waitFor();
    await staffing.locator('tr[data-start="08:00"] td:nth-child(7)', { hasText: '4' }).waitFor();
    await browser.screenshots('staffing');

    // Pooling kundtjänst and kort over their history: merged does better with the same staff.
    await staffing.getByRole('checkbox', { name: 'Kundtjänst' }).check();
    await staffing.getByRole('checkbox', { name: 'Kort och spärr' }).check();
    await staffing.getByLabel('Från', { exact: true }).fill('2026-11-04');
    await staffing.getByLabel('Till', { exact: true }).fill('2026-11-11');
    await staffing.getByLabel('Till', { exact: true }).dispatchEvent('change');
    await staffing.getByLabel('Från', { exact: true }).dispatchEvent('change');
    await staffing.getByRole('button', { name: 'Räkna' }).click();
    const separate = staffing.locator('[data-figure="separate"]');
    await separate.waitFor();
    const level = async (name: string): Promise<number> => Number((await staffing.locator(`[data-figure="${name}"]`).textContent())!.replace(' %', ''));
    expect(await level('pooled')).toBeGreaterThan(await level('separate'));
    expect(Number(await staffing.locator('[data-figure="pooled-agents"]').textContent())).toBeLessThan(Number(await staffing.locator('[data-figure="agents"]').textContent()));
    await browser.screenshots('staffing-pooling');
  });
});
