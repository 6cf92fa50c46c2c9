#!/usr/bin/env node
// Screenshots of a running lab's dashboard for the README, at the projector's 1920×1080: the
// facilitator's view (the room's screen, and the drawer on its game-day section) and the responders'
// view of a game day. Headless Chromium through playwright-core, set up as the browser tests set it
// (test/support/browser.ts); nothing is downloaded. It types the tokens into the pages' forms as a person
// would; they end up in no file.
//   node scripts/screenshots.mjs [--url http://127.0.0.1:8080] [--token ADMIN_TOKEN]
//        [--responders-token TOKEN | --start-game SCENARIO [--clock 1h=60s] [--team NAME]]
//        [--wait 20] [--out docs]
// --responders-token: the token of the game going on (cascade-lab gameday start printed it).
// --start-game: start a game first (the facilitator's token is the admin token) and use its token; the
//   game goes on after the shots (cascade-lab gameday end ends it). For shots with the cascade under way,
//   start the game yourself, wait for the race, and pass --responders-token.
// --wait: seconds to let the charts fill before the shots. The token defaults to $LAB_ADMIN_TOKEN.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.CASCADE_LAB_CONTROLLER ?? 'http://127.0.0.1:8080' },
    token: { type: 'string', default: process.env.LAB_ADMIN_TOKEN ?? 'cascade-lab-admin' },
    'responders-token': { type: 'string' },
    'start-game': { type: 'string' },
    clock: { type: 'string', default: '1h=60s' },
    team: { type: 'string', default: 'Blue team' },
    wait: { type: 'string', default: '20' },
    out: { type: 'string', default: 'docs' },
  },
});
const base = opts.url.replace(/\/$/, '');
const out = resolve(opts.out);
mkdirSync(out, { recursive: true });
const say = (line) => process.stderr.write(`${line}\n`);

async function controller(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${opts.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${data?.error?.message ?? ''}`);
  return data;
}

let respondersToken = opts['responders-token'];
if (opts['start-game']) {
  const started = await controller('POST', '/api/gameday', { scenario: opts['start-game'], clock: opts.clock, team: opts.team });
  respondersToken = started.responders.token;
  say(`started a game day: ${started.game.team} plays ${started.game.scenario} at ${started.game.clock}`);
}
const game = await controller('GET', '/api/gameday');
if (!respondersToken && game && game.state !== 'ended') say("a game is going but no --responders-token was given: the responders' view is left out");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const waitMs = Number(opts.wait) * 1000;
try {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
  const shot = async (page, name) => {
    const path = join(out, name);
    await page.screenshot({ path });
    process.stdout.write(`${path}\n`);
  };

  const facilitator = await context.newPage();
  await facilitator.goto(`${base}/`);
  await facilitator.click('#open-facilitator');
  await facilitator.fill('#token', opts.token);
  await facilitator.click('#token-form button[type="submit"]');
  await facilitator.waitForSelector('#token-status[data-state="accepted"]', { timeout: 15_000 });
  await facilitator.click('#close-facilitator');
  await facilitator.waitForSelector('#link[data-state="live"]', { timeout: 30_000 });
  await facilitator.waitForTimeout(waitMs);
  await shot(facilitator, 'facilitator.png');
  await facilitator.click('#open-facilitator');
  await facilitator.locator('#game-section').scrollIntoViewIfNeeded();
  await facilitator.waitForTimeout(2500);
  await shot(facilitator, 'facilitator-gameday.png');

  if (respondersToken) {
    const responders = await context.newPage();
    await responders.goto(`${base}/responders`);
    await responders.fill('#player', 'Alice');
    await responders.fill('#responders-token', respondersToken);
    await responders.click('#join button[type="submit"]');
    await responders.waitForSelector('#join-status[data-state="accepted"]', { timeout: 15_000 });
    await responders.waitForSelector('#link[data-state="live"]', { timeout: 30_000 });
    await responders.waitForTimeout(Math.min(waitMs, 5000));
    await shot(responders, 'responders.png');
    await responders.click('#tab-dns');
    await responders.click('#dns-lookup');
    await responders.waitForTimeout(1500);
    await shot(responders, 'responders-dns.png');
  }
} finally {
  await browser.close();
}
