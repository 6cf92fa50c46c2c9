import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../lib/config.js';
import { faultProxyConfig } from './config.js';

const base = { LAB_ADMIN_TOKEN: 't' };

test('defaults: API on 0.0.0.0:8474, no proxies, seed drawn later', () => {
  const c = parseConfig(faultProxyConfig, base);
  assert.equal(c.API_PORT, 8474);
  assert.equal(c.API_HOST, '0.0.0.0');
  assert.deepEqual(c.PROXIES, []);
  assert.equal(c.FAULT_SEED, undefined);
});

test('PROXIES and FAULT_SEED are parsed', () => {
  const c = parseConfig(faultProxyConfig, {
    ...base,
    FAULT_SEED: '17',
    PROXIES: '[{"name":"enactor-az-a","listen":"0.0.0.0:18053","upstream":"dns-server:8053"}]',
  });
  assert.equal(c.FAULT_SEED, 17);
  assert.deepEqual(c.PROXIES, [{ name: 'enactor-az-a', listen: '0.0.0.0:18053', upstream: 'dns-server:8053' }]);
});

test('a bad value names the variable', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ PROXIES: 'not json' }, /PROXIES: .*not valid JSON/],
    [{ PROXIES: '{"name":"x"}' }, /PROXIES: expected a JSON array/],
    [{ PROXIES: '[{"name":"x","listen":"0.0.0.0:1","upstream":"nope"}]' }, /PROXIES\.0\.upstream: upstream: expected host:port/],
    [{ FAULT_SEED: 'abc' }, /FAULT_SEED: expected an integer/],
    [{ API_PORT: '70000' }, /API_PORT/],
    [{ LAB_ADMIN_TOKEN: '' }, /LAB_ADMIN_TOKEN/],
  ];
  for (const [env, message] of bad) {
    assert.throws(() => parseConfig(faultProxyConfig, { ...base, ...env }), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
  }
});
