/**
 * The agent desktop's microphone check where the softphone cannot have
 * one: a microphone the user does not allow, and a computer with none. The
 * agent is told what is wrong and what to do, in words, and nothing fails
 * on the page.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { signIn, useBrowser, type BrowserPage } from '../support/browser.js';
import { startProduct, TEST_ADMIN_PASSWORD, type RunningProduct } from '../support/product.js';

let product: RunningProduct;

beforeAll(async () => {
  product = await startProduct();
  await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
});

afterAll(async () => {
  await product?.stop();
});

async function checkMicrophone(browser: BrowserPage): Promise<void> {
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${product.config.http.port}/`);
  await signIn(page, TEST_USERS.agent.name, TEST_USERS.agent.password);
  await page.getByLabel('Webbläsaren (webbtelefon)').check();
  await page.getByRole('button', { name: 'Kontrollera mikrofonen' }).click();
}

describe('a microphone the user does not allow', () => {
  const browser = useBrowser({ refusedMicrophone: true });

  it('says so, and where to allow it', async () => {
    await checkMicrophone(browser);
    await browser.page.getByText('Webbläsaren får inte använda mikrofonen. Tillåt mikrofonen för den här sidan (ikonen i adressfältet) och försök igen.').waitFor();
    await browser.screenshots('agent-desktop-microphone-refused');
  });
});

describe('no microphone at all', () => {
  const browser = useBrowser();

  it('says none was found', async () => {
    await checkMicrophone(browser);
    await browser.page.getByText('Ingen mikrofon hittades. Anslut ett headset och försök igen.').waitFor();
  });
});
