import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../lib/config.js';
import { assertRefused } from '../../test/support/config.js';
import { controllerConfig } from './config.js';

const base = { LAB_ADMIN_TOKEN: 't' };

test('SERVICES: name=url pairs; a bad one stops the controller naming SERVICES', () => {
  assert.deepEqual(parseConfig(controllerConfig, { ...base, SERVICES: 'kv-1=http://kv-1:8000/,nlb-az-a=http://nlb-az-a:8005' }).SERVICES, [
    { name: 'kv-1', url: 'http://kv-1:8000' },
    { name: 'nlb-az-a', url: 'http://nlb-az-a:8005' },
  ]);
  assert.deepEqual(parseConfig(controllerConfig, base).SERVICES, []);
  assertRefused(controllerConfig, { ...base, SERVICES: 'kv-1 http://kv-1:8000' }, 'SERVICES', /expected name=http:\/\/host:port pairs/);
});

test('TIMELINE_DNS: host:port; a bad one stops the controller naming TIMELINE_DNS', () => {
  assert.deepEqual(parseConfig(controllerConfig, base).TIMELINE_DNS, { host: 'dns-server', port: 53 });
  assertRefused(controllerConfig, { ...base, TIMELINE_DNS: 'dns-server' }, 'TIMELINE_DNS', /expected host:port/);
});
