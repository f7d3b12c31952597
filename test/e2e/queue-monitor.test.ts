/**
 * The queue monitor in a real browser on the real product: the first admin
 * signs in and sees the queues and agents; a SIPp caller on the operator
 * trunk dials the card-blocking number (straight to the "kort" queue, where
 * nobody answers), shows on the monitor within one second of entering the
 * queue, their wait ticking, and is gone when they hang up. Today's figures
 * on a queue's card count a call Erik's phone (baresip) answers and one
 * whose caller hangs up waiting, once their contact records are written,
 * and so do the figures of the service the callers dialled.
 * The wall-screen mode comes from its button and from ?wall=1.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGET_SECONDS } from '../../server/web/live/target.js';
import { stopAllBaresip } from '../support/baresip.js';
import { signIn, useBrowser, useProduct } from '../support/browser.js';
import { ERIK, eriksPhone } from '../support/callbacks.js';
import { startProduct, TEST_ADMIN_PASSWORD, TRUNK_SOURCE_IP } from '../support/product.js';
import { assertSippOk, runSipp } from '../support/sipp.js';

const CARD_NUMBER = '+46313900603';
const CARD_SERVICE = 'Kort och spärr';
const CALLER = '+46701740652';
const HOLD_MS = 4_000;

const started = useProduct(() => startProduct());

const browser = useBrowser();

describe('the queue monitor', () => {
  it('shows the first admin every queue and agent once signed in', async () => {
    const { page } = browser;
    await page.goto(started.home);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Kömonitor' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const queueIds = await page.locator('article[data-queue]').evaluateAll((els) => els.map((e) => e.getAttribute('data-queue')));
    expect(queueIds.sort()).toEqual(started.product.config.queues.map((q) => q.id).sort());
    const agents = started.product.config.extensions.filter((e) => e.agent !== undefined).length;
    expect(await page.locator('[data-table="agents"] tbody tr').count()).toBe(agents);
    await page.getByText('Ingen väntar just nu.').waitFor();
  });

  it("counts today's answered and abandoned calls on the queue's card", async () => {
    const { page } = browser;
    const figure = (name: string) => page.locator(`article[data-queue="kort"] [data-figure="${name}"]`);
    const serviceFigure = (name: string) => page.locator(`[data-table="services"] tr[data-service="${CARD_SERVICE}"] [data-figure="${name}"]`);
    await figure('answered').filter({ hasText: /^0$/ }).waitFor();
    await serviceFigure('offered').filter({ hasText: /^0$/ }).waitFor();
    await figure('abandoned').filter({ hasText: /^0$/ }).waitFor();
    await figure('service-level').filter({ hasText: /^–$/ }).waitFor();

    // Erik's phone answers the first caller by itself; the caller hangs up after talking.
    const erik = await eriksPhone(started.product.sipPort);
    try {
      await expect.poll(() => started.product.app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');
      const answered = runSipp({
        scenario: 'uac-basic.xml', remote: started.product.sipPort, service: CARD_NUMBER, keys: { caller: CALLER },
        durationMs: HOLD_MS, extraArgs: ['-i', TRUNK_SOURCE_IP],
      });
      await erik.waitEvent('CALL_ESTABLISHED', 10_000);
      assertSippOk(await answered, 1);
    } finally {
      await stopAllBaresip();
    }
    await expect.poll(() => started.product.app.acd.agent(ERIK)?.state, { timeout: 10_000 }).toBe('logged-out');
    await figure('answered').filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    // Answered within the target of 60 s: the only call counted so far.
    await figure('service-level').filter({ hasText: /^100%$/ }).waitFor();
    await serviceFigure('answered').filter({ hasText: /^1$/ }).waitFor();
    await serviceFigure('answered-in-target').filter({ hasText: /^1$/ }).waitFor();
    await serviceFigure('service-level').filter({ hasText: /^100%$/ }).waitFor();
    // Another service had no call.
    expect(await page.locator('[data-table="services"] tr[data-service="Kundtjänst"] [data-figure="offered"]').textContent()).toBe('0');

    // Nobody staffs the queue now: the second caller hangs up waiting.
    assertSippOk(await runSipp({
      scenario: 'uac-basic.xml', remote: started.product.sipPort, service: CARD_NUMBER, keys: { caller: CALLER },
      durationMs: HOLD_MS, extraArgs: ['-i', TRUNK_SOURCE_IP],
    }), 1);
    await figure('abandoned').filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    expect(await figure('answered').textContent()).toBe('1');
    await serviceFigure('abandoned').filter({ hasText: /^1$/ }).waitFor();
    expect(await serviceFigure('offered').textContent()).toBe('2');
    expect(await serviceFigure('answered').textContent()).toBe('1');
    await browser.screenshots('queue-monitor-today');
  });

  it("follows agents' states as they change", async () => {
    const { page } = browser;
    const state = (agentId: string) => page.locator(`[data-table="agents"] tr[data-agent="${agentId}"] td`).nth(1);
    // Agents outside the kort queue, so the caller below is offered to nobody.
    await started.product.app.acd.login('1003');
    await started.product.app.acd.login('1005');
    await started.product.app.acd.pause('1005', 'Lunch');
    await state('1003').filter({ hasText: /^Ledig$/ }).waitFor();
    await state('1005').filter({ hasText: /^Paus: Lunch$/ }).waitFor();
    await page.locator('article[data-queue="foretag"] .agents li', { hasText: 'Lediga 1' }).waitFor();
  });

  it('turns to English and back while live', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'In English' }).click();
    await page.getByRole('heading', { name: 'Queue monitor' }).waitFor();
    await page.getByRole('heading', { name: 'Waiting callers' }).waitFor();
    await page.locator('[data-table="agents"] tr[data-agent="1003"] td', { hasText: /^Ready$/ }).waitFor();
    await page.getByRole('button', { name: 'På svenska' }).click();
    await page.getByRole('heading', { name: 'Kömonitor' }).waitFor();
  });

  it('shows a SIPp caller within one second of entering the queue, their wait ticking, and removes them when they hang up', async () => {
    const { page } = browser;
    let queuedAt = 0;
    const stop = started.product.app.acd.on((e) => { if (e.type === 'queued' && e.entry.data['caller'] === CALLER) queuedAt = Date.now(); });
    const row = page.locator('[data-table="waiting"] tbody tr', { hasText: CALLER });
    const call = runSipp({
      scenario: 'uac-basic.xml', remote: started.product.sipPort, service: CARD_NUMBER, keys: { caller: CALLER },
      durationMs: HOLD_MS, extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    try {
      await row.waitFor({ timeout: 10_000 });
      const seenAt = Date.now();
      expect(queuedAt).toBeGreaterThan(0);
      expect(seenAt - queuedAt).toBeLessThan(1_000);
    } finally {
      stop();
    }
    const cells = await row.locator('td').allTextContents();
    // position, queue, service, dialled number, caller
    expect(cells.slice(0, 5)).toEqual(['1', 'Kort och spärr', 'Kort och spärr', CARD_NUMBER, CALLER]);
    await page.locator('article[data-queue="kort"] [data-figure="waiting"]', { hasText: /^1$/ }).waitFor();
    await page.locator(`[data-table="services"] tr[data-service="${CARD_SERVICE}"] [data-figure="waiting"]`, { hasText: /^1$/ }).waitFor();
    // No event comes while the caller only waits: the seconds tick in the page.
    await row.locator('td').nth(5).filter({ hasText: /^0:0[2-9]$/ }).waitFor();
    await browser.screenshots('queue-monitor');

    await page.getByRole('button', { name: 'Väggskärm' }).click();
    await page.getByRole('button', { name: 'Lämna väggskärm' }).waitFor();
    expect(new URL(page.url()).searchParams.get('wall')).toBe('1');
    expect(await page.getByRole('navigation').count()).toBe(0);
    await browser.screenshots('queue-monitor-wall');
    // On a phone, every big figure stays inside its queue's card.
    await page.setViewportSize({ width: 390, height: 844 });
    const outside = await page.locator('article[data-queue]').evaluateAll((cards) => cards.flatMap((card) => {
      const box = card.getBoundingClientRect();
      return [...card.querySelectorAll('.figure')]
        .filter((figure) => { const r = figure.getBoundingClientRect(); return r.left < box.left || r.right > box.right; })
        .map((figure) => `${card.getAttribute('data-queue')}: ${figure.textContent?.trim()}`);
    }));
    expect(outside).toEqual([]);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.locator('[data-table="services"]').scrollIntoViewIfNeeded();
    await browser.screenshots('queue-monitor-wall-services');

    assertSippOk(await call, 1);
    await row.waitFor({ state: 'detached' });
    await page.locator('article[data-queue="kort"] [data-figure="waiting"]', { hasText: /^0$/ }).waitFor();
  });

  it('marks a longest wait over the target in red, in the queue and in the list', async () => {
    const { page } = browser;
    // The page's clock, not the product's: the wait ticks in the page between events.
    await page.clock.install();
    await page.goto(started.home);
    const row = page.locator('[data-table="waiting"] tbody tr', { hasText: CALLER });
    const call = runSipp({
      scenario: 'uac-basic.xml', remote: started.product.sipPort, service: CARD_NUMBER, keys: { caller: CALLER },
      durationMs: HOLD_MS, extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    await row.waitFor({ timeout: 10_000 });
    const longest = page.locator('article[data-queue="kort"] .figure', { has: page.locator('[data-figure="longest"]') });
    expect(await longest.getAttribute('class')).not.toContain('alarm');
    await page.clock.fastForward(DEFAULT_TARGET_SECONDS * 1000 + 2_000);
    await longest.filter({ hasText: 'över målet 1:00' }).waitFor();
    expect(await longest.getAttribute('class')).toContain('alarm');
    expect(await row.locator('td').nth(5).getAttribute('class')).toBe('alarm');
    const serviceLongest = page.locator(`[data-table="services"] tr[data-service="${CARD_SERVICE}"] [data-figure="longest"]`);
    expect(await serviceLongest.getAttribute('class')).toBe('alarm');
    expect(await page.locator('[data-table="services"] tr[data-service="Kundtjänst"] [data-figure="longest"]').getAttribute('class')).toBe('');
    await browser.screenshots('queue-monitor-over-target');
    assertSippOk(await call, 1);
    await row.waitFor({ state: 'detached' });
    expect(await longest.getAttribute('class')).not.toContain('alarm');
  });

  it('reconnects after losing the events socket and shows what changed meanwhile', async () => {
    const { page } = browser;
    const status = page.getByRole('status');
    await status.filter({ hasText: /^Live/ }).waitFor();
    const reconnecting = status.filter({ hasText: 'Återansluter' }).waitFor();
    for (const client of started.product.app.api.websocketServer.clients) client.terminate();
    await reconnecting;
    await started.product.app.acd.ready('1005');
    await status.filter({ hasText: /^Live/ }).waitFor();
    await page.locator('[data-table="agents"] tr[data-agent="1005"] td', { hasText: /^Ledig$/ }).waitFor();
  });

  it("pauses an agent from the monitor with a reason, makes them ready, and shows the product's refusal beside the buttons", async () => {
    const { page } = browser;
    const row = (agentId: string) => page.locator(`[data-table="agents"] tr[data-agent="${agentId}"]`);
    await row('1003').getByRole('button', { name: 'Paus: Maja Karlsson' }).click();
    await row('1003').getByLabel('Orsak till paus').fill('Möte');
    await row('1003').getByRole('button', { name: 'Pausa' }).click();
    await row('1003').locator('td', { hasText: /^Paus: Möte$/ }).waitFor();
    expect(started.product.app.acd.agent('1003')).toMatchObject({ state: 'paused', pauseReason: 'Möte' });

    await row('1003').getByRole('button', { name: 'Redo: Maja Karlsson' }).click();
    await row('1003').locator('td', { hasText: /^Ledig$/ }).waitFor();
    expect(started.product.app.acd.agent('1003')?.state).toBe('ready');

    // Johan Ek answers on a phone and has none registered: the product refuses to log him in.
    browser.allow(409, '/api/v1/agents/1006/login');
    await row('1006').getByRole('button', { name: 'Logga in: Johan Ek' }).click();
    const refusal = row('1006').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/\S/);
    expect(started.product.app.acd.agent('1006')?.state).toBe('logged-out');
    await browser.screenshots('queue-monitor-agent-refused');
  });

  it('goes back to signing in when the session has ended', async () => {
    const { page } = browser;
    await page.goto(started.home);
    await page.getByRole('status').filter({ hasText: /^Live/ }).waitFor();
    browser.allow(401, '/api/v1/events');
    browser.allow(401, '/api/v1/me');
    browser.allow(401, '/api/v1/live/today');
    await page.context().clearCookies();
    for (const client of started.product.app.api.websocketServer.clients) client.terminate();
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('status').filter({ hasText: /^Live/ }).waitFor();
  });

  it('opens in wall-screen mode from the address, and leaves it with the button', async () => {
    const { page } = browser;
    await page.goto(`${started.home}?wall=1`);
    await page.getByRole('button', { name: 'Lämna väggskärm' }).waitFor();
    expect(await page.getByRole('navigation').count()).toBe(0);
    await page.getByRole('button', { name: 'Lämna väggskärm' }).click();
    await page.getByRole('navigation', { name: 'Huvudmeny' }).waitFor();
    expect(new URL(page.url()).searchParams.has('wall')).toBe(false);
  });
});
