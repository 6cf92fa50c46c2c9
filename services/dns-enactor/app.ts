// dns-enactor HTTP face: the standard lab endpoints plus the service hooks a game day uses on an
// enactor (pause and resume its loop).
import { createLabApp, readinessOf, type LabApp } from '../../lib/http.js';
import { enactorStateSchema } from './state.js';
import type { EventLog } from '../../lib/events.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/metrics.js';
import type { Enactor } from './enactor.js';

export interface EnactorDeps {
  id: string;
  enactor: Enactor;
  pingRedis: () => Promise<unknown>;
  pingDns: () => Promise<unknown>;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
}

export function buildApp(deps: EnactorDeps): LabApp {
  const { enactor } = deps;
  const app = createLabApp({
    service: `dns-enactor/${deps.id}`,
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: () => readinessOf({ redis: deps.pingRedis, dnsApi: deps.pingDns }),
    fix: { name: 'enactor', on: () => enactor.fix, set: (on) => void (enactor.fix = on) },
    stateSchema: enactorStateSchema,
    state: () => ({
      id: deps.id,
      fix: enactor.fix,
      paused: enactor.isPaused,
      current: enactor.current,
      lastApplied: enactor.lastApplied,
      lastError: enactor.lastError,
      stats: enactor.stats,
    }),
  });
  app.post('/v1/pause', { onRequest: app.requireAdmin }, async () => {
    enactor.pause();
    return { paused: true };
  });
  app.post('/v1/resume', { onRequest: app.requireAdmin }, async () => {
    enactor.resume();
    return { paused: false };
  });
  return app;
}
