#!/usr/bin/env node
// cascade-lab: run the lab, list and run scenarios, make the operators' interventions, and run game days.
import { Command, InvalidArgumentError, Option } from 'commander';
import { systemClock } from '../lib/clock.js';
import { Compose, parseFixes, type Fix } from './compose.js';
import { writeRun } from './experiments/journal.js';
import { exitCode, runExperiment } from './experiments/runner.js';
import { labUp, runningFixes, waitReady } from './lab.js';
import { LabClient, labEndpoints } from './lab-client.js';
import { findScenario, listScenarios } from './scenarios.js';
import { registerLoadgen } from '../loadgen/cli.js';
import { registerFault } from './fault-command.js';
import { registerGameday } from './gameday-command.js';
import { RUNBOOK_HELP } from './controller/runbook.js';
import { startProxyServer } from './proxy/index.js';
import { customerProbe } from './experiments/providers.js';
import { expectedDurationMs, RunProgress } from './progress.js';

const say = (line: string) => process.stderr.write(`${line}\n`);
const fixList = (value: string) => {
  try {
    return parseFixes(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const integer = (value: string) => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('expected an integer');
  return Number(value);
};

const program = new Command()
  .name('cascade-lab')
  .description('A chaos lab that reproduces the AWS us-east-1 outage of 20 October 2025 on real sockets.')
  .showHelpAfterError();

program
  .command('up')
  .description('start the lab in Docker (docker compose) and wait until every service is ready and the fleet has settled')
  .option('--fix <list>', 'remediations to turn on: enactor, nlb-velocity, propagation-throttle, all', fixList, [] as Fix[])
  .option('--airgap', 'build the base images locally first, without any container registry')
  .option('--no-wait', 'return as soon as the containers are started')
  .action(async (opts: { fix: Fix[]; airgap?: boolean; wait: boolean }) => {
    await labUp({ fixes: opts.fix, airgap: Boolean(opts.airgap), wait: opts.wait, say });
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
  .option('--fix <list>', 'run with these remediations on (restarts what needs it): enactor, nlb-velocity, propagation-throttle, all', fixList)
  .option('--seed <n>', 'seed for every random choice of the run', integer)
  .option('--report <dir>', 'where journal.json and report.html go', 'reports/<scenario>-<time>')
  .option('--json', 'print the journal as JSON on stdout (progress stays plain lines on stderr)')
  .addHelpText(
    'after',
    '\nWhile it runs: a progress bar on a terminal (phases, active faults, customer success), plain lines otherwise.\nThe report folder gets journal.json (with the lab timeline) and a self-contained report.html with charts.',
  )
  .action(async (name: string, opts: { fix?: Fix[]; seed?: number; report: string; json?: boolean }) => {
    const scenario = findScenario(name);
    const lab = new LabClient();
    const running = await runningFixes(lab);
    const wanted = opts.fix ?? running;
    if (opts.fix && (wanted.length !== running.length || wanted.some((f) => !running.includes(f)))) {
      say(`restarting the lab with fixes: ${wanted.join(', ') || 'none'}`);
      await labUp({ fixes: wanted, airgap: false, wait: true, say });
    }
    const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
    const controller = new AbortController();
    const stop = (signal: string) => {
      say(`${signal}: stopping the run and removing its faults`);
      controller.abort(signal);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    say(`running ${scenario.name} (seed ${seed}, fixes: ${wanted.join(', ') || 'none'})`);
    const progress = new RunProgress({
      stream: process.stderr,
      bar: Boolean(process.stderr.isTTY) && !opts.json,
      totalMs: expectedDurationMs(scenario.experiment),
      clock: systemClock,
      customer: async () => (await customerProbe(lab, 5000)).successRate,
    });
    const journal = await runExperiment(scenario.experiment, {
      scenario: scenario.name,
      seed,
      fixes: wanted,
      lab,
      clock: systemClock,
      progress: (line) => progress.line(line),
      observe: (run) => progress.attach(run),
      signal: controller.signal,
    }).finally(() => progress.stop());
    const dir = opts.report.replace('<scenario>', scenario.name).replace('<time>', new Date().toISOString().replace(/[:.]/g, '-'));
    const files = writeRun(dir, journal);
    const phases = journal.phases.map((p) => `${p.name} ${(p.start / 1000).toFixed(1)}-${(p.end / 1000).toFixed(1)} s${p.ongoing ? ' (ongoing)' : ''}`).join(', ');
    say(`${journal.status}${journal.reason ? ` (${journal.reason})` : ''}; phases: ${phases || 'none'}`);
    say(`journal: ${files.journal}\nreport:  ${files.report}`);
    if (opts.json) process.stdout.write(`${JSON.stringify(journal, null, 2)}\n`);
    process.exitCode = exitCode(journal.status);
  });

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
