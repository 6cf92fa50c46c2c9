// The fault-proxy as one call, like `toxiproxy-server [-host] [-port] [-seed] [-config]`: the proxy
// collection, the HTTP API listening, and the proxies of a config (a JSON file or the list itself).
// main.ts (the container) and `cascade-lab proxy` both start it this way.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { systemClock, type Clock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { seedFromEnv } from '../../lib/random.js';
import { FaultLeases } from './leases.js';
import { buildApp } from './api.js';
import { ProxyCollection, type NewProxy } from './collection.js';
import { proxySpec } from './config.js';

export interface ProxyServerOptions {
  /** API port; Toxiproxy's 8474 when left out, 0 for any free port. */
  port?: number;
  /** API address; 127.0.0.1 when left out, since the Toxiproxy routes carry no token. */
  host?: string;
  /** Every random choice follows from it; drawn (and logged) when left out. */
  seed?: number;
  /** Proxies to create at start: a path to a JSON array (toxiproxy-server's -config) or the array. */
  config?: string | NewProxy[];
  log?: Logger;
  /** For the lab routes that change state; LAB_ADMIN_TOKEN or a fresh random one when left out. */
  adminToken?: string;
  clock?: Clock;
  connectTimeoutMs?: number;
  linkBufferBytes?: number;
  udpIdleMs?: number;
}

export interface ProxyServer {
  /** Base URL of the API, for Toxiproxy clients. */
  readonly url: string;
  readonly port: number;
  readonly seed: number;
  readonly collection: ProxyCollection;
  readonly app: FastifyInstance;
  /** Stops the API and every proxy (listeners and connections). */
  close(): Promise<void>;
}

const configFile = z.array(proxySpec, { error: 'expected a JSON array of {"name","listen","upstream"}' });

async function loadProxies(config: string | NewProxy[] | undefined): Promise<NewProxy[]> {
  if (config === undefined) return [];
  if (typeof config !== 'string') return config;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(config, 'utf8'));
  } catch (err) {
    throw new Error(`proxy config ${config}: ${(err as Error).message}`);
  }
  const parsed = configFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`proxy config ${config}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim());
  }
  return parsed.data;
}

export async function startProxyServer(opts: ProxyServerOptions = {}): Promise<ProxyServer> {
  const log = opts.log ?? createLogger('fault-proxy');
  const seed = opts.seed ?? seedFromEnv(undefined);
  const proxies = await loadProxies(opts.config);
  const events = new EventLog();
  const registry = createRegistry('fault-proxy');
  const collection = new ProxyCollection({
    log,
    clock: opts.clock ?? systemClock,
    events,
    registry,
    seed,
    connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
    linkBufferBytes: opts.linkBufferBytes ?? 1024 * 1024,
    udpIdleMs: opts.udpIdleMs ?? 60_000,
  });
  const adminToken = opts.adminToken ?? process.env.LAB_ADMIN_TOKEN ?? randomUUID();
  const leases = new FaultLeases(opts.clock ?? systemClock, events, (proxy, toxic) => {
    try {
      collection.get(proxy).toxics.remove(toxic);
    } catch {
      // already removed (by hand, by /reset, or with its proxy)
    }
  });
  const app = buildApp({ collection, leases, log, adminToken, registry, events });
  log.info({ seed, proxies: proxies.length }, 'fault-proxy starting (the same seed repeats this run)');
  try {
    await collection.populate(proxies);
    await app.listen({ port: opts.port ?? 8474, host: opts.host ?? '127.0.0.1' });
  } catch (err) {
    await app.close();
    await collection.clear();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  void leases.run();
  let closing: Promise<void> | null = null;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    port: address.port,
    seed,
    collection,
    app,
    close: () =>
      (closing ??= (async () => {
        leases.stop();
        await app.close();
        await collection.clear();
      })()),
  };
}
