// The loadgen's HTTP face: the standard lab endpoints (lib/http.ts) plus the admin controls a scenario
// uses: change the arrival rate, pause and resume customer traffic. buildApp() never listens.
import { z } from 'zod';
import type { EventLog } from '../lib/events.js';
import { createLabApp, type LabApp } from '../lib/http.js';
import { emptyBody } from '../lib/contract.js';
import { loadgenStateSchema } from './state.js';
import type { Logger } from '../lib/log.js';
import type { Registry } from '../lib/metrics.js';
import type { LoadgenService } from './service.js';

export interface LoadgenAppDeps {
  service: LoadgenService;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
}

const MAX_RATE = 1_000_000;
const rateBody = z.union([z.number().positive().max(MAX_RATE), z.literal('max')], {
  error: `expected requests per second above 0 and at most ${MAX_RATE}, or "max"`,
});

export function buildApp(deps: LoadgenAppDeps): LabApp {
  const app = createLabApp({
    service: 'loadgen',
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: () => deps.service.ready(),
    stateSchema: loadgenStateSchema,
    state: () => deps.service.state(),
  });

  const control = () => {
    const { rate, paused } = deps.service.state();
    return { rate, paused };
  };

  app.post(
    '/v1/rate',
    { onRequest: app.requireAdmin, schema: { body: z.object({ rate: rateBody }).strict() } },
    async (req) => {
      deps.service.setRate(req.body.rate);
      return control();
    },
  );

  app.post('/v1/pause', { onRequest: app.requireAdmin, schema: { body: emptyBody } }, async () => {
    deps.service.pause();
    return control();
  });

  app.post('/v1/resume', { onRequest: app.requireAdmin, schema: { body: emptyBody } }, async () => {
    deps.service.resume();
    return control();
  });

  return app;
}
