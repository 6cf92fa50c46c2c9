// A game day in a real browser (Debian's Chromium through playwright-core): the facilitator's page and
// the responders' page side by side, against the real controller app and the real runner playing a
// short scenario at the fastest clock (1h=1s), over fake lab services on real sockets, a real fault
// proxy and a real DNS server (test/support/fake-services.ts). The test plays the race itself: it empties
// the kv endpoint and lets customers fail; the responders' `repair dns` puts it back. Every wait polls
// with a deadline.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { parseExperiment } from '../../chaos/experiments/format.js';
import { runbook } from '../../chaos/controller/runbook.js';
import { ServiceDirectory } from '../../chaos/controller/services.js';
import { LabContainers } from '../../chaos/faults/docker.js';
import { FakeDocker } from '../../chaos/faults/test-support.js';
import { gameInfoSchema, type GameInfo } from '../../chaos/gameday/contract.js';
import { startProxyServer, type ProxyServer } from '../../chaos/proxy/index.js';
import { echoServer } from '../../chaos/proxy/test-support.js';
import { silentLogger } from '../../lib/log.js';
import { declareIncident, joinGame, launchBrowser, lookUpDns, pressRunbook, type TestBrowser } from '../support/browser.js';
import { TEST_TOKEN, testController, type TestController } from '../support/controller.js';
import { fakeLab, KV_NAME, type FakeLab } from '../support/fake-services.js';
import { until } from '../support/until.js';

/** The race and Amazon's first operator step, cut to the bone: the game lasts until +14:32 (14.5 s at 1h=1s). */
const SHORT_OUTAGE = parseExperiment(
  `title: short outage
description: An enactor's link is slowed until the kv endpoint goes empty; the operators repair DNS at +2:37 and the event is over at +14:32.
configuration: { endpoint: ${KV_NAME} }
phases: [dns-empty]
game: { trigger: wait-for-the-race, slo: 0.95, hold: { aws: 30m } }
steady-state-hypothesis:
  title: the kv endpoint resolves
  probes:
    - type: probe
      name: kv-endpoint-has-addresses
      provider: { type: wait, probe: { type: dns, name: "\${endpoint}" }, until: { type: range, target: addresses, range: [1, 64] }, timeout: 10s }
method:
  - type: action
    name: slow-the-enactor-link
    provider: { type: toxic, proxy: enactor-az-b, toxic: { type: latency, stream: both, attributes: { latency: 400 } } }
  - type: probe
    name: wait-for-the-race
    provider: { type: wait, probe: { type: dns, name: "\${endpoint}" }, until: { type: range, target: addresses, range: [0, 0] }, timeout: 60s }
  - type: action
    name: remove-the-fault
    provider: { type: clear-faults }
  - type: action
    name: repair-dns
    operator: true
    pausable: true
    provider: { type: repair, action: dns }
    at: { aws: 2h37m, after: wait-for-the-race }
  - type: action
    name: event-over
    operator: true
    pausable: true
    provider: { type: repair, action: failover-on }
    at: { aws: 14h32m, after: wait-for-the-race }
rollbacks:
  - { type: action, name: remove-every-injected-fault, provider: { type: clear-faults } }
`,
  'short-outage.yaml',
);

const admin = { authorization: `Bearer ${TEST_TOKEN}` };

describe('a game day in a browser', { timeout: 240_000 }, () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: ProxyServer;
  let lab: FakeLab;
  let controller: TestController;
  let browser: TestBrowser;
  let base: string;
  let facilitator: Page;
  const docker = new FakeDocker();
  const repaired: string[] = [];
  const requested: string[] = [];

  const game = async (): Promise<GameInfo> => gameInfoSchema.parse((await controller.app.inject({ url: '/api/gameday', headers: admin })).json());

  /**
   * The facilitator starts a game from the drawer; the responders' page address and token it hands over.
   * With `staleRefresh`, the drawer's refresh of the game (every 2 s) is asked for before the start and
   * answered after it, with the game before: the token handed over must stay shown all the same (CI once
   * saw it hidden by such an answer, and the facilitator cannot have it shown again).
   */
  async function startGame(team: string, { staleRefresh = false } = {}): Promise<{ url: string; token: string }> {
    await facilitator.selectOption('#game-scenario', 'short-outage');
    await facilitator.fill('#game-clock', '1h=1s');
    await facilitator.fill('#game-team', team);
    await facilitator.evaluate(() => document.querySelector('#result')?.removeAttribute('data-state'));
    let started = () => {};
    const held = { asked: 0, answered: 0, state: '' };
    if (staleRefresh) {
      const gameStarted = new Promise<void>((resolve) => (started = resolve));
      await facilitator.route('**/api/gameday', async (route) => {
        if (route.request().method() !== 'GET' || held.asked > 0) return route.continue();
        held.asked++;
        const before = await route.fetch();
        held.state = ((await before.json()) as { state: string }).state;
        await gameStarted;
        await route.fulfill({ response: before });
        held.answered++;
      });
      await until('a refresh of the game asked for', async () => held.asked > 0, 10_000, 50);
    }
    await facilitator.click('#start-game');
    await facilitator.waitForSelector('#result[data-state="ok"]', { timeout: 10_000 });
    assert.match((await facilitator.textContent('#result')) ?? '', new RegExp(`start a game day on short-outage: ${team} plays short-outage at 1h=1s`));
    await facilitator.waitForSelector('#game-handover:not([hidden])', { timeout: 10_000 });
    const token = await facilitator.inputValue('#shown-responders-token');
    const url = (await facilitator.textContent('#responders-url')) ?? '';
    if (staleRefresh) {
      started();
      await until('the held refresh answered', async () => held.answered > 0, 10_000, 50);
      assert.equal(held.state, 'ended', 'the refresh held answered with the game before');
      // The page has had the old answer; the next refresh (every 2 s) is the new game's.
      await facilitator.waitForResponse((r) => r.url().endsWith('/api/gameday') && r.request().method() === 'GET', { timeout: 10_000 });
      await facilitator.unroute('**/api/gameday');
    }
    await facilitator.waitForSelector('#game-state[data-state="running"]', { timeout: 10_000 });
    assert.ok(await facilitator.isVisible('#game-handover'), "the responders' token stays shown until the facilitator is done with it");
    assert.equal(await facilitator.inputValue('#shown-responders-token'), token);
    return { url, token };
  }

  before(async () => {
    echo = await echoServer();
    proxy = await startProxyServer({ port: 0, seed: 1, log: silentLogger(), config: [{ name: 'enactor-az-b', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` }] });
    lab = await fakeLab({ token: TEST_TOKEN, proxy: { name: 'fault-proxy', kind: 'fault-proxy', port: proxy.port, url: proxy.url } });
    const kv1 = docker.add('lab', 'kv-1');
    docker.written.set(kv1, [
      JSON.stringify({ level: 30, time: Date.now(), service: 'kv-1', msg: 'kv-store listening' }),
      JSON.stringify({ level: 40, time: Date.now(), service: 'kv-1', msg: '<img src=x onerror="window.__pwned=3"> request failed', err: 'ENOTFOUND' }),
    ]);
    const directory = new ServiceDirectory(lab.list(), TEST_TOKEN);
    controller = testController({
      services: lab.list(),
      dns: { host: '127.0.0.1', port: lab.dns.udpPort },
      containers: new LabContainers(docker, 'lab', 'controller'),
      scenarios: () => [{ name: 'short-outage', experiment: SHORT_OUTAGE }],
      repairs: {
        ...runbook(directory),
        dns: async () => {
          repaired.push('dns');
          lab.kv.restore();
          lab.success.value = 1;
          return { action: 'dns', generation: 42, endpoints: [{ endpoint: KV_NAME, addresses: 3 }] };
        },
      },
    });
    base = await controller.listen();
    controller.start();
    browser = await launchBrowser();
    facilitator = await browser.page();
    facilitator.on('request', (r) => requested.push(r.url()));
    await facilitator.goto(base);
    await facilitator.click('#open-facilitator');
    await facilitator.fill('#token', TEST_TOKEN);
    await facilitator.click('#token-form button[type="submit"]');
    await facilitator.waitForSelector('#token-status[data-state="accepted"]', { timeout: 10_000 });
  });
  after(async () => {
    await browser?.close();
    await controller?.stop();
    await lab?.close();
    await proxy?.close();
    await echo?.close();
  });

  it("refuses a runbook button pressed on the responders' page without their token (401 shown), and repairs nothing", async () => {
    const page = await browser.page();
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${base}/responders`);
    await page.waitForSelector('#banner:not([hidden])', { timeout: 10_000 });
    assert.match((await page.textContent('#banner')) ?? '', /Join with your name and the responders' token/);
    const outcome = await pressRunbook(page, 'dns');
    assert.equal(outcome.state, 'refused');
    assert.match(outcome.text, /repair dns: refused \(401\)/);
    assert.deepEqual(repaired, [], 'nothing was repaired');
    assert.equal(lab.get('launcher').posts.length, 0);
    await page.close();
  });

  it("shows a fault the facilitator injects mid-game on the facilitator's view, and never on the responders'", async () => {
    const { url, token } = await startGame('Blue team');
    assert.equal(url, `${base}/responders`);
    const responders = await browser.page();
    responders.on('request', (r) => requested.push(r.url()));
    await responders.goto(url);
    await joinGame(responders, 'Alice', token);
    await responders.waitForSelector('[data-service="kv-2"][data-state="ready"]', { timeout: 10_000 });

    await facilitator.selectOption('#fault-kind', 'slow-handler');
    await facilitator.selectOption('#fault-target', 'kv-2');
    await facilitator.fill('#param-ms', '250');
    await facilitator.click('#inject');
    const row = facilitator.locator('#faults tr[data-fault-id]').filter({ hasText: 'slow-handler' });
    await row.waitFor({ timeout: 10_000 });
    const faultId = (await row.getAttribute('data-fault-id')) ?? '';
    assert.ok(faultId);
    lab.get('kv-2').events.emit('slowed', { ms: 250 });
    lab.get('dns-enactor-az-c').events.emit('lock-busy', { endpoint: KV_NAME, holder: 'dns-enactor-az-a', attempt: 2 });
    await facilitator.locator('#events li[data-event-type="slowed"]').waitFor({ timeout: 10_000 });
    await facilitator.waitForSelector('#game-entries', { timeout: 5000 });
    assert.match((await facilitator.textContent('#run')) ?? '', /short-outage/, 'the facilitator sees the scenario');

    // The same frames reached the responders: the event of the same moment is there, the fault's are not.
    await responders.locator('#events-list li[data-event-type="lock-busy"]').waitFor({ timeout: 10_000 });
    const seen = await responders.content();
    for (const secret of ['slow-handler', faultId, 'short-outage', 'slowed', 'dns-empty', 'wait-for-the-race', 'lab_latency', 'slow-the-enactor-link']) {
      assert.ok(!seen.includes(secret), `the responders' page shows ${JSON.stringify(secret)}`);
    }
    assert.equal(await responders.locator('#faults').count(), 0, 'no faults panel at all');
    assert.equal(await responders.locator('[data-service="fault-proxy"]').count(), 0, 'nor the fault proxy');
    assert.equal(await responders.locator('[data-service="kv-2"]').count(), 1, 'kv-2 itself is there');
    // Nor its state: a kv node's slow-handler setting is the fault itself.
    await responders.click('#tab-state');
    await responders.selectOption('#state-service', 'kv-2');
    await responders.waitForFunction(() => document.querySelector('#state-json')?.textContent?.startsWith('kv-2'), null, { timeout: 10_000 });
    assert.doesNotMatch((await responders.textContent('#state-json')) ?? '', /slowByMs/);

    await facilitator.click('#end-game');
    await facilitator.waitForSelector('#game-state[data-state="ended"]', { timeout: 60_000 });
    await responders.waitForSelector('#score:not([hidden])', { timeout: 15_000 });
    await responders.close();
    await facilitator.click('#held-faults .remove-fault');
  });

  it('plays a whole short game at the fastest clock: it ends by itself with a score, a report with the responders\' actions, and review.md', async () => {
    const { url, token } = await startGame('Red team', { staleRefresh: true });
    const responders = await browser.page();
    responders.on('request', (r) => requested.push(r.url()));
    await responders.goto(url);
    await joinGame(responders, 'Alice', token);
    await until('the run waits for the race', async () => (await game()).run?.activity === 'wait-for-the-race', 20_000, 100);

    // The race fires: the kv endpoint answers with nothing, and customers fail.
    lab.success.value = 0.1;
    lab.kv.empty();
    await responders.waitForSelector(`[data-endpoint="${KV_NAME}"][data-addresses="0"]`, { timeout: 10_000 });

    await declareIncident(responders, 'customers fail on the app endpoint');
    const answer = await lookUpDns(responders, KV_NAME);
    assert.match(answer, /A kv\.us-east-1\.lab\.internal: NOERROR, 0 answers/);
    assert.match(answer, /NOERROR with no answer \(NODATA\)/);

    await responders.click('#tab-logs');
    await responders.selectOption('#log-service', 'kv-1');
    await responders.locator('#log-lines li').filter({ hasText: 'request failed' }).waitFor({ timeout: 10_000 });
    assert.equal(await responders.locator('#log-lines img').count(), 0, 'a log line with markup is text');

    await responders.fill('#hypothesis-text', "the kv endpoint's DNS records are gone <script>window.__pwned=4</script>");
    await responders.selectOption('#hypothesis-service', 'dns-server');
    await responders.click('#record-hypothesis');
    await responders.waitForSelector('#result[data-state="ok"]', { timeout: 10_000 });

    assert.equal((await pressRunbook(responders, 'restart-dwfm')).state, 'ok');
    const fixed = await pressRunbook(responders, 'dns');
    assert.equal(fixed.state, 'ok', fixed.text);
    assert.deepEqual(repaired, ['dns']);
    await responders.waitForSelector(`[data-endpoint="${KV_NAME}"][data-addresses="3"]`, { timeout: 10_000 });
    const log = responders.locator('#team-log li');
    await until("the team's log", async () => (await log.count()) === 4, 10_000, 100);

    // Nobody ends it: the scenario's schedule runs out at +14:32, the steady state is checked, the score comes.
    await responders.waitForSelector('#score:not([hidden])', { timeout: 90_000 });
    const score = (await responders.textContent('#score')) ?? '';
    assert.match(score, /Game over: Red team/);
    assert.match(score, /Your team restored DNS at \+\d:\d\d, \d+ % (faster|later) than AWS did \(\+2:37\)/);
    assert.match(score, /Root cause named by Alice/);
    assert.match(score, /restart-dwfm \(too-early: restarting DWFM before DNS is back changes nothing/);
    const ended = await game();
    assert.equal(ended.state, 'ended');
    assert.equal(ended.ending, "when the scenario's schedule ran out");
    assert.ok(ended.score?.detected && ended.score.firstImpact, 'detected after the first impact');
    await facilitator.waitForSelector('#game-score .score', { timeout: 10_000 });

    const report = await browser.page();
    await report.goto(`${base}/api/runs/${encodeURIComponent(ended.id)}/report.html`);
    const html = await report.content();
    assert.match(html, /Game day: Red team/);
    for (const text of ['Alice', 'declared the incident: customers fail on the app endpoint', 'restart-dwfm', 'too-early', 'names the root cause', 'the scenario', 'enactor-az-b']) {
      assert.ok(html.includes(text), `the report says ${JSON.stringify(text)}`);
    }
    assert.equal(await report.locator('script').count(), 0, "a responder's markup is text in the report");
    await report.close();

    const review = join(controller.reportsDir, ended.id, 'review.md');
    assert.ok(existsSync(review), 'review.md next to journal.json');
    const text = readFileSync(review, 'utf8');
    for (const section of ['Summary', 'Impact', 'Timeline', 'Contributing factors', 'What went well', 'What was hard', 'Action items']) assert.match(text, new RegExp(`^## ${section}$`, 'm'));
    assert.match(text, /\| Alice \| dns \|/);

    for (const page of [facilitator, responders]) {
      const content = await page.content();
      assert.ok(!content.includes(TEST_TOKEN) && !content.includes(token), 'no token in the page');
    }
    assert.ok(!requested.some((u) => u.includes(TEST_TOKEN) || u.includes(token)), 'no token in any URL');
    assert.equal(await responders.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(browser.problems, [], 'no page error, no CSP violation');
  });
});
