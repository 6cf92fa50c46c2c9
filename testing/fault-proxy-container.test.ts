import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROXY_PORTS, proxyPort } from './fault-proxy-container.js';

const tcp = (listen: string) => ({ listen, protocol: 'tcp' as const });
const udp = (listen: string) => ({ listen, protocol: 'udp' as const });

describe('the port a new proxy of the fault-proxy container listens on', () => {
  it('is the first published port that no proxy of the same protocol uses', () => {
    assert.equal(proxyPort(undefined, 'tcp', []), 8666);
    assert.equal(proxyPort(undefined, 'tcp', [tcp('0.0.0.0:8666'), udp('0.0.0.0:8667')]), 8667);
    assert.equal(proxyPort(undefined, 'udp', [tcp('0.0.0.0:8666'), udp('0.0.0.0:8667')]), 8666, 'tcp and udp ports are apart');
    assert.equal(proxyPort(undefined, 'tcp', [tcp('0.0.0.0:18053')]), 8666, 'a proxy outside the range takes nothing from it');
  });

  it('is the one asked for, as a port or host:port, when it is published and free', () => {
    assert.equal(proxyPort(8670, 'udp', [tcp('0.0.0.0:8670')]), 8670);
    assert.equal(proxyPort('0.0.0.0:8671', 'tcp', []), 8671);
    assert.throws(() => proxyPort(9000, 'tcp', []), /9000 is not published; use one of 8666\.\.8681/);
    assert.throws(() => proxyPort(8670, 'tcp', [tcp('0.0.0.0:8670')]), /a tcp proxy already listens on 8670/);
    assert.throws(() => proxyPort('8670', 'tcp', []), /listen: expected host:port/);
  });

  it('fails with a clear message when every published port has a proxy', () => {
    const all = PROXY_PORTS.map((p) => udp(`0.0.0.0:${p}`));
    assert.throws(() => proxyPort(undefined, 'udp', all), /every one of the 16 published udp ports has a proxy/);
    assert.equal(proxyPort(undefined, 'tcp', all), 8666);
  });
});
