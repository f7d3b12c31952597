/**
 * The services page in a real browser on the real product, on a clock set
 * to Wednesday 2 December 2026, 10:00 in Stockholm (every service open):
 *
 * - by keyboard alone, an exception with a malformed time (25:00) gets the
 *   product's refusal in Swedish beside the time field, and one that ends
 *   before it starts beside its last day; nothing is applied;
 * - a supervisor presses "Stäng nu" for Växel: the page shows it closed,
 *   and the next caller on the operator trunk hears Växel's closed message
 *   (a tone recorded in its slot) and is hung up on; deleting the
 *   exception from the page opens Växel again;
 * - a change made elsewhere after the page read the hours: "Stäng nu" is
 *   refused (409), the page says so and shows the latest, nothing closed;
 * - the page in English; screenshots at both sizes in both languages.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../server/calls/events.js';
import { signInEachRole, TEST_USERS, type RoleCredentials } from '../support/api.js';
import { toneRatio, writeToneWav } from '../support/audio.js';
import { signIn, useBrowser, useProduct } from '../support/browser.js';
import { ShiftedClock } from '../support/clock.js';
import { startProduct, TEST_ADMIN_PASSWORD } from '../support/product.js';
import { TrunkCaller } from '../support/trunk-caller.js';

const VAXEL = '+46313900600';
const CLOSED_HZ = 900;
const TODAY = '2026-12-02';

const started = useProduct(() => startProduct({ clock: new ShiftedClock('2026-12-02T10:00:00+01:00') }), { startTimeoutMs: 30_000 });

let credentials: RoleCredentials;
const events: CallEvent[] = [];

beforeAll(async () => {
  started.product.app.center.on('event', (e) => events.push(e));
  const slots = join(started.product.config.dataDir, 'announcements');
  mkdirSync(slots, { recursive: true });
  writeToneWav(join(slots, 'vaxel-stangt.wav'), { hz: CLOSED_HZ, seconds: 2, amplitude: 0.5 });
  credentials = await signInEachRole(started.product.app.api, TEST_ADMIN_PASSWORD);
}, 30_000);

const browser = useBrowser();

/** Växel's exceptions as the API has them. */
async function vaxelExceptions(): Promise<unknown[]> {
  const res = await started.product.app.api.inject({
    method: 'GET', url: `/api/v1/services/${encodeURIComponent('Växel')}/hours/exceptions`, headers: credentials.as.operator,
  });
  expect(res.statusCode).toBe(200);
  return res.json<unknown[]>();
}

const focused = (page: Page, label: string): Promise<boolean> => page.getByLabel(label, { exact: true }).evaluate((el) => el.matches(':focus'));

async function showVaxel(page: Page): Promise<void> {
  await page.goto(`${started.home}#/services`);
  await page.getByRole('heading', { name: 'Tjänster och nummer' }).waitFor();
  await page.getByRole('button', { name: 'Visa öppettider för Växel' }).click();
  await page.getByRole('heading', { name: 'Öppettider: Växel' }).waitFor();
}

describe('the services page', () => {
  it('shows which numbers lead where, and refuses a malformed time and a last day before the first beside their fields, in Swedish, applying nothing', async () => {
    const { page } = browser;
    await page.goto(started.home);
    await signIn(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    await showVaxel(page);
    const vaxelRow = page.locator('[data-table="services"] tr[data-service="Växel"]');
    await vaxelRow.getByText(`${VAXEL} → samtalsflödet vaxel`).waitFor();
    await page.locator('[data-open="true"]', { hasText: 'Öppet nu' }).waitFor();

    browser.allow(422, `/api/v1/services/${encodeURIComponent('Växel')}/hours/exceptions/2026-12-24`);
    // A date field's own keys (day, month, year) are the browser's: the test fills it and goes on by keyboard.
    await page.getByLabel('Från och med').fill('2026-12-24');
    await page.getByLabel('Vad gäller').focus();
    await page.keyboard.press('ArrowDown'); // Stänger tidigare
    await page.keyboard.press('Tab');
    expect(await focused(page, 'Stänger (TT:MM)')).toBe(true);
    await page.keyboard.type('25:00');
    await page.keyboard.press('Tab');
    expect(await focused(page, 'Anteckning')).toBe(true);
    await page.keyboard.type('julafton');
    await page.keyboard.press('Enter');

    const message = page.locator('#hours-error');
    await message.waitFor();
    expect(await message.textContent()).toBe('Välj stängt, stängt från, öppet till eller öppet mellan, med tider som 15:00.');
    expect(await page.getByLabel('Stänger (TT:MM)').getAttribute('aria-describedby')).toBe('hours-error');
    expect(await page.getByLabel('Stänger (TT:MM)').getAttribute('aria-invalid')).toBe('true');
    expect(await vaxelExceptions()).toEqual([]);
    await page.getByText('Inga undantag.').waitFor();
    expect(await page.getByLabel('Stänger (TT:MM)').inputValue()).toBe('25:00');

    // Until a day before it starts: the refusal beside the last day, nothing applied.
    await page.getByLabel('Stänger (TT:MM)').fill('15:00');
    await page.getByLabel('Till och med (tomt: en dag)').fill('2026-12-23');
    await page.getByRole('button', { name: 'Lägg till undantag' }).click();
    const until = page.locator('#until-error');
    await until.waitFor();
    expect(await until.textContent()).toBe('Slutet måste komma efter början.');
    expect(await page.locator('#hours-error').count()).toBe(0);
    expect(await page.getByLabel('Till och med (tomt: en dag)').getAttribute('aria-invalid')).toBe('true');
    expect(await vaxelExceptions()).toEqual([]);
    await browser.screenshots('services-refused');
  });

  it('"Stäng nu" closes Växel: the next caller hears the closed message; deleting the exception opens it again', async () => {
    const { page } = browser;
    await showVaxel(page);
    await page.getByRole('button', { name: 'Stäng nu' }).click();
    await page.locator('[data-open="false"]', { hasText: 'Stängt nu' }).waitFor();
    const row = page.locator(`[data-table="exceptions"] tr[data-exception="${TODAY}"]`);
    await row.getByText(/^closed from 10:0\d$/).waitFor();
    await page.locator(`ol.calendar li[data-date="${TODAY}"]`).getByText(/Undantag: closed from 10:0\d/).waitFor();
    expect(await vaxelExceptions()).toEqual([{ date: TODAY, hours: expect.stringMatching(/^closed from 10:0\d$/) }]);
    await browser.screenshots('services-closed-now');

    const caller = await TrunkCaller.call(started.product.sipPort, VAXEL, '+46701740671');
    try {
      await caller.waitForBye(20_000);
    } finally {
      await caller.hangUp();
    }
    const heard = caller.rtp.heard();
    expect(toneRatio(heard, 8000, CLOSED_HZ, 0, Math.min(heard.length, 2 * 8000)), 'the closed message').toBeGreaterThan(0.3);
    const callStarted = events.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started' && e.caller.endsWith('46701740671'));
    const nodes = events.flatMap((e) => (e.type === 'ivr-node' && e.callId === callStarted?.callId ? [e.node] : []));
    expect(nodes).toEqual(['oppettider', 'stangt', 'hejda']);

    await row.getByRole('button', { name: `Ta bort undantaget ${TODAY}` }).click();
    await page.locator('[data-open="true"]', { hasText: 'Öppet nu' }).waitFor();
    expect(await vaxelExceptions()).toEqual([]);
  }, 60_000);

  it('a change made elsewhere since the page read the hours is refused, said so, and the page shows the latest', async () => {
    const { page } = browser;
    await showVaxel(page);
    await page.locator('[data-open="true"]', { hasText: 'Öppet nu' }).waitFor();
    const elsewhere = await started.product.app.api.inject({
      method: 'PUT', url: `/api/v1/services/${encodeURIComponent('Växel')}/hours/exceptions/2026-12-31`,
      headers: credentials.as.admin, payload: { hours: 'open until 13:00', note: 'nyårsafton' },
    });
    expect(elsewhere.statusCode).toBe(201);

    browser.allow(409, `/api/v1/services/${encodeURIComponent('Växel')}/hours/closed-now`);
    await page.getByRole('button', { name: 'Stäng nu' }).click();
    await page.getByRole('alert').filter({ hasText: 'Någon annan har ändrat inställningarna' }).waitFor();
    await page.locator('[data-table="exceptions"] tr[data-exception="2026-12-31"]').getByText('nyårsafton').waitFor();
    await page.locator('[data-open="true"]', { hasText: 'Öppet nu' }).waitFor();
    expect(await vaxelExceptions()).toEqual([{ date: '2026-12-31', hours: 'open until 13:00', note: 'nyårsafton' }]);

    await page.getByRole('button', { name: 'Ta bort undantaget 2026-12-31' }).click();
    await page.getByText('Inga undantag.').waitFor();
    expect(await vaxelExceptions()).toEqual([]);
  });

  it('speaks English when switched, and looks right at both sizes', async () => {
    const { page } = browser;
    await showVaxel(page);
    await browser.screenshots('services-sv');
    await page.getByRole('button', { name: 'In English' }).click();
    await page.getByRole('heading', { name: 'Services and numbers' }).waitFor();
    await page.getByRole('heading', { name: 'Opening hours: Växel' }).waitFor();
    await page.getByRole('button', { name: 'Close now' }).waitFor();
    await page.getByRole('heading', { name: 'The coming four weeks' }).waitFor();
    await browser.screenshots('services-en');
    await page.getByRole('button', { name: 'På svenska' }).click();
    await page.getByRole('heading', { name: 'Tjänster och nummer' }).waitFor();
  });
});
