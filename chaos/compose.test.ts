import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Compose } from './compose.js';

/** A stand-in for docker-compose that logs its arguments and fails its first `failures` calls with `message`. */
function fakeCompose(failures: number, message: string) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-compose-'));
  const script = join(dir, 'compose');
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  writeFileSync(
    script,
    `#!/bin/sh\necho "$*" >> ${log}\nif [ "$(wc -l < ${log})" -le ${failures} ]; then echo "${message}" >&2; exit 1; fi\necho done\n`,
  );
  chmodSync(script, 0o755);
  return { command: [script], calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const ENDPOINTS = 'error while removing network: network lab_lab id 3f2 has active endpoints';

describe('compose down', () => {
  it('runs down again while Docker still holds an endpoint of a removed container', async () => {
    const fake = fakeCompose(2, ENDPOINTS);
    await new Compose({ project: 'lab', command: fake.command }).down();
    const calls = fake.calls();
    assert.equal(calls.length, 3);
    for (const call of calls) assert.match(call, /^-p lab -f \S+docker-compose\.yml down --remove-orphans --volumes$/);
  });

  it('keeps the volumes with keepData, and gives up on any other error at once', async () => {
    const fake = fakeCompose(1, 'Cannot connect to the Docker daemon');
    await assert.rejects(new Compose({ project: 'lab', command: fake.command }).down({ keepData: true }), /Cannot connect to the Docker daemon/);
    assert.deepEqual(fake.calls().map((c) => c.split(' down ')[1]), ['--remove-orphans']);
  });

  it('gives up when the endpoint outlasts the deadline', async () => {
    const fake = fakeCompose(100, ENDPOINTS);
    await assert.rejects(new Compose({ project: 'lab', command: fake.command }).down({ withinMs: 0 }), /has active endpoints/);
    assert.equal(fake.calls().length, 1);
  });
});
