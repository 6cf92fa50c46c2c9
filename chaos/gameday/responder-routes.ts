// The responders' API, /api/responders/..., behind their own token: the live stream through their view
// (symptoms only, responders-view.ts), the game as they may know it, each service's state, the
// services' log lines, a DNS lookup at the lab's DNS server, the runbook; and what they do: declare the
// incident, record hypotheses, take runbook actions, each journaled with its time and who. Reads also
// answer the admin token (the facilitator may look over their shoulder); the responders' actions answer
// only theirs. No token: 401. Every body and query is checked (400 with a message).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { lookup } from '../../lib/dns-client.js';
import { forbidden, LabError, notFound } from '../../lib/errors.js';
import type { AdminGuard, LabApp } from '../../lib/http.js';
import { stateEnvelope } from '../../lib/contract.js';
import { mergeByTime, type ContainerLogs } from '../controller/container-logs.js';
import { streamLive, type LiveFeed } from '../controller/live.js';
import { RUNBOOK_HELP } from '../controller/runbook.js';
import type { ServiceDirectory } from '../controller/services.js';
import type { LabService } from '../topology.js';
import {
  actionSchema,
  declareSchema,
  dnsAnswerSchema,
  dnsQuerySchema,
  gameEntrySchema,
  hypothesisSchema,
  logLineSchema,
  logsQuerySchema,
  RESPONDER_ACTIONS,
  respondersGameSchema,
  type LogLine,
} from './contract.js';
import type { GameManager } from './game.js';
import { BACKSTAGE_KINDS, redactState, respondersView } from './responders-view.js';

export interface ResponderDeps {
  games: GameManager;
  live: LiveFeed;
  directory: Pick<ServiceDirectory, 'topology' | 'get' | 'services'>;
  logs: ContainerLogs;
  /** The lab's DNS server. */
  dns: { host: string; port: number };
  repairs: Record<string, unknown>;
}

const respondersUnauthorized = () =>
  new LabError('LAB_ERR_UNAUTHORIZED', 401, "missing or wrong responders' token (Authorization: Bearer <the token the facilitator gave the responders>)");

const bearer = (req: FastifyRequest) => {
  const header = req.headers.authorization ?? '';
  return Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
};

/** How long the page waits for the lab's DNS server. */
const DNS_TIMEOUT_MS = 2000;

export function registerResponderRoutes(app: LabApp, deps: ResponderDeps): void {
  const { games, directory } = deps;
  /** The responders' token, or the admin's. */
  const reader: AdminGuard = async (req, reply) => {
    if (games.isResponders(bearer(req))) return;
    await app.requireAdmin(req, reply).catch(() => {
      throw respondersUnauthorized();
    });
  };
  /** The responders' token only: the facilitator does not play. */
  const player: AdminGuard = async (req, reply) => {
    if (games.isResponders(bearer(req))) return;
    const admin = await app.requireAdmin(req, reply).then(
      () => true,
      () => false,
    );
    if (admin) throw forbidden("the admin token does not play: these are the responders' actions (the facilitator's runbook is POST /api/repair)");
    throw respondersUnauthorized();
  };
  const read = { onRequest: reader };
  const play = { onRequest: player };

  /** The services the responders may see: every lab service but the chaos machinery. */
  const visible = async (): Promise<LabService[]> => (await directory.topology()).services.filter((s) => !BACKSTAGE_KINDS.includes(s.kind));
  const service = async (name: string) => {
    const all = await visible();
    const found = all.find((s) => s.name === name);
    if (!found) throw notFound(`no lab service ${JSON.stringify(name)}; known: ${all.map((s) => s.name).join(', ')}`);
    return found;
  };
  const view = respondersView({
    services: () => new Set(directory.services.filter((s) => BACKSTAGE_KINDS.includes(s.kind)).map((s) => s.name)),
    words: () => games.hiddenWords(),
  });

  /** 200 with the responders' (or the admin) token, 401 otherwise: how the page tells whether the token is right. */
  app.get('/api/responders/check', { ...read, schema: { response: { 200: z.object({ team: z.string().nullable(), role: z.enum(['responder', 'facilitator']) }) } } }, async (req) => ({
    team: games.info()?.team ?? null,
    role: games.isResponders(bearer(req)) ? ('responder' as const) : ('facilitator' as const),
  }));

  app.get('/api/responders/live', read, async (req, reply) => streamLive(deps.live, view, req, reply));

  app.get('/api/responders/game', { ...read, schema: { response: { 200: respondersGameSchema } } }, async () => games.respondersInfo());

  const stateAnswer = stateEnvelope(z.unknown());
  app.get('/api/responders/services/:name/state', { ...read, schema: { params: z.object({ name: z.string().min(1).max(100) }) } }, async (req) => {
    const ref = await service(req.params.name);
    const res = await directory.get(ref, '/lab/state').catch((err: Error) => {
      throw new LabError('LAB_ERR_UNREACHABLE', 502, `${ref.name} did not answer: ${err.message}`);
    });
    const parsed = stateAnswer.safeParse(res.body);
    if (res.status !== 200 || !parsed.success) throw new LabError('LAB_ERR_UNREACHABLE', 502, `${ref.name} answered /lab/state with ${res.status}`);
    return { service: ref.name, kind: ref.kind, time: parsed.data.time, state: redactState(ref.kind, parsed.data.state) };
  });

  app.get('/api/responders/logs', { ...read, schema: { querystring: logsQuerySchema, response: { 200: z.object({ lines: z.array(logLineSchema) }) } } }, async (req) => {
    const { tail } = req.query;
    const services = req.query.service ? [await service(req.query.service)] : await visible();
    const each = await Promise.all(services.map((s) => deps.logs.recent(s.name, tail).catch((err: unknown) => (services.length === 1 ? Promise.reject(err) : ([] as LogLine[])))));
    return { lines: mergeByTime(each).slice(-tail) };
  });

  app.get('/api/responders/dns', { ...read, schema: { querystring: dnsQuerySchema, response: { 200: dnsAnswerSchema } } }, async (req) => {
    const { name, type } = req.query;
    const started = Date.now();
    try {
      const answer = await lookup(name, type, deps.dns.port, deps.dns.host, DNS_TIMEOUT_MS);
      return {
        name,
        type,
        rcode: answer.rcodeName,
        answers: answer.answers,
        authority: answer.authority,
        nodata: answer.rcodeName === 'NOERROR' && answer.answers.length === 0,
        ms: Date.now() - started,
      };
    } catch (err) {
      throw new LabError('LAB_ERR_DNS', 502, `the lab's DNS server did not answer ${type} ${name}: ${(err as Error).message}`);
    }
  });

  app.get('/api/responders/runbook', { ...read, schema: { response: { 200: z.array(z.object({ action: z.string(), help: z.string() })) } } }, async () =>
    RESPONDER_ACTIONS.filter((a) => a in deps.repairs).map((action) => ({ action, help: RUNBOOK_HELP[action] ?? action })),
  );

  app.post('/api/responders/declare', { ...play, schema: { body: declareSchema, response: { 201: gameEntrySchema } } }, async (req, reply) =>
    reply.status(201).send(games.declare(req.body.by, req.body.summary)),
  );

  app.post('/api/responders/hypotheses', { ...play, schema: { body: hypothesisSchema, response: { 201: gameEntrySchema } } }, async (req, reply) => {
    const suspect = req.body.service ? (await service(req.body.service).catch((err: LabError) => Promise.reject(new LabError('LAB_ERR_BAD_REQUEST', 400, `service: ${err.message}`)))).name : null;
    return reply.status(201).send(games.hypothesis(req.body.by, req.body.text, suspect));
  });

  app.post('/api/responders/actions', { ...play, schema: { body: actionSchema, response: { 200: z.object({ entry: gameEntrySchema, result: z.unknown() }) } } }, async (req) =>
    games.action(req.body.by, req.body.action),
  );
}
