// A real browser for the dashboard's tests: Debian's Chromium (/usr/bin/chromium, or CHROMIUM=path)
// driven by playwright-core, headless, with a fresh profile in a scratch folder that is removed after.
// `.ci/run` installs the chromium package; nothing is downloaded by playwright.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab at the projector's size; its page errors and console errors are collected. */
  page(): Promise<Page>;
  /** Page errors (uncaught exceptions) and console errors, CSP violations among them. */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'cascade-lab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1920, height: 1080 } });
  const problems: string[] = [];
  return {
    context,
    problems,
    page: async () => {
      const page = await context.newPage();
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (m) => {
        // Expected: the stream cut while the controller restarts (net::ERR_...), and the 400 and 401 answers
        // the page shows its user. Anything else (a missing file, a CSP violation) is a problem.
        if (m.type() === 'error' && !/net::ERR_|the server responded with a status of 40[01]/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Presses a runbook button, in the facilitator's drawer (opened first if need be) or on the responders'
 * page; the outcome line once it says ok or refused.
 */
/** Joins a game day on the responders' page with a name and the responders' token, and waits for the live stream. */
export async function joinGame(page: Page, name: string, token: string, timeoutMs = 15_000): Promise<void> {
  await page.fill('#player', name);
  await page.fill('#responders-token', token);
  await page.click('#join button[type="submit"]');
  await page.waitForSelector('#join-status[data-state="accepted"]', { timeout: timeoutMs });
  await page.waitForSelector('#link[data-state="live"]', { timeout: timeoutMs });
}

/** Declares the incident on the responders' page. */
export async function declareIncident(page: Page, summary: string, timeoutMs = 10_000): Promise<void> {
  await page.fill('#declare-summary', summary);
  await page.click('#declare');
  await page.waitForSelector('#declared:not([hidden])', { timeout: timeoutMs });
}

/** Looks an A record up with the responders' DNS tool; the answer as the page shows it, once it has come. */
export async function lookUpDns(page: Page, name: string, timeoutMs = 10_000): Promise<string> {
  await page.click('#tab-dns');
  await page.evaluate(() => document.querySelector('#dns-answer')?.replaceChildren());
  await page.fill('#dns-name', name);
  await page.click('#dns-lookup');
  await page.waitForFunction(() => (document.querySelector('#dns-answer')?.textContent ?? '') !== '', null, { timeout: timeoutMs });
  return (await page.textContent('#dns-answer')) ?? '';
}

export async function pressRunbook(page: Page, action: string, timeoutMs = 10_000): Promise<{ state: string; text: string }> {
  const drawer = page.locator('#facilitator');
  if ((await drawer.count()) > 0 && (await drawer.isHidden())) await page.click('#open-facilitator');
  const button = page.locator(`button.runbook[data-action="${action}"]`);
  await button.waitFor({ timeout: 10_000 });
  // The outcome of this press, not of the one before it.
  await page.evaluate(() => document.querySelector('#result')?.removeAttribute('data-state'));
  await button.click();
  await page.waitForSelector('#result:is([data-state="ok"], [data-state="refused"])', { timeout: timeoutMs });
  return { state: (await page.getAttribute('#result', 'data-state')) ?? '', text: (await page.textContent('#result')) ?? '' };
}
