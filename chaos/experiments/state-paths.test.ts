import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATE_SCHEMAS } from '../contracts.js';
import { listScenarios } from '../scenarios.js';
import { composeServices } from '../topology.js';
import { ExperimentError, parseExperiment } from './format.js';
import { checkPath } from './state-paths.js';

const experiment = (probe: string) => `title: t
description: d
configuration:
  enactor: { choose: [az-a, az-b] }
steady-state-hypothesis:
  title: h
  probes:
    - { type: probe, name: p, provider: { type: dns, name: x.lab.internal } }
method:
  - type: probe
    name: w
    provider:
      type: wait
      probe: ${probe}
      until: { type: range, target: value, range: [1, 1] }
      timeout: 5s
`;

describe('state paths in scenarios', () => {
  it('every state probe of every shipped scenario names a service of the lab and a field of its state', () => {
    const scenarios = listScenarios();
    const probes = JSON.stringify(scenarios.map((s) => s.experiment)).match(/"type":"state"/g) ?? [];
    assert.ok(probes.length >= 4, `the scenarios read the lab's state (${probes.length} state probes)`);
  });

  it('fails a misspelt path with its line, saying what the state has there', () => {
    const run = () => parseExperiment(experiment('{ type: state, service: launcher, path: dwfm.leasedFractoin }'), 'typo.yaml');
    assert.throws(run, (err: Error) => err instanceof ExperimentError && err.line === 14 && /launcher \(ec2\) has no state field dwfm\.leasedFractoin; dwfm has: .*leasedFraction/.test(err.message));
  });

  it('checks a path for every service a ${configuration} choice can make, and refuses an unknown service', () => {
    assert.doesNotThrow(() => parseExperiment(experiment('{ type: state, service: "dns-enactor-${enactor}", path: stats.stale }'), 'ok.yaml'));
    assert.throws(() => parseExperiment(experiment('{ type: state, service: "dns-enactor-${enactor}", path: stats.stal }'), 'x.yaml'), /dns-enactor-az-a \(dns-enactor\) has no state field stats\.stal/);
    assert.throws(() => parseExperiment(experiment('{ type: state, service: lancher, path: dwfm.leased }'), 'x.yaml'), /x\.yaml:14: .*"lancher" is not a service of the lab/);
  });

  it('follows records, unions and nullable parts of a state', () => {
    assert.deepEqual(checkPath(STATE_SCHEMAS.ec2, 'dwfm.byAz.az-b.leased'), { ok: true }, 'a record: any key');
    assert.deepEqual(checkPath(STATE_SCHEMAS.ec2, 'autoscaling.missing.az-a'), { ok: true }, 'nullable');
    assert.deepEqual(checkPath(STATE_SCHEMAS.nlb, 'totals.flaps'), { ok: true }, "the checker node's side of the union");
    assert.deepEqual(checkPath(STATE_SCHEMAS.nlb, 'viewAgeMs'), { ok: true }, "a follower's side");
    assert.deepEqual(checkPath(STATE_SCHEMAS.loadgen, 'series.0.p99'), { ok: true }, 'an array element');
    const bad = checkPath(STATE_SCHEMAS.ec2, 'network.latencyMs.p98');
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.at === 'network.latencyMs.p98' && bad.known.includes('p99'));
  });

  it('checks against the services of the lab it is given', () => {
    const services = composeServices().map((s) => (s.kind === 'ec2' ? { ...s, name: 'ec2-api' } : s));
    assert.doesNotThrow(() => parseExperiment(experiment('{ type: state, service: ec2-api, path: dwfm.leased }'), 'x.yaml', { services }));
    assert.throws(() => parseExperiment(experiment('{ type: state, service: launcher, path: dwfm.leased }'), 'x.yaml', { services }), /"launcher" is not a service/);
  });
});
