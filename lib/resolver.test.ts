import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from './clock.js';
import { ResolveError, Resolver, type Answer } from './resolver.js';

function fakeDns() {
  const zone = new Map<string, Answer[] | string>();
  let queries = 0;
  const lookup = async (name: string): Promise<Answer[]> => {
    queries++;
    const answer = zone.get(name);
    if (answer === undefined) throw Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' });
    if (typeof answer === 'string') throw Object.assign(new Error(answer), { code: answer });
    if (answer.length === 0) throw Object.assign(new Error('queryA ENODATA'), { code: 'ENODATA' });
    return answer;
  };
  return { zone, lookup, queries: () => queries };
}

describe('resolver', () => {
  it('caches answers for their TTL and asks again afterwards', async () => {
    const clock = new ManualClock();
    const dns = fakeDns();
    dns.zone.set('kv.lab', [{ address: '10.0.0.1', ttl: 5 }, { address: '10.0.0.2', ttl: 3 }]);
    const resolver = new Resolver({ lookup: dns.lookup, clock });
    assert.deepEqual(await resolver.resolve('kv.lab'), ['10.0.0.1', '10.0.0.2']);
    dns.zone.set('kv.lab', [{ address: '10.0.0.9', ttl: 5 }]);
    await clock.advance(2_900);
    assert.deepEqual(await resolver.resolve('kv.lab'), ['10.0.0.1', '10.0.0.2'], 'the shortest TTL (3 s) holds');
    await clock.advance(200);
    assert.deepEqual(await resolver.resolve('kv.lab'), ['10.0.0.9']);
    assert.equal(dns.queries(), 2);
  });

  it('keeps a TTL of 0 for at least a second and shares one query among concurrent callers', async () => {
    const clock = new ManualClock();
    const dns = fakeDns();
    dns.zone.set('kv.lab', [{ address: '10.0.0.1', ttl: 0 }]);
    const resolver = new Resolver({ lookup: dns.lookup, clock });
    await Promise.all([resolver.resolve('kv.lab'), resolver.resolve('kv.lab'), resolver.resolve('kv.lab')]);
    await clock.advance(999);
    await resolver.resolve('kv.lab');
    assert.equal(dns.queries(), 1);
  });

  it('caches NODATA and NXDOMAIN negatively, with codes a caller can classify', async () => {
    const clock = new ManualClock();
    const dns = fakeDns();
    dns.zone.set('kv.lab', []);
    const resolver = new Resolver({ lookup: dns.lookup, clock, negativeTtlMs: 2_000 });
    await assert.rejects(resolver.resolve('kv.lab'), (err: ResolveError) => err instanceof ResolveError && err.code === 'ENODATA');
    await assert.rejects(resolver.resolve('nope.lab'), (err: ResolveError) => err.code === 'ENOTFOUND');
    dns.zone.set('kv.lab', [{ address: '10.0.0.1', ttl: 5 }]);
    await clock.advance(1_000);
    await assert.rejects(resolver.resolve('kv.lab'), { code: 'ENODATA' }, 'still negatively cached');
    await clock.advance(1_000);
    assert.deepEqual(await resolver.resolve('kv.lab'), ['10.0.0.1']);
    assert.equal(resolver.stats.negativeHits, 1);
  });

  it('does not cache a timeout or SERVFAIL, and passes IP literals through', async () => {
    const clock = new ManualClock();
    const dns = fakeDns();
    dns.zone.set('kv.lab', 'ETIMEOUT');
    const resolver = new Resolver({ lookup: dns.lookup, clock });
    await assert.rejects(resolver.resolve('kv.lab'), { code: 'ETIMEOUT' });
    dns.zone.set('kv.lab', [{ address: '10.0.0.1', ttl: 5 }]);
    assert.deepEqual(await resolver.resolve('kv.lab'), ['10.0.0.1']);
    assert.deepEqual(await resolver.resolve('127.0.0.1'), ['127.0.0.1']);
  });
});
