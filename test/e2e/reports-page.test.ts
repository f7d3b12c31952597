/**
 * The reports page in a real browser on the real product: contact records
 * of a morning are written into the product's own history, a supervisor
 * picks the day, the hour as interval and the grouping, and reads the
 * figures counted here in the table, with the chart and the CSV link; per
 * agent the occupancy and pauses; a period too long for quarter hours gets
 * the product's message beside the last day; English too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../server/history/open.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { signIn, useBrowser } from '../support/browser.js';
import { startProduct, TEST_ADMIN_PASSWORD, type RunningProduct } from '../support/product.js';

/** hh:mm on Monday 16 November 2026 in Stockholm (UTC+1). */
const at = (hh: number, mm: number): number => Date.UTC(2026, 10, 16, hh - 1, mm);

const call = (id: string, service: string, queue: string, queuedAt: number, outcome: string, waitS: number, more: Record<string, unknown> = {}): HistoryWrite[] => [
  { kind: 'contact', id, fields: { startedAt: queuedAt, service, dialled: '+46313900601' } },
  { kind: 'segment', id: `e-${id}`, fields: { contactId: id, queue, kind: 'call', enqueuedAt: queuedAt, outcome, waitMs: waitS * 1000, ...more } },
];

// The demo's kundtjanst queue aims at 60 s.
const MORNING: HistoryWrite[] = [
  ...call('a', 'Kundtjänst', 'kundtjanst', at(8, 5), 'answered', 12, { agent: '1001', talkMs: 150_000, wrapUpMs: 30_000 }),
  ...call('b', 'Kundtjänst', 'kundtjanst', at(8, 10), 'answered', 68, { agent: '1001', talkMs: 240_000 }),
  ...call('c', 'Kundtjänst', 'kundtjanst', at(8, 20), 'abandoned', 3),
  ...call('d', 'Kundtjänst', 'kundtjanst', at(8, 40), 'abandoned', 75),
  ...call('e', 'Kundtjänst', 'kundtjanst', at(9, 15), 'answered', 20, { agent: '1001', talkMs: 60_000 }),
  { kind: 'agent-state', agent: '1001', at: at(8, 0), state: 'ready' },
  { kind: 'agent-state', agent: '1001', at: at(8, 6), state: 'busy' },
  { kind: 'agent-state', agent: '1001', at: at(8, 12), state: 'wrap-up' },
  { kind: 'agent-state', agent: '1001', at: at(8, 15), state: 'ready' },
  { kind: 'agent-state', agent: '1001', at: at(8, 30), state: 'paused', reason: 'lunch' },
  { kind: 'agent-state', agent: '1001', at: at(9, 0), state: 'logged-out' },
];

let product: RunningProduct;
let home: string;

beforeAll(async () => {
  product = await startProduct();
  await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
  home = `http://127.0.0.1:${product.config.http.port}/`;
  // The product's own history file, written beside the product (SQLite in WAL mode takes a second writer).
  const history = SqliteHistory.open(join(product.config.dataDir, SQLITE_FILE));
  await history.write(MORNING);
  await history.close();
});

afterAll(async () => {
  await product?.stop();
});

const browser = useBrowser();

describe('the reports page', () => {
  it("shows a supervisor each hour's figures per service, with the chart and a CSV link", async () => {
    const { page } = browser;
    await page.goto(`${home}#/reports`);
    await signIn(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    await page.getByRole('heading', { name: 'Rapporter' }).waitFor();
    await page.getByLabel('Från och med').fill('2026-11-16');
    await page.getByLabel('Till och med').fill('2026-11-16');
    await page.getByLabel('Intervall', { exact: true }).selectOption('60m');
    await page.getByLabel('Per', { exact: true }).selectOption('service');
    await page.getByRole('button', { name: 'Visa' }).click();

    const row = (start: string, group: string) => page.locator(`[data-table="report"] tr[data-start="${start}"][data-group="${group}"] td`);
    const eight = row('2026-11-16T08:00:00+01:00', 'Kundtjänst');
    await eight.first().waitFor();
    // Offered 4, answered 2, abandoned 2 of which 1 short (3 s); 1 of 2 + 2 - 1 in 60 s; (12 + 68) / 2 s to answer;
    // (12 + 68 + 3 + 75) / 4 s of wait; (150 + 30 + 240) / 2 s handling.
    expect(await eight.allTextContents()).toEqual([
      '2026-11-16 08:00', 'Kundtjänst', '4', '2', '2', '1', '33.3 %', '0:40', '0:39', '1:15', '3:30', '0 / 0', '0', '0', '0',
    ]);
    expect(await row('2026-11-16T09:00:00+01:00', 'Kundtjänst').allTextContents()).toEqual([
      '2026-11-16 09:00', 'Kundtjänst', '1', '1', '0', '0', '100 %', '0:20', '0:20', '0:20', '1:00', '0 / 0', '0', '0', '0',
    ]);
    await page.locator('vx-report-chart canvas').first().waitFor();
    expect(await page.getByRole('link', { name: 'Ladda ner som CSV' }).getAttribute('href'))
      .toBe('/api/v1/reports/contacts?from=2026-11-16&to=2026-11-17&interval=60m&groupBy=service&format=csv');
    await browser.screenshots('reports-service');
  });

  it("shows per agent the occupancy and each pause reason's time", async () => {
    const { page } = browser;
    await page.getByLabel('Per', { exact: true }).selectOption('agent');
    await page.getByRole('button', { name: 'Visa' }).click();
    const eight = page.locator('[data-table="report"] tr[data-start="2026-11-16T08:00:00+01:00"][data-group="1001"] td');
    await eight.first().waitFor();
    // Busy 08:06-08:12 and wrap-up to 08:15: 9 of 30 minutes ready, busy or in wrap-up; lunch from 08:30.
    expect((await eight.allTextContents()).slice(-3)).toEqual(['0', '30 %', '30:00']);
    await page.getByRole('columnheader', { name: 'Paus: lunch' }).waitFor();
    await browser.screenshots('reports-agent');
  });

  it('puts the product’s refusal of a period too long for quarter hours beside the last day, and speaks English', async () => {
    const { page } = browser;
    browser.allow(400, '/api/v1/reports/contacts');
    await page.getByLabel('Från och med').fill('2026-09-01');
    await page.getByLabel('Intervall', { exact: true }).selectOption('15m');
    await page.getByRole('button', { name: 'Visa' }).click();
    await page.locator('#to-error').filter({ hasText: 'a report by 15m covers at most 31 days' }).waitFor();

    await page.getByRole('button', { name: 'In English' }).click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await page.getByLabel('From').fill('2026-11-16');
    await page.getByLabel('Interval', { exact: true }).selectOption('day');
    await page.getByLabel('Per', { exact: true }).selectOption('queue');
    await page.getByRole('button', { name: 'Show' }).click();
    const day = page.locator('[data-table="report"] tr[data-start="2026-11-16T00:00:00+01:00"][data-group="kundtjanst"] td');
    await day.first().waitFor();
    expect((await day.allTextContents()).slice(2, 5)).toEqual(['5', '3', '2']);
  });
});
