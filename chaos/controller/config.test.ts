import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../lib/config.js';
import { assertRefused } from '../../test/support/config.js';
import { controllerConfig } from './config.js';

const base = { LAB_ADMIN_TOKEN: 't' };

test('TIMELINE_DNS: host:port; a bad one stops the controller naming TIMELINE_DNS', () => {
  assert.deepEqual(parseConfig(controllerConfig, base).TIMELINE_DNS, { host: 'dns-server', port: 53 });
  assertRefused(controllerConfig, { ...base, TIMELINE_DNS: 'dns-server' }, 'TIMELINE_DNS', /expected host:port/);
});
