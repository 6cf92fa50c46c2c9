// Writes a run's journal.json and report.html (rendered by chaos/report/report.ts), and for a game day
// review.md, the post-incident review draft (chaos/report/review.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport } from '../report/report.js';
import { renderReview } from '../report/review.js';
import type { Journal } from './runner.js';

export { renderReport };

export function writeRun(dir: string, journal: Journal): { journal: string; report: string; review?: string } {
  mkdirSync(dir, { recursive: true });
  const journalPath = join(dir, 'journal.json');
  const reportPath = join(dir, 'report.html');
  writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
  writeFileSync(reportPath, renderReport(journal));
  if (!journal.game) return { journal: journalPath, report: reportPath };
  const reviewPath = join(dir, 'review.md');
  writeFileSync(reviewPath, renderReview(journal));
  return { journal: journalPath, report: reportPath, review: reviewPath };
}
