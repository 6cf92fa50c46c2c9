// The dashboard in a real browser (Debian's Chromium through playwright-core), against the real
// controller app listening on a loopback port, over fake lab services on real sockets
// (test/support/fake-services.ts). Every wait polls with a deadline.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Journal, RunOptions } from '../../chaos/experiments/runner.js';
import { sampleJournal } from '../../chaos/report/sample-journal.js';
import { launchBrowser, pressRunbook, type TestBrowser } from '../support/browser.js';
import { TEST_TOKEN, testController, type TestController } from '../support/controller.js';
import { fakeLab, type FakeLab } from '../support/fake-services.js';

/** A run that finds dns-empty 2 s in, over 3 s later, and goes on until it is stopped. */
async function slowRun(_experiment: unknown, opts: RunOptions): Promise<Journal> {
  const t0 = opts.clock.now();
  const elapsed = () => opts.clock.now() - t0;
  const phase = () => (elapsed() < 2000 ? [] : [{ name: 'dns-empty', start: 2000, end: Math.min(elapsed(), 5000) }]);
  opts.observe?.({ elapsed, phases: () => (elapsed() >= 2000 && elapsed() < 5000 ? ['dns-empty'] : []), detected: phase, activeFaults: () => 0, activity: () => 'wait-for-the-endpoint-to-empty' });
  await new Promise((resolve) => opts.signal?.addEventListener('abort', resolve, { once: true }));
  return { ...sampleJournal(), scenario: opts.scenario, seed: opts.seed, status: 'aborted', reason: `interrupted (${String(opts.signal?.reason)})`, phases: phase(), durationMs: elapsed() };
}

const points = (page: Page, chart: string) => page.$eval(`[data-chart="${chart}"]`, (el) => Number((el as HTMLElement).dataset.points));

describe('the dashboard in a browser', { timeout: 180_000 }, () => {
  let lab: FakeLab;
  let browser: TestBrowser;
  let controller: TestController;
  let base: string;
  let page: Page;
  const requested: string[] = [];
  const start = async (port?: number) => {
    controller = testController({ services: lab.list(), dns: { host: '127.0.0.1', port: lab.dns.udpPort }, repairs: 'runbook', execute: slowRun });
    base = await controller.listen(port);
    controller.start();
  };

  before(async () => {
    lab = await fakeLab({ token: TEST_TOKEN });
    await start();
    browser = await launchBrowser();
    page = await browser.page();
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(base);
  });
  after(async () => {
    await browser?.close();
    await controller?.stop();
    await lab?.close();
  });

  it('draws the service map and the charts, and the charts advance as frames arrive', async () => {
    await page.waitForSelector('[data-service="kv-1"][data-state="ready"]', { timeout: 10_000 });
    for (const name of ['loadgen', 'nlb-az-a', 'droplet-az-c', 'dns-enactor-az-b', 'fault-proxy', 'dns-server', 'launcher', 'kv-3', 'redis']) {
      assert.equal(await page.locator(`[data-service="${name}"]`).count(), 1, `${name} is on the map`);
    }
    await page.waitForSelector('[data-endpoint="kv.us-east-1.lab.internal"][data-addresses="3"]', { timeout: 10_000 });
    assert.match(await page.locator('[data-endpoint="app.us-east-1.lab.internal"]').textContent() ?? '', /10\.53\.0\.21/);
    assert.equal(await page.locator('[data-chart] canvas').count(), 6, 'six uPlot charts');

    const before = await points(page, 'success');
    await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('[data-chart="success"]')!.dataset.points) >= n + 2, before, { timeout: 10_000 });
    lab.capacity.value = 7;
    await page.waitForFunction(() => document.querySelector('[data-chart="nlb"] .value')?.textContent === '7', null, { timeout: 10_000 });
    assert.equal(await page.locator('#link').getAttribute('data-state'), 'live');
  });

  it('turns a service that stops answering red within a few seconds, and green again when it is back', async () => {
    const frozen = Date.now();
    lab.get('kv-3').freeze();
    await page.waitForSelector('[data-service="kv-3"][data-state="dead"]', { timeout: 5000 });
    assert.ok(Date.now() - frozen < 5000, `red after ${Date.now() - frozen} ms`);
    lab.get('kv-3').thaw();
    await page.waitForSelector('[data-service="kv-3"][data-state="ready"]', { timeout: 5000 });

    await lab.get('droplet-az-b').stop();
    await page.waitForSelector('[data-service="droplet-az-b"][data-state="dead"]', { timeout: 5000 });
    lab.get('launcher').ready = false;
    await page.waitForSelector('[data-service="launcher"][data-state="alive"]', { timeout: 5000 });
    await lab.get('droplet-az-b').start();
    lab.get('launcher').ready = true;
    await page.waitForSelector('[data-service="droplet-az-b"][data-state="ready"]', { timeout: 5000 });
  });

  it('shows event text with markup as text, never as markup', async () => {
    lab.get('nlb-az-b').events.emit('<script>window.__pwned=1</script>', { target: '<img src=x onerror="window.__pwned=2">' });
    const row = page.locator('#events li').filter({ hasText: '<script>window.__pwned=1</script>' });
    await row.waitFor({ timeout: 10_000 });
    assert.match((await row.textContent()) ?? '', /<img src=x onerror=/);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('#events img, #events script').count(), 0);
  });

  it('refuses a runbook action without the token (401 shown), does it with the token, and never puts the token in the page or a URL', async () => {
    const refused = await pressRunbook(page, 'throttle');
    assert.equal(refused.state, 'refused');
    assert.match(refused.text, /refused \(401\)/);
    assert.equal(lab.get('launcher').posts.length, 0, 'nothing reached the launcher');

    await page.fill('#token', TEST_TOKEN);
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector('#token-status[data-state="accepted"]', { timeout: 10_000 });
    assert.equal((await pressRunbook(page, 'throttle')).state, 'ok');
    assert.deepEqual(
      lab.get('launcher').posts.map((p) => [p.path, p.authorized]),
      [['/v1/operator/throttle', true]],
    );
    assert.ok(!(await page.content()).includes(TEST_TOKEN), 'not in the page');
    assert.ok(!requested.some((url) => url.includes(TEST_TOKEN)), 'not in any URL');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('cascade-lab.admin-token')), TEST_TOKEN);
  });

  it("shows Amazon's fixes as the services say, marks a fix whose services disagree, and switches them on the running lab", async () => {
    const ofKind = (kind: string) => [...lab.services.values()].filter((s) => s.kind === kind);
    // A container started again from compose's FIX_ variables: one enactor on, the others off.
    lab.get('dns-enactor-az-b').fixOn = true;
    await page.click('#close-facilitator');
    await page.click('#open-facilitator');
    await page.waitForSelector('[data-fix="enactor"][data-state="mixed"]', { timeout: 10_000 });
    assert.match((await page.textContent('#fix-state')) ?? '', /disagree: dns-enactor-az-a off, dns-enactor-az-b on, dns-enactor-az-c off/);
    assert.equal(await page.locator('#fix-enactor').evaluate((box) => (box as HTMLInputElement).indeterminate), true);
    assert.equal(await page.getAttribute('[data-fix="nlb-velocity"]', 'data-state'), 'off');

    await page.check('#fix-nlb-velocity');
    await page.evaluate(() => document.querySelector('#result')?.removeAttribute('data-state'));
    await page.click('#switch-fixes');
    await page.waitForSelector('#result[data-state="ok"]', { timeout: 10_000 });
    assert.match((await page.textContent('#result')) ?? '', /switch the fixes: on: nlb-velocity/);
    assert.deepEqual(ofKind('nlb').map((s) => s.fixOn), ofKind('nlb').map(() => true), 'every NLB node switched on');
    assert.deepEqual([...ofKind('dns-enactor'), ...ofKind('ec2')].map((s) => s.fixOn), [false, false, false, false], 'the enactors made alike, the launcher left off');
    await page.waitForSelector('[data-fix="nlb-velocity"][data-state="on"]', { timeout: 10_000 });
    assert.equal(await page.getAttribute('[data-fix="enactor"]', 'data-state'), 'off');
    assert.equal(await page.getAttribute('#fix-state', 'data-consistent'), 'true');

    await page.uncheck('#fix-nlb-velocity');
    await page.click('#switch-fixes');
    await page.waitForSelector('[data-fix="nlb-velocity"][data-state="off"]', { timeout: 10_000 });
    assert.deepEqual(ofKind('nlb').map((s) => s.fixOn), ofKind('nlb').map(() => false));
  });

  it('injects a fault from the catalogue with its parameters, shows it with its holder and time left, and removes it', async () => {
    await page.selectOption('#fault-kind', 'slow-handler');
    await page.selectOption('#fault-target', 'kv-2');
    await page.fill('#param-ms', '250');
    await page.selectOption('#fault-for', String(300_000));
    await page.click('#inject');
    await page.waitForSelector('#result[data-state="ok"]', { timeout: 10_000 });
    assert.deepEqual(lab.get('kv-2').posts.at(-1), { path: '/v1/slow', body: { ms: 250 }, authorized: true });
    const row = page.locator('#faults tr[data-fault-id]').filter({ hasText: 'slow-handler' });
    await row.waitFor({ timeout: 10_000 });
    assert.match((await row.textContent()) ?? '', /ms=250.*kv-2.*its own ttl.*4:5\d/);

    await page.fill('#param-ms', '0');
    await page.click('#inject');
    await page.waitForSelector('#result[data-state="refused"]', { timeout: 10_000 });
    assert.match((await page.textContent('#result')) ?? '', /refused \(400\).*slow-handler: parameter ms/);

    await page.click('#held-faults .remove-fault');
    await page.locator('#faults tr[data-fault-id]').waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual(lab.get('kv-2').posts.at(-1)?.body, { ms: 0 });
  });

  it('starts a scenario, shows its phase as it starts and ends, stops it; the emergency stop clears the lab', async () => {
    await page.selectOption('#scenario', 'dns-race');
    await page.fill('#seed', '41');
    await page.click('#start-run');
    await page.waitForSelector('#run[data-state="running"]', { timeout: 10_000 });
    assert.match((await page.textContent('#run')) ?? '', /dns-race.*seed 41/);
    await page.waitForSelector('#phases [data-phase="dns-empty"][data-ongoing="true"]', { timeout: 10_000 });
    await page.waitForSelector('#phases [data-phase="dns-empty"][data-ongoing="false"]', { timeout: 10_000 });
    assert.match((await page.textContent('#phases')) ?? '', /0:02 – 0:05/);

    await page.selectOption('#fault-kind', 'pause-loop');
    await page.selectOption('#fault-target', 'dns-enactor-az-a');
    await page.click('#inject');
    await page.locator('#faults tr[data-fault-id]').waitFor({ timeout: 10_000 });
    await page.click('#emergency-stop');
    await page.waitForSelector('#result[data-state="ok"]', { timeout: 10_000 });
    assert.match((await page.textContent('#result')) ?? '', /emergency stop: run .*dns-race-41 aborted; 1 controller faults undone/);
    await page.waitForSelector('#run[data-state="aborted"]', { timeout: 10_000 });
    await page.locator('#faults tr[data-fault-id]').waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(lab.get('dns-enactor-az-a').posts.at(-1)?.path, '/v1/resume');
    await page.click('#close-facilitator');
  });

  it('says the connection is lost while the controller is down, and reconnects by itself when it is back', async () => {
    const port = Number(new URL(base).port);
    await controller.stop();
    await page.waitForSelector('#banner:not([hidden])', { timeout: 10_000 });
    assert.match((await page.textContent('#banner')) ?? '', /Connection to the controller lost: reconnecting/);
    assert.equal(await page.evaluate(() => document.body.classList.contains('disconnected')), true);
    await start(port);
    await page.waitForSelector('#banner', { state: 'hidden', timeout: 15_000 });
    await page.waitForSelector('[data-service="kv-1"][data-state="ready"]', { timeout: 10_000 });
    const now = await points(page, 'success');
    await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('[data-chart="success"]')!.dataset.points) > n, now, { timeout: 10_000 });
    assert.deepEqual(browser.problems, [], 'no page error, no CSP violation');
  });
});
