// The dashboard's files, served by the controller: the page (chaos/controller/web/: HTML, CSS and plain
// ES modules, copied to dist by scripts/copy-assets.mjs) and uPlot's own dist files from node_modules.
// No build step and nothing from a CDN: the page works in a room without Internet. Files are read once
// at start and served from memory; nothing outside these two folders can be asked for.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { notFound } from '../../lib/errors.js';
import type { FastifyReply } from 'fastify';
import type { LabApp } from '../../lib/http.js';

export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'web');
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));
const UPLOT_FILES = ['uPlot.esm.js', 'uPlot.min.css'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Scripts only from this origin, none inline, and requests only back to it: text that came from the lab
 * (event data, fault parameters) can never run as script, even if a bug put it into the page as markup.
 * uPlot sets inline styles, hence style-src 'unsafe-inline'.
 */
export const PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function load(dir: string, names: string[]): Map<string, { body: Buffer; type: string }> {
  return new Map(names.filter((n) => TYPES[extname(n)]).map((n) => [n, { body: readFileSync(join(dir, n)), type: TYPES[extname(n)]! }]));
}

export function registerDashboard(app: LabApp, webDir = WEB_DIR): void {
  const web = load(webDir, readdirSync(webDir));
  const vendor = load(UPLOT_DIR, UPLOT_FILES);
  const serve = (files: typeof web) => async (req: { params: { file: string } }, reply: FastifyReply) => {
    const file = files.get(req.params.file);
    if (!file) throw notFound(`no file ${JSON.stringify(req.params.file)}`);
    return reply
      .type(file.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', PAGE_POLICY)
      .send(file.body);
  };
  const params = { schema: { params: z.object({ file: z.string().max(100) }) } };
  app.get('/', async (_req, reply) => serve(web)({ params: { file: 'index.html' } }, reply));
  /** A game day's responders' view: its own page, its own token (entered on the page, never in the URL). */
  app.get('/responders', async (_req, reply) => serve(web)({ params: { file: 'responders.html' } }, reply));
  app.get('/favicon.ico', async (_req, reply) => reply.status(204).send());
  app.get('/web/:file', params, serve(web));
  app.get('/vendor/uplot/:file', params, serve(vendor));
}
