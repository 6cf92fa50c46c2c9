// The fault catalogue: every fault the lab can inject, with a description and a parameter schema, in one
// list that the CLI (`cascade-lab fault kinds`), the controller (GET /api/faults/catalogue) and
// experiments (provider `fault`) all read. Toxics come from the fault proxy's own registry
// (chaos/proxy/toxics/, one file each); the controller's kinds are one file each in this folder.
import { z } from 'zod';
import '../proxy/toxics/index.js';
import { toxicDefinition, toxicTypes } from '../proxy/toxic.js';
import { badRequest } from '../../lib/errors.js';
import type { ControllerFaultKind, FaultKind, ProxyFaultKind } from './fault.js';
import { disconnect } from './disconnect.js';
import { heldToxic } from './held-toxic.js';
import { kill } from './kill.js';
import { pause } from './pause.js';
import { pauseLoop } from './pause-loop.js';
import { restart } from './restart.js';
import { slowHandler } from './slow-handler.js';
import { stop } from './stop.js';

/** UDP link faults are the proxy's UDP toxics under their own names (`udp-latency` is `latency` on a UDP link). */
const proxyKinds = (protocol: 'tcp' | 'udp'): ProxyFaultKind[] =>
  toxicTypes(protocol).map((type) => {
    const definition = toxicDefinition(type, protocol)!;
    return {
      kind: protocol === 'udp' ? `udp-${type}` : type,
      target: protocol === 'udp' ? 'udp-link' : 'tcp-link',
      injectedBy: 'fault-proxy',
      description: definition.description,
      params: (definition.attributes as z.ZodObject).strict() as z.ZodType<Record<string, unknown>>,
      toxicType: type,
      protocol,
    };
  });

export const CONTROLLER_KINDS: ControllerFaultKind[] = [kill, stop, pause, restart, disconnect, pauseLoop, slowHandler];

export const CATALOGUE: FaultKind[] = [...proxyKinds('tcp'), ...proxyKinds('udp'), ...CONTROLLER_KINDS];

/** The controller's fault kind of that name; undefined for another kind or a kind that no longer exists. */
export function controllerKind(kind: string): ControllerFaultKind | undefined {
  return CONTROLLER_KINDS.find((k) => k.kind === kind);
}

export function faultKind(kind: string): FaultKind {
  const found = CATALOGUE.find((k) => k.kind === kind);
  if (!found) throw badRequest(`unknown fault kind ${JSON.stringify(kind)}; known: ${CATALOGUE.map((k) => k.kind).join(', ')}`);
  return found;
}

const HELD_KINDS = new Map<string, ControllerFaultKind>(CATALOGUE.map((k) => [k.kind, k.injectedBy === 'controller' ? k : heldToxic(k)]));

/**
 * A kind as the controller holds it (HeldFaults): its own kinds as they are, toxics through held-toxic.ts;
 * undefined for a kind that does not exist (any more).
 */
export function heldKind(kind: string): ControllerFaultKind | undefined {
  return HELD_KINDS.get(kind);
}

/** Checks a fault's parameters against its kind; a 400 naming the parameter and what was expected. */
export function validParams(kind: FaultKind, params: unknown): Record<string, unknown> {
  const result = kind.params.safeParse(params ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length ? `parameter ${issue.path.join('.')}` : 'parameters';
  const message = issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}; known: ${Object.keys(jsonSchema(kind).properties ?? {}).join(', ') || 'none'}` : `${where}: ${issue.message}`;
  throw badRequest(`${kind.kind}: ${message}`);
}

interface ParamsSchema {
  type?: string;
  properties?: Record<string, { type?: string; default?: unknown; enum?: unknown[]; minimum?: number; maximum?: number }>;
  required?: string[];
}

const jsonSchema = (kind: FaultKind): ParamsSchema => {
  const { $schema: _, ...schema } = z.toJSONSchema(kind.params, { io: 'input', unrepresentable: 'any' });
  return schema as ParamsSchema;
};

/** The catalogue as JSON: what GET /api/faults/catalogue answers and `cascade-lab fault kinds` prints. */
export function catalogueJson() {
  return CATALOGUE.map((k) => ({
    kind: k.kind,
    target: k.target,
    injectedBy: k.injectedBy,
    description: k.description,
    ...(k.injectedBy === 'controller' && k.services ? { services: k.services.source } : {}),
    params: jsonSchema(k),
  }));
}

export type CatalogueEntry = ReturnType<typeof catalogueJson>[number];
