// cascade-lab matrix: the scenario without fixes, with each fix alone and with all of them, for several
// seeds, at one clock; one table of what each run showed against AWS's timeline (chaos/report/incident.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { LabClock } from '../lib/lab-clock.js';
import { FIXES, type Fix } from './compose.js';
import type { Journal } from './experiments/runner.js';
import { incidentFit, type CustomerWindows, type NlbFailures } from './report/incident.js';
import { runScenario } from './run-scenario.js';
import { findScenario } from './scenarios.js';

export const PHASE_ORDER = ['dns-empty', 'lease-collapse', 'propagation-backlog', 'nlb-flapping'] as const;

/** The sets of fixes of a matrix, in its order: none, each alone, all. */
export const MATRIX_SETS: { name: string; fixes: Fix[] }[] = [
  { name: 'none', fixes: [] },
  ...FIXES.map((f) => ({ name: f, fixes: [f] })),
  { name: 'all', fixes: [...FIXES] },
];

export interface MatrixRow {
  set: string;
  seed: number;
  status: Journal['status'];
  /** The phases seen, in the order they started. */
  phases: string[];
  iou: Record<string, number | null>;
  customers: CustomerWindows;
  /** The customers' requests lost in AWS's NLB window: to capacity the NLB removed, to targets that failed them. */
  nlbWindowFailures: NlbFailures;
  /** The largest share of capacity one NLB health-check round removed during the run (null: never sampled). */
  maxRemovedShare: number | null;
}

export function matrixRow(set: string, journal: Journal): MatrixRow {
  const fit = incidentFit(journal);
  const phases = [...journal.phases].sort((a, b) => a.start - b.start).map((p) => p.name);
  const shares = journal.timeline.map((s) => s.nlbRemovedShare).filter((v): v is number => v !== null);
  const maxRemovedShare = shares.length > 0 ? Math.max(...shares) : null;
  return { set, seed: journal.seed, status: journal.status, phases: [...new Set(phases)], iou: fit.iou, customers: fit.customers, nlbWindowFailures: fit.nlbWindowFailures, maxRemovedShare };
}

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}`);

/** The table as Markdown: one row per run. */
export function matrixTable(rows: MatrixRow[], clock: string): string {
  const head = [
    'fixes', 'seed', 'phases seen',
    ...PHASE_ORDER.map((p) => `IoU ${p}`),
    'success % before', 'while kv empty', 'NLB window', 'failover off', 'overall', 'NLB window: lost to capacity removed %', 'to targets %', 'max removed/round',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const cells = [
      r.set, String(r.seed), r.phases.join(', ') || 'none',
      ...PHASE_ORDER.map((p) => (r.iou[p] === null || r.iou[p] === undefined ? '–' : r.iou[p]!.toFixed(2))),
      pct(r.customers.before), pct(r.customers.dnsEmpty), pct(r.customers.nlbWindow), pct(r.customers.afterFailoverOff), pct(r.customers.overall),
      pct(r.nlbWindowFailures.capacity), pct(r.nlbWindowFailures.targetErrors),
      r.maxRemovedShare === null ? '–' : `${Math.round(r.maxRemovedShare * 100)} %`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `Clock ${clock}. IoU: each phase's interval against AWS's (INCIDENT.md), placed at the race by the clock. Success: the loadgen's customers before the race, in AWS's windows (kv empty 23:48–02:25, NLB impact 05:30–14:09, failover off: from half an hour after 09:36), and overall. NLB window, lost to capacity removed and to targets: of the customers' requests in that window, the share lost to capacity the NLB removed (no NLB node left in DNS, a node at its capacity, no target in service: what nlb-velocity limits) and the share a target failed (an instance whose network state had not arrived). Max removed/round: the largest share of capacity one NLB health-check round took out of service or out of DNS during the run (what nlb-velocity caps).\n\n${lines.join('\n')}\n`;
}

export function registerMatrix(program: Command, say: (line: string) => void): void {
  program
    .command('matrix')
    .description('run a scenario without fixes, with each fix alone and with all of them, for several seeds; print one table of phases, IoU with AWS and customer success per window')
    .option('--seeds <n>', 'seeds 1..n for each set of fixes', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('expected an integer from 1 to 100');
      return n;
    }, 3)
    .option('--clock <aws=lab>', 'the lab clock for every run (default: the lab\'s)', (v) => {
      try {
        return LabClock.parse(v);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    })
    .option('--sets <list>', `which sets of fixes, of ${MATRIX_SETS.map((s) => s.name).join(', ')}`, (v) => {
      const names = v.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !MATRIX_SETS.some((s) => s.name === n));
      if (unknown.length || names.length === 0) throw new InvalidArgumentError(`unknown set ${unknown.join(', ')}; known: ${MATRIX_SETS.map((s) => s.name).join(', ')}`);
      return names;
    })
    .option('--scenario <name>', 'the scenario', 'aws-2025-10-20')
    .option('--report <dir>', 'where each run\'s report and matrix.md/matrix.json go', 'reports/matrix-<time>')
    .action(async (opts: { seeds: number; clock?: LabClock; sets?: string[]; scenario: string; report: string }) => {
      const scenario = findScenario(opts.scenario);
      const dir = opts.report.replace('<time>', new Date().toISOString().replace(/[:.]/g, '-'));
      mkdirSync(dir, { recursive: true });
      const sets = MATRIX_SETS.filter((s) => !opts.sets || opts.sets.includes(s.name));
      const rows: MatrixRow[] = [];
      const aborter = new AbortController();
      process.once('SIGINT', () => aborter.abort('SIGINT'));
      let clock = opts.clock?.text ?? '';
      for (const set of sets) {
        for (let seed = 1; seed <= opts.seeds && !aborter.signal.aborted; seed++) {
          say(`matrix: ${set.name}, seed ${seed}`);
          const { journal } = await runScenario({ scenario, fixes: set.fixes, clock: opts.clock, seed, report: join(dir, `${set.name}-s${seed}`), bar: false, signal: aborter.signal, say: (l) => say(`  ${l}`) });
          clock = journal.clock;
          rows.push(matrixRow(set.name, journal));
          writeFileSync(join(dir, 'matrix.json'), `${JSON.stringify(rows, null, 2)}\n`);
        }
      }
      const table = matrixTable(rows, clock);
      writeFileSync(join(dir, 'matrix.md'), table);
      process.stdout.write(table);
      say(`matrix: ${join(dir, 'matrix.md')}`);
    });
}
