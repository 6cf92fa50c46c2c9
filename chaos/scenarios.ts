// The scenarios shipped with the lab: YAML files in chaos/scenarios/, found by name; any other path is
// read as an experiment file of the user's.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExperiment, type Experiment } from './experiments/format.js';

export const scenariosDir = () => join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

export function listScenarios(): { name: string; file: string; experiment: Experiment }[] {
  const dir = scenariosDir();
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => ({ name: f.replace(/\.(ya?ml|json)$/, ''), file: join(dir, f), experiment: loadExperiment(join(dir, f)) }));
}

export function findScenario(nameOrFile: string): { name: string; file: string; experiment: Experiment } {
  if (existsSync(nameOrFile)) return { name: nameOrFile.replace(/^.*\//, '').replace(/\.(ya?ml|json)$/, ''), file: nameOrFile, experiment: loadExperiment(nameOrFile) };
  for (const ext of ['yaml', 'yml', 'json']) {
    const file = join(scenariosDir(), `${nameOrFile}.${ext}`);
    if (existsSync(file)) return { name: nameOrFile, file, experiment: loadExperiment(file) };
  }
  const known = listScenarios().map((s) => s.name).join(', ');
  throw new Error(`unknown scenario ${JSON.stringify(nameOrFile)}: not a file, and not one of: ${known}`);
}
