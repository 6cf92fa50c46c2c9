// The loadgen's HTTP face: the standard lab endpoints (lib/http.ts) plus the admin controls a scenario
// uses: change the arrival rate, pause and resume customer traffic. buildApp() never listens.
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../lib/errors.js';
import type { EventLog } from '../lib/events.js';
import { createLabApp } from '../lib/http.js';
import type { Logger } from '../lib/log.js';
import type { Registry } from '../lib/metrics.js';
import type { Rate } from './options.js';
import type { LoadgenService } from './service.js';

export interface LoadgenAppDeps {
  service: LoadgenService;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
}

const MAX_RATE = 1_000_000;

export function buildApp(deps: LoadgenAppDeps): FastifyInstance {
  const app = createLabApp({
    service: 'loadgen',
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: () => deps.service.ready(),
    state: () => deps.service.state(),
  });

  const control = () => {
    const { rate, paused } = deps.service.state();
    return { rate, paused };
  };

  app.post<{ Body: { rate: number | string } }>(
    '/v1/rate',
    {
      preHandler: app.requireAdmin,
      schema: {
        body: {
          type: 'object',
          required: ['rate'],
          additionalProperties: false,
          properties: { rate: {} }, // checked below, with a message that says what a rate is
        },
      },
    },
    async (req) => {
      const { rate } = req.body;
      let next: Rate;
      if (rate === 'max') next = 'max';
      else if (typeof rate === 'number' && Number.isFinite(rate) && rate > 0 && rate <= MAX_RATE) next = rate;
      else throw badRequest(`rate: expected requests per second above 0 and at most ${MAX_RATE}, or "max" (got ${JSON.stringify(rate)})`);
      deps.service.setRate(next);
      return control();
    },
  );

  app.post('/v1/pause', { preHandler: app.requireAdmin }, async () => {
    deps.service.pause();
    return control();
  });

  app.post('/v1/resume', { preHandler: app.requireAdmin }, async () => {
    deps.service.resume();
    return control();
  });

  return app;
}
