#!/usr/bin/env node
// Makes docs/report.png, the README's picture of a report: renders report.html from a run's journal.json
// (or, without one, the synthetic journal in chaos/report/sample-journal.ts) and screenshots it with
// headless Chromium. Needs `npm run build` first and a Chromium (Debian: apt-get install chromium);
// CHROMIUM=path overrides.
//   node scripts/report-picture.mjs [out.png] [journal.json]
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderReport } from '../dist/chaos/report/report.js';
import { sampleJournal } from '../dist/chaos/report/sample-journal.js';

const out = resolve(process.argv[2] ?? 'docs/report.png');
const dir = mkdtempSync(join(tmpdir(), 'report-picture-'));
const page = join(dir, 'report.html');
const journal = process.argv[3] ? JSON.parse(readFileSync(process.argv[3], 'utf8')) : sampleJournal();
writeFileSync(page, renderReport(journal));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const tab = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  await tab.goto(pathToFileURL(page).href);
  // The verdict, the lanes next to 20 October and the charts; the tables below are left out.
  const bottom = await tab.evaluate(() => {
    const charts = document.querySelectorAll('figure.chart');
    const last = charts[charts.length - 1];
    return Math.ceil((last ? last.getBoundingClientRect().bottom : document.body.scrollHeight) + window.scrollY + 16);
  });
  await tab.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1100, height: bottom } });
  process.stdout.write(`${out}\n`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
