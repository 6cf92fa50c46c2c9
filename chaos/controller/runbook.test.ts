import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RUNBOOK_HELP, runbook, THROTTLED_LAUNCHES_PER_SECOND } from './runbook.js';
import { Topology, type LabService } from '../topology.js';

// Named unlike the compose file's services: the runbook finds them by kind and role, not by name.
const LAUNCHER = 'ec2-control-plane';
const CHECKER = 'nlb-zone-1';

function directory(answers: Record<string, { status: number; body: unknown }> = {}) {
  const calls: { service: string; path: string; body: unknown }[] = [];
  return {
    calls,
    topology: async () =>
      new Topology(
        [
          { name: LAUNCHER, kind: 'ec2', port: 8003, url: `http://${LAUNCHER}:8003` },
          { name: CHECKER, kind: 'nlb', port: 8005, url: `http://${CHECKER}:8005` },
        ],
        { 'nlb-checker': CHECKER },
      ),
    post: async (ref: LabService, path: string, body?: unknown) => {
      calls.push({ service: ref.name, path, body });
      return answers[path] ?? { status: 200, body: { ok: true } };
    },
  };
}

describe('the runbook', () => {
  it("sends each action to the service's admin API", async () => {
    const d = directory();
    const actions = runbook(d);
    for (const name of ['throttle', 'restart-dwfm', 'unthrottle', 'failover-off', 'failover-on']) await actions[name]!();
    assert.deepEqual(d.calls, [
      { service: LAUNCHER, path: '/v1/operator/throttle', body: { enabled: true, launchesPerSecond: THROTTLED_LAUNCHES_PER_SECOND } },
      { service: LAUNCHER, path: '/v1/operator/restart-dwfm', body: {} },
      { service: LAUNCHER, path: '/v1/operator/throttle', body: { enabled: false } },
      { service: CHECKER, path: '/v1/operator/failover', body: { enabled: false } },
      { service: CHECKER, path: '/v1/operator/failover', body: { enabled: true } },
    ]);
  });

  it("fails with the service's own message, and names a missing service", async () => {
    const d = directory({ '/v1/operator/failover': { status: 409, body: { message: 'node az-b does not run the health checks' } } });
    await assert.rejects(runbook(d)['failover-off']!(), new RegExp(`${CHECKER} answered 409: node az-b does not run the health checks`));
    await assert.rejects(runbook(d, { launcher: 'ec2' }).throttle!(), /the lab has no ec2 service/);
  });

  it('documents every action', () => {
    assert.deepEqual(Object.keys(runbook(directory())).sort(), Object.keys(RUNBOOK_HELP).filter((k) => k !== 'dns').sort());
  });
});
