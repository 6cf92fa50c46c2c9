#!/usr/bin/env node
// Prints the lab's defaults table (chaos/defaults.ts), or with --write puts it into README.md between its
// markers. Needs a build (npm run build).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultsTable, withTable } from '../dist/chaos/defaults.js';

const table = defaultsTable();
if (!process.argv.includes('--write')) {
  process.stdout.write(`${table}\n`);
} else {
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
  const next = withTable(readFileSync(path, 'utf8'), table);
  if (next === null) {
    process.stderr.write('README.md has no defaults markers\n');
    process.exit(1);
  }
  writeFileSync(path, next);
}
