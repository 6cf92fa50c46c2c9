import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listScenarios } from '../scenarios.js';
import { durationMs, ExperimentError, parseExperiment } from './format.js';
import { interpolate, resolveConfiguration } from './runner.js';
import { withinTolerance } from './providers.js';

const valid = `title: t
description: d
steady-state-hypothesis:
  title: h
  probes:
    - type: probe
      name: p
      provider: { type: dns, name: x.lab.internal }
method:
  - type: action
    name: a
    provider: { type: clear-faults }
`;

describe('experiment files', () => {
  it('every shipped scenario is valid', () => {
    const names = listScenarios().map((s) => s.name);
    assert.ok(names.includes('dns-race') && names.includes('aws-2025-10-20'), names.join(','));
  });

  it('accepts a minimal Chaos Toolkit-shaped experiment', () => {
    const e = parseExperiment(valid, 'x.yaml');
    assert.equal(e.method[0]?.provider.type, 'clear-faults');
    assert.deepEqual(e.rollbacks, []);
  });

  it('names the line of a schema error', () => {
    const bad = valid.replace('provider: { type: clear-faults }', 'provider: { type: teleport }');
    assert.throws(() => parseExperiment(bad, 'x.yaml'), (err: ExperimentError) => {
      assert.equal(err.line, 12);
      assert.match(err.message, /^x\.yaml:12: method\.0\.provider/);
      return true;
    });
  });

  it('names the line of a YAML syntax error', () => {
    assert.throws(() => parseExperiment(`${valid}bad: : colon\n`, 'y.yaml'), (err: ExperimentError) => err.line === 13);
  });

  it("takes operators' and pausable steps in the method only, a pausable step that waits, and a trigger that is a method step", () => {
    const game = `${valid}    operator: true
    pausable: true
    at: { aws: 1h }
game: { trigger: a, slo: 0.99 }
`;
    const e = parseExperiment(game, 'g.yaml');
    assert.equal(e.method[0]?.operator, true);
    assert.deepEqual(e.game, { trigger: 'a', slo: 0.99, hold: { aws: '30m' } });
    assert.deepEqual(parseExperiment(valid, 'v.yaml').game, { slo: 0.95, hold: { aws: '30m' } }, 'defaults');
    assert.throws(() => parseExperiment(game.replace('    at: { aws: 1h }\n', ''), 'g.yaml'), /g\.yaml:14: method\.0\.pausable: "a" never waits for its time/);
    assert.throws(() => parseExperiment(game.replace('trigger: a', 'trigger: b'), 'g.yaml'), /game\.trigger: no step of the method is named "b"/);
    assert.throws(() => parseExperiment(game.replace('slo: 0.99', 'slo: 99'), 'g.yaml'), /game\.slo: an SLO below 1/);
    assert.throws(() => parseExperiment(game.replace('type: action', 'type: probe'), 'g.yaml'), /method\.0\.operator: an operator's step is an action/);
    const inRollback = `${valid}rollbacks:\n  - { type: action, name: r, operator: true, provider: { type: clear-faults } }\n`;
    assert.throws(() => parseExperiment(inRollback, 'r.yaml'), /r\.yaml:14: rollbacks\.0\.operator: only a step of the method can be an operator's step/);
  });

  it('rejects unknown keys instead of ignoring them', () => {
    assert.throws(() => parseExperiment(`${valid}surprise: 1\n`, 'z.yaml'), /surprise|Unrecognized/);
  });
});

describe('running pieces', () => {
  it('interpolates configuration, keeping the type of a whole reference', () => {
    const config = { endpoint: 'kv.lab.internal', latency: 400, az: 'az-b' };
    assert.deepEqual(interpolate({ name: '${endpoint}', proxy: 'enactor-${az}', latency: '${latency}' }, config), {
      name: 'kv.lab.internal',
      proxy: 'enactor-az-b',
      latency: 400,
    });
    assert.throws(() => interpolate('${nope}', config), /unknown configuration key/);
  });

  it('makes the same configuration choices for the same seed', () => {
    const e = parseExperiment(`${valid}configuration:\n  az: { choose: [az-a, az-b, az-c] }\n`, 'c.yaml');
    const picks = (seed: number) => Array.from({ length: 1 }, () => resolveConfiguration(e, seed).az);
    assert.deepEqual(picks(7), picks(7));
    const all = new Set(Array.from({ length: 50 }, (_, i) => resolveConfiguration(e, i).az));
    assert.equal(all.size, 3, 'every choice is reachable');
  });

  it('checks tolerances', () => {
    assert.equal(withinTolerance({ addresses: 0 }, { type: 'range', target: 'addresses', range: [1, 64] }), false);
    assert.equal(withinTolerance({ addresses: 3 }, { type: 'range', target: 'addresses', range: [1, 64] }), true);
    assert.equal(withinTolerance({ rcode: 'NOERROR' }, { type: 'value', target: 'rcode', value: 'NOERROR' }), true);
    assert.equal(withinTolerance(true, true), true);
  });

  it('reads durations as Chaos Toolkit does (numbers are seconds)', () => {
    assert.equal(durationMs(2), 2000);
    assert.equal(durationMs('45s'), 45000);
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('2m'), 120000);
  });
});
