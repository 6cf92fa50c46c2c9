// A run's timeline for its journal: the controller's own (GET /api/timeline for the run's window), or,
// from a controller too old to keep one, the same sampler run here through the controller's per-service
// routes. Neither can fail the run: without a timeline the report simply has no charts.
import type { Clock } from '../../lib/clock.js';
import { Timeline, type TimelineSample, type TimelineSources } from '../controller/timeline.js';
import { serviceState, type LabClient } from '../lab-client.js';

export interface RunTimeline {
  source: 'controller' | 'cli';
  /** The samples from the run's start until now; stops a local sampler. */
  finish(): Promise<TimelineSample[]>;
}

const KV_NAME = 'kv.us-east-1.lab.internal';

/** The sampler's sources through the controller's API, for a controller without /api/timeline. */
export function labSources(lab: Pick<LabClient, 'controller' | 'lookup' | 'status'>): TimelineSources {
  let names: Promise<string[]> | null = null;
  return {
    // Asked once: a status call checks every service's readiness, too heavy for every second.
    services: () => (names ??= lab.status().then((s) => s.services.map((x) => x.name))),
    state: async (name) => (await serviceState(lab, name)) ?? undefined,
    events: async (name, since) => (await lab.controller(`/api/services/${encodeURIComponent(name)}/events?since=${since}`)) as Awaited<ReturnType<TimelineSources['events']>>,
    kvAddresses: async () => (await lab.lookup(KV_NAME)).addresses.length,
  };
}

export async function startRunTimeline(lab: Pick<LabClient, 'controller' | 'lookup' | 'status'>, clock: Clock, t0: number, say: (line: string) => void): Promise<RunTimeline> {
  const window = `/api/timeline?since=${Math.max(0, Math.floor(t0) - 1000)}`;
  try {
    await lab.controller(`/api/timeline?since=${Math.floor(clock.now())}`);
    return {
      source: 'controller',
      finish: async () => {
        try {
          return ((await lab.controller(window)) as { samples?: TimelineSample[] } | null)?.samples ?? [];
        } catch (err) {
          say(`  no timeline from the controller: ${(err as Error).message}`);
          return [];
        }
      },
    };
  } catch (err) {
    say(`  the controller keeps no timeline (${(err as Error).message.slice(0, 80)}): sampling the lab from here`);
    const sampler = new Timeline(labSources(lab), clock, { intervalMs: 1000, capacity: 24 * 3600, timeoutMs: 900 });
    sampler.start();
    return {
      source: 'cli',
      finish: async () => {
        await sampler.stop();
        return sampler.samples;
      },
    };
  }
}
