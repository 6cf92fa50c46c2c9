// A runner for game-day tests of the controller's API: it shows a live run (a phase, a step that can be
// made pausable), goes on until the game ends or the run is aborted, and returns a journal shaped like
// the real runner's, on the run's own clock and lab clock.
import type { Experiment } from '../../chaos/experiments/format.js';
import type { Journal, RunOptions } from '../../chaos/experiments/runner.js';
import { sampleJournal } from '../../chaos/report/sample-journal.js';

export function gameRunner() {
  const calls: RunOptions[] = [];
  const state = { pausable: false };
  const execute = async (_experiment: Experiment, opts: RunOptions): Promise<Journal> => {
    calls.push(opts);
    const t0 = opts.clock.now();
    opts.observe?.({
      elapsed: () => opts.clock.now() - t0,
      phases: () => ['dns-empty'],
      detected: () => [{ name: 'dns-empty', start: 100, end: 200 }],
      activeFaults: () => 1,
      activity: () => 'wait-for-the-race',
      pausable: () => state.pausable,
    });
    opts.progress?.('  probe wait-for-the-race');
    await new Promise((resolve) => {
      opts.signal?.addEventListener('abort', resolve, { once: true });
      opts.game?.finish.addEventListener('abort', resolve, { once: true });
    });
    const aborted = opts.signal?.aborted === true;
    return {
      ...sampleJournal(),
      scenario: opts.scenario,
      seed: opts.seed,
      clock: opts.labClock?.text ?? '1h=10s',
      startedAt: new Date(t0).toISOString(),
      durationMs: opts.clock.now() - t0,
      timeline: [],
      status: aborted ? 'aborted' : 'completed',
      ...(aborted ? { reason: `interrupted (${String(opts.signal?.reason)})` } : {}),
    };
  };
  return { calls, state, execute };
}
