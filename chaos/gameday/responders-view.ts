// What a game day's responders may see: symptoms only. The live stream through this view keeps the
// charts, every lab service's readiness, what the endpoints resolve to and the services' events, and
// drops the faults, the run (scenario, phases, steps, progress lines), the chaos machinery itself (the
// controller and the fault proxy: their events are the faults), the events that are a fault hook's
// doing (a kv node told to be slow, an enactor paused), and any event that names something of the
// game's script. The same rules serve the responders' state and log views.
import type { ServiceKind } from '../contracts.js';
import type { LiveFrame, LiveHello, LiveTopology } from '../controller/contract.js';
import type { LiveView } from '../controller/live.js';
import type { TimelineEvent } from '../controller/timeline.js';

/** The lab's chaos machinery, not the system under test: never shown to the responders. */
export const BACKSTAGE_KINDS: readonly ServiceKind[] = ['controller', 'fault-proxy'];

/** Events that are a fault hook's doing (chaos/faults/slow-handler.ts, pause-loop.ts; the loadgen paused by hand). */
export const FAULT_HOOK_EVENTS: ReadonlySet<string> = new Set(['slowed', 'paused', 'resumed']);

/** Fields of a service's /lab/state that are a fault hook's setting, by kind. */
export const FAULT_HOOK_FIELDS: Partial<Record<ServiceKind, readonly string[]>> = { 'kv-store': ['slowByMs'], 'dns-enactor': ['paused'], loadgen: ['paused'] };

export interface Backstage {
  /** The services the responders never see, by name. */
  services(): ReadonlySet<string>;
  /** Words that would give the game away: the scenario's name and title, the phases, its steps, the faults' ids. */
  words(): readonly string[];
}

/** Frames and `hello` as the responders get them. */
export type RespondersFrame = Omit<LiveFrame, 'faults' | 'run'>;
export type RespondersHello = Omit<LiveHello, 'frame'> & { frame: RespondersFrame | null };

/** Whether an event may be shown to the responders. */
export function visibleEvent(event: TimelineEvent, hidden: ReadonlySet<string>, words: readonly string[]): boolean {
  if (hidden.has(event.service) || FAULT_HOOK_EVENTS.has(event.type)) return false;
  const text = JSON.stringify(event);
  return !words.some((w) => text.includes(w));
}

/** A service's state without the fault hooks' settings. */
export function redactState(kind: ServiceKind, state: unknown): unknown {
  const fields = FAULT_HOOK_FIELDS[kind];
  if (!fields || !state || typeof state !== 'object') return state;
  return Object.fromEntries(Object.entries(state).filter(([key]) => !fields.includes(key)));
}

export function respondersTopology(topology: LiveTopology, hidden: ReadonlySet<string>): LiveTopology {
  return { ...topology, services: topology.services.filter((s) => !hidden.has(s.name)) };
}

export function respondersView(backstage: Backstage): LiveView {
  const frame = (f: LiveFrame): RespondersFrame => {
    const hidden = backstage.services();
    const words = backstage.words();
    const events = f.events.filter((e) => visibleEvent(e, hidden, words));
    return {
      seq: f.seq,
      t: f.t,
      points: f.points,
      services: Object.fromEntries(Object.entries(f.services).filter(([name]) => !hidden.has(name))),
      endpoints: f.endpoints,
      events,
      ...(f.eventsDropped ? { eventsDropped: f.eventsDropped } : {}),
      ...(f.topology ? { topology: respondersTopology(f.topology, hidden) } : {}),
    };
  };
  return {
    frame,
    hello: (h: LiveHello): RespondersHello => {
      const hidden = backstage.services();
      const words = backstage.words();
      return {
        t: h.t,
        intervalMs: h.intervalMs,
        windowMs: h.windowMs,
        heartbeatMs: h.heartbeatMs,
        series: h.series,
        topology: h.topology ? respondersTopology(h.topology, hidden) : null,
        history: h.history,
        events: h.events.filter((e) => visibleEvent(e, hidden, words)),
        frame: h.frame ? frame(h.frame) : null,
      };
    },
  };
}
