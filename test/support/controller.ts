// The whole controller (chaos/controller/controller.ts) in this process, over fakes: a fixed list of
// services (fake ones on loopback ports, see fake-services.ts), no Redis, Docker only when the test gives
// a FakeDocker's containers. Unit tests inject() into its app; the browser tests make it listen.
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { createController, type Controller, type ControllerInputs, type ControllerSettings } from '../../chaos/controller/controller.js';
import { LabClockKeeper } from '../../chaos/controller/lab-clock.js';
import { runbook } from '../../chaos/controller/runbook.js';
import { defaultLabClock } from '../../lib/lab-clock.js';
import { ServiceDirectory } from '../../chaos/controller/services.js';
import type { LabContainers } from '../../chaos/faults/docker.js';
import type { LabService } from '../../chaos/topology.js';

export const TEST_TOKEN = 'test-admin-token';

export interface TestControllerOptions {
  services?: LabService[];
  token?: string;
  clock?: Clock;
  containers?: LabContainers | null;
  /** The lab's DNS server; by default a port nobody answers on. */
  dns?: { host: string; port: number };
  /** The runbook's actions; `'runbook'` for the lab's own (chaos/controller/runbook.ts) against the services given. */
  repairs?: Record<string, () => Promise<unknown>> | 'runbook';
  /** The lab clock the controller keeps (by default a keeper over the services given, nothing kept). */
  labClock?: LabClockKeeper;
  execute?: ControllerInputs['execute'];
  scenarios?: ControllerInputs['scenarios'];
  reportsDir?: string;
  reportsKeep?: number;
  settings?: Partial<Omit<ControllerSettings, 'live' | 'timeline' | 'reports'>> & { live?: Partial<ControllerSettings['live']>; timeline?: Partial<ControllerSettings['timeline']> };
  events?: EventLog;
  log?: Logger;
  pingRedis?: () => Promise<unknown>;
}

export interface TestController extends Controller {
  events: EventLog;
  reportsDir: string;
  /** Listens on 127.0.0.1 (an ephemeral port unless given) and returns the base URL. */
  listen(port?: number): Promise<string>;
  url(): string;
}

export function testController(opts: TestControllerOptions = {}): TestController {
  const token = opts.token ?? TEST_TOKEN;
  const events = opts.events ?? new EventLog();
  const reportsDir = opts.reportsDir ?? mkdtempSync(join(tmpdir(), 'cascade-lab-reports-'));
  const dns = opts.dns ?? { host: '127.0.0.1', port: 9 };
  let base = 'http://127.0.0.1:9';
  const directory = new ServiceDirectory(opts.services ?? [], token, 1000);
  const controller = createController({
    settings: {
      kvName: 'kv.us-east-1.lab.internal',
      dns,
      reports: { dir: reportsDir, keep: opts.reportsKeep ?? 5 },
      ...opts.settings,
      timeline: { intervalMs: 1000, capacity: 600, budgetMs: 400, ...opts.settings?.timeline },
      live: {
        endpoints: ['kv.us-east-1.lab.internal', 'app.us-east-1.lab.internal'],
        probeTimeoutMs: 300,
        windowMs: 300_000,
        heartbeatMs: 2000,
        maxSubscribers: 50,
        maxBufferedBytes: 1024 * 1024,
        ...opts.settings?.live,
      },
    },
    controllerUrl: () => base,
    adminToken: token,
    log: opts.log ?? silentLogger(),
    registry: createRegistry('controller', false),
    events,
    clock: opts.clock ?? systemClock,
    directory,
    canary: { counts: { requests: 0, successes: 0, errors: {}, lastError: null } },
    repairs: opts.repairs === 'runbook' ? runbook(directory) : (opts.repairs ?? {}),
    pingRedis: opts.pingRedis ?? (async () => 'PONG'),
    containers: opts.containers ?? null,
    labClock: opts.labClock ?? new LabClockKeeper(defaultLabClock(), directory, null, events, opts.log ?? silentLogger(), opts.clock ?? systemClock),
    scenarios: opts.scenarios,
    execute: opts.execute,
  });
  return {
    ...controller,
    events,
    reportsDir,
    async listen(port = 0) {
      await controller.app.listen({ port, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(controller.app.server.address() as AddressInfo).port}`;
      return base;
    },
    url: () => base,
  };
}
