/**
 * The announcements page in a real browser, on the real product, as an
 * operator: a WAV uploaded from the page is listed with its length and
 * plays in the page; a recording made with the (fake) microphone is
 * converted to WAV in the browser, uploaded and listed with its length; a
 * file that is not audio, one over the upload limit and the deletion of a slot still played get the
 * product's message beside the controls; an unused recording is deleted;
 * keyboard alone records; Swedish and English.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_UPLOAD_LIMIT } from '../../server/api/announcements-routes.js';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { writeToneWav } from '../support/audio.js';
import { signIn, useBrowser, useProduct } from '../support/browser.js';
import { startProduct, TEST_ADMIN_PASSWORD } from '../support/product.js';
import { tempDir } from '../support/tmp.js';

const started = useProduct(() => startProduct(), { path: '#/announcements' });

let operator: Record<string, string>;
const files = tempDir('announcement-files-');

beforeAll(async () => {
  operator = (await signInEachRole(started.product.app.api, TEST_ADMIN_PASSWORD)).as.operator;
});

const browser = useBrowser({ fakeMicrophone: true });

const row = (slot: string): Locator => browser.page.locator(`[data-table="announcements"] tr[data-slot="${slot}"]`);
const lengthOf = (slot: string): Locator => row(slot).locator('td').first();

/** The slot as the product's API tells it, beside what the page shows. */
async function stored(slot: string): Promise<{ recorded: boolean; seconds?: number }> {
  const res = await started.product.app.api.inject({ method: 'GET', url: `/api/v1/announcements/${slot}`, headers: operator });
  expect(res.statusCode, res.body).toBe(200);
  const { recorded, seconds } = res.json<{ recorded: boolean; seconds?: number }>();
  return { recorded, ...(seconds !== undefined ? { seconds } : {}) };
}

beforeAll(async () => {
  await browser.page.goto(started.home);
  await signIn(browser.page, TEST_USERS.operator.name, TEST_USERS.operator.password);
});

/** The page afresh, as the operator signed in above. */
async function openAsOperator(): Promise<void> {
  const { page } = browser;
  await page.reload();
  await page.getByRole('heading', { name: 'Inspelade meddelanden' }).waitFor();
}

describe('the announcements page', () => {
  it('lists every slot with what plays it; an uploaded recording is listed with its length and plays in the page', async () => {
    const { page } = browser;
    await openAsOperator();
    await row('kundtjanst-halsning').getByText('Flödet kundtjanst, steget halsning').waitFor();
    expect(await lengthOf('kundtjanst-halsning').textContent()).toBe('Inte inspelat');
    await browser.screenshots('announcements');

    const wav = writeToneWav(join(files, 'halsning.wav'), { hz: 440, seconds: 3 });
    await row('kundtjanst-halsning').getByLabel('Ladda upp fil till kundtjanst-halsning').setInputFiles(wav);
    await row('kundtjanst-halsning').getByText('Filen är uppladdad. Nästa uppringare hör den.').waitFor();
    await lengthOf('kundtjanst-halsning').filter({ hasText: /^0:03$/ }).waitFor();
    expect(await stored('kundtjanst-halsning')).toEqual({ recorded: true, seconds: 3 });

    const audio = row('kundtjanst-halsning').locator('audio');
    const played = await audio.evaluate((element: HTMLAudioElement) => new Promise<number>((resolve, reject) => {
      element.addEventListener('playing', () => resolve(element.duration), { once: true });
      element.addEventListener('error', () => reject(new Error(`the audio element failed: ${element.error?.message ?? ''}`)), { once: true });
      void element.play();
    }));
    expect(played).toBeCloseTo(3, 1);
    await audio.evaluate((element: HTMLAudioElement) => element.pause());
    await browser.screenshots('announcements-uploaded');
  });

  it('shows the product\'s refusal of a file that is not audio beside the controls, and keeps the old recording', async () => {
    browser.allow(415, '/api/v1/announcements/kundtjanst-halsning');
    await openAsOperator();
    const text = join(files, 'not-audio.wav');
    writeFileSync(text, 'this is a letter, not a recording\n');
    await row('kundtjanst-halsning').getByLabel('Ladda upp fil till kundtjanst-halsning').setInputFiles(text);
    const refusal = row('kundtjanst-halsning').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe('Filen är inget ljud som går att spela upp.');
    expect(await stored('kundtjanst-halsning')).toEqual({ recorded: true, seconds: 3 });
    await browser.screenshots('announcements-not-audio');
  });

  it('shows the product\'s refusal of a file over the upload limit', async () => {
    browser.allow(413, '/api/v1/announcements/kundtjanst-halsning');
    await openAsOperator();
    const large = join(files, 'too-large.wav');
    writeFileSync(large, Buffer.alloc(DEFAULT_UPLOAD_LIMIT + 1024));
    await row('kundtjanst-halsning').getByLabel('Ladda upp fil till kundtjanst-halsning').setInputFiles(large);
    const refusal = row('kundtjanst-halsning').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe('Inspelningen är för stor.');
    expect(await stored('kundtjanst-halsning')).toEqual({ recorded: true, seconds: 3 });
  });

  it('records with the microphone by keyboard alone, converts it to WAV in the browser and lists it with its length', async () => {
    const { page } = browser;
    await openAsOperator();
    expect(await stored('lavin-1')).toEqual({ recorded: false });
    const record = row('lavin-1').getByRole('button', { name: 'Spela in lavin-1' });
    await record.focus();
    await page.keyboard.press('Enter');
    const stop = row('lavin-1').getByRole('button', { name: 'Stoppa och spara inspelningen av lavin-1' });
    await stop.waitFor();
    // The page counts the seconds recorded: stop after two.
    await row('lavin-1').getByText('Spelar in … 0:02').waitFor({ timeout: 10_000 });
    await browser.screenshots('announcements-recording');
    await stop.focus();
    await page.keyboard.press('Enter');
    await row('lavin-1').getByText('Inspelningen är sparad. Nästa uppringare hör den.').waitFor();
    const saved = await stored('lavin-1');
    expect(saved.recorded).toBe(true);
    expect(saved.seconds).toBeGreaterThanOrEqual(2);
    expect(saved.seconds).toBeLessThan(6);
    await lengthOf('lavin-1').filter({ hasText: /^\d+:\d\d$/ }).waitFor();
  });

  it('refuses to delete a recording still played and names what plays it; deletes one nothing plays', async () => {
    browser.allow(409, '/api/v1/announcements/kundtjanst-halsning');
    await openAsOperator();
    await row('kundtjanst-halsning').getByRole('button', { name: 'Ta bort inspelningen av kundtjanst-halsning' }).click();
    const refusal = row('kundtjanst-halsning').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe("announcement 'kundtjanst-halsning' is played by flow kundtjanst node halsning");
    expect((await stored('kundtjanst-halsning')).recorded).toBe(true);
    await browser.screenshots('announcements-in-use');

    await row('lavin-1').getByRole('button', { name: 'Ta bort inspelningen av lavin-1' }).click();
    await row('lavin-1').getByText('Borttaget.').waitFor();
    await lengthOf('lavin-1').filter({ hasText: /^Inte inspelat$/ }).waitFor();
    expect(await stored('lavin-1')).toEqual({ recorded: false });
  });

  it('speaks English when asked', async () => {
    const { page } = browser;
    await openAsOperator();
    await page.getByRole('button', { name: 'In English' }).click();
    await page.getByRole('heading', { name: 'Announcements' }).waitFor();
    await row('kundtjanst-halsning').getByText('Flow kundtjanst, step halsning').waitFor();
    await browser.screenshots('announcements-english');
    await page.getByRole('button', { name: 'På svenska' }).click();
  });
});
