// The dns-server's HTTP face: the shared lab endpoints plus a Route 53-like control API
// (POST /v1/changes, GET /v1/records, GET /v1/resolve). buildApp() never listens; tests use inject().
import { z } from 'zod';
import type { Logger } from 'pino';
import { badRequest, LabError } from '../../lib/errors.js';
import { EventLog } from '../../lib/events.js';
import { createLabApp, type LabApp, type Readiness } from '../../lib/http.js';
import { dnsServerStateSchema, type DnsServerState } from './state.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry, type Registry } from '../../lib/metrics.js';
import type { Random } from '../../lib/random.js';
import { buildQuery, parseMessage, queryUdp } from '../../lib/dns-client.js';
import { registerDnsMetrics } from './metrics.js';
import { isValidName, normaliseName, RECORD_TYPES, type ZoneRecord } from './record.js';
import { pick, QTYPE, RCODE, RCODE_NAME, resolve, type Answer } from './resolve.js';
import type { Answerer } from './wire.js';
import type { Change, Zone } from './zone.js';

export interface AppDeps {
  zone: Zone;
  answerer: Answerer;
  adminToken: string;
  /** Weighted choices of GET /v1/resolve (a stream of its own, so it does not shift the DNS answers). */
  random: Random;
  log?: Logger;
  registry?: Registry;
  events?: EventLog;
  /** Where the UDP listener answers, for /readyz; null while it is not listening. */
  dnsEndpoint?: () => { host: string; port: number } | null;
}

const MAX_CHANGES = 1000;

const name = z.string().min(1).max(255);
export const changeSchema = z
  .object({
    action: z.enum(['CREATE', 'DELETE', 'UPSERT']),
    name,
    type: z.enum(RECORD_TYPES),
    ttl: z.number().int().min(0).max(86400).optional(),
    values: z.array(z.string().max(255)).min(1).max(100).optional(),
    target: name.optional(),
    setId: z.string().min(1).max(128).optional(),
    weight: z.number().int().min(0).max(255).optional(),
  })
  .strict();
const changesSchema = z.object({ comment: z.string().max(1024).optional(), changes: z.array(changeSchema).min(1).max(MAX_CHANGES) }).strict();
const recordsQuery = z.object({ name: z.string().max(255).optional(), suffix: z.string().max(255).optional() }).strict();

const QUERY_TYPES = { A: QTYPE.A, AAAA: QTYPE.AAAA, TXT: QTYPE.TXT, SOA: QTYPE.SOA, NS: QTYPE.NS } as const;
const resolveQuery = z.object({ name, type: z.enum(['A', 'AAAA', 'TXT', 'SOA', 'NS']).optional() }).strict();

export function buildApp(deps: AppDeps): LabApp {
  const { zone } = deps;
  const registry = deps.registry ?? createRegistry('dns-server', false);
  const events = deps.events ?? new EventLog();
  const metrics = registerDnsMetrics(registry, zone, deps.answerer.stats);
  const app = createLabApp({
    service: 'dns-server',
    log: deps.log ?? silentLogger(),
    adminToken: deps.adminToken,
    registry,
    events,
    ready: () => probe(zone, deps.dnsEndpoint?.() ?? null),
    stateSchema: dnsServerStateSchema,
    state: () => labState(zone),
  });

  app.post(
    '/v1/changes',
    // onRequest, not preHandler: the token is checked before the body is parsed or validated.
    { onRequest: app.requireAdmin, schema: { body: changesSchema } },
    async (req) => {
      try {
        const result = zone.apply(req.body.changes as Change[]);
        metrics.batches.inc({ result: 'applied' });
        events.emit('changes-applied', { serial: result.serial, count: result.applied, names: result.names, comment: req.body.comment });
        return { applied: result.applied, serial: result.serial };
      } catch (err) {
        if (err instanceof LabError) {
          metrics.batches.inc({ result: 'rejected' });
          events.emit('changes-rejected', { code: err.code, message: err.message, comment: req.body.comment });
        }
        throw err;
      }
    },
  );

  app.get(
    '/v1/records',
    { schema: { querystring: recordsQuery } },
    async (req) => {
      const { name, suffix } = req.query;
      const records = zone.list({
        name: name === undefined ? undefined : normaliseName(name),
        suffix: suffix === undefined ? undefined : normaliseName(suffix),
      });
      return { serial: zone.serial, records: records.map(toJson) };
    },
  );

  app.get(
    '/v1/resolve',
    { schema: { querystring: resolveQuery } },
    async (req) => {
      const name = normaliseName(req.query.name);
      if (!isValidName(name)) throw badRequest(`${JSON.stringify(req.query.name)} is not a valid DNS name`);
      const type = req.query.type ?? 'A';
      const resolution = resolve(zone, name, QUERY_TYPES[type]);
      const answers = pick(resolution, deps.random).answers;
      const negative = answers.length === 0 && resolution.rcode !== RCODE.REFUSED;
      return {
        name,
        type,
        rcode: RCODE_NAME[resolution.rcode],
        answers: answers.map((a) => answerJson(name, a)),
        authority: negative ? [answerJson(zone.origin, { type: QTYPE.SOA, ttl: zone.negativeTtl, soa: zone.soa() })] : [],
      };
    },
  );

  return app;
}

function toJson(r: ZoneRecord): Record<string, unknown> {
  return { name: r.name, type: r.type, ttl: r.ttl, values: r.values, target: r.target, setId: r.setId, weight: r.weight };
}

function answerJson(owner: string, a: Answer): Record<string, unknown> {
  const type = a.type === QTYPE.SOA ? 'SOA' : a.type === QTYPE.NS ? 'NS' : a.type === QTYPE.TXT ? 'TXT' : a.type === QTYPE.A ? 'A' : 'AAAA';
  const value = 'address' in a ? a.address : 'text' in a ? a.text : 'host' in a ? a.host : `${a.soa.primary} ${a.soa.admin} ${a.soa.serial}`;
  return { name: owner, type, ttl: a.ttl, value };
}

/** Readiness means our own UDP listener answers a real query for the zone's SOA. */
async function probe(zone: Zone, endpoint: { host: string; port: number } | null): Promise<Readiness> {
  if (!endpoint) return { ok: false, checks: { dns: { ok: false, detail: 'UDP listener not started' } } };
  const host = endpoint.host === '0.0.0.0' ? '127.0.0.1' : endpoint.host === '::' ? '::1' : endpoint.host;
  try {
    const reply = parseMessage(await queryUdp(buildQuery(zone.origin, QTYPE.SOA), endpoint.port, host, 1000));
    const ok = reply.header.rcode === RCODE.NOERROR && reply.answers.some((a) => a.type === QTYPE.SOA);
    return { ok, checks: { dns: { ok, detail: `SOA ${zone.origin} via udp ${host}:${endpoint.port}: ${RCODE_NAME[reply.header.rcode]}` } } };
  } catch (err) {
    return { ok: false, checks: { dns: { ok: false, detail: (err as Error).message } } };
  }
}

function labState(zone: Zone): DnsServerState {
  const aliases = zone
    .list()
    .filter((r) => r.type === 'ALIAS')
    .map((r) => {
      const addresses = new Set<string>();
      for (const qtype of [QTYPE.A, QTYPE.AAAA]) {
        for (const variant of resolve(zone, r.target!, qtype).variants) {
          for (const a of variant.answers) if ('address' in a) addresses.add(a.address);
        }
      }
      return { name: r.name, target: r.target!, setId: r.setId, weight: r.weight, addresses: addresses.size };
    });
  return { zone: zone.origin, serial: zone.serial, records: zone.size, aliases };
}
