/**
 * The staffing shortfall banner on the queue monitor, in a real browser on
 * the real product: a plan in the product's DATA_DIR wants two agents in
 * Kundtjänst and nobody is logged in; once the product's clock has moved
 * past the configured minutes, the banner appears live (the events socket),
 * and is there again after a reload (GET /staffing/shortfalls).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffingPlanFile } from '../../server/stats/staffing-plan-file.js';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { signIn, useBrowser } from '../support/browser.js';
import { ShiftedClock } from '../support/clock.js';
import { startProduct, TEST_ADMIN_PASSWORD, type RunningProduct } from '../support/product.js';
import { tempDir } from '../support/tmp.js';

let product: RunningProduct;
let home: string;
// Thursday 7 January 2027, 08:01 in Stockholm.
const clock = new ShiftedClock('2027-01-07T08:01:00+01:00');

beforeAll(async () => {
  const dataDir = tempDir('data-');
  const plan = await StaffingPlanFile.open(dataDir);
  await plan.replace([{ date: '2027-01-07', start: '08:00', queue: 'kundtjanst', agents: 2 }]);
  product = await startProduct({ clock, tweak: (c) => { c.dataDir = dataDir; } });
  await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
  home = `http://127.0.0.1:${product.config.http.port}/`;
});

afterAll(async () => {
  await product?.stop();
});

const browser = useBrowser();

describe('the shortfall banner on the queue monitor', () => {
  it('appears when the queue has stayed below its plan for the set minutes, live and after a reload', async () => {
    const { page } = browser;
    await page.goto(`${home}#/monitor`);
    await page.evaluate(() => { localStorage.clear(); localStorage.setItem('vaxel.lang', 'sv'); });
    await page.reload();
    await signIn(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    const monitor = page.locator('vx-queue-monitor');
    await monitor.locator('[data-queue="kundtjanst"]').first().waitFor();
    const banner = monitor.locator('vx-shortfall-banner [data-shortfalls]');
    expect(await banner.count()).toBe(0);

    // Short of the plan since 08:01; ten minutes on, the alarm.
    clock.jump(10 * 60_000);
    await banner.getByRole('heading', { name: 'För få i tjänst' }).waitFor();
    await banner.locator('li[data-queue="kundtjanst"]', { hasText: 'Kundtjänst: 0 i tjänst, behov 0, planerat 2' }).waitFor();

    await page.reload();
    await banner.locator('li[data-queue="kundtjanst"]', { hasText: 'Kundtjänst: 0 i tjänst' }).waitFor();
    await browser.screenshots('queue-monitor-shortfall');
  });
});
