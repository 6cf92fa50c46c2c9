import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeClientOptions, labEnv, pickLabNet } from './cascade-lab.js';

describe('the lab fixture', () => {
  it('gives compose, and the CLI, the lab\u2019s project, network, ports, token, image tag and every fix switch', () => {
    const env = labEnv({
      project: 'p',
      net: '172.30.99',
      ports: { dns: 1, controller: 2, faultApi: 3 },
      token: 't',
      tag: 'testing-abc',
      fixes: ['enactor'],
      env: { LAB_CLOCK: '1h=5s', LAB_NET: 'overridden' },
    });
    assert.deepEqual(env, {
      LAB_CLOCK: '1h=5s',
      COMPOSE_PROJECT_NAME: 'p',
      LAB_NET: '172.30.99',
      LAB_DNS_PORT: '1',
      LAB_CONTROLLER_PORT: '2',
      LAB_FAULT_API_PORT: '3',
      LAB_ADMIN_TOKEN: 't',
      CASCADE_LAB_TAG: 'testing-abc',
      FIX_ENACTOR: 'true',
      FIX_NLB_VELOCITY: 'false',
      FIX_PROPAGATION_THROTTLE: 'false',
    });
  });

  it('runs testcontainers\u2019 compose as the machine has it: docker compose (v2) by default, docker-compose (v1) standalone', () => {
    assert.deepEqual(composeClientOptions(['docker', 'compose']), {});
    assert.deepEqual(composeClientOptions(['docker-compose']), { executable: { standalone: true, executablePath: 'docker-compose' } });
    assert.deepEqual(composeClientOptions(['/opt/bin/docker-compose']), { executable: { standalone: true, executablePath: '/opt/bin/docker-compose' } });
  });

  it('picks a lab network that overlaps no Docker network, from a random start', () => {
    assert.equal(pickLabNet([], () => 0), '172.30.64');
    assert.equal(pickLabNet(['172.30.64.0/24', '172.30.65.0/25', 'fd00::/64'], () => 0), '172.30.66');
    assert.equal(pickLabNet(['172.30.64.0/22'], () => 0), '172.30.68');
    assert.equal(pickLabNet(['172.17.0.0/16'], () => 0.999), '172.30.249');
    assert.equal(pickLabNet(['172.30.249.0/24'], () => 0.999), '172.30.64', 'wraps around');
    assert.throws(() => pickLabNet(['172.30.0.0/16']), /no free \/24 .*pass `net`/);
  });
});
