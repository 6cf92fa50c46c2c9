// cascade-lab/testing as another project's integration test uses it: only the package and public ones.
// A fault proxy in front of a real Redis on a shared network: latency added through the Toxiproxy client
// slows a command, and goes again; a UDP link whose datagrams are delayed and then lost; and fault
// leases, whose toxics go with release() or, when nobody renews them (a test process that died), by themselves.
//
// The two lines that give a test its proxy:
//
//   const faults = await new FaultProxyContainer().withNetwork(network).start();
//   const redis = await faults.createProxy({ name: 'redis', upstream: 'redis:6379' });
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { FaultProxyContainer, type CreatedProxy, type StartedFaultProxyContainer } from 'cascade-lab/testing';

const REDIS_IMAGE = process.env.REDIS_IMAGE ?? 'redis:7-bookworm';
const NODE_IMAGE = process.env.NODE_IMAGE ?? 'node:24-bookworm-slim';
/** A UDP echo server: every datagram goes back to its sender. */
const UDP_ECHO = `require('node:dgram').createSocket('udp4').on('message', function (m, from) { this.send(m, from.port, from.address); }).bind(7007, () => console.log('echo ready'));`;

/** How long one Redis PING takes, in ms (the fastest of three, so one slow scheduling does not count). */
async function pingMs(redis: Redis): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    assert.equal(await redis.ping(), 'PONG');
    times.push(performance.now() - start);
  }
  return Math.min(...times);
}

/** The round trip of one datagram through the link, in ms, or null when none came back within waitMs. */
function datagramRoundTrip(link: CreatedProxy, waitMs = 2000): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const start = performance.now();
    const done = (ms: number | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(ms);
    };
    const timer = setTimeout(() => done(null), waitMs);
    socket.once('message', () => done(performance.now() - start));
    socket.send('ping', link.port, link.host);
  });
}

describe('cascade-lab/testing: a fault proxy in front of real services', { timeout: 300_000 }, () => {
  let network: StartedNetwork;
  let redisServer: StartedTestContainer;
  let echoServer: StartedTestContainer;
  let faults: StartedFaultProxyContainer;
  let redisLink: CreatedProxy;
  let redis: Redis;

  before(async () => {
    // One at a time, so that after() stops whatever did start when one of them fails.
    network = await new Network().start();
    redisServer = await new GenericContainer(REDIS_IMAGE).withNetwork(network).withNetworkAliases('redis').withWaitStrategy(Wait.forLogMessage('Ready to accept connections')).start();
    echoServer = await new GenericContainer(NODE_IMAGE).withNetwork(network).withNetworkAliases('echo').withCommand(['node', '-e', UDP_ECHO]).withWaitStrategy(Wait.forLogMessage('echo ready')).start();
    faults = await new FaultProxyContainer().withNetwork(network).start();
    redisLink = await faults.createProxy({ name: 'redis', upstream: 'redis:6379' });
    redis = new Redis({ host: redisLink.host, port: redisLink.port, maxRetriesPerRequest: 1 });
  });

  after(async () => {
    redis?.disconnect();
    await Promise.all([faults?.stop(), redisServer?.stop(), echoServer?.stop()]);
    await network?.stop();
  });

  it('a latency toxic added through the Toxiproxy client slows every Redis command, and removing it ends that', async () => {
    const before = await pingMs(redis);
    const toxic = await redisLink.instance.addToxic({ name: 'slow-redis', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300, jitter: 0 } });
    const slowed = await pingMs(redis);
    assert.ok(slowed >= before + 250, `PING took ${slowed.toFixed(1)} ms with 300 ms of latency, ${before.toFixed(1)} ms without`);
    await toxic.remove();
    const after = await pingMs(redis);
    assert.ok(after < slowed - 250, `PING took ${after.toFixed(1)} ms once the toxic was removed`);
  });

  it('a UDP link: datagrams are delayed by a latency toxic, then lost to a drop toxic', async () => {
    const udp = await faults.createProxy({ name: 'echo', upstream: 'echo:7007', protocol: 'udp' });
    const clear = await datagramRoundTrip(udp);
    assert.ok(clear !== null, 'a datagram goes through the link and back');

    const latency = await udp.instance.addToxic({ name: 'slow-echo', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 200, jitter: 0 } });
    const delayed = await datagramRoundTrip(udp);
    assert.ok(delayed !== null && delayed >= clear + 150, `round trip ${delayed?.toFixed(1)} ms with 200 ms of latency, ${clear.toFixed(1)} ms without`);
    await latency.remove();

    // `drop` is one of the fault proxy's UDP toxics, which the Toxiproxy client does not know: addToxic on the link.
    const drop = await udp.addToxic({ type: 'drop', stream: 'upstream', attributes: { probability: 1 } });
    assert.equal(await datagramRoundTrip(udp, 1000), null, 'every datagram is lost');
    await drop.remove();
    assert.notEqual(await datagramRoundTrip(udp), null, 'datagrams go through again');
  });

  it('toxics held under a fault lease go with release(), and by themselves once nobody renews the lease', async () => {
    const gone = (toxic: { name: string }) => redisLink.instance.getToxic(toxic.name).then(() => false, () => true);

    const lease = await faults.holdLease('example-test'); // renewed in the background until release()
    const held = await lease.addToxic(redisLink, { type: 'latency', attributes: { latency: 300, jitter: 0 } });
    assert.ok((await pingMs(redis)) >= 250, 'the leased toxic slows Redis');
    await lease.release();
    assert.ok(await gone(held), 'release() removed the toxic');

    // renew: false stands for a test process that died mid-fault: nobody renews the lease after it is taken.
    const orphaned = await faults.holdLease('example-crashed-test', { ttlMs: 1500, renew: false });
    const left = await orphaned.addToxic(redisLink, { type: 'latency', attributes: { latency: 300, jitter: 0 } });
    assert.ok((await pingMs(redis)) >= 250, 'the orphaned toxic slows Redis');
    const deadline = Date.now() + 5000;
    while (!(await gone(left))) {
      assert.ok(Date.now() < deadline, 'the toxic outlived its lease by more than 3.5 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok((await pingMs(redis)) < 250, 'Redis is fast again without anyone removing the toxic');
  });
});
