// dns-planner HTTP face: the standard lab endpoints plus `POST /v1/plans` to force a new generation.
import { z } from 'zod';
import { createLabApp, readinessOf, type LabApp } from '../../lib/http.js';
import { plannerStateSchema } from './state.js';
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

export function buildApp(deps: PlannerDeps): LabApp {
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
    stateSchema: plannerStateSchema,
    state: () => ({
      generation: planner.lastPlan?.generation ?? 0,
      lastPlan: planner.lastPlan,
      plansPublished: planner.plansPublished,
      probeRounds: planner.probeRounds,
      nodes: planner.reports,
    }),
  });

  app.post(
    '/v1/plans',
    { onRequest: app.requireAdmin, schema: { body: z.object({ reason: z.string().min(1).max(100).optional() }).strict().nullish() } },
    async (req) => {
      const plan = await planner.publish(req.body?.reason ?? 'operator');
      return { generation: plan.generation, plan };
    },
  );
  return app;
}
