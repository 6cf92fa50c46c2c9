// Every kind of lab service and the schema of its /lab/state, in one table: the typed LabClient, the
// controller's topology, the phase detectors, the timeline and the scenario loader all look a
// service's state up here by its kind (the compose label cascade-lab.kind, see chaos/topology.ts).
import type { z } from 'zod';
import { dnsServerStateSchema } from '../services/dns-server/state.js';
import { plannerStateSchema } from '../services/dns-planner/state.js';
import { enactorStateSchema } from '../services/dns-enactor/state.js';
import { kvStoreStateSchema } from '../services/kv-store/state.js';
import { launcherStateSchema } from '../services/launcher/state.js';
import { dropletStateSchema } from '../services/droplet/state.js';
import { nlbStateSchema } from '../services/nlb/state.js';
import { loadgenStateSchema } from '../loadgen/state.js';
import { faultProxyStateSchema } from './proxy/state.js';
import { controllerStateSchema } from './controller/state.js';

export const STATE_SCHEMAS = {
  'dns-server': dnsServerStateSchema,
  'dns-planner': plannerStateSchema,
  'dns-enactor': enactorStateSchema,
  'kv-store': kvStoreStateSchema,
  ec2: launcherStateSchema,
  droplet: dropletStateSchema,
  nlb: nlbStateSchema,
  loadgen: loadgenStateSchema,
  'fault-proxy': faultProxyStateSchema,
  controller: controllerStateSchema,
} as const;

export type ServiceKind = keyof typeof STATE_SCHEMAS;
export const SERVICE_KINDS = Object.keys(STATE_SCHEMAS) as ServiceKind[];
export type StateOf<K extends ServiceKind> = z.infer<(typeof STATE_SCHEMAS)[K]>;

export const isServiceKind = (value: string): value is ServiceKind => Object.hasOwn(STATE_SCHEMAS, value);

/**
 * The kinds whose time settings follow the lab clock (GET/PUT /lab/clock, `clock` in /lab/state; see
 * lib/timing.ts). The others keep real time: the DNS race is the trigger, kv and the loadgen serve at the
 * pace of their callers, except the kv store's modeled latency.
 */
export const TIMED_KINDS: readonly ServiceKind[] = ['ec2', 'droplet', 'nlb', 'kv-store'];
