import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../lib/config.js';
import { assertRefused } from '../../test/support/config.js';
import { launcherConfig } from './config.js';

test('DROPLET_HOSTS: az=url pairs, one droplet host per AZ by default; a bad one stops the launcher naming DROPLET_HOSTS', () => {
  assert.deepEqual(parseConfig(launcherConfig, { LAB_ADMIN_TOKEN: 't' }).DROPLET_HOSTS.map((h) => h.az), ['az-a', 'az-b', 'az-c']);
  assertRefused(launcherConfig, { LAB_ADMIN_TOKEN: 't', DROPLET_HOSTS: 'az-a=droplet-az-a:8004' }, 'DROPLET_HOSTS', /expected az=http:\/\/host:port pairs/);
  assertRefused(launcherConfig, { LAB_ADMIN_TOKEN: 't', DROPLET_HOSTS: 'http://droplet-az-a:8004' }, 'DROPLET_HOSTS', /expected az=http:\/\/host:port pairs/);
});
