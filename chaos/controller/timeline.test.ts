import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import Fastify from 'fastify';
import { ManualClock, systemClock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { labState } from '../../test/support/lab-states.js';
import type { ServiceKind } from '../contracts.js';
import { Topology, type LabService } from '../topology.js';
import { ServiceDirectory } from './services.js';
import { directorySources, registerTimelineRoutes, Timeline, type TimelineSources } from './timeline.js';

/** A fake lab service on an ephemeral port: /lab/state answers `state()`, /lab/events reads `events`; an NLB node says it runs the checks. */
async function fakeService(state: () => unknown, events = new EventLog(), checker = true): Promise<{ url: string; port: number; events: EventLog; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/lab/state') return send({ service: 'x', time: Date.now(), state: state() });
    if (url.pathname === '/lab/events') return send({ service: 'x', ...events.since(Number(url.searchParams.get('since') ?? 0)) });
    if (url.pathname === '/v1/node') return send({ id: 'az-a', address: '127.0.0.1', trafficPort: 80, checker });
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, events, server };
}

const service = (name: string, kind: ServiceKind, url: string): LabService => ({ name, kind, port: Number(new URL(url).port), url });
const loadgenSecond = (t: number, requests: number, successes: number, p99: number | null) => ({
  t, requests, successes, errors: requests - successes, errorsByKind: {}, p50: p99, p90: p99, p99, max: p99,
});
const noTopology = () => new Topology([]);

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

describe('timeline sampler', () => {
  it('samples the named series from each service, new events only, and the loadgen seconds since the last sample', async () => {
    let leased = 12;
    const launcher = await fakeService(() => labState('ec2', { dwfm: { leased, droplets: 12, queue: { depth: 3, timeouts: 7 } }, network: { backlog: 40, latencyMs: { p99: 900 } } }));
    const nlb = await fakeService(() => labState('nlb', { healthyCapacity: 6, totals: { flaps: 2, lateChecks: 1 }, failoverEnabled: true }));
    let series = [loadgenSecond(0, 100, 100, 3), loadgenSecond(1, 100, 90, 5)];
    let uptimeMs = 2000;
    const loadgen = await fakeService(() => labState('loadgen', { uptimeMs, series }));
    servers.push(launcher.server, nlb.server, loadgen.server);
    launcher.events.emit('old-event'); // before the sampler existed: not part of the timeline
    const clock = new ManualClock(Date.now() + 10);
    const directory = new ServiceDirectory(
      [service('control-plane', 'ec2', launcher.url), service('nlb-1', 'nlb', nlb.url), service('loadgen', 'loadgen', loadgen.url)],
      'token',
    );
    const timeline = new Timeline(directorySources(directory, async () => 3), clock, { intervalMs: 1000, capacity: 10 });

    const first = await timeline.sampleOnce();
    assert.equal(first.dwfmLeased, 12);
    assert.equal(first.dwfmQueueDepth, 3);
    assert.equal(first.dwfmTimeouts, 7);
    assert.equal(first.networkBacklog, 40);
    assert.equal(first.networkP99Ms, 900);
    assert.equal(first.nlbHealthyCapacity, 6);
    assert.equal(first.nlbFlaps, 2);
    assert.equal(first.kvAddresses, 3);
    assert.equal(first.customerRequests, 100, 'first contact: only the newest loadgen second');
    assert.equal(first.customerSuccessRate, 0.9);
    assert.deepEqual(first.events, []);

    leased = 4;
    launcher.events.emit('lease-expired', { droplet: 'd-1' });
    series = [...series, loadgenSecond(2, 50, 25, 40), loadgenSecond(3, 50, 0, null)];
    uptimeMs = 4000;
    await clock.advance(1000);
    const second = await timeline.sampleOnce();
    assert.equal(second.dwfmLeased, 4);
    assert.equal(second.customerRequests, 100, 'the two seconds closed since the last sample');
    assert.equal(second.customerSuccessRate, 0.25);
    assert.equal(second.customerP99Ms, 40);
    assert.deepEqual(
      second.events.map((e) => [e.service, e.type]),
      [['control-plane', 'lease-expired']],
    );
    const third = await timeline.sampleOnce();
    assert.deepEqual(third.events, [], 'an event is in one sample only');
    assert.equal(third.customerRequests, null, 'no new loadgen second');

    series = [loadgenSecond(0, 10, 10, 1)]; // the loadgen restarted
    uptimeMs = 1000;
    const fourth = await timeline.sampleOnce();
    assert.equal(fourth.customerRequests, 10);
    assert.equal(timeline.samples.length, 4);
  });

  it('takes the largest share one health-check round removed among the rounds since the previous sample', async () => {
    const round = (n: number, removedShare: number) => ({ round: n, durationMs: 30, stateChanges: 1, capacityRemoved: 1, dnsWeightRemoved: 0, lateChecks: 0, removedShare });
    let rounds = [round(1, 1), round(2, 0.5)];
    const nlb = await fakeService(() => labState('nlb', { rounds }));
    servers.push(nlb.server);
    const directory = new ServiceDirectory([service('nlb-1', 'nlb', nlb.url)], 'token');
    const timeline = new Timeline(directorySources(directory, async () => 3), new ManualClock(Date.now()), { intervalMs: 1000, capacity: 10 });

    assert.equal((await timeline.sampleOnce()).nlbRemovedShare, 0.5, 'first contact: the newest round only, not the node\'s start');
    rounds = [...rounds, round(3, 0.2), round(4, 0.34), round(5, 0)];
    assert.equal((await timeline.sampleOnce()).nlbRemovedShare, 0.34, 'the largest of rounds 3 to 5');
    assert.equal((await timeline.sampleOnce()).nlbRemovedShare, 0, 'no round since');
    rounds = [round(1, 0.25)]; // the checker restarted: its rounds count from 1 again
    assert.equal((await timeline.sampleOnce()).nlbRemovedShare, 0.25);
    rounds = [round(1, 0.25), round(2, 0.1)];
    assert.equal((await timeline.sampleOnce()).nlbRemovedShare, 0.1);
  });

  it('counts where customers\' requests failed at the NLB: no node in DNS, refused by a node, failed by a target', async () => {
    const traffic = (requests: number, overloaded: number, noTargets: number, upstreamErrors: number) => ({
      requests, forwarded: requests - overloaded - noTargets, noTargets, overloaded, upstreamErrors, upstreamErrorsByCause: {},
    });
    let a = traffic(100, 1, 0, 2);
    let b = traffic(50, 0, 0, 1);
    let series = [{ ...loadgenSecond(0, 20, 20, 3) }];
    const checkerNode = await fakeService(() => labState('nlb', { traffic: a }));
    const other = await fakeService(() => labState('nlb', { traffic: b }), new EventLog(), false);
    const loadgen = await fakeService(() => labState('loadgen', { uptimeMs: 5000, series }));
    servers.push(checkerNode.server, other.server, loadgen.server);
    const directory = new ServiceDirectory(
      [service('nlb-az-a', 'nlb', checkerNode.url), service('nlb-az-b', 'nlb', other.url), service('loadgen', 'loadgen', loadgen.url)],
      'token',
    );
    const timeline = new Timeline(directorySources(directory, async () => 3), new ManualClock(Date.now()), { intervalMs: 1000, capacity: 10 });

    const first = await timeline.sampleOnce();
    assert.deepEqual([first.customerDnsErrors, first.nlbRefused, first.nlbTargetErrors], [0, 0, 0], 'first contact: from now, not the nodes\' start');
    a = traffic(120, 3, 1, 5); // 20 more: 2 at capacity, 1 with no target, 3 failed by a target
    b = traffic(60, 0, 0, 2); // 10 more: 1 failed by a target
    series = [...series, { ...loadgenSecond(1, 40, 30, 9), errorsByKind: { dns: 6, 'status-5xx': 4 } }];
    const second = await timeline.sampleOnce();
    assert.deepEqual([second.customerDnsErrors, second.nlbRefused, second.nlbTargetErrors], [6, 3, 4]);
    b = traffic(5, 0, 1, 1); // nlb-az-b restarted: its counters begin again from 0
    const third = await timeline.sampleOnce();
    assert.deepEqual([third.nlbRefused, third.nlbTargetErrors], [1, 1]);
  });

  it('records null for a service that is down or hangs, without waiting for it', async () => {
    const hanging = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    servers.push(hanging);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    const directory = new ServiceDirectory(
      [service('control-plane', 'ec2', `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`), service('nlb-1', 'nlb', `http://127.0.0.1:${closedPort}`)],
      'token',
      30_000,
    );
    const timeline = new Timeline(
      directorySources(directory, () => new Promise<number>(() => {})),
      systemClock,
      { intervalMs: 1000, capacity: 10, timeoutMs: 200 },
    );
    const started = Date.now();
    const sample = await timeline.sampleOnce();
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(sample.dwfmLeased, null);
    assert.equal(sample.nlbHealthyCapacity, null);
    assert.equal(sample.kvAddresses, null);
    assert.equal(sample.customerSuccessRate, null);
  });

  it('keeps at most its capacity, samples on its interval, and stops', async () => {
    const clock = new ManualClock(1_000_000);
    let requests = 0;
    const sources: TimelineSources = {
      topology: noTopology,
      state: async () => ({}),
      events: async () => ({ events: [], next: 0 }),
      kvAddresses: async () => 3,
      canary: () => ({ requests: (requests += 10), successes: requests / 2 }),
    };
    const timeline = new Timeline(sources, clock, { intervalMs: 1000, capacity: 3 });
    timeline.start();
    await clock.advance(0);
    for (let i = 0; i < 5; i++) await clock.advance(1000);
    await timeline.stop();
    assert.equal(timeline.samples.length, 3);
    assert.deepEqual(
      timeline.samples.map((s) => s.t),
      [1_003_000, 1_004_000, 1_005_000],
    );
    assert.equal(timeline.samples[2]?.customerRequests, 10, 'the canary when there is no loadgen');
    assert.equal(timeline.samples[2]?.customerSuccessRate, 0.5);
    assert.deepEqual(
      timeline.since(1_004_000).map((s) => s.t),
      [1_004_000, 1_005_000],
    );
  });

  it('caps the events of one sample and counts the rest', async () => {
    const events = new EventLog(5000, () => 2_000_000);
    for (let i = 0; i < 30; i++) events.emit('flap', { i });
    const sources: TimelineSources = {
      topology: () => new Topology([service('nlb-1', 'nlb', 'http://nlb-az-a:8005')], { 'nlb-checker': 'nlb-1' }),
      state: async () => labState('nlb', { healthyCapacity: 1 }),
      events: async (_n, since) => events.since(since),
      kvAddresses: async () => 0,
    };
    const timeline = new Timeline(sources, new ManualClock(1_000_000), { intervalMs: 1000, capacity: 3, eventsPerSample: 10 });
    const sample = await timeline.sampleOnce();
    assert.equal(sample.events.length, 10);
    assert.equal(sample.eventsDropped, 20);
    assert.equal(sample.events[0]?.data.i, 0);
  });

  it('serves GET /api/timeline?since= and refuses a bad window with 400', async () => {
    const clock = new ManualClock(5000);
    const sources: TimelineSources = { topology: noTopology, state: async () => ({}), events: async () => ({ events: [], next: 0 }), kvAddresses: async () => 3 };
    const timeline = new Timeline(sources, clock, { intervalMs: 1000, capacity: 10 });
    await timeline.sampleOnce();
    await clock.advance(1000);
    await timeline.sampleOnce();
    const app = Fastify().withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorate('facilitatorRead', async () => undefined);
    registerTimelineRoutes(app, timeline);
    const all = await app.inject({ url: '/api/timeline' });
    assert.equal(all.statusCode, 200);
    assert.equal(all.json().samples.length, 2);
    assert.equal(all.json().series.dwfmLeased.label, 'leased droplets');
    const recent = await app.inject({ url: '/api/timeline?since=6000' });
    assert.deepEqual(
      recent.json().samples.map((s: { t: number }) => s.t),
      [6000],
    );
    assert.equal((await app.inject({ url: '/api/timeline?since=yesterday' })).statusCode, 400);
    await app.close();
  });
});
