// Fake lab services on real loopback sockets, for the controller's tests, the browser tests and the
// dashboard benchmark: each answers /healthz, /readyz, /lab/state (a valid snapshot of its kind from
// lab-states.ts, where there is one), /lab/events, /v1/node (which NLB node runs the checks), /lab/fix
// (the switch of the launcher, an enactor or an NLB node) and records every POST. A service can stop
// answering (freeze: it accepts and hangs, as a paused container does), go away (stop: connections
// refused, as a killed one) and come back on the same port. fakeLab() is the whole lab of
// docker-compose.yml this way, with a real dns-server answering for its two endpoints.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FIX_KINDS } from '../../chaos/controller/fixes.js';
import { FIXES, fixBodySchema, type Fix } from '../../lib/contract.js';
import { EventLog } from '../../lib/events.js';
import type { ServiceKind } from '../../chaos/contracts.js';
import type { SecondStats } from '../../loadgen/state.js';
import { startTestServer, type TestServer } from '../../services/dns-server/testing.js';
import { composeServices, type LabService } from '../../chaos/topology.js';
import { labState } from './lab-states.js';

export interface FakeService {
  readonly name: string;
  readonly kind: ServiceKind;
  readonly port: number;
  readonly url: string;
  readonly events: EventLog;
  /** /readyz answers 200 while true, 503 otherwise. */
  ready: boolean;
  /** Its /lab/state snapshot. */
  state: () => unknown;
  /** Every POST it got, with whether it carried `Bearer <token>`. */
  readonly posts: { path: string; body: unknown; authorized: boolean }[];
  /** The fix switch it answers at GET and PUT /lab/fix, when its kind implements one (the launcher, enactors, NLB nodes). */
  fixOn: boolean;
  /** Accepts connections but answers nothing until thaw(). */
  freeze(): void;
  thaw(): void;
  /** Closes its port: connections are refused until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  service(): LabService;
}

export interface FakeServiceOptions {
  state?: () => unknown;
  /** The token POSTs must carry to count as authorized (default: any). */
  token?: string;
  /** NLB nodes: whether /v1/node says it runs the health checks. */
  checker?: boolean;
  /** The fix it switches at /lab/fix (as lib/http serves it); none: /lab/fix is 404. */
  fix?: Fix;
  port?: number;
}

export async function fakeService(name: string, kind: ServiceKind, opts: FakeServiceOptions = {}): Promise<FakeService> {
  const events = new EventLog();
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  let frozen = false;
  let server: Server | null = null;
  let port = opts.port ?? 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (frozen) {
      hung.add(res);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const notFound = (path: string) => send(404, { error: { code: 'LAB_ERR_NOT_FOUND', message: `no route ${path}` } });
    const fixState = () => send(200, { fix: opts.fix, on: fake.fixOn });
    // PUT is only /lab/fix, as lib/http serves it; every POST is recorded, authorized or not.
    const isFixPut = req.method === 'PUT' && url.pathname === '/lab/fix' && opts.fix !== undefined;
    if (req.method === 'PUT' && !isFixPut) return notFound(url.pathname);
    if (req.method === 'POST' || isFixPut) {
      let text = '';
      req.on('data', (d: Buffer) => (text += d));
      req.on('end', () => {
        let body: unknown = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = text;
        }
        const authorized = opts.token === undefined || req.headers.authorization === `Bearer ${opts.token}`;
        if (!isFixPut) fake.posts.push({ path: url.pathname, body, authorized });
        if (!authorized) return send(401, { error: { code: 'LAB_ERR_UNAUTHORIZED', message: 'missing or wrong bearer token' } });
        if (!isFixPut) return send(200, { ok: true, path: url.pathname });
        const parsed = fixBodySchema.safeParse(body);
        if (!parsed.success) return send(400, { error: { code: 'LAB_ERR_BAD_REQUEST', message: 'body: expected {"on": true|false}' } });
        fake.fixOn = parsed.data.on;
        fixState();
      });
      return;
    }
    switch (url.pathname) {
      case '/healthz':
        return send(200, { ok: true, service: name });
      case '/readyz':
        return send(fake.ready ? 200 : 503, { service: name, ok: fake.ready, checks: { self: { ok: fake.ready } } });
      case '/lab/state':
        return send(200, { service: name, time: Date.now(), state: fake.state() });
      case '/lab/events':
        return send(200, { service: name, ...events.since(Number(url.searchParams.get('since') ?? 0), Number(url.searchParams.get('limit') ?? 500)) });
      case '/v1/node':
        return send(200, { id: name, address: '127.0.0.1', trafficPort: 80, checker: opts.checker === true });
      case '/lab/fix':
        return opts.fix ? fixState() : notFound(url.pathname);
      default:
        return notFound(url.pathname);
    }
  };

  const start = async () => {
    const s = createServer(handle);
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = null;
    if (!s) return;
    for (const socket of sockets) socket.destroy();
    hung.clear();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  const fake: FakeService = {
    name,
    kind,
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    events,
    ready: true,
    state: opts.state ?? (() => ({})),
    posts: [],
    fixOn: false,
    freeze: () => (frozen = true),
    thaw: () => {
      frozen = false;
      for (const res of hung) res.destroy();
      hung.clear();
    },
    stop,
    start,
    service: () => ({ name, kind, port, url: `http://127.0.0.1:${port}` }),
  };
  await start();
  return fake;
}

/**
 * The loadgen's state as it grows: one closed second per real second since `startedAt`, each with
 * `rate` requests of which `successRate()` (asked when the second closes) succeeded.
 */
export function growingLoadgen(rate: number, successRate: () => number, startedAt = Date.now()) {
  const seconds: SecondStats[] = [];
  return () => {
    const closed = Math.floor((Date.now() - startedAt) / 1000);
    while (seconds.length < closed) {
      const t = seconds.length;
      const successes = Math.round(rate * Math.min(1, Math.max(0, successRate())));
      const p99 = 20 + (t % 7) * 3;
      seconds.push({ t, requests: rate, successes, errors: rate - successes, errorsByKind: rate > successes ? { 'status-5xx': rate - successes } : {}, p50: 5, p90: 12, p99, max: p99 + 5 });
    }
    const requests = seconds.reduce((n, s) => n + s.requests, 0);
    const successes = seconds.reduce((n, s) => n + s.successes, 0);
    return labState('loadgen', {
      uptimeMs: Date.now() - startedAt,
      totals: { requests, successes, errors: requests - successes, successRate: requests ? successes / requests : 1 },
      series: seconds.slice(-60),
    });
  };
}

export const KV_NAME = 'kv.us-east-1.lab.internal';
export const APP_NAME = 'app.us-east-1.lab.internal';
export const KV_ADDRESSES = ['10.53.0.11', '10.53.0.12', '10.53.0.13'];
export const APP_ADDRESSES = ['10.53.0.21', '10.53.0.22', '10.53.0.23'];

export interface FakeLab {
  services: Map<string, FakeService>;
  get(name: string): FakeService;
  /** The first service of a kind (the launcher is `ec2`), by the topology: tests never spell the lab's names. */
  ofKind(kind: ServiceKind): FakeService;
  /** The lab's services as the controller's directory takes them (LAB_SERVICES). */
  list(): LabService[];
  /** A real dns-server answering for the kv and app endpoints. */
  dns: TestServer;
  /** The launcher's leased droplets, as its state shows them. */
  leased: { value: number };
  /** The customers' success rate, from 0 to 1, for the seconds that close from now on. */
  success: { value: number };
  /** The NLB's healthy capacity, as the checker node shows it. */
  capacity: { value: number };
  /** The kv endpoint as the race leaves it (NOERROR, no address), and as `repair dns` puts it back. */
  kv: { empty(): void; restore(): void };
  close(): Promise<void>;
}

/** The fix a kind of service switches, as the lab's services do (chaos/controller/fixes.ts). */
const fixOfKind = (kind: ServiceKind): Fix | undefined => FIXES.find((fix) => FIX_KINDS[fix] === kind);

/**
 * Every service of docker-compose.yml, faked on loopback (the fault proxy may be a real one, as
 * `proxy`), and a dns-server with the two endpoints. nlb-az-a runs the health checks.
 */
export async function fakeLab(opts: { token?: string; proxy?: LabService } = {}): Promise<FakeLab> {
  const leased = { value: 450 };
  const success = { value: 1 };
  const capacity = { value: 21 };
  const states: Partial<Record<ServiceKind, () => unknown>> = {
    ec2: () => labState('ec2', { dwfm: { leased: leased.value, leasedFraction: leased.value / 450 } }),
    nlb: () => labState('nlb', { healthyCapacity: capacity.value }),
    loadgen: growingLoadgen(20, () => success.value),
    'dns-enactor': () => labState('dns-enactor'),
  };
  const services = new Map<string, FakeService>();
  for (const s of composeServices()) {
    if (s.kind === 'controller' || (s.kind === 'fault-proxy' && opts.proxy)) continue;
    services.set(s.name, await fakeService(s.name, s.kind, { state: states[s.kind], token: opts.token, checker: s.name === 'nlb-az-a', fix: fixOfKind(s.kind) }));
  }
  const dns = await startTestServer({
    initial: [
      { name: KV_NAME, type: 'A', values: KV_ADDRESSES },
      { name: APP_NAME, type: 'A', values: APP_ADDRESSES },
    ],
  });
  const kvRecord = (type: 'A' | 'TXT') => dns.zone.recordsAt(KV_NAME).find((r) => r.type === type);
  const kv = {
    empty: () => {
      const a = kvRecord('A');
      if (a) dns.zone.apply([{ action: 'DELETE', ...a }]);
      // The name stays (a TXT under it), so an A query is answered NOERROR with nothing: NODATA.
      if (!kvRecord('TXT')) dns.zone.apply([{ action: 'UPSERT', name: KV_NAME, type: 'TXT', ttl: 5, values: ['emptied'] }]);
    },
    restore: () => void dns.zone.apply([{ action: 'UPSERT', name: KV_NAME, type: 'A', ttl: 5, values: KV_ADDRESSES }]),
  };
  return {
    services,
    kv,
    get: (name) => {
      const found = services.get(name);
      if (!found) throw new Error(`no fake service ${name}`);
      return found;
    },
    ofKind: (kind) => {
      const found = [...services.values()].filter((s) => s.service().kind === kind).sort((a, b) => a.service().name.localeCompare(b.service().name))[0];
      if (!found) throw new Error(`no fake service of kind ${kind}`);
      return found;
    },
    list: () => [...[...services.values()].map((s) => s.service()), ...(opts.proxy ? [opts.proxy] : [])].sort((a, b) => a.name.localeCompare(b.name)),
    dns,
    leased,
    success,
    capacity,
    close: async () => {
      for (const s of services.values()) {
        s.thaw();
        await s.stop();
      }
      await dns.close();
    },
  };
}
