// The CLI as users run it: a child process of the built cascade-lab entry.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTarget, type Target } from './test-support.js';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'chaos', 'cli.js');
const targets: Target[] = [];
after(() => Promise.all(targets.map((t) => t.close())));

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, 'loadgen', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('bad input exits 2 and names the option', async () => {
  const cases: [string[], RegExp][] = [
    [['http://127.0.0.1:1/', '--rate', 'fast'], /--rate.*'fast' is invalid.*requests per second/],
    [['http://127.0.0.1:1/', '--rate', '10', '--duration', '10 parsecs'], /--duration.*is invalid.*duration/],
    [['http://127.0.0.1:1/', '--rate', '10', '--connections', '0'], /--connections.*from 1 to 10000/],
    [['http://127.0.0.1:1/', '--rate', '10', '--timeout', 'soon'], /--timeout.*duration/],
    [['http://127.0.0.1:1/', '--rate', '10', '--header', 'nocolon'], /--header.*Name: value/],
    [['http://127.0.0.1:1/', '--rate', '10', '--method', '!!'], /--method.*HTTP method/],
    [['not a url', '--rate', '10'], /argument 'url'.*absolute URL/],
    [['http://127.0.0.1:1/'], /required option '--rate/],
    [['http://127.0.0.1:1/', '--rate', '10', '--nope'], /unknown option '--nope'/],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(...args)));
  results.forEach((r, i) => {
    assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
    assert.equal(r.stdout, '');
  });
});

test('--json prints only the summary on stdout; progress goes to stderr, a line a second', async () => {
  const t = await startTarget();
  targets.push(t);
  const r = await cli(t.url, '--rate', '100', '--duration', '2s', '--connections', '2', '--json', '--header', 'X-Customer: acme');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.mode, 'open-loop');
  assert.ok(Math.abs(s.requests - 200) <= 20, `requests ${s.requests}`);
  assert.equal(s.successRate, 1);
  assert.ok(s.rps > 80 && s.rps < 120, `rps ${s.rps}`);
  assert.ok(s.latencyMs.p99 > 0);
  assert.equal(s.series.reduce((a: number, e: { requests: number }) => a + e.requests, 0), s.requests);
  const progress = r.stderr.trim().split('\n');
  assert.ok(progress.length >= 2 && progress.every((l) => /^\[\s*\d+s\] \d+ req/.test(l)), r.stderr);
});

test('text report looks like wrk', async () => {
  const t = await startTarget();
  targets.push(t);
  const r = await cli(t.url, '--rate', 'max', '--duration', '500ms', '--connections', '2', '--quiet');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^closed-loop test @ http:\/\/127\.0\.0\.1:\d+\//);
  assert.match(r.stdout, /\d+ requests in [\d.]+s: \d+ succeeded \(100\.00%\), 0 failed/);
  assert.match(r.stdout, /Requests\/sec: +\d+\.\d\d/);
});
