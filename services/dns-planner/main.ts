// dns-planner entry: wiring only.
import { Redis } from 'ioredis';
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config.js';
import { EventLog } from '../../lib/events.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry, Gauge } from '../../lib/metrics.js';
import { PlanStore } from '../../lib/plans.js';
import { onShutdown } from '../../lib/shutdown.js';
import { buildApp } from './app.js';
import { plannerConfig } from './config.js';
import { Planner } from './planner.js';
import { httpProbe } from './probe.js';

const config = loadConfig(plannerConfig);
const log = createLogger('dns-planner');
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
const events = new EventLog();
const registry = createRegistry('dns-planner');
const planner = new Planner(
  { endpoint: config.ENDPOINT, nodes: config.KV_NODES, planIntervalMs: config.PLAN_INTERVAL_MS, probeIntervalMs: config.PROBE_INTERVAL_MS, keep: config.PLAN_KEEP },
  new PlanStore(redis),
  httpProbe(config.PROBE_TIMEOUT_MS),
  systemClock,
  events,
  log,
);
new Gauge({ name: 'dns_plan_generation', help: 'newest plan generation published', registers: [registry], collect() { this.set(planner.lastPlan?.generation ?? 0); } });

const app = buildApp({ planner, pingRedis: () => redis.ping(), log, adminToken: config.LAB_ADMIN_TOKEN, registry, events });
await app.listen({ port: config.PORT, host: config.HOST });
void planner.run();
onShutdown(log, [() => planner.stop(), () => app.close(), () => redis.quit()]);
