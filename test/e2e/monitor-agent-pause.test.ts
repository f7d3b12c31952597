/**
 * A supervisor pauses an agent from the queue monitor, in a real browser on
 * the real product: Erik (a baresip desk phone that answers by itself) is
 * the only agent ready for the card-blocking queue; paused from his row,
 * the next SIPp caller waits on the monitor, offered to nobody; made ready
 * from the same row, Erik gets the call, and the monitor shows him on it.
 */
import { describe, expect, it } from 'vitest';
import { TEST_USERS } from '../support/api.js';
import { signIn, useBrowser } from '../support/browser.js';
import { CARD_NUMBER, ERIK, eriksPhone } from '../support/callbacks.js';
import { useCentreForPages } from '../support/centre-pages.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';

const CALLER = '+46701740653';

// The card-blocking queue offers no callback: the caller just waits.
const started = useCentreForPages();

const browser = useBrowser();

describe('pausing an agent from the queue monitor', () => {
  it('the paused agent is offered no call; made ready, they get it', async () => {
    const { page } = browser;
    await page.goto(started.home);
    await signIn(page, TEST_USERS.supervisor.name, TEST_USERS.supervisor.password);
    const erikRow = page.locator(`[data-table="agents"] tr[data-agent="${ERIK}"]`);
    const erikState = erikRow.locator('td').nth(1);

    const erik = await eriksPhone(started.product.sipPort);
    await erikState.filter({ hasText: /^Ledig$/ }).waitFor();
    await erikRow.getByRole('button', { name: 'Paus: Erik Johansson' }).click();
    await erikRow.getByLabel('Orsak till paus').fill('Möte');
    await erikRow.getByRole('button', { name: 'Pausa' }).click();
    await erikState.filter({ hasText: /^Paus: Möte$/ }).waitFor();

    // Held until our BYE: the caller stays in line as long as it takes.
    const caller = callFromOperatorNetwork(started.product.sipPort, CARD_NUMBER, CALLER);
    const waiting = page.locator('[data-table="waiting"] tbody tr', { hasText: CALLER });
    await waiting.waitFor({ timeout: 10_000 });
    await started.product.app.acd.idle();
    expect(started.product.acdEvents.filter((e) => e.type === 'offered-to-agent')).toEqual([]);
    expect(erik.events.some((e) => e.type === 'CALL_INCOMING' || e.type === 'CALL_ESTABLISHED')).toBe(false);
    await browser.screenshots('queue-monitor-agent-paused');

    await erikRow.getByRole('button', { name: 'Redo: Erik Johansson' }).click();
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await waiting.waitFor({ state: 'detached' });
    await erikState.filter({ hasText: /^I samtal$/ }).waitFor();
    await erikRow.locator('td', { hasText: `${CALLER} · Kort och spärr` }).waitFor();

    await erik.hangup();
    expect((await caller).successful).toBe(1);
  });
});
