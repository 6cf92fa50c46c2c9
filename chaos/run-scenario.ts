// One run of a scenario from the CLI, as `cascade-lab run` and `cascade-lab matrix` make it: the lab
// switched to the fixes (and clock) asked for, the run with its progress, and its journal and report.
import { systemClock } from '../lib/clock.js';
import { LabClock } from '../lib/lab-clock.js';
import type { Fix } from './compose.js';
import { writeRun } from './experiments/journal.js';
import { runExperiment, type Journal } from './experiments/runner.js';
import type { Experiment } from './experiments/format.js';
import { customerProbe } from './experiments/providers.js';
import { labClockOf } from './lab.js';
import { LabClient } from './lab-client.js';
import { expectedDurationMs, RunProgress } from './progress.js';

export interface ScenarioRun {
  scenario: { name: string; experiment: Experiment };
  /** The fixes to run with; undefined: as the lab runs now. A change switches them on the running lab. */
  fixes?: Fix[];
  /** The lab clock to run at (set on the whole lab first); undefined: the lab's. */
  clock?: LabClock;
  seed: number;
  /** The report folder. */
  report: string;
  /** Progress as a bar (a terminal) or as lines. */
  bar: boolean;
  signal?: AbortSignal;
  say: (line: string) => void;
}

export async function runScenario(run: ScenarioRun): Promise<{ journal: Journal; files: { journal: string; report: string } }> {
  const { scenario, say } = run;
  const lab = new LabClient();
  const running = await lab.fixes();
  const fixes = run.fixes ?? running.fixes;
  if (run.fixes && (!running.consistent || fixes.length !== running.fixes.length || fixes.some((f) => !running.fixes.includes(f)))) {
    say(`switching the lab's fixes to: ${fixes.join(', ') || 'none'}`);
    await lab.setFixes(fixes);
  } else if (!running.consistent) {
    say(`warning: the services of a fix disagree (cascade-lab fixes shows them); this run counts as fixes: ${fixes.join(', ') || 'none'}`);
  }
  if (run.clock) await lab.setLabClock(run.clock.text);
  const labClock = run.clock ?? (await labClockOf(lab));
  say(`running ${scenario.name} (seed ${run.seed}, fixes: ${fixes.join(', ') || 'none'}, clock ${labClock.text})`);
  const progress = new RunProgress({
    stream: process.stderr,
    bar: run.bar,
    totalMs: expectedDurationMs(scenario.experiment, labClock),
    clock: systemClock,
    customer: async () => (await customerProbe(lab, 5000)).successRate,
  });
  const journal = await runExperiment(scenario.experiment, {
    scenario: scenario.name,
    seed: run.seed,
    fixes,
    lab,
    clock: systemClock,
    labClock,
    progress: (line) => progress.line(line),
    observe: (live) => progress.attach(live),
    signal: run.signal,
  }).finally(() => progress.stop());
  const dir = run.report.replace('<scenario>', scenario.name).replace('<time>', new Date().toISOString().replace(/[:.]/g, '-'));
  return { journal, files: writeRun(dir, journal) };
}
