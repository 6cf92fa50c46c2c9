#!/usr/bin/env node
// Side-by-side benchmark (not a test): the built dns-server (dist/) against dnsmasq on loopback, both
// serving the same names, driven by dnsperf with the same query file, client count and duration.
// Prints queries/s of both and the ratio, and writes bench/dns/RESULTS.md. Stops everything it started.
//
//   npm run build && node bench/dns/run.mjs [--seconds 10] [--clients 4] [--runs 1]
//
// Needs dnsperf and dnsmasq (Debian: apt-get install dnsperf dnsmasq).
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
    clients: { type: 'string', default: '4' },
    runs: { type: 'string', default: '1' },
    outstanding: { type: 'string', default: '100' },
  },
});
const seconds = Number(args.seconds);
const clients = Number(args.clients);
const runs = Number(args.runs);
const token = 'bench-token';
const zone = 'lab.internal';

// The same data on both servers: plain names, a weighted set and an alias to it (dnsmasq has neither
// weights nor aliases, so it serves the union of the addresses under both names).
const plain = {
  [`a.${zone}`]: ['10.0.0.1'],
  [`b.${zone}`]: ['10.0.0.2', '10.0.0.3'],
  [`api.us-east-1.${zone}`]: ['10.0.1.1', '10.0.1.2', '10.0.1.3'],
};
const weighted = { name: `plan-7.kv.us-east-1.${zone}`, sets: [['az-a', 1, '10.0.2.1'], ['az-b', 2, '10.0.2.2'], ['az-c', 3, '10.0.2.3']] };
const alias = { name: `kv.us-east-1.${zone}`, target: weighted.name };
const queries = [
  `a.${zone} A`, `b.${zone} A`, `api.us-east-1.${zone} A`, `${weighted.name} A`, `${alias.name} A`, `${alias.name} A`, `missing.${zone} A`,
];

const { started, tmp, stopAll } = processGroup('bench-dns');



const digAnswers = (port, name) =>
  execFileSync('dig', ['+short', '+time=1', '+tries=1', '-p', String(port), '@127.0.0.1', name, 'A'], { encoding: 'utf8' }).trim();

async function startDnsServer() {
  const dnsPort = await freePort();
  const controlPort = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'dist/services/dns-server/main.js')], {
    env: { ...process.env, DNS_PORT: String(dnsPort), DNS_HOST: '127.0.0.1', CONTROL_PORT: String(controlPort), CONTROL_HOST: '127.0.0.1', LAB_ADMIN_TOKEN: token, DNS_SEED: '7', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  started.push(child);
  const base = `http://127.0.0.1:${controlPort}`;
  await until('dns-server /readyz', async () => (await fetch(`${base}/readyz`)).ok);
  const changes = [
    ...Object.entries(plain).map(([name, values]) => ({ action: 'CREATE', name, type: 'A', values })),
    ...weighted.sets.map(([setId, weight, ip]) => ({ action: 'CREATE', name: weighted.name, type: 'A', setId, weight, values: [ip] })),
    { action: 'CREATE', name: alias.name, type: 'ALIAS', target: alias.target },
  ];
  const res = await fetch(`${base}/v1/changes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ comment: 'bench', changes }),
  });
  if (!res.ok) throw new Error(`loading records failed: ${res.status} ${await res.text()}`);
  return { port: dnsPort, child };
}

async function startDnsmasq() {
  const port = await freePort();
  const records = [
    ...Object.entries(plain).flatMap(([name, values]) => values.map((ip) => `--host-record=${name},${ip}`)),
    ...weighted.sets.flatMap(([, , ip]) => [`--host-record=${weighted.name},${ip}`, `--host-record=${alias.name},${ip}`]),
  ];
  const child = spawn('dnsmasq', [
    '--no-daemon', '--no-resolv', '--no-hosts', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
    `--local=/${zone}/`, `--pid-file=${path.join(tmp, 'dnsmasq.pid')}`,
    ...records,
  ], { stdio: ['ignore', 'ignore', 'ignore'] });
  started.push(child);
  await until('dnsmasq answering', async () => digAnswers(port, `a.${zone}`) === '10.0.0.1');
  return { port, child };
}

function dnsperf(port, queryFile) {
  return new Promise((resolve, reject) => {
    const child = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-c', String(clients), '-l', String(seconds), '-q', args.outstanding], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    started.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const qps = /Queries per second:\s+([\d.]+)/.exec(out);
      const lost = /Queries lost:\s+(\d+)/.exec(out);
      if (code !== 0 || !qps) return reject(new Error(`dnsperf failed (${code}):\n${out}`));
      resolve({ qps: Number(qps[1]), lost: Number(lost?.[1] ?? 0) });
    });
  });
}

const queryFile = path.join(tmp, 'queries.txt');
writeFileSync(queryFile, `${queries.join('\n')}\n`);

try {
  await main();
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
} finally {
  await stopAll();
}

async function main() {
  const ours = await startDnsServer();
  const peer = await startDnsmasq();
  const check = digAnswers(ours.port, alias.name);
  if (!/^10\.0\.2\.[123]$/.test(check)) throw new Error(`dns-server answered ${JSON.stringify(check)} for ${alias.name}`);

  const results = { ours: [], dnsmasq: [] };
  for (let i = 0; i < runs; i++) {
    results.ours.push(await dnsperf(ours.port, queryFile));
    results.dnsmasq.push(await dnsperf(peer.port, queryFile));
  }
  const best = (list) => list.reduce((a, b) => (b.qps > a.qps ? b : a));
  const o = best(results.ours);
  const d = best(results.dnsmasq);
  const ratio = o.qps / d.qps;
  const dnsmasqVersion = execFileSync('dnsmasq', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const dnsperfVersion = /Version ([\d.]+)/.exec(execFileSync('dnsperf', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).toString())?.[1] ?? '?';

  console.log(`dns-server : ${o.qps.toFixed(0)} queries/s (lost ${o.lost})`);
  console.log(`dnsmasq    : ${d.qps.toFixed(0)} queries/s (lost ${d.lost})`);
  console.log(`ratio      : ${ratio.toFixed(2)} (target >= 0.50)`);

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# dns-server vs dnsmasq (bench/dns/run.mjs)',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${os.cpus().length} cores, ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; ${dnsmasqVersion}; dnsperf ${dnsperfVersion}`,
    `- Load: dnsperf -c ${clients} -q ${args.outstanding} -l ${seconds} over loopback UDP, best of ${runs} run(s), same query file`,
    `  (${queries.length} lines: plain names, a weighted set, an alias to it, one NXDOMAIN)`,
    '',
    '| server | queries/s | lost |',
    '|---|---:|---:|',
    `| dns-server | ${o.qps.toFixed(0)} | ${o.lost} |`,
    `| dnsmasq | ${d.qps.toFixed(0)} | ${d.lost} |`,
    '',
    `Ratio dns-server / dnsmasq: **${ratio.toFixed(2)}** (target >= 0.50).`,
    '',
    `All runs (queries/s): dns-server ${results.ours.map((r) => r.qps.toFixed(0)).join(', ')}; dnsmasq ${results.dnsmasq.map((r) => r.qps.toFixed(0)).join(', ')}.`,
    '',
    'dnsperf shares the 2 cores with the server under test; other work on the machine moves both numbers,',
    'so compare the ratio of runs made together, not absolute numbers across days.',
  ];
  writeFileSync(path.join(here, 'RESULTS.md'), `${lines.join('\n')}\n`);
}
