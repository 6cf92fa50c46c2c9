// The controller's run API (runs.ts): the scenarios, the run going on, starting and stopping one, and the
// journal and report of every run kept. Starting and stopping need the admin token; reading does not,
// but while a game day goes on (its run, its report) it does (app.facilitatorRead).
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { notFound } from '../../lib/errors.js';
import type { LabApp } from '../../lib/http.js';
import { runInfoSchema, runListSchema, runParams, runRequestSchema, scenarioListSchema } from './contract.js';
import { REPORT_FILES, type ReportFile } from './reports.js';
import type { RunManager } from './runs.js';

/** report.html is self-contained (inline CSS and SVG, no script): the browser may load nothing else for it. */
const REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function registerRunRoutes(app: LabApp, runs: RunManager): void {
  app.get('/api/scenarios', { schema: { response: { 200: scenarioListSchema } } }, async () => runs.catalogue());

  app.get('/api/runs', { onRequest: app.facilitatorRead, schema: { response: { 200: runListSchema } } }, async () => ({ current: runs.current(), finished: runs.finished() }));

  app.post('/api/runs', { onRequest: app.requireAdmin, schema: { body: runRequestSchema, response: { 201: runInfoSchema } } }, async (req, reply) =>
    reply.status(201).send(await runs.start(req.body)),
  );

  app.get('/api/runs/current', { onRequest: app.facilitatorRead, schema: { response: { 200: runInfoSchema } } }, async () => {
    const run = runs.current();
    if (!run) throw notFound('no run is going (POST /api/runs starts one)');
    return run;
  });

  /** Stops the run: the method ends, the rollbacks run, and it answers with the finished run. */
  app.delete('/api/runs/current', { onRequest: app.requireAdmin, schema: { response: { 200: runInfoSchema } } }, async () => runs.stop());

  const fileParams = runParams.extend({ file: z.enum(Object.keys(REPORT_FILES) as [ReportFile, ...ReportFile[]]) });
  app.get('/api/runs/:id/:file', { onRequest: app.facilitatorRead, schema: { params: fileParams } }, async (req, reply) => {
    const path = runs.reportFile(req.params.id, req.params.file);
    if (!path) {
      const kept = runs.reportFile(req.params.id, 'journal.json');
      throw notFound(kept ? `run ${req.params.id} has no ${req.params.file} (only a game day writes review.md)` : `no finished run ${JSON.stringify(req.params.id)} kept (GET /api/runs lists them)`);
    }
    if (req.params.file === 'report.html') reply.header('content-security-policy', REPORT_POLICY);
    return reply.type(REPORT_FILES[req.params.file]).send(createReadStream(path));
  });
}
