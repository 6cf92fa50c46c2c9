// Copies the non-TypeScript files the build needs at run time (scenario data files) into dist/.
import { cpSync, existsSync } from 'node:fs';
for (const dir of ['chaos/scenarios']) {
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
