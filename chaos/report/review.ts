// review.md: a post-incident review draft for the team to edit after a game day, prefilled from the
// journal: summary, impact, timeline, contributing factors, what went well, what was hard, action
// items. Whatever the lab can tell is written in; what only the team knows is left as a prompt. Text a
// responder typed is escaped for Markdown, so it reads as they wrote it and never turns into markup.
import type { Journal } from '../experiments/runner.js';
import type { GameEntry } from '../gameday/contract.js';
import { awsSpan, awsTime, gameMoments, labTime } from '../gameday/score.js';
import { entryText } from './game.js';

/** Markdown-safe: one line, with the characters that make markup escaped. */
export function md(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`);
}

/** Why each phase happened, for the contributing factors (INCIDENT.md, as the lab plays it). */
const PHASE_FACTORS: Record<string, string> = {
  'dns-empty':
    "The regional kv endpoint's DNS record was empty (NOERROR, no addresses): a delayed DNS enactor applied a stale plan over a newer one, and another enactor's clean-up deleted it. No enactor could repair it; an operator had to (`repair dns`).",
  'lease-collapse':
    "DWFM lost the droplets' leases while the kv endpoint was empty; once DNS was back, re-establishing them all at once overran its work queue (congestive collapse) until launches were throttled and DWFM restarted.",
  'propagation-backlog': 'The network manager fell behind with the backlog of launches: new instances ran without their network configuration.',
  'nlb-flapping': "The NLB's health checks failed on instances whose network configuration had not arrived, flapped, and pulled capacity out of DNS through automatic AZ failover.",
};

const PROMPT = (what: string) => `- _${what}_`;

export function renderReview(journal: Journal): string {
  const game = journal.game;
  if (!game) throw new Error('review.md is written for a game day only');
  const { score } = game;
  const moment = gameMoments(journal.clock, score.triggerAt, game.pauses, journal.durationMs);
  const at = (t: number) => awsTime(moment(t).awsHours);
  const lab = (t: number) => labTime(moment(t).sinceTrigger);
  const date = journal.startedAt.slice(0, 10);
  const fixes = journal.fixes.length ? journal.fixes.join(', ') : 'none';

  const summary = [
    `On ${date} ${md(game.team)} responded to a simulated regional outage: scenario \`${journal.scenario}\` (${md(journal.title)}), played at \`${journal.clock}\`, fixes on: ${fixes}. The game ended ${md(game.ending)}.`,
    '',
    ...score.summary.map((line) => `- ${md(line)}`),
  ];

  const c = journal.customer;
  const belowSlo = score.firstImpact ? `Below the SLO (${(100 * score.slo).toFixed(1)} % of requests succeeding) from ${awsTime(score.firstImpact.awsHours)}${score.mitigated ? ` to ${awsTime(score.mitigated.awsHours)}` : ' to the end of the game'}.` : `Customers never fell below the SLO (${(100 * score.slo).toFixed(1)} %).`;
  const b = score.errorBudget;
  const impact = [
    `- Customers: ${c.requests} requests over the run, ${c.successes} succeeded (${c.successRate === null ? 'n/a' : `${(100 * c.successRate).toFixed(2)} %`})${Object.keys(c.errors).length ? `; errors: ${Object.entries(c.errors).map(([k, v]) => `${md(k)} ${v}`).join(', ')}` : ''}.`,
    `- ${belowSlo}`,
    `- Error budget burned since the trigger: ${b.burned === null ? 'not measured' : `${Math.round(100 * b.burned)} % (${b.failed} failed of ${b.requests} requests; the SLO allows ${Math.round(b.allowed)})`}.`,
    ...(journal.phases.length
      ? journal.phases.map((p) => `- Phase \`${p.name}\`: ${at(p.start)} to ${at(p.end)}${p.ongoing ? ' (still going at the end)' : ''}, ${awsSpan(moment(p.end).awsHours - moment(p.start).awsHours)} at AWS's pace.`)
      : ['- No phase of the cascade was detected.']),
    `- The steady state (${md(journal.hypothesis.title)}) ${journal.hypothesis.after === null ? 'was not checked again' : journal.hypothesis.after ? 'held again at the end' : 'did not hold at the end'}; the run ${journal.status}${journal.reason ? ` (${md(journal.reason)})` : ''}.`,
  ];

  type Row = { t: number; who: string; what: string };
  const rows: Row[] = [
    { t: score.triggerAt, who: 'the lab', what: 'the trigger fired' },
    ...journal.faults.map((f) => ({ t: f.start, who: 'the scenario', what: `fault: ${f.kind} ${f.name} on ${f.target} ${JSON.stringify(f.spec)}` })),
    ...game.faults.map((f) => ({ t: f.start, who: 'the facilitator', what: `fault added: ${f.kind} on ${f.target} ${JSON.stringify(f.params)}` })),
    ...game.pauses.map((p) => ({ t: p.start, who: 'the facilitator', what: `paused the game until ${labTime(p.end ?? journal.durationMs)} into the run` })),
    ...journal.phases.flatMap((p) => [
      { t: p.start, who: 'the lab', what: `phase ${p.name} began` },
      ...(p.ongoing ? [] : [{ t: p.end, who: 'the lab', what: `phase ${p.name} ended` }]),
    ]),
    ...(score.firstImpact ? [{ t: score.firstImpact.t, who: 'customers', what: 'success fell below the SLO' }] : []),
    ...game.entries.map((e: GameEntry) => ({ t: e.t, who: e.role === 'facilitator' ? `${e.by} (facilitator)` : e.by, what: entryText(e) })),
    ...(score.mitigated ? [{ t: score.mitigated.t, who: 'customers', what: 'back above the SLO, and holding' }] : []),
    { t: journal.durationMs, who: 'the lab', what: `the game ended (${game.ending})` },
  ].sort((x, y) => x.t - y.t);
  const timeline = ['| AWS time | lab time | who | what |', '|---|---|---|---|', ...rows.map((r) => `| ${at(r.t)} | ${lab(r.t)} | ${md(r.who)} | ${md(r.what)} |`)];

  const factors = [
    ...journal.faults.slice(0, 1).map((f) => `- The trigger, injected by the scenario: ${md(`${f.kind} on ${f.target} ${JSON.stringify(f.spec)}`)}${journal.faults.length > 1 ? `, then ${journal.faults.length - 1} more setting${journal.faults.length > 2 ? 's' : ''} of it` : ''}.`),
    ...game.faults.map((f) => `- Added by the facilitator at ${at(f.start)}: ${md(`${f.kind} on ${f.target} ${JSON.stringify(f.params)}`)}.`),
    ...[...new Set(journal.phases.map((p) => p.name))].map((name) => `- ${PHASE_FACTORS[name] ?? `Phase ${name}.`}`),
    PROMPT('What made it worse, or harder to see: alerts, dashboards, runbooks, access, hand-offs.'),
  ];

  const went: string[] = [];
  const hard: string[] = [];
  const items: string[] = [];
  if (score.detected && score.timeToDetect !== null) (score.timeToDetect <= 5 * 60_000 ? went : hard).push(`- Declared by ${md(score.detected.by)} ${score.timeToDetect < 0 ? 'before customers felt it' : `${labTime(score.timeToDetect)} after customers first felt it`}.`);
  if (!score.detected) {
    hard.push('- Nobody declared an incident.');
    items.push('- [ ] Page on customers below the SLO, so that someone declares an incident.');
  }
  if (score.rootCause) went.push(`- ${md(score.rootCause.by)} named the root cause at ${awsTime(score.rootCause.awsHours)}.`);
  else {
    hard.push("- No hypothesis named the root cause (the kv endpoint's DNS records, or the enactors).");
    items.push("- [ ] Alert when the kv endpoint answers NOERROR with no addresses (what every resolver saw), and say so on the dashboard.");
  }
  for (const m of score.milestones) {
    if (m.name === 'root-cause') continue;
    const faster = m.team !== null && m.team.awsHours < m.awsHours;
    (faster ? went : hard).push(`- ${md(m.sentence[0]!.toUpperCase() + m.sentence.slice(1))}.`);
  }
  for (const a of score.actions.filter((x) => x.verdict === 'too-early' || x.verdict === 'not-needed' || x.verdict === 'failed')) {
    hard.push(`- ${md(a.by)} took \`${a.action}\` at ${at(a.t)}: ${a.verdict}, ${md(a.why)}.`);
  }
  if (score.actions.some((a) => a.verdict === 'too-early' && (a.action === 'restart-dwfm' || a.action === 'throttle'))) items.push('- [ ] Runbook: restore DNS first; throttle and restart DWFM only once the kv endpoint resolves again.');
  if (score.actions.some((a) => a.action === 'failover-off' && a.verdict === 'not-needed')) items.push("- [ ] Runbook: disable the NLB's automatic failover only while its health checks flap.");
  if (!score.mitigated) items.push('- [ ] Find out what kept customers below the SLO at the end of the game.');
  items.push('- [ ] _Owner, due date: add the team\'s own._');

  return [
    `# Post-incident review (draft): ${md(journal.title)}, ${md(game.team)}`,
    '',
    `_Written by cascade-lab from the game's journal. A draft: correct what the lab could not know, add what the team learned. Times are AWS hours after the trigger fired, as on 20 October 2025, with the lab time beside them._`,
    '',
    '## Summary',
    '',
    ...summary,
    '',
    '## Impact',
    '',
    ...impact,
    '',
    '## Timeline',
    '',
    ...timeline,
    '',
    '## Contributing factors',
    '',
    ...factors,
    '',
    '## What went well',
    '',
    ...went,
    PROMPT('Add yours.'),
    '',
    '## What was hard',
    '',
    ...hard,
    PROMPT('Add yours.'),
    '',
    '## Action items',
    '',
    ...items,
    '',
  ].join('\n');
}

