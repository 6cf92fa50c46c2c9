// The dashboard in Docker: a real browser (Debian's Chromium through playwright-core) on the page the
// lab's controller serves, while the lab's own loadgen runs. The charts move; a service killed with
// `docker kill` turns red within a few seconds (and green once started again); a runbook button without
// the admin token is refused with a 401 the page shows.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { launchBrowser, pressRunbook, type TestBrowser } from '../../support/browser.js';
import { e2eEnv } from '../../support/lab-cli.js';
import { until } from '../../support/until.js';
import { containerOf, ENDPOINT } from '../support.js';

const run = promisify(execFile);
const DASHBOARD = `http://127.0.0.1:${e2eEnv.LAB_CONTROLLER_PORT}/`;

/** The time of a chart's newest point: the window slides, so on a lab up for a while the count of points stays the same. */
const lastPoint = (page: Page, chart: string) => page.$eval(`[data-chart="${chart}"]`, (el) => Number((el as HTMLElement).dataset.lastT));
const stateOf = (page: Page, service: string) => page.getAttribute(`[data-service="${service}"]`, 'data-state');

/** Registers the dashboard's tests against lab a (started by the file that calls this). */
export function dashboardTests(): void {
describe('the dashboard', () => {
  let browser: TestBrowser;
  let page: Page;
  before(async () => {
    browser = await launchBrowser();
    page = await browser.page();
    await page.goto(DASHBOARD);
  });
  after(async () => {
    await browser?.close();
  });

  it("moves the charts while the loadgen runs, with the customers' success rate", async () => {
    await page.waitForSelector('[data-service="loadgen"][data-state="ready"]', { timeout: 60_000 });
    await page.waitForSelector(`[data-endpoint="${ENDPOINT}"][data-state="ready"]`, { timeout: 60_000 });
    const success = await lastPoint(page, 'success');
    const p99 = await lastPoint(page, 'p99');
    // Samples come every second: three seconds' worth of new points on both customer charts.
    await until('newer points on the customer charts', async () => (await lastPoint(page, 'success')) >= success + 3000 && (await lastPoint(page, 'p99')) >= p99 + 3000, 20_000, 250);
    await until('a success rate on the chart', async () => /%$/.test((await page.textContent('[data-chart="success"] .value')) ?? ''), 20_000, 250);
    const leased = await page.textContent('[data-chart="leases"] .value');
    assert.match(leased ?? '', /^\d+$/, 'leased droplets from the launcher');
  });

  it('turns a service killed with docker kill red within a few seconds, and green once it is started again', async () => {
    await page.waitForSelector('[data-service="kv-3"][data-state="ready"]', { timeout: 60_000 });
    const id = await containerOf(e2eEnv, 'kv-3');
    const killed = Date.now();
    await run('docker', ['kill', id]);
    await page.waitForSelector('[data-service="kv-3"][data-state="dead"]', { timeout: 10_000 });
    const tookMs = Date.now() - killed;
    assert.ok(tookMs <= 5000, `red ${tookMs} ms after docker kill`);
    // Docker does not restart a container killed through its API; an operator starts it.
    await run('docker', ['start', id]);
    await page.waitForSelector('[data-service="kv-3"][data-state="ready"]', { timeout: 60_000 });
    assert.equal(await stateOf(page, 'kv-3'), 'ready');
  });

  it('refuses a runbook button pressed without the admin token, and shows the 401', async () => {
    const outcome = await pressRunbook(page, 'failover-on');
    assert.equal(outcome.state, 'refused');
    assert.match(outcome.text, /refused \(401\)/);
    assert.deepEqual(browser.problems, [], 'no page error, no CSP violation');
  });
});
}
