// nlb HTTP face (admin port): the standard lab endpoints plus
//   GET  /v1/node                 -> {id, address, trafficPort, checker}   (what node health checks ask)
//   GET  /v1/targets              -> {checker, targets: [{id, az, host, port, inService, ...}]}
//   POST /v1/operator/failover    {enabled: boolean} -> {enabled}   (health-checker node only; admin token)
// Customer traffic goes to the traffic port (forwarder.ts), not here.
import { z } from 'zod';
import { conflict } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import { createLabApp, type LabApp, type Readiness } from '../../lib/http.js';
import type { ClockedView } from '../../lib/timing.js';
import { nlbStateSchema, nodeInfoSchema, targetsResponseSchema, type NlbState } from './state.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/metrics.js';
import type { CheckerView } from './checker-view.js';
import type { Forwarder } from './forwarder.js';
import type { HealthChecker } from './health-checks.js';
import type { AppEndpoint } from './app-endpoint.js';

export interface NlbDeps {
  nodeId: string;
  address: string;
  trafficPort: number;
  checkerId: string;
  /** The nlb-velocity fix at start (FIX_NLB_VELOCITY); PUT /lab/fix switches it. Only the checker acts on it. */
  fix: boolean;
  /** Present on the health-checker node. */
  checker?: { health: HealthChecker; endpoint: AppEndpoint; pingDns: () => Promise<unknown> };
  /** Present on the other nodes. */
  view?: CheckerView;
  forwarder: Forwarder;
  /** Data older than this is not ready (targets from the launcher, or the checker's view). */
  staleAfterMs: number | (() => number);
  now: () => number;
  trafficListening: () => boolean;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
  /** The health checks' time settings, which follow the lab clock (PUT /lab/clock). */
  timing?: ClockedView;
}

export function buildApp(deps: NlbDeps): LabApp {
  const { checker, view } = deps;
  const staleAfter = () => (typeof deps.staleAfterMs === 'function' ? deps.staleAfterMs() : deps.staleAfterMs);
  const fresh = (at: number | null) => at !== null && deps.now() - at <= staleAfter();

  const ready = async (): Promise<Readiness> => {
    const traffic = { ok: deps.trafficListening(), detail: `traffic port ${deps.trafficPort}` };
    if (checker) {
      const targets = { ok: fresh(checker.health.lastTargetRefresh), detail: 'targets from the launcher' };
      const dnsApi = await checker.pingDns().then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, detail: err.message }),
      );
      return { ok: traffic.ok && targets.ok && dnsApi.ok, checks: { traffic, targets, dnsApi } };
    }
    const checkerView = { ok: fresh(view?.lastUpdate ?? null), detail: view?.lastError ?? `view of health checker ${deps.checkerId}` };
    return { ok: traffic.ok && checkerView.ok, checks: { traffic, checkerView } };
  };

  // The checker's own options hold its switch; another node only tells what it was told.
  let fixOn = deps.fix;
  const fix = {
    name: 'nlb-velocity' as const,
    on: () => (checker ? checker.health.opts.fix : fixOn),
    set: (on: boolean) => {
      if (checker) checker.health.opts.fix = on;
      fixOn = on;
    },
  };

  const state = (): NlbState => {
    const base = { node: deps.nodeId, address: deps.address, checker: deps.checkerId, fix: fix.on(), traffic: deps.forwarder.stats };
    if (!checker) {
      return {
        ...base,
        isChecker: false,
        inService: view?.inService().length ?? 0,
        viewAgeMs: view?.lastUpdate == null ? null : deps.now() - view.lastUpdate,
        viewError: view?.lastError ?? null,
      };
    }
    const h = checker.health;
    const capacity = h.capacity();
    const last = h.history.at(-1) ?? null;
    return {
      ...base,
      isChecker: true,
      failoverEnabled: h.failoverEnabled,
      targetsByAz: capacity,
      healthyCapacity: Object.values(capacity).reduce((sum, az) => sum + az.inService, 0),
      dnsWeights: checker.endpoint.weights(),
      nodes: h.nodeTable().map((n) => ({ id: n.peer.id, address: n.address, healthy: n.healthy, last: n.last })),
      flaps: h.totals.flaps,
      totals: h.totals,
      lastRound: last,
      rounds: h.history.map((r) => ({ round: r.round, durationMs: r.durationMs, stateChanges: r.stateChanges, capacityRemoved: r.capacityRemoved, dnsWeightRemoved: r.dnsWeightRemoved, lateChecks: r.lateChecks, removedShare: r.removedShare })),
      lastError: h.lastError,
    };
  };

  const app = createLabApp({ service: `nlb/${deps.nodeId}`, log: deps.log, adminToken: deps.adminToken, registry: deps.registry, events: deps.events, ready, timing: deps.timing, fix, stateSchema: nlbStateSchema, state });

  app.get('/v1/node', { schema: { response: { 200: nodeInfoSchema } } }, async () => ({ id: deps.nodeId, address: deps.address, trafficPort: deps.trafficPort, checker: !!checker }));

  app.get('/v1/targets', { schema: { response: { 200: targetsResponseSchema } } }, async () => {
    if (!checker) return { checker: deps.checkerId, targets: (view?.inService() ?? []).map((t) => ({ ...t, inService: true })) };
    return {
      checker: deps.nodeId,
      round: checker.health.history.at(-1)?.round ?? 0,
      targets: checker.health.targetTable().map((t) => ({ ...t.target, inService: t.inService, fails: t.fails, passes: t.passes, flips: t.flips, last: t.last })),
    };
  });

  app.post(
    '/v1/operator/failover',
    { onRequest: app.requireAdmin, schema: { body: z.object({ enabled: z.boolean() }).strict() } },
    async (req) => {
      if (!checker) throw conflict(`node ${deps.nodeId} does not run the health checks; ask node ${deps.checkerId}`, { checker: deps.checkerId });
      checker.health.setFailover(req.body.enabled);
      return { enabled: checker.health.failoverEnabled };
    },
  );

  return app;
}
