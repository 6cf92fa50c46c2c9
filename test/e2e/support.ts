// What the Docker tests share: a lab's DNS and APIs from the host, and the journal of a run as the
// cascade's checks read it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { lookupA } from '../../lib/dns-client.js';
import type { Journal } from '../../chaos/experiments/runner.js';
import { incidentFit } from '../../chaos/report/incident.js';
import { Compose } from '../../chaos/compose.js';

export const ENDPOINT = 'kv.us-east-1.lab.internal';
export const PHASE_ORDER = ['dns-empty', 'lease-collapse', 'propagation-backlog', 'nlb-flapping'];

/** One lab's host-side endpoints (its e2e environment: lab-cli.ts). */
export function hostApi(env: NodeJS.ProcessEnv) {
  const get = async (base: string, path: string) => {
    const res = await request(`${base}${path}`);
    return res.body.json() as Promise<Record<string, unknown>>;
  };
  const controllerUrl = `http://127.0.0.1:${env.LAB_CONTROLLER_PORT}`;
  return {
    lookup: () => lookupA(ENDPOINT, Number(env.LAB_DNS_PORT), '127.0.0.1', 2000),
    /** A controller read as JSON, without a token. */
    controller: (path: string) => get(controllerUrl, path),
    /** A controller read with these headers (a token, or none), as its status and body. */
    controllerAs: async (path: string, headers: Record<string, string>) => {
      const res = await request(`${controllerUrl}${path}`, { headers });
      return { status: res.statusCode, text: await res.body.text() };
    },
    /** Toxics on the lab's fault proxy right now. */
    activeToxics: async () => {
      const proxies = (await get(`http://127.0.0.1:${env.LAB_FAULT_API_PORT}`, '/proxies')) as Record<string, { toxics: unknown[] }>;
      return Object.values(proxies).reduce((n, p) => n + p.toxics.length, 0);
    },
  };
}

/** The id of a service's one container in a lab (its e2e environment), running or not, by its compose labels. */
export async function containerOf(env: NodeJS.ProcessEnv, service: string): Promise<string> {
  const [id] = await new Compose({ project: env.COMPOSE_PROJECT_NAME, env }).containers(service, { all: true });
  assert.ok(id, `no container for ${service}`);
  return id;
}

export const journalIn = (dir: string) => JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8')) as Journal;
export const firstStart = (j: Journal, name: string) => Math.min(...j.phases.filter((p) => p.name === name).map((p) => p.start));
export const lastEnd = (j: Journal, name: string) => Math.max(...j.phases.filter((p) => p.name === name).map((p) => p.end));

export function method(j: Journal, name: string) {
  const a = j.activities.find((x) => x.phase === 'method' && x.name === name);
  assert.ok(a, `no ${name} in the journal`);
  return a;
}

/** Which of the trigger's conditions ended the wait for the race: 0 the endpoint emptied, 1 the fixed enactor refused a stale plan. */
export function raceCondition(j: Journal): number | undefined {
  const race = j.activities.find((a) => a.name === 'wait-for-the-race' && a.ok);
  return (race?.output as { condition?: number } | undefined)?.condition;
}

/** The run against AWS's timeline (IoU per phase, customers per window), for the assertions and their messages. */
export function fitOf(j: Journal) {
  const fit = incidentFit(j);
  const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)} %`);
  const summary = `phases ${JSON.stringify(j.phases.map((p) => [p.name, p.start, p.end]))}; raceAt ${fit.raceAt}; IoU ${JSON.stringify(fit.iou)}; customers before ${pct(fit.customers.before)}, kv empty ${pct(fit.customers.dnsEmpty)}, NLB window ${pct(fit.customers.nlbWindow)}, failover off ${pct(fit.customers.afterFailoverOff)}; NLB window lost to capacity removed ${pct(fit.nlbWindowFailures.capacity)}, to targets ${pct(fit.nlbWindowFailures.targetErrors)}`;
  return { ...fit, summary };
}
