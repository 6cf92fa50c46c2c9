import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERIES_NAMES, type TimelineSample } from '../controller/timeline.js';
import type { GameEntry } from './contract.js';
import { awsTime, compareWithAws, scoreGame, type ScoreInput } from './score.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const S = 1000;

/**
 * A game at 1h=10s whose trigger fires 10 s in: the kv endpoint is empty from 10 to 29 s (customers fail
 * from 11 s), DWFM's leases are down from 20 to 59 s, the NLB flaps from 60 to 90 s (customers at 80 %
 * from 31 to 69 s) and customers are back from 70 s. 100 requests a second.
 */
function journal(): ScoreInput['journal'] {
  const timeline: TimelineSample[] = [];
  for (let s = 0; s <= 200; s++) {
    const sample = { t: T0 + s * S, events: [] } as unknown as TimelineSample;
    for (const name of SERIES_NAMES) sample[name] = null;
    Object.assign(sample, {
      customerRequests: 100,
      customerSuccessRate: s < 11 ? 1 : s < 31 ? 0 : s < 70 ? 0.8 : 1,
      kvAddresses: s >= 10 && s < 29 ? 0 : 3,
      dwfmLeased: s >= 20 && s < 60 ? 100 : 450,
      dwfmDroplets: 450,
      nlbFlaps: s < 60 ? 0 : Math.min(s, 90) - 60,
      nlbLateChecks: 0,
    });
    timeline.push(sample);
  }
  return {
    startedAt: new Date(T0).toISOString(),
    durationMs: 200 * S,
    clock: '1h=10s',
    timeline,
    phases: [],
    activities: [
      { phase: 'hypothesis-before', type: 'probe', name: 'p', start: 0, end: 500, ok: true },
      { phase: 'method', type: 'probe', name: 'trigger', start: 1000, end: 10 * S, ok: true },
    ],
  };
}

let n = 0;
const entry = (t: number, by: string, e: Record<string, unknown>, role: 'responder' | 'facilitator' = 'responder') => ({ id: `e${++n}`, at: T0 + t, t, by, role, ...e }) as GameEntry;
const act = (t: number, action: string, by = 'carol', ok = true) => entry(t, by, { kind: 'action', action, ok, ...(ok ? {} : { error: 'launcher answered 503' }) });

const entries: GameEntry[] = [
  entry(16 * S, 'alice', { kind: 'declare', summary: 'customers fail' }),
  entry(18 * S, 'alice', { kind: 'hypothesis', text: 'DNS is broken', service: null }),
  entry(20 * S, 'bob', { kind: 'hypothesis', text: "the kv endpoint's DNS record is empty", service: 'dns-server' }),
  act(22 * S, 'restart-dwfm'),
  act(28 * S, 'dns', 'bob'),
  act(40 * S, 'throttle'),
  act(42 * S, 'restart-dwfm', 'dave'),
  act(45 * S, 'unthrottle', 'carol', false),
  act(50 * S, 'failover-off'),
  act(65 * S, 'failover-off', 'alice'),
  act(66 * S, 'throttle', 'the facilitator'),
];
entries[entries.length - 1]!.role = 'facilitator';

const settings = { trigger: 'trigger', slo: 0.95, hold: { aws: '30m' } };

describe("a game day's score", () => {
  const score = scoreGame({ journal: journal(), settings, entries, pauses: [{ start: 32 * S, end: 34 * S }] });
  const milestone = (name: string) => score.milestones.find((m) => m.name === name)!;

  it('finds the first impact, the declaration, the root cause and the mitigation, with the pause left out', () => {
    assert.equal(score.triggerAt, 10 * S);
    assert.deepEqual(score.firstImpact, { t: 11 * S, sinceTrigger: 1 * S, awsHours: 0.1 });
    assert.deepEqual(score.detected, { t: 16 * S, sinceTrigger: 6 * S, awsHours: 0.6, by: 'alice' });
    assert.equal(score.timeToDetect, 5 * S);
    assert.equal(score.rootCause?.by, 'bob', '"DNS is broken" names no endpoint; bob named the kv endpoint\'s record');
    assert.equal(score.rootCause?.awsHours, 1);
    assert.deepEqual(score.mitigated, { t: 70 * S, sinceTrigger: 58 * S, awsHours: 5.8 }, 'success back at 70 s and holding; the 2 s pause does not count');
    assert.equal(score.timeToMitigate, 57 * S);
  });

  it('counts the error budget burned over the game', () => {
    // From the trigger to the end: 191 s of 100 requests; 20 s at 0 % and 39 s at 80 % success.
    const { burned, ...counts } = score.errorBudget;
    assert.deepEqual(counts, { requests: 19_100, failed: 2780, allowed: 955 });
    assert.equal(burned?.toFixed(4), (2780 / 955).toFixed(4));
    assert.ok(score.summary.includes('Error budget burned: 291 % (2780 failed of 19100 requests; the SLO allows 955).'), score.summary.join('\n'));
  });

  it('judges every action of the team by the lab when it was taken', () => {
    assert.deepEqual(
      score.actions.map((a) => [a.action, a.by, a.verdict]),
      [
        ['restart-dwfm', 'carol', 'too-early'],
        ['dns', 'bob', 'needed'],
        ['throttle', 'carol', 'needed'],
        ['restart-dwfm', 'dave', 'needed'],
        ['unthrottle', 'carol', 'failed'],
        ['failover-off', 'carol', 'not-needed'],
        ['failover-off', 'alice', 'needed'],
      ],
      "the facilitator's own throttle is not the team's",
    );
    assert.match(score.actions[0]!.why, /restarting DWFM before DNS is back changes nothing/);
    assert.match(score.summary.join('\n'), /2 actions not needed or too early: restart-dwfm \(too-early: .*\); failover-off \(not-needed: the NLB's health checks were not flapping\)/);
  });

  it('sets the team beside AWS, scaled by the clock: "31 % faster than AWS did"', () => {
    assert.equal(milestone('dns-restored').sentence, 'your team restored DNS at +1:48, 31 % faster than AWS did (+2:37)');
    assert.equal(milestone('root-cause').sentence, 'your team identified the root cause at +1:00, 20 % later than AWS did (+0:50)');
    assert.equal(milestone('dwfm-restarted').by, 'carol and dave');
    assert.equal(milestone('dwfm-restarted').team?.awsHours, 3, 'restart at 42 s: 32 s after the trigger less the 2 s pause');
    assert.equal(milestone('failover-disabled').team?.awsHours, 5.3);
    assert.equal(milestone('mitigated').sentence, 'your team brought customers back above the SLO at +5:48, 60 % faster than AWS ended the event (+14:32)');
  });

  it('says what was not done, and judges nothing it cannot see', () => {
    const blind = scoreGame({ journal: { ...journal(), timeline: [] }, settings, entries: entries.slice(3, 5), pauses: [] });
    assert.equal(blind.firstImpact, null);
    assert.equal(blind.detected, null);
    assert.deepEqual(blind.actions.map((a) => a.verdict), ['unknown', 'unknown']);
    assert.equal(blind.errorBudget.burned, null);
    assert.equal(blind.milestones[0]!.sentence, 'your team has not identified the root cause (AWS did at +0:50)');
    assert.ok(blind.summary.includes('No incident was declared.'));
  });

  it('does not count a recovery that falls below the SLO again, nor one that has not held long enough by the end', () => {
    const relapse = journal();
    for (const sample of relapse.timeline) {
      const s = (sample.t - T0) / S;
      if (s >= 120 && s < 130) sample.customerSuccessRate = 0.5;
    }
    assert.equal(scoreGame({ journal: relapse, settings, entries, pauses: [] }).mitigated?.t, 130 * S);
    const short = { ...relapse, timeline: relapse.timeline.filter((x) => x.t - T0 <= 133 * S) };
    assert.equal(scoreGame({ journal: short, settings, entries, pauses: [] }).mitigated, null, 'back for 3 s: the hold is 5 s at 1h=10s');
  });

  it('counts a declaration before the first impact as negative time to detect', () => {
    const early = scoreGame({ journal: journal(), settings, entries: [entry(10.5 * S, 'eve', { kind: 'declare', summary: 'enactor lock lost' })], pauses: [] });
    assert.equal(early.timeToDetect, -500);
  });

  it('writes AWS times as the incident does', () => {
    assert.equal(awsTime(2 + 37 / 60), '+2:37');
    assert.equal(awsTime(-0.5), '-0:30');
    assert.equal(compareWithAws('restored DNS', 2 + 37 / 60, 2 + 37 / 60), 'your team restored DNS at +2:37, as fast as AWS did (+2:37)');
  });
});
