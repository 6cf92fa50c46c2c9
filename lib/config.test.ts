import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRefused as refuses } from '../test/support/config.js';
import { ConfigError, hostPort, namedUrls, parseConfig } from './config.js';

describe('config helpers', () => {
  const shape = { NODES: namedUrls('a=http://a:1,b=http://b:2/', 'id'), DNS: hostPort('dns-server:53') };

  it('namedUrls: name=url pairs, URLs without their trailing slash, the default when unset or empty', () => {
    assert.deepEqual(parseConfig(shape, {}).NODES, [
      { id: 'a', url: 'http://a:1' },
      { id: 'b', url: 'http://b:2' },
    ]);
    assert.deepEqual(parseConfig(shape, { NODES: '' }).NODES.length, 2);
    assert.deepEqual(parseConfig(shape, { NODES: ' kv-1=https://kv-1.lab:8000 , ' }).NODES, [{ id: 'kv-1', url: 'https://kv-1.lab:8000' }]);
  });

  it('namedUrls: refuses a missing name, a URL that is not an http base, a name twice, an empty list', () => {
    for (const bad of ['a:http://a:1', '=http://a:1', 'a=a:1', 'a=ftp://a:1', 'a=http://a:1/path', 'a=http://a:1?x=1', 'a b=http://a:1']) {
      refuses(shape, { NODES: bad }, 'NODES', /expected id=http:\/\/host:port pairs/);
    }
    refuses(shape, { NODES: 'a=http://a:1,a=http://b:1' }, 'NODES', /id "a" listed twice/);
    refuses(shape, { NODES: ',' }, 'NODES', /none given/);
    const optional = { SERVICES: namedUrls('', 'name', { allowEmpty: true }) };
    assert.deepEqual(parseConfig(optional, {}).SERVICES, []);
  });

  it('hostPort: host and port, IPv6 in brackets; a missing host or port is refused', () => {
    assert.deepEqual(parseConfig(shape, {}).DNS, { host: 'dns-server', port: 53 });
    assert.deepEqual(parseConfig(shape, { DNS: '[::1]:1053' }).DNS, { host: '::1', port: 1053 });
    for (const bad of ['dns-server', ':53', 'dns-server:99999', 'dns-server:x']) refuses(shape, { DNS: bad }, 'DNS', /expected host:port/);
  });

  it('every problem names its variable, one a line', () => {
    assert.throws(
      () => parseConfig(shape, { NODES: 'x', DNS: 'y' }),
      (err: unknown) => err instanceof ConfigError && err.problems.length === 2 && err.message.split('\n').every((line, i) => line.startsWith(['NODES: ', 'DNS: '][i]!)),
    );
  });
});
