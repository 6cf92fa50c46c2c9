// The lab's image for tests: built from the package's own Dockerfile through testcontainers, once per
// process, under a tag named after what the Dockerfile copies (a hash of those files and NODE_IMAGE).
// An unchanged tree is not built again at all, and a build that fails cannot be mistaken for an older
// image under the same tag: testcontainers does not report a failed build, it only finds the tag missing.
// The classic builder uses a local NODE_IMAGE and never pulls it, so this works without a registry.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, ImageName } from 'testcontainers';
import { projectRoot } from '../chaos/compose.js';

/** The repository compose runs the lab from (docker-compose.yml: `cascade-lab:${CASCADE_LAB_TAG}`). */
export const LAB_REPOSITORY = 'cascade-lab';
export const DEFAULT_NODE_IMAGE = 'node:24-bookworm-slim';

export interface LabImageOptions {
  /** The base image (the Dockerfile's NODE_IMAGE); default $NODE_IMAGE, else node:24-bookworm-slim. */
  nodeImage?: string;
  /** Where the Dockerfile is; default this package's root. */
  root?: string;
}

/** The build context paths the Dockerfile copies: the sources of every COPY and ADD not --from a stage. */
export function copiedPaths(dockerfile: string): string[] {
  const paths = new Set<string>();
  for (const line of dockerfile.split('\n')) {
    const [instruction, ...words] = line.trim().split(/\s+/);
    if (!/^(COPY|ADD)$/i.test(instruction ?? '') || words.some((w) => w.startsWith('--from'))) continue;
    const args = words.filter((w) => !w.startsWith('--'));
    for (const source of args.slice(0, -1)) paths.add(source.replace(/\/+$/, ''));
  }
  return [...paths].sort();
}

/** .dockerignore's patterns as one test of a context-relative path (`*`, `**` and plain names, as Docker reads them). */
export function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    .map((p) => {
      const source = p.replace(/^\/+/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '(.*/)?');
      return new RegExp(`^${source}(/.*)?$`);
    });
  return (path) => patterns.some((re) => re.test(path));
}

/** The image's tag: a hash of the Dockerfile, NODE_IMAGE and every file it copies that .dockerignore keeps. */
export function contentTag(root: string, nodeImage: string): string {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const ignorePath = join(root, '.dockerignore');
  const ignored = dockerignore(existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '');
  const hash = createHash('sha256').update(dockerfile).update('\0').update(nodeImage).update('\0');
  const add = (path: string) => {
    if (ignored(path)) return;
    const full = join(root, path);
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) add(`${path}/${entry}`);
      return;
    }
    hash.update(path).update('\0').update(readFileSync(full)).update('\0');
  };
  for (const path of copiedPaths(dockerfile)) add(path);
  return `testing-${hash.digest('hex').slice(0, 12)}`;
}

const builds = new Map<string, Promise<string>>();

/** The lab image's name (`cascade-lab:testing-<hash>`), built first if that tag does not exist yet. */
export function labImage(opts: LabImageOptions = {}): Promise<string> {
  const root = opts.root ?? projectRoot();
  const nodeImage = opts.nodeImage ?? process.env.NODE_IMAGE ?? DEFAULT_NODE_IMAGE;
  const key = `${root}\0${nodeImage}`;
  let image = builds.get(key);
  if (!image) {
    image = build(root, nodeImage);
    builds.set(key, image);
    image.catch(() => builds.delete(key)); // the next call tries again
  }
  return image;
}

async function build(root: string, nodeImage: string): Promise<string> {
  const name = `${LAB_REPOSITORY}:${contentTag(root, nodeImage)}`;
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(name))) return name;
  try {
    await GenericContainer.fromDockerfile(root).withBuildArgs({ NODE_IMAGE: nodeImage }).build(name, { deleteOnExit: false });
  } catch (err) {
    throw new Error(`building ${name} from ${join(root, 'Dockerfile')} (NODE_IMAGE=${nodeImage}) failed; DEBUG=testcontainers:build shows the build's output`, { cause: err });
  }
  return name;
}
