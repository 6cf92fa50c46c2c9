// Copies the non-TypeScript files the build needs at run time into dist/: the scenario data files and
// the dashboard's page (HTML, CSS and plain ES modules, served as they are: no bundler).
import { cpSync, existsSync } from 'node:fs';
for (const dir of ['chaos/scenarios', 'chaos/controller/web']) {
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
