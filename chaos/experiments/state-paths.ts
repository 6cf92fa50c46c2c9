// Checks a scenario's `state` probes against the services' state schemas when the file is loaded: the
// service must be one of the lab's (its compose labels give its kind), and the dotted path must name a
// field of that kind's /lab/state (chaos/contracts.ts). A misspelt path then fails with its line, instead
// of running and waiting for a value that never comes.
import type { z } from 'zod';
import { STATE_SCHEMAS, type ServiceKind } from '../contracts.js';
import { ROLE_KIND, type LabService, type Role } from '../topology.js';

export type PathCheck = { ok: true } | { ok: false; at: string; known: string[] };

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schemas a value of `schema` may be, with wrappers (optional, nullable, default, pipe) taken off and unions spread. */
function variants(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return variants(def.innerType);
  if (def.type === 'pipe' && def.out) return variants(def.out);
  if (def.type === 'union' && def.options) return def.options.flatMap(variants);
  return [schema];
}

/** Whether `path` (dotted, as a `state` probe writes it) names something inside a value of `schema`. */
export function checkPath(schema: z.ZodType, path: string): PathCheck {
  let current = variants(schema);
  const done: string[] = [];
  for (const key of path.split('.')) {
    const next: z.ZodType[] = [];
    const known = new Set<string>();
    for (const s of current) {
      const def = defOf(s);
      if (def.type === 'object' && def.shape) {
        Object.keys(def.shape).forEach((k) => known.add(k));
        if (Object.hasOwn(def.shape, key)) next.push(...variants(def.shape[key]!));
      } else if (def.type === 'record' && def.valueType) {
        next.push(...variants(def.valueType));
      } else if (def.type === 'array' && def.element && /^\d+$/.test(key)) {
        next.push(...variants(def.element));
      } else if (def.type === 'unknown' || def.type === 'any') {
        next.push(s);
      }
    }
    if (next.length === 0) return { ok: false, at: [...done, key].join('.'), known: [...known].sort() };
    done.push(key);
    current = next;
  }
  return { ok: true };
}

/** Why a `state` probe of `service` (or of the service playing `role`) at `path` cannot work in this lab, or null when it can. */
export function statePathProblem(services: LabService[], service: { name: string } | { role: Role }, path: string): string | null {
  let kind: ServiceKind;
  let what: string;
  if ('role' in service) {
    kind = ROLE_KIND[service.role];
    what = `the ${service.role}`;
  } else {
    const found = services.find((s) => s.name === service.name);
    if (!found) return `service ${JSON.stringify(service.name)} is not a service of the lab; known: ${services.map((s) => s.name).join(', ')}`;
    kind = found.kind;
    what = found.name;
  }
  const check = checkPath(STATE_SCHEMAS[kind], path);
  if (check.ok) return null;
  const parent = check.at.includes('.') ? check.at.slice(0, check.at.lastIndexOf('.')) : '';
  return `${what} (${kind}) has no state field ${check.at}${check.known.length ? `; ${parent ? `${parent} has` : 'its state has'}: ${check.known.join(', ')}` : ''}`;
}
