// A run's timeline for its journal: the controller's own, the window from the run's start (GET
// /api/timeline). It cannot fail the run: without a timeline the report simply has no charts.
import type { TimelineSample } from '../controller/timeline.js';
import type { LabClient } from '../lab-client.js';

export interface RunTimeline {
  /** The samples from the run's start until now. */
  finish(): Promise<TimelineSample[]>;
}

export function startRunTimeline(lab: Pick<LabClient, 'timeline'>, t0: number, say: (line: string) => void): RunTimeline {
  return {
    finish: async () => {
      try {
        return (await lab.timeline(t0 - 1000)).samples;
      } catch (err) {
        say(`  no timeline from the controller: ${(err as Error).message}`);
        return [];
      }
    },
  };
}
