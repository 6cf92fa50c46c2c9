// dns-server entry point: wiring only (config, zone, DNS listeners, control API, shutdown).
import { loadConfig } from '../../lib/config.js';
import { EventLog } from '../../lib/events.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { Random } from '../../lib/random.js';
import { onShutdown } from '../../lib/shutdown.js';
import { buildApp } from './app.js';
import { dnsConfigShape } from './config.js';
import { listenTcp } from './tcp.js';
import { listenUdp } from './udp.js';
import { Answerer } from './wire.js';
import { Zone } from './zone.js';

const config = loadConfig(dnsConfigShape);
const log = createLogger('dns-server', config.LOG_LEVEL);
const random = new Random(config.DNS_SEED);
const zone = new Zone({
  origin: config.ZONE,
  negativeTtl: config.NEGATIVE_TTL,
  initial: config.NS_ADDRESS ? [{ name: `ns1.${config.ZONE}`, type: 'A', ttl: 3600, values: [config.NS_ADDRESS] }] : [],
});
const answerer = new Answerer(zone, random.fork());
const udp = await listenUdp(answerer, { host: config.DNS_HOST, port: config.DNS_PORT, log });
const tcp = await listenTcp(answerer, {
  host: config.DNS_HOST,
  port: config.DNS_PORT,
  idleMs: config.DNS_TCP_IDLE_MS,
  maxConnections: config.DNS_TCP_MAX_CONNECTIONS,
  log,
});
const app = buildApp({
  zone,
  answerer,
  adminToken: config.LAB_ADMIN_TOKEN,
  random: random.fork(),
  log,
  registry: createRegistry('dns-server'),
  events: new EventLog(),
  dnsEndpoint: () => ({ host: config.DNS_HOST, port: udp.address().port }),
});
await app.listen({ host: config.CONTROL_HOST, port: config.CONTROL_PORT });
log.info({ zone: zone.origin, dns: udp.address(), control: app.server.address(), seed: config.DNS_SEED }, 'dns-server ready');

onShutdown(log, [() => app.close(), () => udp.close(), () => tcp.close()]);
