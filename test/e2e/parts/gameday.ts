// A game day in Docker, as a facilitator and a team run one: `cascade-lab gameday start` on the real lab
// (aws-2025-10-20 at the e2e clock: the facilitator ends it once the team has acted), the facilitator's page and the responders' page in
// a real browser (Debian's Chromium through playwright-core). The race fires by itself; the responders
// see it from symptoms only (the kv endpoint empty, NODATA at the lab's DNS server, the services' log
// lines from Docker), declare, name the root cause and take the runbook; a fault the facilitator adds
// mid-game shows on the facilitator's view and not on theirs; `cascade-lab gameday end` gives the score,
// the report with their actions, and review.md.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { gameInfoSchema } from '../../../chaos/gameday/contract.js';
import { declareIncident, joinGame, launchBrowser, lookUpDns, pressRunbook, type TestBrowser } from '../../support/browser.js';
import { cli, E2E_CLOCK, e2eEnv } from '../../support/lab-cli.js';
import { until } from '../../support/until.js';
import { ENDPOINT as KV, hostApi } from '../support.js';

const BASE = `http://127.0.0.1:${e2eEnv.LAB_CONTROLLER_PORT}`;
const admin = { authorization: `Bearer ${e2eEnv.LAB_ADMIN_TOKEN}` };
const api = hostApi(e2eEnv);
const get = (path: string, headers: Record<string, string> = admin) => api.controllerAs(path, headers);

/**
 * Registers a whole game day against lab a (started by the file that calls this), at the e2e clock.
 * `atRest` waits for the lab at rest: the game begins from it, not from the tail of the run before.
 */
export function gamedayTests(atRest: () => Promise<void>): void {
describe('a game day', () => {
  let browser: TestBrowser;
  let facilitator: Page;
  let responders: Page;
  let token = '';
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    // Whatever happened, no game and no fault is left behind for the next test.
    await cli(['emergency-stop']).catch(() => undefined);
    await browser?.close();
  });

  it("starts from the CLI, which prints the responders' page and token once", async () => {
    await atRest();
    const started = await cli(['gameday', 'start', '--scenario', 'aws-2025-10-20', '--clock', E2E_CLOCK, '--team', 'e2e team', '--seed', '41', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const json = JSON.parse(started.stdout) as { game: { team: string; state: string }; responders: { url: string; token: string } };
    assert.equal(json.game.state, 'running');
    assert.equal(json.responders.url, `${BASE}/responders`);
    token = json.responders.token;
    assert.ok(token.length >= 32);
    const status = await cli(['gameday', 'status']);
    assert.match(status.stdout, new RegExp(`e2e team plays aws-2025-10-20 at ${E2E_CLOCK}: running`));
    assert.ok(!status.stdout.includes(token));
    assert.equal((await get('/api/faults', {})).status, 401, "the facilitator's reads need the admin token during the game");
    assert.equal((await get('/api/faults', { authorization: `Bearer ${token}` })).status, 403, "and refuse the responders' token");
  });

  it("shows the responders symptoms only, while the facilitator sees the faults, and a fault added mid-game stays the facilitator's", async () => {
    facilitator = await browser.page();
    await facilitator.goto(`${BASE}/`);
    await facilitator.click('#open-facilitator');
    await facilitator.fill('#token', e2eEnv.LAB_ADMIN_TOKEN as string);
    await facilitator.click('#token-form button[type="submit"]');
    await facilitator.waitForSelector('#token-status[data-state="accepted"]', { timeout: 30_000 });
    await facilitator.waitForSelector('#link[data-state="live"]', { timeout: 60_000 });
    await facilitator.waitForSelector('#game-state[data-state="running"]', { timeout: 30_000 });

    responders = await browser.page();
    await responders.goto(`${BASE}/responders`);
    await joinGame(responders, 'Alice', token, 60_000);

    await facilitator.selectOption('#fault-kind', 'slow-handler');
    await facilitator.selectOption('#fault-target', 'kv-3');
    await facilitator.fill('#param-ms', '50');
    await facilitator.selectOption('#fault-for', '60000');
    await facilitator.click('#inject');
    await facilitator.locator('#faults tr[data-fault-id]').filter({ hasText: 'slow-handler' }).waitFor({ timeout: 30_000 });
    await until('a few frames on the responders\' page', async () => Number(await responders.$eval('[data-chart="success"]', (el) => (el as HTMLElement).dataset.points)) >= 5, 60_000, 500);
    const seen = await responders.content();
    for (const secret of ['slow-handler', 'aws-2025-10-20', 'dns-empty', 'lease-collapse', 'wait-for-the-race', 'lab_latency', 'slowed']) {
      assert.ok(!seen.includes(secret), `the responders' page shows ${JSON.stringify(secret)}`);
    }
    assert.equal(await responders.locator('[data-service="fault-proxy"]').count(), 0);
    assert.equal(await responders.locator('[data-service="kv-3"]').count(), 1);

    // The services' own pino lines, from Docker.
    await responders.click('#tab-logs');
    await responders.selectOption('#log-service', 'launcher');
    await responders.locator('#log-lines li').first().waitFor({ timeout: 30_000 });
  });

  it('lets the responders find the empty endpoint, name the root cause and repair it, each action journaled', async () => {
    // The race takes up to a few minutes to fire (README: 7 to 220 s in Docker). A game that ends by itself
    // meanwhile (its run aborted) fails the test at once, with the reason.
    const seen = await until('the kv endpoint empty on the responders\' page, or the game over', async () => {
      const game = gameInfoSchema.parse(JSON.parse((await get('/api/gameday')).text));
      if (game.state !== 'running' && game.state !== 'paused') return { over: `the game is ${game.state}: ${game.ending ?? ''}` };
      const empty = (await responders.locator(`[data-endpoint="${KV}"][data-addresses="0"]`).count()) > 0;
      return empty ? { over: null } : null;
    }, 480_000, 1000);
    assert.equal(seen.over, null, 'the game went on until the race');
    await declareIncident(responders, 'customers fail; the kv endpoint is empty', 30_000);
    assert.match(await lookUpDns(responders, KV, 30_000), /NODATA/);

    await responders.fill('#hypothesis-text', "the kv endpoint's DNS records were deleted by the enactors' clean-up");
    await responders.selectOption('#hypothesis-service', 'dns-server');
    await responders.click('#record-hypothesis');
    await responders.waitForSelector('#result[data-state="ok"]', { timeout: 30_000 });

    // This team is slower than a lease (2 AWS hours), as AWS was: DWFM's leases lapse while the endpoint
    // is empty, so restoring DNS brings the establishments that collapse DWFM. (A team that restores DNS
    // before they lapse may spare DWFM, and then has nothing to throttle: README, Running a game day.)
    await until('the leases lapsed while the endpoint is empty', async () => {
      const state = JSON.parse((await get('/api/responders/services/launcher/state', { authorization: `Bearer ${token}` })).text) as { state: { dwfm: { leasedFraction: number } } };
      return state.state.dwfm.leasedFraction < 0.5;
    }, 120_000, 1000);
    const repaired = await pressRunbook(responders, 'dns', 60_000);
    assert.equal(repaired.state, 'ok', repaired.text);
    await responders.waitForSelector(`[data-endpoint="${KV}"]:not([data-addresses="0"])`, { timeout: 60_000 });
    // Now that DNS is back: throttle and restart DWFM.
    assert.equal((await pressRunbook(responders, 'throttle', 60_000)).state, 'ok');
    assert.equal((await pressRunbook(responders, 'restart-dwfm', 60_000)).state, 'ok');
    await responders.locator('#team-log li').nth(4).waitFor({ timeout: 30_000 });
  });

  it('ends with the score beside AWS, a report with the responders\' actions, and review.md', async () => {
    const ended = await cli(['gameday', 'end'], 900_000);
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /: ended \(by the facilitator\)/);
    assert.match(ended.stdout, /Your team restored DNS at \+\d+:\d\d, \d+ % (faster|later) than AWS did \(\+2:37\)/);
    assert.match(ended.stdout, /Root cause named by Alice/);
    const id = /\/api\/runs\/([^/]+)\/report\.html/.exec(ended.stdout)?.[1];
    assert.ok(id, ended.stdout);
    const report = await get(`/api/runs/${id}/report.html`);
    assert.equal(report.status, 200);
    for (const text of ['Game day: e2e team', 'Alice', 'restart-dwfm', 'the facilitator', 'slow-handler on kv-3']) assert.ok(report.text.includes(text), `the report says ${text}`);
    const review = await get(`/api/runs/${id}/review.md`);
    assert.equal(review.status, 200);
    for (const section of ['Summary', 'Impact', 'Timeline', 'Contributing factors', 'What went well', 'What was hard', 'Action items']) assert.match(review.text, new RegExp(`^## ${section}$`, 'm'));
    const journal = await get(`/api/runs/${id}/journal.json`);
    assert.ok(!journal.text.includes(token) && !report.text.includes(token) && !review.text.includes(token), 'no token in the journal, the report or the review');
    await responders.waitForSelector('#score:not([hidden])', { timeout: 30_000 });
    assert.deepEqual(browser.problems, [], 'no page error, no CSP violation');
  });
});
}
