// The lab's topology, written once: the compose labels on each service (cascade-lab.kind and
// cascade-lab.port in docker-compose.yml). The controller reads them from its project's containers
// through the Docker API (or, without the socket, from the compose file in its image); the scenario
// loader reads the same file. Roles are not written down at all: the NLB node that runs the health
// checks says so in its own state (isChecker), as its CHECKER_NODE setting decides.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isServiceKind, type ServiceKind } from './contracts.js';
import { projectRoot } from './compose.js';

export const KIND_LABEL = 'cascade-lab.kind';
export const PORT_LABEL = 'cascade-lab.port';

export interface LabService {
  /** The compose service name, which is also its host name on the lab network. */
  name: string;
  kind: ServiceKind;
  /** The port of its lab API (/healthz, /lab/state...). */
  port: number;
  url: string;
}

export const ROLES = ['nlb-checker'] as const;
export type Role = (typeof ROLES)[number];
/** The kind of service that plays each role. */
export const ROLE_KIND = { 'nlb-checker': 'nlb' } as const satisfies Record<Role, ServiceKind>;

export interface TopologyJson {
  services: LabService[];
  roles: Partial<Record<Role, string>>;
}

export class TopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyError';
  }
}

/** A service from its compose labels; null for a service without them (Redis). */
export function serviceFromLabels(name: string, labels: Record<string, string> | undefined): LabService | null {
  const kind = labels?.[KIND_LABEL];
  if (kind === undefined) return null;
  if (!isServiceKind(kind)) throw new TopologyError(`service ${name}: label ${KIND_LABEL}=${kind} is not a kind of lab service`);
  const port = Number(labels?.[PORT_LABEL]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new TopologyError(`service ${name}: label ${PORT_LABEL} must be a port, got ${JSON.stringify(labels?.[PORT_LABEL])}`);
  return { name, kind, port, url: `http://${name}:${port}` };
}

/**
 * A fixed list of services, `name=kind@url` separated by commas (LAB_SERVICES): for a controller outside
 * Docker, such as the dashboard benchmark's, whose services listen on loopback ports.
 */
export function servicesFromList(text: string): LabService[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^([A-Za-z0-9_.-]+)=([a-z0-9-]+)@(https?:\/\/[^\s,]+)$/.exec(item);
      if (!m) throw new TopologyError(`${JSON.stringify(item)}: expected name=kind@http://host:port`);
      const [, name, kind, url] = m as unknown as [string, string, string, string];
      if (!isServiceKind(kind)) throw new TopologyError(`service ${name}: ${kind} is not a kind of lab service`);
      const parsed = new URL(url);
      return { name, kind, port: Number(parsed.port || 80), url: parsed.origin };
    });
}

/** The services a compose file declares, from their labels (anchors and merge keys resolved). */
export function composeServices(file = join(projectRoot(), 'docker-compose.yml')): LabService[] {
  const doc = parse(readFileSync(file, 'utf8'), { merge: true }) as { services?: Record<string, { labels?: Record<string, string> | string[] }> };
  return Object.entries(doc.services ?? {})
    .map(([name, service]) => serviceFromLabels(name, labelMap(service.labels)))
    .filter((s): s is LabService => s !== null)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Compose accepts labels as a map or as a list of key=value. */
function labelMap(labels: Record<string, string> | string[] | undefined): Record<string, string> | undefined {
  if (!Array.isArray(labels)) return labels;
  return Object.fromEntries(labels.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

export class Topology {
  constructor(
    readonly services: LabService[],
    readonly roles: Partial<Record<Role, string>> = {},
  ) {}

  static from(json: TopologyJson): Topology {
    return new Topology(json.services, json.roles);
  }

  find(name: string): LabService | undefined {
    return this.services.find((s) => s.name === name);
  }

  ofKind(kind: ServiceKind): LabService[] {
    return this.services.filter((s) => s.kind === kind);
  }

  /** The one service of a kind (the launcher, the loadgen...); throws when there is none or several. */
  one(kind: ServiceKind): LabService {
    const found = this.ofKind(kind);
    if (found.length !== 1) throw new TopologyError(`expected one ${kind} service in the lab, found ${found.length}${found.length ? ` (${found.map((s) => s.name).join(', ')})` : ''}`);
    return found[0]!;
  }

  /** The service playing a role right now, if the lab has said. */
  byRole(role: Role): LabService | undefined {
    const name = this.roles[role];
    return name === undefined ? undefined : this.find(name);
  }

  toJSON(): TopologyJson {
    return { services: this.services, roles: this.roles };
  }
}

/**
 * Who plays each role, asked of the services themselves: the NLB node whose state says isChecker runs the
 * health checks. A node that cannot be asked keeps the role it had (`previous`).
 */
export async function resolveRoles(
  services: LabService[],
  isChecker: (service: LabService) => Promise<boolean | null>,
  previous: Partial<Record<Role, string>> = {},
): Promise<Partial<Record<Role, string>>> {
  const nlbs = services.filter((s) => s.kind === 'nlb');
  const answers = await Promise.all(nlbs.map((s) => isChecker(s).catch(() => null)));
  const checker = nlbs.find((_, i) => answers[i] === true);
  const stillKnown = previous['nlb-checker'] !== undefined && nlbs.some((s, i) => s.name === previous['nlb-checker'] && answers[i] !== false);
  const name = checker?.name ?? (stillKnown ? previous['nlb-checker'] : undefined);
  return name === undefined ? {} : { 'nlb-checker': name };
}

/** The lab services among a compose project's containers, from the same labels (one per service). */
export function servicesOfContainers(containers: { service: string; labels: Record<string, string> }[]): LabService[] {
  const byName = new Map<string, LabService>();
  for (const c of containers) {
    const service = serviceFromLabels(c.service, c.labels);
    if (service) byName.set(service.name, service);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
