// `cascade-lab gameday start|status|pause|resume|end`: a game day from the terminal, through the same
// controller API as the facilitator's drawer (/api/gameday). `start` prints the responders' page and
// token once: the controller never shows the token again.
import { Command, InvalidArgumentError } from 'commander';
import { systemClock } from '../lib/clock.js';
import { LabClock } from '../lib/lab-clock.js';
import { GAME_CLOCK, type GameInfo } from './gameday/contract.js';
import { labTime } from './gameday/score.js';
import { LabClient } from './lab-client.js';
import { entryText } from './report/game.js';

const say = (line: string) => process.stderr.write(`${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

const clockOption = (text: string) => {
  try {
    return LabClock.parse(text).text;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const integer = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};

/** How long `end` waits for the run to check the steady state and run its rollbacks. */
const END_PATIENCE_MS = 10 * 60_000;

/** The game as the facilitator reads it in a terminal. */
export function describeGame(game: GameInfo, controller: string): string[] {
  const lines = [`${game.team} plays ${game.scenario} at ${game.clock}: ${game.state}${game.ending ? ` (${game.ending})` : ''}, ${labTime(game.elapsedMs)} in${game.pausable ? ' (pausable now)' : ''}`];
  if (game.run && game.state !== 'ended') lines.push(`  run ${game.run.id}: ${game.run.activity ?? ''}${game.run.phases.length ? `; phases: ${[...new Set(game.run.phases.map((p) => p.name))].join(', ')}` : ''}`);
  for (const f of game.faults) lines.push(`  fault added: ${f.kind} on ${f.target} at ${labTime(f.start)}${f.end === null ? '' : `, removed at ${labTime(f.end)}`}`);
  for (const e of game.entries) lines.push(`  ${labTime(e.t).padStart(6)}  ${e.by}${e.role === 'facilitator' ? ' (facilitator)' : ''}: ${entryText(e)}`);
  if (game.score) {
    lines.push('score:', ...game.score.summary.map((s) => `  ${s}`));
    lines.push(`report: ${controller}/api/runs/${game.id}/report.html`, `review: ${controller}/api/runs/${game.id}/review.md`);
  }
  return lines;
}

export function registerGameday(program: Command): void {
  const gameday = program
    .command('gameday')
    .description("a game day: responders find and mitigate the fault from symptoms only, while the facilitator steers; scored against AWS's operators");

  gameday
    .command('start')
    .description("start a game: the scenario's operator steps are left to the responders; prints the responders' page and token (once)")
    .requiredOption('--scenario <name>', 'a shipped scenario (cascade-lab scenarios), e.g. aws-2025-10-20')
    .option('--clock <clock>', "the lab clock: one AWS hour in lab time (1h=60s plays 20 October in about fifteen minutes; 1h=1s is the fastest)", clockOption, GAME_CLOCK)
    .option('--team <name>', 'the team playing, for the score and the review')
    .option('--seed <n>', 'seed for every random choice of the run', integer)
    .option('--json', 'print the game and the responders\' URL and token as JSON')
    .action(async (opts: { scenario: string; clock: string; team?: string; seed?: number; json?: boolean }) => {
      const lab = new LabClient();
      const started = await lab.startGame({ scenario: opts.scenario, clock: opts.clock, ...(opts.team ? { team: opts.team } : {}), ...(opts.seed === undefined ? {} : { seed: opts.seed }) });
      const url = `${lab.endpoints.controller}${started.responders.path}`;
      if (opts.json) return void out(JSON.stringify({ game: started.game, responders: { url, token: started.responders.token } }, null, 2));
      say(`game day started: ${started.game.team} plays ${started.game.scenario} at ${started.game.clock} (run ${started.game.id})`);
      out(`responders' page:  ${url}`);
      out(`responders' token: ${started.responders.token}`);
      say("Give both to the responders. The token is shown this once: the controller keeps no way to show it again.");
      say('The facilitator watches everything at the dashboard (admin token); `cascade-lab gameday status|pause|resume|end` steer the game.');
    });

  gameday
    .command('status')
    .description('the game going on (or the last one): its state, what the responders did, and once it is over the score')
    .option('--json', 'print it as JSON')
    .action(async (opts: { json?: boolean }) => {
      const lab = new LabClient();
      const game = await lab.game();
      if (!game) return void say('no game day on this controller (cascade-lab gameday start --scenario aws-2025-10-20)');
      if (opts.json) return void out(JSON.stringify(game, null, 2));
      for (const line of describeGame(game, lab.endpoints.controller)) out(line);
    });

  for (const [action, description] of [
    ['pause', "hold the scenario's schedule and slow the lab to real time (only where the scenario allows it: never during the trigger)"],
    ['resume', "let the scenario's schedule go on, at the game's clock"],
  ] as const) {
    gameday
      .command(action)
      .description(description)
      .action(async () => {
        const game = await new LabClient().gameAction(action);
        say(`${game.team}: ${game.state} at ${labTime(game.elapsedMs)}`);
      });
  }

  gameday
    .command('end')
    .description('end the game: the run stops, the steady state is checked again and the rollbacks run; then the score, the report and review.md')
    .option('--no-wait', 'return as soon as the game is ending, without waiting for the score')
    .action(async (opts: { wait: boolean }) => {
      const lab = new LabClient();
      let game = await lab.gameAction('end');
      say(`${game.team}: ${game.state}; the steady state is checked again and the rollbacks run`);
      const deadline = Date.now() + END_PATIENCE_MS;
      while (opts.wait && game.state !== 'ended' && Date.now() < deadline) {
        await systemClock.sleep(1000);
        game = (await lab.game()) ?? game;
      }
      for (const line of describeGame(game, lab.endpoints.controller)) out(line);
      if (opts.wait && game.state !== 'ended') {
        say(`the game is still ${game.state} after ${END_PATIENCE_MS / 60_000} min: see cascade-lab gameday status`);
        process.exitCode = 1;
      }
    });
}
