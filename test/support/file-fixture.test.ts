// fileFixture in a test file of its own, run by node's test runner in a child process: a file whose setup
// fails partway still closes what the setup had started (or the child would never end), and a file whose
// tests a name pattern leaves out still sets up and tears down before it ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const fixtureModule = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'file-fixture.js')).href;
const dir = mkdtempSync(path.join(tmpdir(), 'file-fixture-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A test file whose setup starts a TCP server, then fails when `failAfterListen`; its teardown marks that it closed the server. */
function testFile(name: string, failAfterListen: boolean): { file: string; closedMarker: string } {
  const file = path.join(dir, `${name}.test.mjs`);
  const closedMarker = path.join(dir, `${name}.closed`);
  writeFileSync(
    file,
    `import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileFixture } from ${JSON.stringify(fixtureModule)};
let server;
let other;
fileFixture(
  async () => {
    server = net.createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    if (${failAfterListen}) throw new Error('setup failed after its server listened');
    other = net.createServer();
  },
  async () => {
    other?.close();
    await new Promise((resolve) => server.close(resolve));
    writeFileSync(${JSON.stringify(closedMarker)}, 'closed');
  },
);
test('the only test', () => {});
`,
  );
  return { file, closedMarker };
}

/** Runs node's test runner on one file; kills it after `limitMs` (a file that never ends). */
async function runFile(file: string, extra: string[], limitMs = 20_000): Promise<{ code: number | null; timedOut: boolean; output: string }> {
  // Without the runner's NODE_TEST_CONTEXT: with it, the child would report to this run instead of running the file.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT'));
  const child = spawn(process.execPath, ['--test', '--test-reporter=tap', ...extra, file], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, limitMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, timedOut, output };
}

describe('fileFixture', () => {
  it('tears down what a setup that failed partway had started, and the file ends, failed', async () => {
    const { file, closedMarker } = testFile('partial', true);
    const run = await runFile(file, []);
    assert.equal(run.timedOut, false, `the file never ended: ${run.output.slice(-2000)}`);
    assert.notEqual(run.code, 0, 'the failed setup fails the file');
    assert.match(run.output, /setup failed after its server listened/);
    assert.ok(existsSync(closedMarker), `the teardown closed the server: ${run.output.slice(-2000)}`);
  });

  it('sets up and tears down a file whose tests a name pattern leaves out, and the file ends', async () => {
    const { file, closedMarker } = testFile('filtered', false);
    const run = await runFile(file, ['--test-name-pattern', 'no test has this name']);
    assert.equal(run.timedOut, false, `the file never ended: ${run.output.slice(-2000)}`);
    assert.equal(run.code, 0, run.output.slice(-2000));
    assert.ok(existsSync(closedMarker), 'the teardown ran after the setup');
  });
});
