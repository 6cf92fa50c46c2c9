import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseExperiment } from './format.js';

// dist/chaos/experiments/ -> the repository's README.md
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('its "Writing an experiment" example is a valid experiment', () => {
    const section = readme.slice(readme.indexOf('## Writing an experiment'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(block, 'a yaml block under "Writing an experiment"');
    const experiment = parseExperiment(block, 'README.md');
    assert.equal(experiment['abort-conditions'][0]?.probe.type, 'customer');
    assert.equal(experiment.method.length, 2);
  });
});
