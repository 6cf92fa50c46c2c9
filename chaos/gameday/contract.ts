// A game day's API and journal as zod schemas, written once: the facilitator's routes (/api/gameday),
// the responders' (/api/responders), the journal's `game` block and chaos/lab-client.ts all use them.
// The responders' token is in none of them but the start's answer, which the facilitator gets once.
import { z } from 'zod';
import { labClockSchema, runInfoSchema, scenarioNameSchema } from '../controller/contract.js';

/** The runbook actions the responders may take (chaos/controller/runbook.ts, repair.ts). */
export const RESPONDER_ACTIONS = ['dns', 'throttle', 'unthrottle', 'restart-dwfm', 'failover-off', 'failover-on'] as const;
export type ResponderAction = (typeof RESPONDER_ACTIONS)[number];

/** A game day's default pace: one AWS hour in a lab minute, so 20 October plays in about fifteen minutes. */
export const GAME_CLOCK = '1h=60s';
export const DEFAULT_TEAM = 'the responders';

/** Who did something, as the responder typed it on their page. */
export const responderNameSchema = z
  .string()
  .trim()
  .min(1, 'a name (who you are)')
  .max(40, 'a name of at most 40 characters')
  .regex(/^[\p{L}\p{N} ._'-]+$/u, "a name of letters, digits, spaces and . _ ' -");

const text = (max: number, what: string) => z.string().trim().min(1, `${what} (not empty)`).max(max, `${what} of at most ${max} characters`);

/** POST /api/gameday: a shipped scenario, its clock (a game day's 1h=60s by default), the team's name. */
export const gameStartSchema = z
  .object({
    scenario: scenarioNameSchema,
    clock: labClockSchema.default(GAME_CLOCK),
    team: text(60, 'a team name').default(DEFAULT_TEAM),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  })
  .strict();
export type GameStart = z.input<typeof gameStartSchema>;

export const declareSchema = z.object({ by: responderNameSchema, summary: text(500, 'what you see') }).strict();
export const hypothesisSchema = z
  .object({ by: responderNameSchema, text: text(1000, 'a hypothesis'), service: z.string().min(1).max(100).nullish() })
  .strict();
export const actionSchema = z.object({ by: responderNameSchema, action: z.enum(RESPONDER_ACTIONS) }).strict();

const entryBase = {
  id: z.string(),
  /** ms epoch */
  at: z.number(),
  /** ms from the run's start: the report's time axis. */
  t: z.number(),
  by: z.string(),
  role: z.enum(['responder', 'facilitator']),
};

/** Everything the responders (and the facilitator, for their own runbook actions) did, in order. */
export const gameEntrySchema = z.discriminatedUnion('kind', [
  z.object({ ...entryBase, kind: z.literal('declare'), summary: z.string() }),
  z.object({ ...entryBase, kind: z.literal('hypothesis'), text: z.string(), service: z.string().nullable() }),
  z.object({ ...entryBase, kind: z.literal('action'), action: z.string(), ok: z.boolean(), result: z.string().optional(), error: z.string().optional() }),
]);
export type GameEntry = z.infer<typeof gameEntrySchema>;

/** A fault the facilitator added during the game (the controller held it), revealed after the game. */
export const gameFaultSchema = z.object({ id: z.string(), kind: z.string(), target: z.string(), params: z.record(z.string(), z.unknown()), start: z.number(), end: z.number().nullable() });
export type GameFault = z.infer<typeof gameFaultSchema>;

/** A stretch the facilitator paused, ms from the run's start. */
export const pauseSchema = z.object({ start: z.number(), end: z.number().nullable() });

/** A moment of the game: ms from the run's start, lab ms since the trigger fired (pauses left out), and that in AWS hours. */
export const momentSchema = z.object({ t: z.number(), sinceTrigger: z.number(), awsHours: z.number() });
export type Moment = z.infer<typeof momentSchema>;

export const VERDICTS = ['needed', 'not-needed', 'too-early', 'failed', 'unknown'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const MILESTONES = ['root-cause', 'dns-restored', 'dwfm-restarted', 'failover-disabled', 'mitigated'] as const;
export type MilestoneName = (typeof MILESTONES)[number];

export const gameScoreSchema = z.object({
  slo: z.number(),
  /** How long success had to hold at or above the SLO, lab ms. */
  holdMs: z.number(),
  /** When the trigger fired (the race), ms from the run's start. */
  triggerAt: z.number(),
  firstImpact: momentSchema.nullable(),
  detected: momentSchema.extend({ by: z.string() }).nullable(),
  /** Lab ms from the first impact to the declaration (negative: declared before customers felt it). */
  timeToDetect: z.number().nullable(),
  rootCause: momentSchema.extend({ by: z.string(), entry: z.string() }).nullable(),
  mitigated: momentSchema.nullable(),
  /** Lab ms from the first impact to the mitigation. */
  timeToMitigate: z.number().nullable(),
  errorBudget: z.object({ requests: z.number(), failed: z.number(), allowed: z.number(), burned: z.number().nullable() }),
  /** Side by side with AWS's operators, in AWS hours since the race. */
  milestones: z.array(
    z.object({ name: z.enum(MILESTONES), label: z.string(), awsHours: z.number(), team: momentSchema.nullable(), by: z.string().nullable(), sentence: z.string() }),
  ),
  actions: z.array(z.object({ entry: z.string(), action: z.string(), by: z.string(), t: z.number(), verdict: z.enum(VERDICTS), why: z.string() })),
  /** The score in a few sentences, for the page, the CLI and the review. */
  summary: z.array(z.string()),
});
export type GameScore = z.infer<typeof gameScoreSchema>;

/** The journal's `game` block, written when the game ends. */
export const gameJournalSchema = z.object({
  team: z.string(),
  /** ms epoch */
  startedAt: z.number(),
  endedAt: z.number(),
  /** Why it ended: the facilitator, the scenario's schedule, an emergency stop... */
  ending: z.string(),
  pauses: z.array(pauseSchema),
  entries: z.array(gameEntrySchema),
  faults: z.array(gameFaultSchema),
  score: gameScoreSchema,
});
export type GameJournal = z.infer<typeof gameJournalSchema>;

export const GAME_STATES = ['running', 'paused', 'ending', 'ended'] as const;
export type GameState = (typeof GAME_STATES)[number];

/** GET /api/gameday: the game going on or the last one, as the facilitator sees it (everything but the token). */
export const gameInfoSchema = z.object({
  id: z.string(),
  team: z.string(),
  scenario: z.string(),
  clock: z.string(),
  state: z.enum(GAME_STATES),
  startedAt: z.number(),
  /** Lab ms since the start, pauses left out. */
  elapsedMs: z.number(),
  /** The scenario allows a pause right now. */
  pausable: z.boolean(),
  pauses: z.array(pauseSchema),
  entries: z.array(gameEntrySchema),
  faults: z.array(gameFaultSchema),
  run: runInfoSchema.nullable(),
  score: gameScoreSchema.nullable(),
  ending: z.string().nullable(),
});
export type GameInfo = z.infer<typeof gameInfoSchema>;

/** POST /api/gameday's answer: the only place the responders' token is ever shown. */
export const gameStartedSchema = z.object({ game: gameInfoSchema, responders: z.object({ path: z.string(), token: z.string() }) });

/** GET /api/responders/game: what the responders may know of the game: no scenario, no fault, no phase. */
export const respondersGameSchema = z.object({
  team: z.string(),
  state: z.enum(GAME_STATES),
  startedAt: z.number(),
  elapsedMs: z.number(),
  declared: z.boolean(),
  entries: z.array(gameEntrySchema),
  /** Once the game is over: the score, and where the report and the review draft are. */
  score: gameScoreSchema.nullable(),
  report: z.object({ html: z.string(), journal: z.string(), review: z.string() }).nullable(),
});
export type RespondersGame = z.infer<typeof respondersGameSchema>;

/** GET /api/responders/dns?name=&type=: the lab's DNS server's answer. */
export const DNS_TYPES = ['A', 'TXT', 'SOA', 'NS', 'CNAME'] as const;
export const dnsQuerySchema = z
  .object({
    name: z
      .string()
      .max(253, 'a name of at most 253 characters')
      .regex(/^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.?$/, 'a DNS name like kv.us-east-1.lab.internal'),
    type: z.enum(DNS_TYPES).default('A'),
  })
  .strict();
const dnsRecordSchema = z.object({ name: z.string(), type: z.string(), ttl: z.number(), data: z.string() });
export const dnsAnswerSchema = z.object({
  name: z.string(),
  type: z.string(),
  rcode: z.string(),
  answers: z.array(dnsRecordSchema),
  /** The authority section: the zone's SOA, with the negative-caching time, on an empty answer. */
  authority: z.array(dnsRecordSchema),
  /** NOERROR with nothing in it: what DynamoDB's clients got on 20 October. */
  nodata: z.boolean(),
  ms: z.number(),
});
export type DnsAnswer = z.infer<typeof dnsAnswerSchema>;

/** GET /api/responders/logs: pino lines of the lab's services, oldest first. */
export const logLineSchema = z.object({ service: z.string(), time: z.number().nullable(), level: z.string(), msg: z.string(), fields: z.record(z.string(), z.unknown()) });
export type LogLine = z.infer<typeof logLineSchema>;
export const logsQuerySchema = z.object({ service: z.string().min(1).max(100).optional(), tail: z.coerce.number().int().min(1).max(500).default(100) }).strict();
