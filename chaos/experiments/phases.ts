// Detects the lab's phases from what the services really do, never from the script's schedule:
// dns-empty is "the regional kv endpoint answers without addresses", observed with real DNS queries.
import type { Clock } from '../../lib/clock.js';
import type { LabClient } from '../lab-client.js';

export interface Phase {
  name: string;
  start: number;
  end: number;
  /** Still going when the run ended. */
  ongoing?: boolean;
}

export interface PhaseDetector {
  name: string;
  /** True while the phase condition holds. */
  sample(): Promise<boolean>;
}

export function dnsEmptyDetector(lab: LabClient, endpoint: string): PhaseDetector {
  return {
    name: 'dns-empty',
    sample: async () => {
      try {
        const r = await lab.lookup(endpoint);
        return r.nodata;
      } catch {
        return false; // no answer at all is not what this phase is about
      }
    },
  };
}

/** Samples every detector on an interval and turns the samples into phase intervals. */
export class PhaseTracker {
  readonly phases: Phase[] = [];
  private open = new Map<string, Phase>();
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly detectors: PhaseDetector[],
    private readonly clock: Clock,
    private readonly elapsed: () => number,
    private readonly everyMs = 250,
    private readonly onChange: (phase: Phase, started: boolean) => void = () => {},
  ) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.sampleOnce();
        await this.clock.sleep(this.everyMs);
      }
    })();
  }

  async sampleOnce(): Promise<void> {
    const results = await Promise.all(this.detectors.map((d) => d.sample()));
    const now = this.elapsed();
    this.detectors.forEach((d, i) => {
      const active = results[i];
      const current = this.open.get(d.name);
      if (active && !current) {
        const phase: Phase = { name: d.name, start: now, end: now };
        this.open.set(d.name, phase);
        this.phases.push(phase);
        this.onChange(phase, true);
      } else if (current) {
        current.end = now;
        if (!active) {
          this.open.delete(d.name);
          this.onChange(current, false);
        }
      }
    });
  }

  async stop(): Promise<Phase[]> {
    this.stopped = true;
    await this.loop;
    for (const phase of this.open.values()) phase.ongoing = true;
    return this.phases;
  }

  active(): string[] {
    return [...this.open.keys()];
  }
}
