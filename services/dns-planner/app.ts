// dns-planner HTTP face: the standard lab endpoints plus `POST /v1/plans` to force a new generation.
import type { FastifyInstance } from 'fastify';
import { createLabApp } from '../../lib/http.js';
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
    ready: async () => {
      const redis = await deps.pingRedis().then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, detail: err.message }),
      );
      const planned = planner.lastPlan ? { ok: true } : { ok: false, detail: 'no plan published yet' };
      return { ok: redis.ok && planned.ok, checks: { redis, planned } };
    },
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
