import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../lib/clock.js';
import { badRequest } from '../../lib/errors.js';
import { TEST_TOKEN, testController } from '../../test/support/controller.js';
import type { Journal, RunOptions } from '../experiments/runner.js';
import { sampleJournal } from '../report/sample-journal.js';
import { runInfoSchema, runListSchema } from './contract.js';

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

/** A runner that goes on until the test ends it or the run is aborted, showing a live view meanwhile. */
function fakeRunner() {
  const calls: RunOptions[] = [];
  const endings: ((status: Journal['status']) => void)[] = [];
  const execute = async (_experiment: unknown, opts: RunOptions): Promise<Journal> => {
    calls.push(opts);
    const t0 = opts.clock.now();
    opts.observe?.({
      elapsed: () => opts.clock.now() - t0,
      phases: () => ['lease-collapse'],
      detected: () => [
        { name: 'dns-empty', start: 1000, end: 2500 },
        { name: 'lease-collapse', start: 2000, end: 4000 },
      ],
      activeFaults: () => 2,
      activity: () => 'wait-for-the-endpoint-to-empty',
    });
    opts.progress?.('  action slow-link');
    const status = await new Promise<Journal['status']>((resolve) => {
      endings.push(resolve);
      opts.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const reason = status === 'aborted' ? `interrupted (${String(opts.signal?.reason)})` : undefined;
    return { ...sampleJournal(), scenario: opts.scenario, seed: opts.seed, status, ...(reason ? { reason } : {}), durationMs: opts.clock.now() - t0 };
  };
  return { calls, execute, end: (status: Journal['status']) => endings.shift()?.(status) };
}

describe('runs hosted by the controller', () => {
  it('starts a shipped scenario, shows its progress, refuses a second, and keeps the journal and report of the stopped run', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const runner = fakeRunner();
    const { app, events, reportsDir } = testController({ clock, execute: runner.execute });
    const post = (payload: object, headers: Record<string, string> = auth) => app.inject({ method: 'POST', url: '/api/runs', headers, payload });

    assert.equal((await post({ scenario: 'dns-race' }, {})).statusCode, 401);
    const bad: [object, RegExp][] = [
      [{ scenario: '../../etc/passwd' }, /scenario/],
      [{ scenario: 'no-such-scenario' }, /unknown scenario "no-such-scenario"; known: .*dns-race/],
      [{ scenario: 'dns-race', seed: -1 }, /seed/],
      [{ scenario: 'dns-race', clock: 'fast' }, /a lab clock like 1h=60s/],
      [{ scenario: 'dns-race', extra: 1 }, /extra|Unrecognized/i],
    ];
    for (const [body, message] of bad) {
      const res = await post(body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.json().error.message, message);
    }
    assert.equal(runner.calls.length, 0, 'nothing ran');

    const started = await post({ scenario: 'dns-race', seed: 41 });
    assert.equal(started.statusCode, 201, started.body);
    const run = runInfoSchema.parse(started.json());
    assert.equal(run.state, 'running');
    assert.equal(run.seed, 41);
    assert.equal(run.expectedMs, 10 * 45_000 + 15_000);
    assert.match(run.id, /^2026-01-01T00-00-00-000Z-dns-race-41$/);
    assert.equal(runner.calls[0]?.seed, 41);

    await clock.advance(3000);
    const current = runInfoSchema.parse((await app.inject({ url: '/api/runs/current' })).json());
    assert.equal(current.elapsedMs, 3000);
    assert.equal(current.activity, 'wait-for-the-endpoint-to-empty');
    assert.equal(current.faults, 2);
    assert.deepEqual(current.phases.map((p) => [p.name, p.ongoing ?? false]), [['dns-empty', false], ['lease-collapse', true]]);
    assert.deepEqual(current.lines, ['action slow-link']);

    const second = await post({ scenario: 'aws-2025-10-20' });
    assert.equal(second.statusCode, 409);
    assert.match(second.json().error.message, /a run is going \(2026-01-01T00-00-00-000Z-dns-race-41\): stop it first/);

    assert.equal((await app.inject({ method: 'DELETE', url: '/api/runs/current' })).statusCode, 401);
    const stopped = await app.inject({ method: 'DELETE', url: '/api/runs/current', headers: auth });
    assert.equal(stopped.statusCode, 200, stopped.body);
    const done = runInfoSchema.parse(stopped.json());
    assert.equal(done.state, 'aborted');
    assert.match(done.reason ?? '', /interrupted \(stopped by the facilitator\)/);
    assert.equal((await app.inject({ url: '/api/runs/current' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/runs/current', headers: auth })).statusCode, 404);

    const list = runListSchema.parse((await app.inject({ url: '/api/runs' })).json());
    assert.equal(list.current, null);
    assert.deepEqual(list.finished.map((r) => [r.id, r.state]), [[run.id, 'aborted']]);
    assert.ok(existsSync(join(reportsDir, run.id, 'journal.json')));
    const journal = await app.inject({ url: `/api/runs/${run.id}/journal.json` });
    assert.equal(journal.statusCode, 200);
    assert.equal(journal.json().status, 'aborted');
    assert.equal(journal.json().seed, 41);
    const report = await app.inject({ url: `/api/runs/${run.id}/report.html` });
    assert.equal(report.statusCode, 200);
    assert.match(report.headers['content-type'] as string, /text\/html/);
    assert.match(report.headers['content-security-policy'] as string, /default-src 'none'/);
    assert.equal((await app.inject({ url: '/api/runs/nope/journal.json' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/api/runs/..%2F..%2Fetc/journal.json' })).statusCode, 400);
    assert.equal((await app.inject({ url: `/api/runs/${run.id}/run.json` })).statusCode, 400);

    const types = events.since(0).events.map((e) => e.type);
    assert.deepEqual(types.filter((t) => t.startsWith('run-')), ['run-started', 'run-stopping', 'run-finished']);
    assert.ok(!readFileSync(join(reportsDir, run.id, 'journal.json'), 'utf8').includes(TEST_TOKEN), 'the token is in no journal');
    await app.close();
  });

  it('sets the lab clock before a run that names one; a clock the lab refuses starts nothing', async () => {
    const runner = fakeRunner();
    const clocks: string[] = [];
    const order: string[] = [];
    let refuse = false;
    const { app } = testController({
      execute: async (experiment, opts) => {
        order.push('run');
        return runner.execute(experiment, opts);
      },
      setClock: async (clock) => {
        if (refuse) throw badRequest('the lab clock cannot be changed yet');
        clocks.push(clock);
        order.push('clock');
      },
    });
    const ok = await app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'dns-race', clock: '1h=60s' } });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().clock, '1h=60s');
    assert.deepEqual(clocks, ['1h=60s']);
    assert.deepEqual(order, ['clock', 'run']);
    assert.equal(runner.calls[0]?.labClock?.text, '1h=60s', "the scenario's AWS times are scaled by it");
    runner.end('completed');
    await app.inject({ method: 'DELETE', url: '/api/runs/current', headers: auth });

    refuse = true;
    const refused = await app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'dns-race', clock: '1h=10s' } });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().error.message, 'the lab clock cannot be changed yet');
    const tooFast = await app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'dns-race', clock: '1h=10ms' } });
    assert.equal(tooFast.statusCode, 400);
    assert.match(tooFast.json().error.message, /^clock: too fast/);
    assert.equal((await app.inject({ url: '/api/runs/current' })).statusCode, 404, 'no run started');
    assert.equal(runner.calls.length, 1);
    const without = await app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'dns-race' } });
    assert.equal(without.statusCode, 201, 'without a clock the clock is left alone');
    await app.inject({ method: 'DELETE', url: '/api/runs/current', headers: auth });
    await app.close();
  });

  it('keeps only the newest runs, and records a run that could not begin as aborted', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const runner = fakeRunner();
    let fail = false;
    const { app, reportsDir } = testController({
      clock,
      reportsKeep: 3,
      execute: async (experiment, opts) => {
        if (fail) throw new Error('no live lease: the fault proxy is down');
        return runner.execute(experiment, opts);
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'dns-race', seed: i } });
      ids.push(res.json().id);
      await clock.advance(1000);
      runner.end('completed');
      await app.inject({ method: 'DELETE', url: '/api/runs/current', headers: auth }).catch(() => undefined);
      while ((await app.inject({ url: '/api/runs/current' })).statusCode === 200) await clock.advance(10);
    }
    const finished = runListSchema.parse((await app.inject({ url: '/api/runs' })).json()).finished;
    assert.deepEqual(finished.map((r) => r.id), ids.slice(2).reverse(), 'the newest three, newest first');
    assert.ok(!existsSync(join(reportsDir, ids[0]!)), 'the oldest folder is gone');

    fail = true;
    const failed = await app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'dns-race', seed: 9 } });
    assert.equal(failed.statusCode, 201);
    while ((await app.inject({ url: '/api/runs/current' })).statusCode === 200) await clock.advance(10);
    const last = runListSchema.parse((await app.inject({ url: '/api/runs' })).json()).finished[0]!;
    assert.equal(last.state, 'aborted');
    assert.match(last.reason ?? '', /the run failed: no live lease: the fault proxy is down/);
    await app.close();
  });

  it('never writes the admin token to its log, even when a request fails inside', async () => {
    const out = new PassThrough();
    let logged = '';
    out.on('data', (d: Buffer) => (logged += d.toString()));
    const { app } = testController({
      log: pino({ level: 'trace' }, out),
      setClock: async () => {
        throw new Error('the clock service blew up');
      },
    });
    const res = await app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'dns-race', clock: '1h=60s' } });
    assert.equal(res.statusCode, 500);
    await app.inject({ method: 'POST', url: '/api/emergency-stop', headers: { authorization: 'Bearer wrong-token' } });
    await app.inject({ method: 'GET', url: '/api/nothing-here', headers: auth });
    await app.close();
    assert.match(logged, /the clock service blew up/, 'the failure is logged');
    assert.ok(!logged.includes(TEST_TOKEN), 'but not the token');
    assert.ok(!logged.includes('wrong-token'));
  });
});
