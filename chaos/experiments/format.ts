// The experiment format: close to Chaos Toolkit's (title, description, steady-state-hypothesis with
// probes and tolerances, method, rollbacks) so its users feel at home, plus what it lacks: a seed that
// picks configuration choices, and lab phases to detect. Files are YAML or JSON; every error names the
// file and the line.
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { defaultLabClock, type LabClock } from '../../lib/lab-clock.js';
import { composeServices, ROLES, type LabService, type Role } from '../topology.js';
import { statePathProblem } from './state-paths.js';

/** The lab's phases, detected from the services' own state (phases.ts). */
export const PHASES = ['dns-empty', 'lease-collapse', 'propagation-backlog', 'nlb-flapping'] as const;
export type PhaseName = (typeof PHASES)[number];

const LAB_DURATION = /^\d+(\.\d+)?(ms|s|m)$/;
const AWS_DURATION = /^(?=\d)(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?$/;
/** A span of the 20 October timeline, scaled to the lab by the run's clock (LAB_CLOCK): 2h37m, 45m, 1.5h. */
export const awsDuration = z.string().regex(AWS_DURATION, 'an AWS time like 2h37m, 45m or 1.5h');
/**
 * Lab time (500ms, 30s, 2m, or a number of seconds as Chaos Toolkit writes pauses), or AWS time scaled by
 * the run's clock: {aws: 2h37m} lasts 26.2 s at 1h=10s and 2m37s at 1h=60s.
 */
const duration = z.union([
  z.number().nonnegative(),
  z.string().regex(LAB_DURATION, 'a duration like 500ms, 30s or 2m, or {aws: 2h37m}'),
  z.object({ aws: awsDuration }).strict(),
]);
export type Duration = z.infer<typeof duration>;

export const toleranceSchema = z.union([
  z.boolean(),
  z.object({ type: z.literal('range'), target: z.string(), range: z.tuple([z.number(), z.number()]) }).strict(),
  z.object({ type: z.literal('value'), target: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
]);

const dnsProbe = z.object({ type: z.literal('dns'), name: z.string().min(1) }).strict();
/**
 * A value from a service's GET /lab/state (through the controller), by dotted path: {value}. The service
 * by its name, or by the role it plays (nlb-checker: the NLB node that runs the health checks).
 */
const stateProbe = z
  .object({
    type: z.literal('state'),
    service: z.string().min(1).optional(),
    role: z.enum(ROLES).optional(),
    path: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a dotted path like dwfm.leased'),
  })
  .strict()
  .refine((p) => (p.service === undefined) !== (p.role === undefined), 'a state probe names either a service or a role');
/** A lab phase this run has detected: {seen, active} (seen: it started at some point of the run). */
const phaseProbe = z.object({ type: z.literal('phase'), name: z.enum(PHASES) }).strict();
/** The customers' view from the loadgen: success rate and p99 over the last `window` (at most the loadgen's STATE_SECONDS). */
const customerProbe = z.object({ type: z.literal('customer'), window: duration.default('10s') }).strict();
const probeProvider = z.discriminatedUnion('type', [dnsProbe, stateProbe, customerProbe, phaseProbe]);
/** A condition checked once (an activity's `when`): met when the probe's value is within the tolerance. */
const condition = z.object({ probe: probeProvider, until: toleranceSchema }).strict();
/**
 * What a wait waits for: a tolerance, or `increase`: the number at `target` rose by at least `by` (1 by
 * default) since the wait's first sample. For counters, which only go up: a counter that stood at 3 when
 * the wait began meets `range: [1, ...]` at once, though nothing happened during the wait.
 */
export const untilSchema = z.union([
  toleranceSchema,
  z.object({ type: z.literal('increase'), target: z.string(), by: z.number().positive().default(1) }).strict(),
]);
export type Until = z.infer<typeof untilSchema>;
const waitCondition = z.object({ probe: probeProvider, until: untilSchema }).strict();

const providerSchema = z.discriminatedUnion('type', [
  dnsProbe,
  stateProbe,
  customerProbe,
  phaseProbe,
  z.object({
    type: z.literal('toxic'),
    proxy: z.string().min(1),
    toxic: z
      .object({
        type: z.string().min(1),
        stream: z.enum(['upstream', 'downstream', 'both']).default('downstream'),
        toxicity: z.number().min(0).max(1).default(1),
        attributes: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
      })
      .strict(),
  }).strict(),
  z.object({ type: z.literal('clear-faults') }).strict(),
  // Any fault of the catalogue (`cascade-lab fault kinds`): a container action, a service hook, or a
  // toxic on both streams; held by the run's lease, removed by clear-faults and at the end of the run.
  z
    .object({ type: z.literal('fault'), kind: z.string().min(1), target: z.string().min(1), params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}) })
    .strict(),
  // Waits until the probe meets `until`, or until any one of `any` is met (the first wins).
  z
    .object({ type: z.literal('wait'), probe: probeProvider.optional(), until: untilSchema.optional(), any: z.array(waitCondition).min(1).optional(), timeout: duration, every: duration.default('250ms') })
    .strict()
    .refine((w) => (w.any ? !w.probe && w.until === undefined : !!w.probe && w.until !== undefined), 'a wait needs either probe and until, or any: [{probe, until}, ...]'),
  z.object({ type: z.literal('hold'), probe: probeProvider, tolerance: toleranceSchema, duration, every: duration.default('250ms') }).strict(),
  z.object({ type: z.literal('repair'), action: z.string().min(1) }).strict(),
  z.object({ type: z.literal('hook'), service: z.string().min(1), hook: z.enum(['pause', 'resume']) }).strict(),
]);

const activitySchema = z
  .object({
    type: z.enum(['action', 'probe']),
    name: z.string().min(1),
    provider: providerSchema,
    tolerance: toleranceSchema.optional(),
    pauses: z.object({ before: duration.optional(), after: duration.optional() }).strict().optional(),
    /**
     * When to run, on the 20 October timeline: `aws` after the end of the activity named `after` (by
     * default the start of the method), scaled by the run's clock. A time already past runs at once.
     */
    at: z.object({ aws: awsDuration, after: z.string().min(1).optional() }).strict().optional(),
    /**
     * Only if this holds when the activity's turn comes, checked before its pause or `at`: a runbook step
     * taken when needed, and a skipped one does not wait.
     */
    when: condition.optional(),
    /**
     * An operator's runbook step, one that Amazon's engineers took by hand. In a game day the responders
     * take it: the runner keeps its time on the schedule but does not take it (method only).
     */
    operator: z.boolean().optional(),
    /**
     * In a game day the facilitator may pause while this step waits for its time (`at`, pauses): the pause
     * holds the schedule. Elsewhere (the trigger: the race keeps real time) a pause is refused. Method only.
     */
    pausable: z.boolean().optional(),
  })
  .strict();

export const DEFAULT_SLO = 0.95;
const DEFAULT_HOLD: Duration = { aws: '30m' };

/** A game day's yardstick: when the trigger fired, and the customers' service level objective. */
const gameSchema = z
  .object({
    /**
     * The method step whose last end is the moment the trigger fired (the race): every time of the score
     * counts from it. By default the start of the method.
     */
    trigger: z.string().min(1).optional(),
    /** Customers' success rate (0 to 1) at or above which they feel no impact. */
    slo: z.number().gt(0, 'an SLO above 0').lt(1, 'an SLO below 1').default(DEFAULT_SLO),
    /** How long success must stay at or above the SLO for the impact to count as mitigated. */
    hold: duration.default(DEFAULT_HOLD),
  })
  .strict();

/** Checked in the background during the method: violated without a break for `for`, the run is aborted. */
const abortConditionSchema = z
  .object({ name: z.string().min(1), probe: probeProvider, tolerance: toleranceSchema, for: duration.default(0), every: duration.default('1s') })
  .strict();

export const experimentSchema = z
  .object({
    version: z.string().optional(),
    title: z.string().min(1),
    description: z.string().min(1),
    tags: z.array(z.string()).default([]),
    /** Values for ${name} in strings; {choose: [...]} is picked with the run's seed. */
    configuration: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.object({ choose: z.array(z.union([z.string(), z.number()])).min(1) }).strict()])).default({}),
    'steady-state-hypothesis': z.object({ title: z.string().min(1), probes: z.array(activitySchema).min(1) }).strict(),
    method: z.array(activitySchema).min(1),
    rollbacks: z.array(activitySchema).default([]),
    'abort-conditions': z.array(abortConditionSchema).default([]),
    /** Lab phases to detect while it runs (dns-empty, lease-collapse, propagation-backlog, nlb-flapping). */
    phases: z.array(z.enum(PHASES)).default([]),
    /** How a game day on this scenario is scored (chaos/gameday/score.ts). */
    game: gameSchema.default({ slo: DEFAULT_SLO, hold: DEFAULT_HOLD }),
  })
  .strict();

export type Experiment = z.infer<typeof experimentSchema>;
export type GameSettings = z.infer<typeof gameSchema>;
export type Activity = z.infer<typeof activitySchema>;
export type Provider = z.infer<typeof providerSchema>;
export type Tolerance = z.infer<typeof toleranceSchema>;
export type ProbeProvider = z.infer<typeof probeProvider>;
export type AbortCondition = z.infer<typeof abortConditionSchema>;

export class ExperimentError extends Error {
  constructor(readonly file: string, readonly line: number | null, message: string) {
    super(`${file}${line ? `:${line}` : ''}: ${message}`);
    this.name = 'ExperimentError';
  }
}

/** Finds the YAML node at a path, for the line of a schema error. */
function nodeAt(root: Node | null | undefined, path: readonly PropertyKey[]): Node | null {
  let node: Node | null | undefined = root;
  let found: Node | null = root ?? null;
  for (const key of path) {
    if (isMap(node)) node = node.get(key as string, true) as Node | undefined;
    else if (isSeq(node)) node = node.get(Number(key), true) as Node | undefined;
    else break;
    if (node) found = node;
    else break;
  }
  return found;
}

export interface ParseOptions {
  /** The lab's services, to check `state` probes against (default: the compose file's, chaos/topology.ts). */
  services?: LabService[];
}

let composeCache: LabService[] | null = null;
const labServices = () => (composeCache ??= composeServices());

type StateProbe = { service?: string; role?: Role; path: string; at: (string | number)[] };

/** Every `state` probe in the document: its service (or role) and path, and where it is (for the line). */
function stateProbes(value: unknown, at: (string | number)[] = []): StateProbe[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => stateProbes(v, [...at, i]));
  if (!value || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  if (o.type === 'state' && typeof o.path === 'string') return [{ service: o.service as string | undefined, role: o.role as Role | undefined, path: o.path, at }];
  return Object.entries(o).flatMap(([k, v]) => stateProbes(v, [...at, k]));
}

/** A string with ${key} references, once for every value the configuration may give those keys. */
function expansions(text: string, configuration: Experiment['configuration']): string[] {
  let out = [text];
  for (const key of new Set([...text.matchAll(/\$\{([A-Za-z0-9_-]+)\}/g)].map((m) => m[1]!))) {
    const value = configuration[key];
    if (value === undefined) continue; // the run reports an unknown key with its own message
    const values = typeof value === 'object' ? value.choose : [value];
    out = out.flatMap((t) => values.map((v) => t.replaceAll(`\${${key}}`, String(v))));
  }
  return out;
}

export function parseExperiment(text: string, file: string, opts: ParseOptions = {}): Experiment {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) throw new ExperimentError(file, lines.linePos(yamlError.pos[0]).line, yamlError.message.split('\n')[0] ?? 'invalid YAML');
  const lineOf = (path: readonly PropertyKey[]) => {
    const node = nodeAt(doc.contents as Node, path);
    return node?.range ? lines.linePos(node.range[0]).line : null;
  };
  const result = experimentSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'the document';
    throw new ExperimentError(file, lineOf(issue.path), `${where}: ${issue.message}`);
  }
  const experiment = result.data;
  for (const probe of stateProbes(experiment)) {
    const services = probe.role ? [{ role: probe.role }] : expansions(probe.service!, experiment.configuration).map((name) => ({ name }));
    for (const service of services) {
      for (const path of expansions(probe.path, experiment.configuration)) {
        const problem = statePathProblem(opts.services ?? labServices(), service, path);
        if (problem) throw new ExperimentError(file, lineOf([...probe.at, 'path']), `${[...probe.at, 'path'].join('.')}: ${problem}`);
      }
    }
  }
  // An activity scheduled `at` a time after another must name one that runs before it in the method.
  experiment.method.forEach((a, i) => {
    const after = a.at?.after;
    if (after !== undefined && !experiment.method.slice(0, i).some((b) => b.name === after)) {
      throw new ExperimentError(file, lineOf(['method', i, 'at', 'after']), `method.${i}.at.after: no activity named ${JSON.stringify(after)} runs before ${JSON.stringify(a.name)}`);
    }
  });
  checkGameSteps(experiment, file, lineOf);
  return experiment;
}

/** Operator and pausable steps belong to the method; a pausable one waits for its time; the trigger is a method step. */
function checkGameSteps(experiment: Experiment, file: string, lineOf: (path: readonly PropertyKey[]) => number | null): void {
  const elsewhere: [string, Activity[]][] = [
    ['steady-state-hypothesis.probes', experiment['steady-state-hypothesis'].probes],
    ['rollbacks', experiment.rollbacks],
  ];
  for (const [where, list] of elsewhere) {
    list.forEach((a, i) => {
      for (const key of ['operator', 'pausable'] as const) {
        if (a[key] === undefined) continue;
        const path = [...where.split('.'), i, key];
        throw new ExperimentError(file, lineOf(path), `${where}.${i}.${key}: only a step of the method can be ${key === 'operator' ? "an operator's step" : 'pausable'}`);
      }
    });
  }
  experiment.method.forEach((a, i) => {
    if (a.operator && a.type !== 'action') throw new ExperimentError(file, lineOf(['method', i, 'operator']), `method.${i}.operator: an operator's step is an action, not a ${a.type}`);
    if (a.pausable && !a.at && !a.pauses) {
      throw new ExperimentError(file, lineOf(['method', i, 'pausable']), `method.${i}.pausable: ${JSON.stringify(a.name)} never waits for its time (no \`at\`, no pauses): nothing to pause`);
    }
  });
  const trigger = experiment.game.trigger;
  if (trigger !== undefined && !experiment.method.some((a) => a.name === trigger)) {
    throw new ExperimentError(file, lineOf(['game', 'trigger']), `game.trigger: no step of the method is named ${JSON.stringify(trigger)}`);
  }
}

export function loadExperiment(file: string, opts: ParseOptions = {}): Experiment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ExperimentError(file, null, `cannot read: ${(err as Error).message}`);
  }
  return parseExperiment(text, file, opts);
}

/** AWS hours in an AWS time (2h37m -> 2.6167). */
export function awsHours(text: string): number {
  const m = AWS_DURATION.exec(text)!;
  return Number(m[1] ?? 0) + Number(m[2] ?? 0) / 60;
}

/** Lab milliseconds of a duration; AWS time ({aws: ...}) is scaled by the run's clock. */
export function durationMs(d: Duration, clock: LabClock = defaultLabClock()): number {
  if (typeof d === 'number') return d * 1000; // Chaos Toolkit pauses are in seconds
  if (typeof d === 'object') return clock.hours(awsHours(d.aws));
  const m = LAB_DURATION.exec(d)!;
  const n = Number(m[0].replace(/[a-z]+$/, ''));
  return d.endsWith('ms') ? n : d.endsWith('s') ? n * 1000 : n * 60000;
}
