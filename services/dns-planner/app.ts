// dns-planner HTTP face: the standard lab endpoints plus `POST /v1/plans` to force a new generation.
import type { FastifyInstance } from 'fastify';
import { createLabApp, readinessOf } from '../../lib/http.js';
import type { EventLog } from '../../lib/events.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/metrics.js';
import type { Planner } from './planner.js';

export interface PlannerDeps {
  planner: Planner;
  pingRedis: () => Promise<unknown>;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
}

export function buildApp(deps: PlannerDeps): FastifyInstance {
  const { planner } = deps;
  const app = createLabApp({
    service: 'dns-planner',
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: () =>
      readinessOf({
        redis: deps.pingRedis,
        planned: async () => {
          if (!planner.lastPlan) throw new Error('no plan published yet');
        },
      }),
    state: () => ({
      generation: planner.lastPlan?.generation ?? 0,
      lastPlan: planner.lastPlan,
      plansPublished: planner.plansPublished,
      probeRounds: planner.probeRounds,
      nodes: planner.reports,
    }),
  });

  app.post<{ Body: { reason?: string } | undefined }>(
    '/v1/plans',
    {
      onRequest: app.requireAdmin,
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 100 } },
        },
      },
    },
    async (req) => {
      const plan = await planner.publish(req.body?.reason ?? 'operator');
      return { generation: plan.generation, plan };
    },
  );
  return app;
}
