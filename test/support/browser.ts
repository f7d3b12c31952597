/**
 * A real browser for the page tests: Debian's chromium (never a test tool's
 * own download) driven by playwright-core, headless, with a fresh profile.
 *
 * `useBrowser()` opens it for a test file and, after each test, fails the
 * test on any console error, uncaught page error, failed request or
 * HTTP error answer it did not `allow`. Screenshots go to ARTIFACTS_DIR,
 * which the run prints at its end (./artifacts-report.ts).
 *
 * `useProduct()` starts the product the pages are tested on for a test
 * file and stops it after, with the pages' address.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { builtPagesDir } from '../../server/api/web-pages.js';
import { ARTIFACTS_DIR } from './artifacts-report.js';
import type { RunningProduct } from './product.js';
import { tempDir } from './tmp.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREEN_SIZES = [{ width: 1920, height: 1080 }, { width: 390, height: 844 }] as const;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

/** A microphone that plays Chromium's own test sound, granted without asking: for recording in the page. */
const FAKE_MICROPHONE = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];
/** The same microphone, with nobody to grant it: headless Chromium refuses the request. */
const REFUSED_MICROPHONE = ['--use-fake-device-for-media-stream'];

export interface BrowserOptions {
  /** A fake microphone: Chromium's own test sound, or a WAV file of the test's, played over and over. */
  fakeMicrophone?: boolean | { file: string };
  /** A microphone the user does not allow: a page asking for it is refused (NotAllowedError). */
  refusedMicrophone?: boolean;
}

function microphoneArgs(options: BrowserOptions): string[] {
  const fake = options.fakeMicrophone;
  if (!fake) return options.refusedMicrophone ? REFUSED_MICROPHONE : [];
  if (fake === true) return FAKE_MICROPHONE;
  // Received audio plays (and reaches WebAudio) without a click first.
  return [...FAKE_MICROPHONE, `--use-file-for-fake-audio-capture=${fake.file}`, '--autoplay-policy=no-user-gesture-required'];
}

export interface BrowserPage {
  readonly page: Page;
  /** An answer the test causes on purpose (a refused sign-in): not a problem, nor the console error it logs. */
  allow(status: number, path: string): void;
  /** The page as it is now at each of SCREEN_SIZES, saved as `<name>-<width>x<height>.png`. */
  screenshots(name: string): Promise<void>;
}

export function useBrowser(options: BrowserOptions = {}): BrowserPage {
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let problems: string[] = [];
  let allowed: Array<{ status: number; path: string }> = [];
  const isAllowed = (url: string, status: number): boolean =>
    allowed.some((a) => a.status === status && new URL(url).pathname === a.path);

  beforeAll(async () => {
    // npm test builds them; a page test run alone tests what was built last.
    if (!existsSync(join(builtPagesDir(), 'index.html'))) throw new Error('the web pages are not built: npm run build:web');
    context = await chromium.launchPersistentContext(tempDir('chromium-'), {
      executablePath: CHROMIUM, headless: true, args: [...ARGS, ...microphoneArgs(options)], viewport: SCREEN_SIZES[0],
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // A refused request logs its address and status; a refused WebSocket says them in its text
      // (Chromium words a 401 there as failed HTTP authentication).
      const text = m.text();
      const status = /HTTP Authentication failed/.test(text) ? 401 : Number(/(?:status of|response code:) (\d{3})/.exec(text)?.[1]);
      const url = /\bwss?:\/\/\S+?(?=['"\s])/.exec(text)?.[0] ?? m.location().url;
      if (url && isAllowed(url, status)) return;
      problems.push(`console error: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && !isAllowed(r.url(), r.status())) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    });
  });

  afterEach(() => {
    const seen = problems;
    problems = [];
    allowed = [];
    expect(seen, 'console errors, page errors and failed requests').toEqual([]);
  });

  afterAll(async () => {
    await context?.close();
  });

  return {
    get page(): Page {
      if (!page) throw new Error('the browser is not open yet (use the page inside a test)');
      return page;
    },
    allow(status, path) {
      allowed.push({ status, path });
    },
    async screenshots(name) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const p = this.page;
      for (const size of SCREEN_SIZES) {
        await p.setViewportSize(size);
        await p.screenshot({ path: join(ARTIFACTS_DIR, `${name}-${size.width}x${size.height}.png`) });
      }
      await p.setViewportSize(SCREEN_SIZES[0]);
    },
  };
}

export interface ProductUnderTest<P extends RunningProduct> {
  readonly product: P;
  /** The pages' address on the product, with the `path` asked for (e.g. "#/users"). */
  readonly home: string;
}

/** Starts the product with `start` before the file's tests and stops it after them. */
export function useProduct<P extends RunningProduct>(start: () => Promise<P>, options: { path?: string; startTimeoutMs?: number } = {}): ProductUnderTest<P> {
  let product: P | undefined;
  beforeAll(async () => { product = await start(); }, options.startTimeoutMs);
  afterAll(async () => { await product?.stop(); });
  return {
    get product(): P {
      if (!product) throw new Error('the product is not started yet (use it inside a test or a later hook)');
      return product;
    },
    get home(): string {
      return `http://127.0.0.1:${this.product.config.http.port}/${options.path ?? ''}`;
    },
  };
}

/** Signs in through the sign-in form (already on the page) and waits for the signed-in frame. */
export async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByLabel(/Användarnamn|User name/).fill(name);
  await page.getByLabel(/Lösenord|Password/).fill(password);
  await page.getByRole('button', { name: /^(Logga in|Sign in)$/ }).click();
  await page.getByRole('button', { name: /^(Logga ut|Sign out)$/ }).waitFor();
}
