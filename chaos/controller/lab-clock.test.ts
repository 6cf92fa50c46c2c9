import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { systemClock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { createLabApp, type LabApp } from '../../lib/http.js';
import { LabClock } from '../../lib/lab-clock.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { ClockedSettings, nlbTiming } from '../../lib/timing.js';
import { until } from '../../test/support/until.js';
import type { LabService } from '../topology.js';
import { LabClockKeeper, type ClockStore } from './lab-clock.js';
import { ServiceDirectory } from './services.js';

const TOKEN = 'clock-token';

/** A service whose time settings follow the lab clock, on a real socket, as lib/http serves them. */
async function timedService(name: string): Promise<{ service: LabService; settings: ClockedSettings<ReturnType<typeof nlbTiming>>; app: LabApp }> {
  const settings = new ClockedSettings(nlbTiming, {}, LabClock.parse('1h=10s'));
  const app = createLabApp({
    service: name,
    log: silentLogger(),
    adminToken: TOKEN,
    registry: createRegistry(name, false),
    events: new EventLog(),
    ready: async () => ({ ok: true, checks: {} }),
    stateSchema: z.object({}),
    state: () => ({}),
    timing: settings,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { service: { name, kind: 'nlb', port, url: `http://127.0.0.1:${port}` }, settings, app };
}

describe('the lab clock the controller keeps', () => {
  const services: Awaited<ReturnType<typeof timedService>>[] = [];
  let keeper: LabClockKeeper;
  const kept: string[] = [];
  const store: ClockStore = { load: async () => kept.at(-1) ?? null, save: async (c) => void kept.push(c) };
  const events = new EventLog();

  before(async () => {
    services.push(await timedService('nlb-1'), await timedService('nlb-2'));
    // The DNS planner keeps real time: it is not asked.
    const untimed: LabService = { name: 'dns-planner', kind: 'dns-planner', port: 9, url: 'http://127.0.0.1:9' };
    const directory = new ServiceDirectory([...services.map((s) => s.service), untimed], TOKEN, 1000);
    keeper = new LabClockKeeper(LabClock.parse('1h=10s'), directory, store, events, silentLogger(), systemClock, 50);
    await keeper.start();
  });
  after(async () => {
    await keeper.stop();
    for (const s of services) await s.app.close();
  });

  it('sets every timed service, which derives its settings again, and keeps the clock', async () => {
    const status = await keeper.set('1h=60s');
    assert.deepEqual(status, { clock: '1h=60s', consistent: true, services: [{ name: 'nlb-1', clock: '1h=60s' }, { name: 'nlb-2', clock: '1h=60s' }] });
    for (const s of services) assert.equal(s.settings.values.CHECK_INTERVAL_MS, nlbTiming(LabClock.parse('1h=60s')).CHECK_INTERVAL_MS);
    assert.deepEqual(kept, ['1h=60s']);
    assert.ok(events.since(0).events.some((e) => e.type === 'lab-clock-set' && e.data.to === '1h=60s'));
  });

  it('sets it again on a service that comes back with another clock (a restarted container)', async () => {
    services[1]!.settings.setClock(LabClock.parse('1h=10s'));
    assert.equal((await keeper.status()).consistent, false);
    await until('the sweep to set nlb-2 again', async () => (await keeper.status()).consistent, 5000);
    assert.equal(services[1]!.settings.clock.text, '1h=60s');
  });

  it('refuses a clock that does not parse, naming what is expected, and changes nothing', async () => {
    await assert.rejects(keeper.set('ten seconds'), (err: Error & { statusCode?: number }) => err.statusCode === 400 && /^clock: expected <AWS time>=<lab time>/.test(err.message));
    await assert.rejects(keeper.set('1h=2h'), /slower than real time/);
    assert.equal(keeper.clock.text, '1h=60s');
    assert.deepEqual(kept, ['1h=60s']);
  });

  it('a new keeper takes the kept clock over its default', async () => {
    const next = new LabClockKeeper(LabClock.parse('1h=10s'), new ServiceDirectory([], TOKEN), store, new EventLog(), silentLogger(), systemClock, 50);
    await next.start();
    assert.equal(next.clock.text, '1h=60s');
    await next.stop();
  });

  it('reports a timed service that does not answer, without failing', async () => {
    const gone: LabService = { name: 'droplet-gone', kind: 'droplet', port: 9, url: 'http://127.0.0.1:9' };
    const lone = new LabClockKeeper(LabClock.parse('1h=10s'), new ServiceDirectory([gone], TOKEN, 500), null, new EventLog(), silentLogger(), systemClock, 50);
    const status = await lone.set('1h=5s');
    assert.equal(status.consistent, false);
    assert.equal(status.services[0]?.clock, null);
    assert.ok(status.services[0]?.error);
  });
});
