import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { ManualClock } from '../../lib/clock.js';
import { lookupA } from '../../lib/dns-client.js';
import { EventLog } from '../../lib/events.js';
import { testController } from '../../test/support/controller.js';
import { APP_ADDRESSES, APP_NAME, fakeLab, KV_ADDRESSES, KV_NAME, type FakeLab } from '../../test/support/fake-services.js';
import { Topology, type LabService } from '../topology.js';
import { liveFrameSchema, liveHelloSchema, type LiveFrame, type RunInfo } from './contract.js';
import { LiveFeed, type LiveSink, type LiveSources } from './live.js';
import { ServiceDirectory } from './services.js';
import { Timeline, type TimelineSources } from './timeline.js';

/** A connection that records what it is sent; `backlog` is what it claims not to have sent yet. */
function sink() {
  const chunks: string[] = [];
  const s = { chunks, closed: false, ended: false, backlog: 0 } as { chunks: string[]; closed: boolean; ended: boolean; backlog: number } & LiveSink;
  s.write = (chunk) => void chunks.push(chunk);
  s.buffered = () => s.backlog;
  s.end = () => void (s.ended = true);
  s.close = () => void (s.closed = true);
  return s;
}

/** The server-sent events in a stream of text: [event, parsed data]. */
function messages(text: string): [string, unknown][] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      return [event, JSON.parse(/^data: (.*)$/m.exec(block)![1]!)];
    });
}
const frames = (s: { chunks: string[] }): LiveFrame[] => messages(s.chunks.join('')).filter(([e]) => e === 'frame').map(([, d]) => liveFrameSchema.parse(d));

const service = (name: string, kind: LabService['kind']): LabService => ({ name, kind, port: 1, url: `http://${name}:1` });
const topology = new Topology([service('kv-1', 'kv-store'), service('ec2-1', 'ec2')]);

function feedOn(clock: ManualClock, overrides: Partial<LiveSources> = {}, opts: Partial<LiveFeed['opts']> = {}) {
  let leased = 450;
  const sources: TimelineSources = {
    topology: () => topology,
    state: async () => ({}),
    events: async () => ({ events: [], next: 0 }),
    kvAddresses: async () => 3,
    canary: () => ({ requests: (leased += 10), successes: leased - 5 }),
  };
  const timeline = new Timeline(sources, clock, { intervalMs: 1000, capacity: 600 });
  const probes: string[] = [];
  const live: LiveSources = {
    topology: () => topology,
    status: async (s) => (probes.push(s.name), { name: s.name, alive: true, ready: s.name !== 'ec2-1' }),
    resolve: async (name) => (name === KV_NAME ? ['10.0.0.1'] : []),
    faults: async () => [],
    run: () => null,
    ...overrides,
  };
  const feed = new LiveFeed(timeline, live, clock, { endpoints: [KV_NAME, APP_NAME], probeTimeoutMs: 200, windowMs: 300_000, heartbeatMs: 2000, maxBufferedBytes: 1000, maxSubscribers: 3, ...opts });
  return { timeline, feed, probes };
}

const frameCount = async (s: { chunks: string[] }, n: number) => {
  for (let i = 0; i < 200 && frames(s).length < n; i++) await new Promise((r) => setImmediate(r));
  return frames(s);
};

describe('the live stream', () => {
  it('makes one frame per sample, once, for every subscriber, after a hello with the recent window', async () => {
    const clock = new ManualClock(1_000_000);
    const { timeline, feed, probes } = feedOn(clock);
    feed.start();
    for (let i = 0; i < 3; i++) {
      await timeline.sampleOnce();
      await clock.advance(1000);
    }
    const a = sink();
    const b = sink();
    feed.subscribe(a);
    feed.subscribe(b);
    const [[event, data]] = messages(a.chunks[0]!) as [[string, unknown]];
    assert.equal(event, 'hello');
    const hello = liveHelloSchema.parse(data);
    assert.deepEqual(hello.history.t, [1_000_000, 1_001_000, 1_002_000], 'the charts are full at once');
    assert.equal(hello.series.kvAddresses, 'addresses in the kv endpoint');
    assert.deepEqual(hello.topology?.services.map((s) => s.name), ['kv-1', 'ec2-1']);

    const probesBefore = probes.length;
    await timeline.sampleOnce();
    const [frame] = await frameCount(a, 1);
    assert.ok(frame);
    assert.equal(a.chunks.at(-1), b.chunks.at(-1), 'the same string to every subscriber');
    assert.equal(probes.length - probesBefore, 2, 'each service probed once a frame, whatever the number of subscribers');
    assert.deepEqual(frame.services, { 'kv-1': 'ready', 'ec2-1': 'alive' });
    assert.deepEqual(frame.endpoints, [
      { name: KV_NAME, addresses: ['10.0.0.1'] },
      { name: APP_NAME, addresses: [] },
    ]);
    assert.deepEqual(frame.points.map((p) => [p.t, p.kvAddresses]), [[1_003_000, 3]]);
    assert.equal(frame.topology, undefined, 'the topology only when it changed');
    assert.ok(feed.hello().frame, 'a later subscriber gets the newest frame in its hello');
    await feed.stop();
    assert.ok(a.ended && b.ended, 'stop ends every connection');
  });

  it('puts the samples that came while a frame was being made into the next one', async () => {
    const clock = new ManualClock(1_000_000);
    const gates: (() => void)[] = [];
    const { timeline, feed } = feedOn(clock, { faults: () => new Promise((resolve) => gates.push(() => resolve([]))) });
    feed.start();
    const s = sink();
    feed.subscribe(s);
    await timeline.sampleOnce();
    await timeline.sampleOnce();
    await timeline.sampleOnce();
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
    const got = await frameCount(s, 2);
    assert.deepEqual(got.map((f) => f.points.length), [1, 2], 'none lost, none repeated');
    assert.deepEqual(got.map((f) => f.seq), [1, 2]);
    await feed.stop();
  });

  it('drops a subscriber that falls behind, sends heartbeats, and refuses connections beyond its limit', async () => {
    const clock = new ManualClock(1_000_000);
    const { timeline, feed } = feedOn(clock);
    feed.start();
    const fast = sink();
    const slow = sink();
    feed.subscribe(fast);
    feed.subscribe(slow);
    feed.subscribe(sink());
    assert.throws(() => feed.subscribe(sink()), /serves 3 connections already/);
    slow.backlog = 5000;
    await timeline.sampleOnce();
    await frameCount(fast, 1);
    assert.ok(slow.closed, 'the slow one is dropped, not buffered for');
    assert.equal(feed.subscriberCount, 2);
    await clock.advance(2000);
    assert.equal(messages(fast.chunks.join('')).filter(([e]) => e === 'heartbeat').length, 1);
    await feed.stop();
  });

  it('shows a dead, frozen or unready service as such within its budget, and the endpoints as the lab DNS answers', async () => {
    const lab = await fakeLab();
    try {
      lab.get('kv-2').freeze();
      await lab.get('kv-3').stop();
      const launcher = lab.ofKind('ec2');
      launcher.ready = false;
      const directory = new ServiceDirectory(lab.list(), 'token', 5000);
      const clock = new ManualClock(Date.now());
      const { timeline, feed } = feedOn(clock, {
        topology: () => directory.topology(),
        status: (s, ms) => directory.status(s, ms),
        resolve: async (name, ms) => (await lookupA(name, lab.dns.udpPort, '127.0.0.1', ms)).addresses,
      });
      const started = Date.now();
      const frame = await feed.makeFrame([await timeline.sampleOnce()]);
      assert.ok(Date.now() - started < 1500, `a frozen service costs its budget only (${Date.now() - started} ms)`);
      assert.equal(frame.services['kv-1'], 'ready');
      assert.equal(frame.services['kv-2'], 'dead', 'frozen: no answer in time');
      assert.equal(frame.services['kv-3'], 'dead', 'stopped: connection refused');
      assert.equal(frame.services[launcher.service().name], 'alive');
      assert.deepEqual(frame.endpoints.map((e) => [e.name, [...(e.addresses ?? [])].sort()]), [
        [KV_NAME, KV_ADDRESSES],
        [APP_NAME, APP_ADDRESSES],
      ]);
      assert.ok(frame.topology, 'the first frame carries the topology');
      lab.get('kv-2').thaw();
      await lab.get('kv-3').start();
      const again = await feed.makeFrame([await timeline.sampleOnce()]);
      assert.equal(again.services['kv-2'], 'ready');
      assert.equal(again.services['kv-3'], 'ready');
      await feed.stop();
    } finally {
      await lab.close();
    }
  });
});

describe('GET /api/live over a real socket', () => {
  let lab: FakeLab;
  let controller: ReturnType<typeof testController>;
  let base: string;
  before(async () => {
    lab = await fakeLab();
    const events = new EventLog();
    controller = testController({ services: lab.list(), events, dns: { host: '127.0.0.1', port: lab.dns.udpPort } });
    base = await controller.listen();
    controller.live.start(); // the test takes the samples itself
  });
  after(async () => {
    await controller.stop();
    await lab.close();
  });

  it('streams hello and then a frame for each sample, as server-sent events, and ends when the controller closes', async () => {
    const res = await request(`${base}/api/live`);
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/event-stream/);
    let text = '';
    const reading = (async () => {
      for await (const chunk of res.body) text += chunk.toString();
    })();
    lab.get('kv-1').events.emit('plan-applied', { note: '<script>alert(1)</script>' });
    await controller.timeline.sampleOnce();
    await controller.timeline.sampleOnce();
    for (let i = 0; i < 100 && messages(text).filter(([e]) => e === 'frame').length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    const got = messages(text);
    assert.equal(got[0]?.[0], 'hello');
    const frame = liveFrameSchema.parse(got.find(([e]) => e === 'frame')![1]);
    assert.equal(frame.services[lab.ofKind('nlb').service().name], 'ready');
    assert.equal(frame.services.redis, 'ready', 'Redis, as the controller reaches it');
    assert.ok(frame.topology?.infra.includes('redis'));
    const run: RunInfo | null = frame.run;
    assert.equal(run, null);
    assert.ok(got.flatMap(([e, d]) => (e === 'frame' ? (d as LiveFrame).events : [])).some((e) => e.data.note === '<script>alert(1)</script>'), 'event data as it was, for the page to show as text');
    assert.equal(controller.live.subscriberCount, 1);
    await controller.app.close();
    await reading;
    assert.equal(controller.live.subscriberCount, 0);
  });
});
