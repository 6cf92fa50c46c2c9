import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settle } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { createLab } from '../../test/support/race-sim.js';
import { buildApp } from './app.js';
import { registerEnactorMetrics } from './metrics.js';

test('/metrics: the enactor\'s totals are counters, the applied generation a gauge', async () => {
  const lab = createLab({ fix: false, seed: 1 });
  const enactor = lab.enactors['az-a']!;
  lab.plans.publish();
  await settle(lab.clock, enactor.cycle());
  const registry = createRegistry('dns-enactor', false);
  registerEnactorMetrics(registry, enactor);
  const app = buildApp({ id: 'az-a', enactor, pingRedis: async () => 'PONG', pingDns: async () => [], log: silentLogger(), adminToken: 't', registry, events: lab.events['az-a']! });
  const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const metrics = await scrape();
  for (const key of ['plans_picked', 'applied', 'stale', 'refused', 'inconsistent', 'lock_lost', 'trees_deleted']) {
    assert.match(metrics, new RegExp(`# TYPE dns_enactor_${key}_total counter`));
  }
  assert.match(metrics, /# TYPE dns_enactor_applied_generation gauge/);
  assert.match(metrics, /dns_enactor_applied_total\{service="dns-enactor"\} 1\n/);
  assert.match(await scrape(), /dns_enactor_applied_total\{service="dns-enactor"\} 1\n/, 'scraping again adds nothing');
  await app.close();
});
