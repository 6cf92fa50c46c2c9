import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Compose } from './compose.js';

interface Fake {
  /** compose fails this many times, with this message. */
  failures: number;
  message: string;
  /** What `docker ps -q` lists, and `docker volume ls -q`. */
  containers?: string[];
  volumes?: string[];
}

/** Stand-ins for docker-compose and docker that log their arguments, one call a line. */
function fakeDocker(fake: Fake) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const compose = script('compose', `if [ "$(grep -c '^compose' ${log})" -le ${fake.failures} ]; then echo "${fake.message}" >&2; exit 1; fi`);
  const docker = script(
    'docker',
    `case "$1" in ps) printf '${(fake.containers ?? []).join('\\n')}' ;; volume) if [ "$2" = ls ]; then printf '${(fake.volumes ?? []).join('\\n')}'; fi ;; esac`,
  );
  const lab = new Compose({ project: 'lab', command: [compose], docker });
  return { lab, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const STALE = 'error while removing network: network lab_lab id 3f2 has active endpoints';
const DOWN = /^compose -p lab -f \S+docker-compose\.yml down --remove-orphans --volumes$/;

describe('compose down', () => {
  it('runs down again while Docker counts an endpoint of a removed container, and stops once it is gone', async () => {
    const { lab, calls } = fakeDocker({ failures: 2, message: STALE });
    assert.deepEqual(await lab.down(), {});
    assert.equal(calls().length, 3);
    for (const call of calls()) assert.match(call, DOWN);
  });

  it('when the endpoint stays and no container is left: removes the volumes itself and reports the network', async () => {
    const { lab, calls } = fakeDocker({ failures: 100, message: STALE, volumes: ['lab_redis-data'] });
    assert.deepEqual(await lab.down({ withinMs: 0 }), { leftNetwork: 'lab_lab' });
    const [down, ps, ls, rm, ...rest] = calls();
    assert.match(down!, DOWN);
    assert.match(ps!, /^docker ps -q -a --filter label=com\.docker\.compose\.project=lab$/);
    assert.match(ls!, /^docker volume ls -q --filter label=com\.docker\.compose\.project=lab$/);
    assert.equal(rm, 'docker volume rm lab_redis-data');
    assert.deepEqual(rest, []);
  });

  it('keeps the volumes with keepData', async () => {
    const { lab, calls } = fakeDocker({ failures: 100, message: STALE, volumes: ['lab_redis-data'] });
    assert.deepEqual(await lab.down({ keepData: true, withinMs: 0 }), { leftNetwork: 'lab_lab' });
    assert.match(calls()[0]!, /down --remove-orphans$/);
    assert.ok(!calls().some((c) => c.includes('volume')), calls().join('\n'));
  });

  it('gives another down (testcontainers\u2019) the same patience with the stale endpoint', async () => {
    const { lab, calls } = fakeDocker({ failures: 0, message: '', volumes: ['lab_redis-data'] });
    let tries = 0;
    const otherDown = async () => {
      tries++;
      throw new Error(STALE);
    };
    assert.deepEqual(await lab.downDespiteStaleNetwork(otherDown, { withinMs: 0 }), { leftNetwork: 'lab_lab' });
    assert.equal(tries, 1);
    assert.ok(calls().includes('docker volume rm lab_redis-data'), calls().join('\n'));
    assert.ok(!calls().some((c) => c.startsWith('compose')), 'its own compose is not run');
  });

  it('fails while a container of the lab is left, and at once on any other error', async () => {
    const left = fakeDocker({ failures: 100, message: STALE, containers: ['c0ffee'] });
    await assert.rejects(left.lab.down({ withinMs: 0 }), /has active endpoints/);
    const daemon = fakeDocker({ failures: 1, message: 'Cannot connect to the Docker daemon' });
    await assert.rejects(daemon.lab.down(), /Cannot connect to the Docker daemon/);
    assert.equal(daemon.calls().length, 1);
  });
});
