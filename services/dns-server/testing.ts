// An in-process dns-server on random loopback ports, for tests: the same pieces main.ts wires, without
// the process-level parts (config from the environment, signals).
import { silentLogger } from '../../lib/log.js';
import { Random } from '../../lib/random.js';
import { buildApp } from './app.js';
import type { RecordInput } from './record.js';
import { listenTcp } from './tcp.js';
import { listenUdp } from './udp.js';
import { Answerer } from './wire.js';
import { Zone } from './zone.js';

export const TOKEN = 'test-token';
export const ORIGIN = 'lab.internal';

export async function startTestServer(opts: { initial?: RecordInput[]; seed?: number; idleMs?: number; maxConnections?: number } = {}) {
  const log = silentLogger();
  const zone = new Zone({ origin: ORIGIN, negativeTtl: 5, initial: opts.initial ?? [] });
  const random = new Random(opts.seed ?? 42);
  const answerer = new Answerer(zone, random.fork());
  const udp = await listenUdp(answerer, { host: '127.0.0.1', port: 0, log });
  const tcp = await listenTcp(answerer, {
    host: '127.0.0.1',
    port: 0,
    idleMs: opts.idleMs ?? 5000,
    maxConnections: opts.maxConnections ?? 64,
    log,
  });
  const app = buildApp({
    zone,
    answerer,
    adminToken: TOKEN,
    random: random.fork(),
    dnsEndpoint: () => ({ host: '127.0.0.1', port: udp.address().port }),
  });
  await app.ready();
  return {
    zone,
    answerer,
    app,
    udpPort: udp.address().port,
    tcpPort: tcp.address().port,
    tcp,
    async close() {
      await app.close();
      await udp.close();
      await tcp.close();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
