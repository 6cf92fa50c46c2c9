#!/usr/bin/env node
// Side-by-side benchmark (not a test): the built loadgen at --rate max against wrk, both driving the same
// nginx on loopback with the same connection count and duration, alternating, best of N runs each.
// Prints requests/s of both and the ratio (target >= 0.8), writes bench/loadgen/RESULTS.md, and stops
// everything it started.
//
//   npm run build && node bench/loadgen/run.mjs [--seconds 10] [--connections 50] [--runs 5] [--pipelining 1]
//
// Needs wrk and nginx (Debian: apt-get install wrk nginx); nginx runs as a child on 127.0.0.1 with its
// own configuration in a temporary directory.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { processGroup, freePort, until } from '../support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
    pipelining: { type: 'string', default: '1' },
    'nginx-workers': { type: 'string', default: '1' },
  },
});
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const runs = Number(args.runs);
const pipelining = Number(args.pipelining);
const nginxWorkers = Number(args['nginx-workers']);

const { started, tmp, stopAll } = processGroup('bench-loadgen');



/** Runs a command to completion, collecting stdout; rejects on a non-zero exit. */
function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

async function startNginx(port) {
  const prefix = path.join(tmp, 'nginx');
  mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(conf, `worker_processes ${nginxWorkers};
daemon off;
master_process on;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`);
  const child = spawn('nginx', ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  started.push(child);
  const url = `http://127.0.0.1:${port}/`;
  await until('nginx', async () => (await fetch(url)).ok);
  return url;
}

async function wrk(url) {
  const out = await run('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out)?.[0] ?? '';
  if (!Number.isFinite(rps)) throw new Error(`could not read wrk's output:\n${out}`);
  return { rps, errors };
}

async function loadgen(url) {
  const out = await run(process.execPath, [
    path.join(root, 'dist/chaos/cli.js'), 'loadgen', url,
    '--rate', 'max', '--connections', String(connections), '--pipelining', String(pipelining),
    '--duration', `${seconds}s`, '--json', '--quiet',
  ]);
  const summary = JSON.parse(out);
  return { rps: summary.rps, errors: summary.errors ? JSON.stringify(summary.errorsByKind) : '', p99: summary.latencyMs?.p99 };
}

try {
  const url = await startNginx(await freePort());
  const results = { wrk: [], loadgen: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first so a drift in machine load does not favour one side.
    const order = i % 2 === 0 ? ['wrk', 'loadgen'] : ['loadgen', 'wrk'];
    for (const name of order) {
      const r = name === 'wrk' ? await wrk(url) : await loadgen(url);
      results[name].push(r);
      console.log(`run ${i + 1}/${runs} ${name.padEnd(7)} ${r.rps.toFixed(0)} req/s${r.errors ? ` errors: ${r.errors}` : ''}`);
    }
  }
  const best = (name) => Math.max(...results[name].map((r) => r.rps));
  const median = (name) => {
    const v = results[name].map((r) => r.rps).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  const ratio = best('loadgen') / best('wrk');
  const medianRatio = median('loadgen') / median('wrk');
  console.log(`wrk ${best('wrk').toFixed(0)} req/s, loadgen ${best('loadgen').toFixed(0)} req/s, ratio ${ratio.toFixed(2)} (target >= 0.80); medians ratio ${medianRatio.toFixed(2)}`);

  // Both print their version and exit non-zero (wrk) or on stderr (nginx).
  const versionOf = (cmd, flag) => {
    const r = spawnSync(cmd, [flag], { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.split('\n')[0].trim();
  };
  const wrkVersion = versionOf('wrk', '-v');
  const nginxVersion = versionOf('nginx', '-v');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# loadgen vs wrk (bench/loadgen/run.mjs)',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${os.cpus().length} cores, ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; load average before the run ${os.loadavg()[0]?.toFixed(2)}`,
    `- Node ${process.version}; ${wrkVersion}; ${nginxVersion}`,
    `- Target: nginx (${nginxWorkers} worker${nginxWorkers > 1 ? 's' : ''}) on 127.0.0.1 answering \`200 ok\` from \`return\`, no access log`,
    `- Load: \`wrk -t2 -c${connections} -d${seconds}s\` and \`cascade-lab loadgen --rate max --connections ${connections}${pipelining > 1 ? ` --pipelining ${pipelining}` : ''} --duration ${seconds}s --json\`, alternating, ${runs} run(s) each`,
    '',
    '| tool | best req/s | median req/s |',
    '|---|---:|---:|',
    `| wrk | ${best('wrk').toFixed(0)} | ${median('wrk').toFixed(0)} |`,
    `| loadgen | ${best('loadgen').toFixed(0)} | ${median('loadgen').toFixed(0)} |`,
    '',
    `Ratio loadgen / wrk (best of each): **${ratio.toFixed(2)}** (target >= 0.80); ratio of medians ${medianRatio.toFixed(2)}.`,
    '',
    `All runs (req/s): wrk ${results.wrk.map((r) => r.rps.toFixed(0)).join(', ')}; loadgen ${results.loadgen.map((r) => r.rps.toFixed(0)).join(', ')}.`,
    '',
    'The client shares the 2 cores with nginx, and other work on the machine moves both numbers: compare the',
    'ratio of runs made together, not absolute numbers across days; runs vary by 15 % or more on this machine,',
    'so both the best and the median are given. The loadgen is one Node thread (wrk here uses two) and sends',
    'each request on a connection of its own choosing, as wrk does. Neither pipelines (wrk cannot without a',
    'script; the loadgen can with --pipelining).',
  ];
  writeFileSync(path.join(here, 'RESULTS.md'), `${lines.join('\n')}\n`);
  console.log(`wrote ${path.relative(root, path.join(here, 'RESULTS.md'))}`);
} finally {
  await stopAll();
}
