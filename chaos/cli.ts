#!/usr/bin/env node
// cascade-lab: run the lab, list and run scenarios, make the operators' interventions, and run game days.
import { Command, InvalidArgumentError, Option } from 'commander';
import { LabClock } from '../lib/lab-clock.js';
import { Compose, parseFixes, type Fix } from './compose.js';
import { exitCode } from './experiments/runner.js';
import { labUp, waitReady } from './lab.js';
import { registerMatrix } from './matrix.js';
import { runScenario } from './run-scenario.js';
import { LabClient, labEndpoints } from './lab-client.js';
import { findScenario, listScenarios } from './scenarios.js';
import { registerLoadgen } from '../loadgen/cli.js';
import { registerFault } from './fault-command.js';
import { registerGameday } from './gameday-command.js';
import { RUNBOOK_HELP } from './controller/runbook.js';
import { startProxyServer } from './proxy/index.js';

const say = (line: string) => process.stderr.write(`${line}\n`);
const fixList = (value: string) => {
  try {
    return parseFixes(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const labClock = (value: string) => {
  try {
    return LabClock.parse(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const integer = (value: string) => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('expected an integer');
  return Number(value);
};

// A reader that has had enough (`cascade-lab fixes | head -1`) closes the pipe: what was asked is done,
// and the rest of the output has nobody to go to, so that is no crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

const program = new Command()
  .name('cascade-lab')
  .description('A chaos lab that reproduces the AWS us-east-1 outage of 20 October 2025 on real sockets.')
  .showHelpAfterError();

program
  .command('up')
  .description('start the lab in Docker (docker compose) and wait until every service is ready and the fleet has settled')
  .option('--fix <list>', 'remediations to turn on: enactor, nlb-velocity, propagation-throttle, all', fixList, [] as Fix[])
  .option('--clock <aws=lab>', 'the lab clock, e.g. 1h=60s for a game day (default 1h=10s; LAB_CLOCK)', labClock)
  .option('--airgap', 'build the base images locally first, without any container registry')
  .option('--no-wait', 'return as soon as the containers are started')
  .action(async (opts: { fix: Fix[]; clock?: LabClock; airgap?: boolean; wait: boolean }) => {
    await labUp({ fixes: opts.fix, clock: opts.clock, airgap: Boolean(opts.airgap), wait: opts.wait, say });
    const where = labEndpoints();
    say(`the lab is up: dashboard at ${where.controller}, DNS on 127.0.0.1:${where.dnsPort}`);
  });

program
  .command('down')
  .description('stop the lab and remove its containers and data')
  .option('--keep-data', 'keep the Redis volume')
  .action(async (opts: { keepData?: boolean }) => {
    const down = await new Compose().down({ keepData: opts.keepData });
    say('the lab is down');
    if (down.leftNetwork) {
      say(`Docker kept the network ${down.leftNetwork}: it still counts an endpoint of a removed container (a Docker bug, moby/moby#43286). Restarting the Docker daemon frees it; until then \`up\` reuses it.`);
    }
  });

program
  .command('status')
  .description('show every service and what the lab DNS endpoints resolve to')
  .option('--json', 'print the status as JSON')
  .action(async (opts: { json?: boolean }) => {
    const status = await new LabClient().status();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return;
    }
    for (const s of status.services) process.stdout.write(`${s.ready ? 'ready    ' : 'NOT READY'}  ${s.name}${s.error ? `  (${s.error})` : ''}\n`);
    for (const a of status.dns?.aliases ?? []) {
      if (a.name.startsWith('_')) continue;
      process.stdout.write(`${a.addresses > 0 ? 'served   ' : 'EMPTY    '}  ${a.name} -> ${a.target} (${a.addresses} addresses)\n`);
    }
    const c = status.customer;
    process.stdout.write(`customer canary: ${c.successes}/${c.requests} requests succeeded\n`);
    process.exitCode = status.ready ? 0 : 1;
  });

program
  .command('scenarios')
  .description('list the scenarios that ship with the lab')
  .action(() => {
    for (const s of listScenarios()) process.stdout.write(`${s.name}\n  ${s.experiment.description.replace(/\s+/g, ' ')}\n\n`);
  });

program
  .command('run')
  .description('run a scenario (by name) or an experiment file; exit 0 steady state held, 1 deviated, 2 aborted (an abort condition fired, the lab was not healthy, or interrupted)')
  .argument('<scenario>', 'a scenario name (see `cascade-lab scenarios`) or a YAML/JSON experiment file')
  .option('--fix <list>', 'run with these remediations on (switched on the running lab, nothing restarts): enactor, nlb-velocity, propagation-throttle, all', fixList)
  .option('--clock <aws=lab>', 'run the whole lab at this clock, e.g. 1h=60s (default: the clock the lab runs at; see cascade-lab clock)', labClock)
  .option('--seed <n>', 'seed for every random choice of the run', integer)
  .option('--report <dir>', 'where journal.json and report.html go', 'reports/<scenario>-<time>')
  .option('--json', 'print the journal as JSON on stdout (progress stays plain lines on stderr)')
  .addHelpText(
    'after',
    '\nWhile it runs: a progress bar on a terminal (phases, active faults, customer success), plain lines otherwise.\nThe report folder gets journal.json (with the lab timeline) and a self-contained report.html with charts.',
  )
  .action(async (name: string, opts: { fix?: Fix[]; clock?: LabClock; seed?: number; report: string; json?: boolean }) => {
    const scenario = findScenario(name);
    const controller = new AbortController();
    const stop = (signal: string) => {
      say(`${signal}: stopping the run and removing its faults`);
      controller.abort(signal);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    const { journal, files } = await runScenario({
      scenario,
      fixes: opts.fix,
      clock: opts.clock,
      seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31),
      report: opts.report,
      bar: Boolean(process.stderr.isTTY) && !opts.json,
      signal: controller.signal,
      say,
    });
    const phases = journal.phases.map((p) => `${p.name} ${(p.start / 1000).toFixed(1)}-${(p.end / 1000).toFixed(1)} s${p.ongoing ? ' (ongoing)' : ''}`).join(', ');
    say(`${journal.status}${journal.reason ? ` (${journal.reason})` : ''}; phases: ${phases || 'none'}`);
    say(`journal: ${files.journal}\nreport:  ${files.report}`);
    if (opts.json) process.stdout.write(`${JSON.stringify(journal, null, 2)}\n`);
    process.exitCode = exitCode(journal.status);
  });

program
  .command('clock')
  .description('show the lab clock (how long one AWS hour lasts in the lab) and what each timed service runs at; with a value, set it on the whole lab')
  .argument('[aws=lab]', 'a new clock, e.g. 1h=60s for a game day, 1h=5s for CI', labClock)
  .option('--json', 'print the status as JSON')
  .action(async (clock: LabClock | undefined, opts: { json?: boolean }) => {
    const lab = new LabClient();
    const status = clock ? await lab.setLabClock(clock.text) : await lab.labClock();
    if (opts.json) return void process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    process.stdout.write(`lab clock ${status.clock}${status.consistent ? '' : ' (not every service has it yet)'}\n`);
    for (const s of status.services) process.stdout.write(`  ${s.name.padEnd(18)} ${s.clock ?? `no answer${s.error ? `: ${s.error}` : ''}`}\n`);
    process.exitCode = status.consistent ? 0 : 1;
  });

program
  .command('fixes')
  .description("show the fixes the lab runs with and each service's switch; with a list, switch the running lab to exactly those (nothing restarts)")
  .argument('[list]', 'enactor, nlb-velocity, propagation-throttle, all, or none', (value: string) => (value === 'none' ? [] : fixList(value)))
  .option('--json', 'print the status as JSON')
  .action(async (fixes: Fix[] | undefined, opts: { json?: boolean }) => {
    const lab = new LabClient();
    const status = fixes ? await lab.setFixes(fixes) : await lab.fixes();
    if (opts.json) return void process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    const why = status.disagree.length > 0 ? `the services of ${status.disagree.join(', ')} disagree` : 'a service did not answer';
    process.stdout.write(`fixes: ${status.fixes.join(', ') || 'none'}${status.consistent ? '' : ` (${why})`}\n`);
    for (const s of status.services) {
      const on = s.on === null ? `no answer${s.error ? `: ${s.error}` : ''}` : s.on ? 'on' : 'off';
      process.stdout.write(`  ${s.name.padEnd(18)} ${s.fix.padEnd(21)} ${on}\n`);
    }
    process.exitCode = status.consistent ? 0 : 1;
  });

registerMatrix(program, say);

program
  .command('stop')
  .description("stop the scenario the controller runs (one started from the dashboard): its rollbacks run and its report is kept. A run of `cascade-lab run` stops with Ctrl-C")
  .action(async () => {
    const lab = new LabClient();
    const run = await lab.stopRun();
    if (!run) return void say('no run is going on the controller');
    say(`stopped ${run.id}: ${run.state}${run.reason ? ` (${run.reason})` : ''}`);
    say(`report: ${lab.endpoints.controller}/api/runs/${run.id}/report.html`);
  });

program
  .command('emergency-stop')
  .description("end the controller's run at once and remove every fault in the lab: the controller's container and service faults and leases, every fault-proxy toxic and lease")
  .action(async () => {
    const result = await new LabClient().emergencyStop();
    say(
      `emergency stop: ${result.run ? `run ${result.run} aborted` : 'no run was going'}; ${result.controllerFaults} controller faults undone; ` +
        `${result.toxics} toxics and ${result.proxyLeases} leases removed from the fault proxy`,
    );
    for (const error of result.errors) say(`  not done: ${error}`);
    process.exitCode = result.errors.length ? 1 : 0;
  });

program
  .command('repair')
  .description("an operator's intervention from the runbook, in the order Amazon's engineers used them")
  .addArgument(new Command().createArgument('<action>', 'the intervention').choices(Object.keys(RUNBOOK_HELP)))
  .addHelpText('after', `\nActions:\n${Object.entries(RUNBOOK_HELP).map(([k, v]) => `  ${k.padEnd(13)} ${v}`).join('\n')}\n`)
  .action(async (action: string) => {
    const lab = new LabClient();
    const result = await lab.repair(action);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (action === 'dns') {
      await waitReady(lab, 30000, say);
      say('repaired: the endpoints resolve again');
    }
  });

registerLoadgen(program);
registerFault(program);
registerGameday(program);

program
  .command('proxy')
  .description('run the fault proxy on this host, like toxiproxy-server: its Toxiproxy-compatible API plus UDP links')
  .option('--port <n>', 'API port', integer, 8474)
  .option('--host <address>', 'API address (the Toxiproxy routes carry no token: keep it on loopback)', '127.0.0.1')
  .option('--config <file>', 'JSON array of proxies to create at start, as toxiproxy-server -config')
  .option('--seed <n>', 'seed for every random choice (toxicity, drops, jitter)', integer)
  .action(async (opts: { port: number; host: string; config?: string; seed?: number }) => {
    const server = await startProxyServer({ port: opts.port, host: opts.host, config: opts.config, seed: opts.seed });
    say(`fault proxy listening on ${server.url} (seed ${server.seed}); Ctrl-C to stop`);
    const stop = async () => {
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

program.addOption(new Option('--verbose', 'show stack traces on errors').hideHelp());

try {
  await program.parseAsync();
} catch (err) {
  say(`cascade-lab: ${(err as Error).message}`);
  if (process.argv.includes('--verbose')) say((err as Error).stack ?? '');
  process.exitCode = 2;
}
