import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { TEST_TOKEN, testController, type TestController } from '../../test/support/controller.js';
import { fakeLab, KV_ADDRESSES, KV_NAME, type FakeLab } from '../../test/support/fake-services.js';
import { gameRunner } from '../../test/support/game-runner.js';
import { until } from '../../test/support/until.js';
import { LabContainers } from '../faults/docker.js';
import { FakeDocker } from '../faults/test-support.js';
import { LabClockKeeper } from '../controller/lab-clock.js';
import { ServiceDirectory } from '../controller/services.js';
import { systemClock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { defaultLabClock } from '../../lib/lab-clock.js';
import { silentLogger } from '../../lib/log.js';
import { gameInfoSchema, gameStartedSchema, respondersGameSchema } from './contract.js';

const admin = { authorization: `Bearer ${TEST_TOKEN}` };

describe('game day API', () => {
  let lab: FakeLab;
  let controller: TestController;
  let runner: ReturnType<typeof gameRunner>;
  let docker: FakeDocker;
  const clocks: string[] = [];
  const logged = new PassThrough();
  let log = '';
  let token = '';
  let players: Record<string, string> = {};
  const inject = (method: string, url: string, headers: Record<string, string> = {}, payload?: object) =>
    controller.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });

  before(async () => {
    lab = await fakeLab({ token: TEST_TOKEN });
    runner = gameRunner();
    docker = new FakeDocker();
    const kv1 = docker.add('lab', 'kv-1');
    docker.written.set(kv1, [
      JSON.stringify({ level: 30, time: '2026-01-01T00:00:01.000Z', service: 'kv-1', msg: 'kv-store listening' }),
      JSON.stringify({ level: 40, time: '2026-01-01T00:00:02.000Z', service: 'kv-1', msg: '<img src=x onerror=alert(1)> redis error', err: 'ECONNREFUSED' }),
      'not json at all',
    ]);
    logged.on('data', (d: Buffer) => (log += d));
    controller = testController({
      services: lab.list(),
      dns: { host: '127.0.0.1', port: lab.dns.udpPort },
      execute: runner.execute,
      containers: new LabContainers(docker, 'lab', 'controller'),
      repairs: {
        dns: async () => ({ action: 'dns', generation: 7 }),
        throttle: async () => {
          throw new Error('ec2-1 answered 503: not ready');
        },
        'restart-dwfm': async () => ({ service: 'ec2-1', cleared: 3 }),
      },
      labClock: new (class extends LabClockKeeper {
        override async set(clock: string) {
          const status = await super.set(clock);
          clocks.push(clock);
          return status;
        }
      })(defaultLabClock(), new ServiceDirectory([], 'unused'), null, new EventLog(), silentLogger(), systemClock),
      log: pino({ level: 'trace' }, logged),
    });
  });
  after(async () => {
    await controller.stop();
    await lab.close();
  });

  it('starts a game with the admin token only, checks its body, and shows the responders\' token this once', async () => {
    const none = await inject('GET', '/api/gameday', admin);
    assert.deepEqual([none.statusCode, none.json()], [200, null], 'no game yet');
    assert.equal((await inject('POST', '/api/gameday', {}, { scenario: 'aws-2025-10-20' })).statusCode, 401);
    const bad: [object, RegExp][] = [
      [{ scenario: 'nope' }, /unknown scenario "nope"/],
      [{ scenario: 'aws-2025-10-20', clock: '1h=1ms' }, /clock: too fast/],
      [{ scenario: 'aws-2025-10-20', clock: 'soon' }, /a lab clock like 1h=60s/],
      [{ scenario: 'aws-2025-10-20', team: 'x'.repeat(61) }, /a team name of at most 60 characters/],
      [{ scenario: 'aws-2025-10-20', token: 'mine' }, /token|Unrecognized/],
    ];
    for (const [body, message] of bad) {
      const res = await inject('POST', '/api/gameday', admin, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.json().error.message, message);
    }
    const res = await inject('POST', '/api/gameday', admin, { scenario: 'aws-2025-10-20', team: 'Blue team', seed: 5 });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const started = gameStartedSchema.parse(res.json());
    token = started.responders.token;
    players = { authorization: `Bearer ${token}` };
    assert.equal(started.responders.path, '/responders');
    assert.ok(token.length >= 32, 'a long random token');
    assert.deepEqual([started.game.team, started.game.clock, started.game.state], ['Blue team', '1h=60s', 'running']);
    assert.deepEqual(clocks, ['1h=60s'], "a game day's pace by default");
    assert.equal(runner.calls[0]?.game !== undefined, true, 'the run is played as a game');

    const info = await inject('GET', '/api/gameday', admin);
    assert.equal(info.statusCode, 200);
    assert.ok(!info.body.includes(token), 'the token is not shown again');
    assert.equal((await inject('POST', '/api/gameday', admin, { scenario: 'dns-race' })).statusCode, 409);
  });

  it("refuses the responders' token everywhere the facilitator goes (403), and the facilitator's reads without a token while the game goes on (401)", async () => {
    const facilitator: [string, string, object?][] = [
      ['GET', '/api/gameday'],
      ['POST', '/api/gameday/pause'],
      ['POST', '/api/gameday/end'],
      ['POST', '/api/faults', { kind: 'slow-handler', target: 'kv-2', params: { ms: 100 } }],
      ['DELETE', '/api/faults'],
      ['POST', '/api/repair', { action: 'dns' }],
      ['POST', '/api/runs', { scenario: 'dns-race' }],
      ['DELETE', '/api/runs/current'],
      ['POST', '/api/emergency-stop'],
      ['GET', '/api/faults'],
      ['GET', '/api/runs'],
      ['GET', '/api/runs/current'],
      ['GET', '/api/timeline'],
      ['GET', '/api/live'],
      ['GET', '/api/services/kv-1/state'],
      ['GET', '/api/services/kv-1/events'],
      ['GET', '/api/admin'],
    ];
    for (const [method, url, body] of facilitator) {
      const res = await inject(method, url, players, body);
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
      assert.match(res.json().error.message, /responders' token/);
    }
    for (const url of ['/api/faults', '/api/runs', '/api/runs/current', '/api/timeline', '/api/live', '/api/services/kv-1/state', '/api/leases']) {
      assert.equal((await inject('GET', url)).statusCode, 401, `${url} without a token during the game`);
    }
    assert.equal((await inject('GET', '/api/runs', admin)).statusCode, 200, 'the facilitator reads with the admin token');
    assert.equal((await inject('GET', '/api/topology')).statusCode, 200, 'the architecture is no secret');
    assert.equal(lab.get('kv-2').posts.length, 0, 'no fault was injected by the responders');
  });

  it("takes the responders' declarations, hypotheses and runbook actions with their token only, each journaled with its time and who", async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const res = await inject('POST', '/api/responders/declare', headers, { by: 'Alice', summary: 'customers fail' });
      assert.equal(res.statusCode, 401);
      assert.match(res.json().error.message, /responders' token/);
    }
    const asAdmin = await inject('POST', '/api/responders/declare', admin, { by: 'Alice', summary: 'customers fail' });
    assert.equal(asAdmin.statusCode, 403, 'the facilitator does not play');
    const bad: [string, object, RegExp][] = [
      ['/api/responders/declare', { summary: 'x' }, /by/],
      ['/api/responders/declare', { by: '', summary: 'x' }, /a name \(who you are\)/],
      ['/api/responders/declare', { by: '<b>', summary: 'x' }, /a name of letters, digits/],
      ['/api/responders/declare', { by: 'Alice', summary: '   ' }, /what you see \(not empty\)/],
      ['/api/responders/hypotheses', { by: 'Bob', text: 'x'.repeat(1001) }, /a hypothesis of at most 1000 characters/],
      ['/api/responders/hypotheses', { by: 'Bob', text: 'dns', service: 'fault-proxy' }, /service: no lab service "fault-proxy"/],
      ['/api/responders/actions', { by: 'Carol', action: 'emergency-stop' }, /action/],
      ['/api/responders/actions', { by: 'Carol', action: 'dns', extra: 1 }, /extra|Unrecognized/],
    ];
    for (const [url, body, message] of bad) {
      const res = await inject('POST', url, players, body);
      assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(body)}: ${res.body}`);
      assert.match(res.json().error.message, message);
    }

    const declared = await inject('POST', '/api/responders/declare', players, { by: 'Alice', summary: 'customers fail <b>' });
    assert.equal(declared.statusCode, 201, declared.body);
    assert.equal((await inject('POST', '/api/responders/declare', players, { by: 'Bob', summary: 'again' })).statusCode, 409);
    const hypothesis = await inject('POST', '/api/responders/hypotheses', players, { by: 'Bob', text: 'the kv endpoint has no DNS records', service: 'dns-server' });
    assert.equal(hypothesis.statusCode, 201, hypothesis.body);
    assert.deepEqual([hypothesis.json().by, hypothesis.json().service, hypothesis.json().role], ['Bob', 'dns-server', 'responder']);
    const repaired = await inject('POST', '/api/responders/actions', players, { by: 'Carol', action: 'dns' });
    assert.equal(repaired.statusCode, 200, repaired.body);
    assert.deepEqual(repaired.json().result, { action: 'dns', generation: 7 });
    const failed = await inject('POST', '/api/responders/actions', players, { by: 'Carol', action: 'throttle' });
    assert.equal(failed.statusCode, 502);
    assert.match(failed.json().error.message, /throttle failed: ec2-1 answered 503/);
    assert.equal((await inject('POST', '/api/repair', admin, { action: 'restart-dwfm' })).statusCode, 200, "the facilitator's own action");

    const game = respondersGameSchema.parse((await inject('GET', '/api/responders/game', players)).json());
    assert.equal(game.declared, true);
    assert.deepEqual(
      game.entries.map((e) => [e.kind, e.by, e.kind === 'action' ? `${e.action} ${e.ok}` : '']),
      [
        ['declare', 'Alice', ''],
        ['hypothesis', 'Bob', ''],
        ['action', 'Carol', 'dns true'],
        ['action', 'Carol', 'throttle false'],
      ],
      "the responders see their own entries, not the facilitator's",
    );
    assert.ok(game.entries.every((e) => e.at > 0 && e.t >= 0));
    assert.equal(game.score, null, 'no score before the end');
    const facilitator = gameInfoSchema.parse((await inject('GET', '/api/gameday', admin)).json());
    assert.deepEqual(facilitator.entries.at(-1), { ...facilitator.entries.at(-1), kind: 'action', action: 'restart-dwfm', by: 'the facilitator', role: 'facilitator' });
  });

  it('answers a DNS lookup at the lab\'s DNS server, NODATA included, and refuses a bad name with 400', async () => {
    const ok = await inject('GET', `/api/responders/dns?name=${KV_NAME}`, players);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().answers.map((a: { data: string }) => a.data).sort(), [...KV_ADDRESSES].sort());
    lab.kv.empty();
    const empty = (await inject('GET', `/api/responders/dns?name=${KV_NAME}&type=A`, players)).json();
    assert.deepEqual([empty.rcode, empty.answers.length, empty.nodata], ['NOERROR', 0, true]);
    assert.equal(empty.authority[0]?.type, 'SOA', 'the SOA that negative caching keeps it by');
    const txt = (await inject('GET', `/api/responders/dns?name=${KV_NAME}&type=TXT`, players)).json();
    assert.equal(txt.answers[0]?.data, '"emptied"');
    lab.kv.restore();
    for (const query of ['name=', 'name=a..b', `name=${'a'.repeat(64)}.lab.internal`, 'name=kv;rm%20-rf', `name=${KV_NAME}&type=ANY`, `name=${KV_NAME}&x=1`]) {
      const res = await inject('GET', `/api/responders/dns?${query}`, players);
      assert.equal(res.statusCode, 400, query);
      assert.ok(res.json().error.message, 'with a message');
    }
    assert.equal((await inject('GET', `/api/responders/dns?name=${KV_NAME}`)).statusCode, 401);
  });

  it("shows each service's state without the fault hooks' settings, and its log lines; never the controller's or the fault proxy's", async () => {
    const state = await inject('GET', '/api/responders/services/kv-1/state', players);
    assert.equal(state.statusCode, 200);
    const enactor = (await inject('GET', '/api/responders/services/dns-enactor-az-a/state', players)).json();
    assert.equal(enactor.kind, 'dns-enactor');
    assert.equal('paused' in enactor.state, false, 'a paused enactor is a fault hook');
    assert.ok('stats' in enactor.state);
    assert.equal((await inject('GET', '/api/responders/services/fault-proxy/state', players)).statusCode, 404);

    const logs = await inject('GET', '/api/responders/logs?service=kv-1&tail=50', players);
    assert.equal(logs.statusCode, 200, logs.body);
    assert.deepEqual(
      logs.json().lines.map((l: { level: string; msg: string }) => [l.level, l.msg]),
      [
        ['info', 'kv-store listening'],
        ['warn', '<img src=x onerror=alert(1)> redis error'],
        ['text', 'not json at all'],
      ],
    );
    assert.deepEqual(logs.json().lines[1].fields, { err: 'ECONNREFUSED' });
    assert.equal((await inject('GET', '/api/responders/logs?service=fault-proxy', players)).statusCode, 404);
    assert.equal((await inject('GET', '/api/responders/logs?tail=0', players)).statusCode, 400);
    const all = await inject('GET', '/api/responders/logs', players);
    assert.equal(all.statusCode, 200, 'every service, those without a container skipped');
    assert.equal(all.json().lines.length, 3);
  });

  it('pauses only where the scenario allows it, holds the responders meanwhile, and resumes at the game\'s clock', async () => {
    runner.state.pausable = false;
    const refused = await inject('POST', '/api/gameday/pause', admin);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().error.message, /cannot be paused now \(wait-for-the-race\)/);
    runner.state.pausable = true;
    const paused = await inject('POST', '/api/gameday/pause', admin);
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(paused.json().state, 'paused');
    assert.equal(clocks.at(-1), '1h=1h', 'the lab slowed to real time');
    assert.equal(runner.calls[0]?.game?.schedule.paused, true, "the scenario's schedule held");
    const held = await inject('POST', '/api/responders/hypotheses', players, { by: 'Bob', text: 'meanwhile' });
    assert.equal(held.statusCode, 409);
    assert.match(held.json().error.message, /paused/);
    const resumed = await inject('POST', '/api/gameday/resume', admin);
    assert.equal(resumed.json().state, 'running');
    assert.equal(clocks.at(-1), '1h=60s');
    assert.equal(runner.calls[0]?.game?.schedule.paused, false);
    assert.equal(resumed.json().pauses.length, 1);
    assert.equal((await inject('POST', '/api/gameday/resume', admin)).statusCode, 409);
  });

  it("notes the fault proxy's toxics added during the game by anyone but the run, with when they came and went", () => {
    const toxic = (holder: string | null, id: string) => ({ source: 'fault-proxy' as const, id, kind: 'latency', target: id.split('/')[0]!, params: { latency: 300 }, holder, expiresAt: null });
    const now = Date.now();
    controller.games.noteFaults([toxic('run-aws-2025-10-20-5-1-1', 'enactor-az-a/lab_latency_downstream'), toxic('cli-fault-1', 'enactor-az-c/latency_downstream')], now);
    controller.games.noteFaults([], now + 1500);
    const faults = gameInfoSchema.parse(controller.games.info()).faults;
    assert.deepEqual(
      faults.filter((f) => f.kind === 'latency').map((f) => [f.id, f.end !== null && f.end - f.start]),
      [['enactor-az-c/latency_downstream', 1500]],
      "the run's own toxic is the scenario's, not the facilitator's",
    );
  });

  it('ends the game: the journal keeps the record and the score, the report and review.md are written, the token is nowhere', async () => {
    const ending = await inject('POST', '/api/gameday/end', admin);
    assert.equal(ending.statusCode, 200);
    assert.ok(['ending', 'ended'].includes(ending.json().state));
    const ended = await until('the game ended', async () => {
      const info = gameInfoSchema.parse((await inject('GET', '/api/gameday', admin)).json());
      return info.state === 'ended' ? info : null;
    });
    assert.equal(ended.ending, 'by the facilitator');
    assert.ok(ended.score, 'scored');
    assert.equal(ended.run?.state, 'completed', 'a game that ends is no abort: the steady state is checked');
    const dir = join(controller.reportsDir, ended.id);
    const journal = JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8'));
    assert.equal(journal.game.team, 'Blue team');
    assert.equal(journal.game.entries.length, 5);
    assert.ok(journal.game.score.milestones.length === 5);
    const review = readFileSync(join(dir, 'review.md'), 'utf8');
    assert.match(review, /## Action items/);

    // Over: the reads are open again, the responders see their score and where the report is.
    assert.equal((await inject('GET', '/api/runs')).statusCode, 200);
    const game = respondersGameSchema.parse((await inject('GET', '/api/responders/game', players)).json());
    assert.equal(game.state, 'ended');
    assert.ok(game.score);
    assert.equal(game.report?.review, `/api/runs/${ended.id}/review.md`);
    const served = await inject('GET', game.report!.review);
    assert.equal(served.statusCode, 200);
    assert.match(served.headers['content-type'] as string, /text\/markdown/);
    assert.equal((await inject('POST', '/api/responders/declare', players, { by: 'Alice', summary: 'late' })).statusCode, 409, 'the game is over');

    const everything = [readFileSync(join(dir, 'journal.json'), 'utf8'), readFileSync(join(dir, 'report.html'), 'utf8'), review, log, JSON.stringify(controller.events.since(0, 5000))];
    assert.ok(log.length > 0, 'the controller did log');
    for (const text of everything) assert.ok(!text.includes(token), 'the responders\' token is in no journal, report, review, log or event');
    for (const text of everything) assert.ok(!text.includes(TEST_TOKEN), 'nor the admin token');
  });
});
