import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { contentTag, copiedPaths, dockerignore } from './image.js';

const DOCKERFILE = `ARG NODE_IMAGE=node:24-bookworm-slim
FROM \${NODE_IMAGE} AS build
COPY package.json package-lock.json ./
COPY --chown=node lib ./lib
COPY compose/airgap/npm-cache/ /root/.npm/
FROM \${NODE_IMAGE}
COPY --from=build /app/dist ./dist
COPY scripts/healthcheck.sh ./healthcheck.sh
`;

/** A build context: the Dockerfile above, what it copies, and a .dockerignore. */
function context(): string {
  const root = mkdtempSync(join(tmpdir(), 'lab-image-'));
  for (const dir of ['lib', 'scripts', 'compose/airgap/npm-cache']) mkdirSync(join(root, dir), { recursive: true });
  const files: Record<string, string> = {
    Dockerfile: DOCKERFILE,
    '.dockerignore': 'node_modules\n**/*.test.ts\n# a comment\n',
    'package.json': '{}',
    'package-lock.json': '{}',
    'lib/a.ts': 'export const a = 1;',
    'scripts/healthcheck.sh': 'exit 0',
    'compose/airgap/npm-cache/.gitkeep': '',
  };
  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  return root;
}

describe('the lab image for tests', () => {
  it('is named after what the Dockerfile copies from the context, not what it copies between stages', () => {
    assert.deepEqual(copiedPaths(DOCKERFILE), ['compose/airgap/npm-cache', 'lib', 'package-lock.json', 'package.json', 'scripts/healthcheck.sh']);
  });

  it('reads .dockerignore as Docker does: names from the root, * within a folder, **/ at any depth', () => {
    const ignored = dockerignore('node_modules\n*.log\n**/*.test.ts\n/dist\n# node\n!keep.log\n');
    for (const path of ['node_modules', 'node_modules/x/y.js', 'a.log', 'lib/a.test.ts', 'a.test.ts', 'dist/x.js']) assert.ok(ignored(path), path);
    for (const path of ['lib/node_modules', 'lib/a.log', 'lib/a.ts', 'lib/a.test.tsx', 'distant']) assert.ok(!ignored(path), path);
  });

  it('gets a new tag when a copied file or NODE_IMAGE changes, and the same one otherwise', () => {
    const root = context();
    const tag = contentTag(root, 'node:24');
    assert.match(tag, /^testing-[0-9a-f]{12}$/);
    assert.equal(contentTag(root, 'node:24'), tag);
    assert.notEqual(contentTag(root, 'local/node:24'), tag);

    writeFileSync(join(root, 'lib/a.test.ts'), 'test'); // left out of the context by .dockerignore
    writeFileSync(join(root, 'README.md'), 'not copied');
    assert.equal(contentTag(root, 'node:24'), tag);

    writeFileSync(join(root, 'lib/b.ts'), 'export const b = 2;');
    const changed = contentTag(root, 'node:24');
    assert.notEqual(changed, tag);
    writeFileSync(join(root, 'compose/airgap/npm-cache/index'), 'cache');
    assert.notEqual(contentTag(root, 'node:24'), changed);
  });
});
