// Writes a run's journal.json and report.html (rendered by chaos/report/report.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport } from '../report/report.js';
import type { Journal } from './runner.js';

export { renderReport };

export function writeRun(dir: string, journal: Journal): { journal: string; report: string } {
  mkdirSync(dir, { recursive: true });
  const journalPath = join(dir, 'journal.json');
  const reportPath = join(dir, 'report.html');
  writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
  writeFileSync(reportPath, renderReport(journal));
  return { journal: journalPath, report: reportPath };
}
