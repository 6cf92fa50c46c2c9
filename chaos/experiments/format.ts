// The experiment format: close to Chaos Toolkit's (title, description, steady-state-hypothesis with
// probes and tolerances, method, rollbacks) so its users feel at home, plus what it lacks: a seed that
// picks configuration choices, and lab phases to detect. Files are YAML or JSON; every error names the
// file and the line.
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { composeServices, type LabService } from '../topology.js';
import { statePathProblem } from './state-paths.js';

const duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m)$/, 'a duration like 500ms, 30s or 2m')]);

export const toleranceSchema = z.union([
  z.boolean(),
  z.object({ type: z.literal('range'), target: z.string(), range: z.tuple([z.number(), z.number()]) }).strict(),
  z.object({ type: z.literal('value'), target: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
]);

const dnsProbe = z.object({ type: z.literal('dns'), name: z.string().min(1) }).strict();
/** A value from a service's GET /lab/state (through the controller), by dotted path: {value}. */
const stateProbe = z
  .object({ type: z.literal('state'), service: z.string().min(1), path: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a dotted path like dwfm.leased') })
  .strict();
/** The customers' view from the loadgen: success rate and p99 over the last `window` (at most the loadgen's STATE_SECONDS). */
const customerProbe = z.object({ type: z.literal('customer'), window: duration.default('10s') }).strict();
const probeProvider = z.discriminatedUnion('type', [dnsProbe, stateProbe, customerProbe]);
/** One condition of a wait: met when the probe's value is within the tolerance. */
const condition = z.object({ probe: probeProvider, until: toleranceSchema }).strict();

const providerSchema = z.discriminatedUnion('type', [
  dnsProbe,
  stateProbe,
  customerProbe,
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
    .object({ type: z.literal('wait'), probe: probeProvider.optional(), until: toleranceSchema.optional(), any: z.array(condition).min(1).optional(), timeout: duration, every: duration.default('250ms') })
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
    /** Only if this holds when the activity's turn comes (after its pause): a runbook step taken when needed. */
    when: condition.optional(),
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
    phases: z.array(z.enum(['dns-empty', 'lease-collapse', 'propagation-backlog', 'nlb-flapping'])).default([]),
  })
  .strict();

export type Experiment = z.infer<typeof experimentSchema>;
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

/** Every `state` probe in the document: its service and path, and where it is (for the line). */
function stateProbes(value: unknown, at: (string | number)[] = []): { service: string; path: string; at: (string | number)[] }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => stateProbes(v, [...at, i]));
  if (!value || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  if (o.type === 'state' && typeof o.service === 'string' && typeof o.path === 'string') return [{ service: o.service, path: o.path, at }];
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
    for (const service of expansions(probe.service, experiment.configuration)) {
      for (const path of expansions(probe.path, experiment.configuration)) {
        const problem = statePathProblem(opts.services ?? labServices(), service, path);
        if (problem) throw new ExperimentError(file, lineOf([...probe.at, 'path']), `${[...probe.at, 'path'].join('.')}: ${problem}`);
      }
    }
  }
  return experiment;
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

export function durationMs(d: number | string): number {
  if (typeof d === 'number') return d * 1000; // Chaos Toolkit pauses are in seconds
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(d)!;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60000;
}
