// Where the controller keeps the runs it hosted: REPORTS_DIR/<run id>/ with journal.json and report.html
// (the same two files `cascade-lab run` writes; a game day adds review.md) and run.json, the run's
// summary for the list. Only the
// newest `keep` runs stay; older folders are removed, and only folders that hold a run.json.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeRun } from '../experiments/journal.js';
import type { Journal } from '../experiments/runner.js';
import { runIdSchema, runInfoSchema, type RunInfo } from './contract.js';

export const REPORT_FILES = {
  'journal.json': 'application/json; charset=utf-8',
  'report.html': 'text/html; charset=utf-8',
  /** A game day's post-incident review draft (only a game writes one). */
  'review.md': 'text/markdown; charset=utf-8',
} as const;
export type ReportFile = keyof typeof REPORT_FILES;

export class ReportStore {
  constructor(
    readonly dir: string,
    readonly keep: number,
  ) {}

  save(run: RunInfo, journal: Journal): void {
    const folder = this.folder(run.id);
    writeRun(folder, journal);
    writeFileSync(join(folder, 'run.json'), `${JSON.stringify(run)}\n`);
    this.prune();
  }

  /** The runs kept, newest first. */
  list(): RunInfo[] {
    return this.ids()
      .reverse()
      .flatMap((id) => {
        try {
          return [runInfoSchema.parse(JSON.parse(readFileSync(join(this.dir, id, 'run.json'), 'utf8')))];
        } catch {
          return [];
        }
      });
  }

  /** The path of one file of a kept run, or null when there is no such run. */
  file(id: string, file: ReportFile): string | null {
    if (!runIdSchema.safeParse(id).success) return null;
    const path = join(this.dir, id, file);
    return existsSync(join(this.dir, id, 'run.json')) && existsSync(path) ? path : null;
  }

  private folder(id: string): string {
    const folder = join(this.dir, runIdSchema.parse(id));
    mkdirSync(folder, { recursive: true });
    return folder;
  }

  /** Run ids oldest first (they begin with their start time). */
  private ids(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && runIdSchema.safeParse(e.name).success && existsSync(join(this.dir, e.name, 'run.json')))
      .map((e) => e.name)
      .sort();
  }

  private prune(): void {
    const ids = this.ids();
    for (const id of ids.slice(0, Math.max(0, ids.length - this.keep))) rmSync(join(this.dir, id), { recursive: true, force: true });
  }
}
