// The lab clock: how much lab time one hour of 20 October 2025 takes. Written like `1h=10s` (one AWS
// hour is ten lab seconds: the default), `1h=60s` for a game day at human pace, `1h=5s` for CI. Every
// time-based setting of the cascade is derived from it in lib/timing.ts, so the same cascade plays at
// any pace in AWS's proportions. The DNS race keeps real time: it is the trigger, not part of the film.

export const DEFAULT_LAB_CLOCK = '1h=10s';

/** The slowest and fastest paces the lab accepts: real time, and one AWS hour in a lab second. */
const MIN_MS_PER_HOUR = 1000;
const MAX_MS_PER_HOUR = 3_600_000;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

export const LAB_CLOCK_SYNTAX = 'expected <AWS time>=<lab time>, like 1h=10s (one AWS hour is ten lab seconds) or 1h=60s';

export class LabClockError extends Error {
  constructor(readonly text: string, reason: string) {
    super(`${reason} (got ${JSON.stringify(text)})`);
    this.name = 'LabClockError';
  }
}

export class LabClock {
  private constructor(
    /** As written, normalised (`1h=10s`). */
    readonly text: string,
    /** Lab milliseconds per AWS hour. */
    readonly msPerAwsHour: number,
  ) {}

  static parse(text: string): LabClock {
    const [aws, lab, ...rest] = text.trim().split('=');
    const awsMs = duration(aws);
    const labMs = duration(lab);
    if (rest.length > 0 || awsMs === null || labMs === null || awsMs === 0) throw new LabClockError(text, LAB_CLOCK_SYNTAX);
    const msPerAwsHour = (labMs / awsMs) * UNIT_MS.h;
    if (msPerAwsHour < MIN_MS_PER_HOUR) throw new LabClockError(text, 'too fast: one AWS hour must last at least one lab second (1h=1s)');
    if (msPerAwsHour > MAX_MS_PER_HOUR) throw new LabClockError(text, 'slower than real time: one AWS hour may last at most one lab hour (1h=1h)');
    return new LabClock(`1h=${formatMs(msPerAwsHour)}`, msPerAwsHour);
  }

  /** Lab milliseconds for `hours` of AWS time. */
  hours(hours: number): number {
    return hours * this.msPerAwsHour;
  }

  minutes(minutes: number): number {
    return this.hours(minutes / 60);
  }

  /** AWS hours for `ms` of lab time. */
  awsHours(ms: number): number {
    return ms / this.msPerAwsHour;
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

function duration(text: string | undefined): number | null {
  const m = DURATION.exec(text?.trim() ?? '');
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : null;
}

/** 10000 -> "10s", 60000 -> "60s", 90000 -> "90s", 500 -> "500ms", 7_200_000 -> "2h". */
function formatMs(ms: number): string {
  if (ms % UNIT_MS.h === 0 && ms >= UNIT_MS.h) return `${ms / UNIT_MS.h}h`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}

export const defaultLabClock = () => LabClock.parse(DEFAULT_LAB_CLOCK);
