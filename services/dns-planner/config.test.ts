import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../lib/config.js';
import { assertRefused } from '../../test/support/config.js';
import { plannerConfig } from './config.js';

test('KV_NODES: id=url pairs, the three kv-store nodes by default; a bad one stops the planner naming KV_NODES', () => {
  assert.deepEqual(parseConfig(plannerConfig, { LAB_ADMIN_TOKEN: 't' }).KV_NODES.map((n) => `${n.id} ${n.url}`), ['kv-1 http://kv-1:8000', 'kv-2 http://kv-2:8000', 'kv-3 http://kv-3:8000']);
  assertRefused(plannerConfig, { LAB_ADMIN_TOKEN: 't', KV_NODES: 'kv-1=http://kv-1:8000,kv-2' }, 'KV_NODES', /expected id=http:\/\/host:port pairs separated by commas, not "kv-2"/);
});
