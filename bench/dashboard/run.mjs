#!/usr/bin/env node
// Benchmark (not a test): the dashboard's live stream under a room of browsers. The real controller
// (dist/chaos/controller/main.js) runs as its own process over fake lab services on loopback
// (dist/test/support/fake-services.js: every service of docker-compose.yml, and a real dns-server) and
// a real redis-server, with the node flags docker-compose.yml gives it; 30 server-sent-event clients (what 30 open pages do to the controller) read
// GET /api/live for a while, all reconnect at once halfway (30 hellos with their history), and read on.
// Measured in the controller process: event-loop delay (its Prometheus nodejs_eventloop_lag_* from
// perf_hooks' monitorEventLoopDelay, read every few seconds) and resident memory (/proc/PID/status);
// on the clients: frames, bytes, and how long after its sample a frame arrived. Targets: event-loop
// delay under 100 ms, RSS under 150 MB. Writes bench/dashboard/RESULTS.md and stops what it started.
//
//   npm run build && node bench/dashboard/run.mjs [--clients 30] [--seconds 60] [--idle 15]
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { freePort, processGroup, until, which } from '../support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values: args } = parseArgs({
  options: { clients: { type: 'string', default: '30' }, seconds: { type: 'string', default: '60' }, idle: { type: 'string', default: '15' } },
});
const CLIENTS = Number(args.clients);
const SECONDS = Number(args.seconds);
const IDLE_SECONDS = Number(args.idle);
const TOKEN = 'bench';
const TARGET = { loopMs: 100, rssMb: 150 };
const group = processGroup('dashboard-bench');
const { fakeLab } = await import(path.join(root, 'dist/test/support/fake-services.js'));

/** The controller as compose runs it: [node, ...flags, script]; its memory limit, for the record. */
const composed = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }).services.controller;
const NODE_FLAGS = composed.command.slice(1, -1);
const SCRIPT = composed.command.at(-1);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (values, q) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const ms = (v) => (v === null ? 'n/a' : v.toFixed(1));

/** The controller's own view of its event loop since the previous read (prom-client resets it on every scrape). */
async function scrape(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const metric = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    p99Ms: metric('nodejs_eventloop_lag_p99_seconds') * 1000,
    maxMs: metric('nodejs_eventloop_lag_max_seconds') * 1000,
    subscribers: metric('controller_live_subscribers'),
    dropped: metric('controller_live_dropped_total'),
    frames: metric('controller_live_frames_total'),
  };
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};

/** One page's worth of the stream: counts frames and bytes, and how late each frame is after its newest sample. */
function sseClient(base, stats) {
  const client = { closed: false, req: null };
  client.req = http.get(`${base}/api/live`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      stats.bytes += chunk.length;
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === 'hello') stats.hellos++;
        if (event === 'frame' && data) {
          stats.frames++;
          const frame = JSON.parse(data);
          const newest = Math.max(...frame.points.map((p) => p.t));
          if (Number.isFinite(newest)) stats.lagMs.push(Date.now() - newest);
        }
      }
    });
    res.on('close', () => {
      if (!client.closed) stats.lost++;
    });
  });
  client.req.on('error', () => {
    if (!client.closed) stats.lost++;
  });
  client.close = () => {
    client.closed = true;
    client.req.destroy();
  };
  return client;
}

/** Samples the controller for `seconds`: RSS every 500 ms, its event loop every 5 s. */
async function phase(name, base, pid, seconds, during = async () => {}) {
  await scrape(base); // starts the event-loop window afresh
  const loop = [];
  const rss = [];
  const cpu0 = cpuSeconds(pid);
  const end = Date.now() + seconds * 1000;
  const sampling = (async () => {
    let nextScrape = Date.now() + 5000;
    while (Date.now() < end) {
      rss.push(rssMb(pid));
      if (Date.now() >= nextScrape) {
        loop.push(await scrape(base));
        nextScrape += 5000;
      }
      await sleep(500);
    }
    loop.push(await scrape(base));
  })();
  await during();
  await sampling;
  return {
    name,
    seconds,
    loopP99Ms: Math.max(...loop.map((l) => l.p99Ms)),
    loopMaxMs: Math.max(...loop.map((l) => l.maxMs)),
    rssMaxMb: Math.max(...rss),
    rssEndMb: rss.at(-1),
    cpuShare: (cpuSeconds(pid) - cpu0) / seconds,
    dropped: loop.at(-1).dropped,
    subscribers: loop.at(-1).subscribers,
  };
}

try {
  if (!which('redis-server')) throw new Error('redis-server is needed (Debian: apt-get install redis-server)');
  const load = os.loadavg()[0].toFixed(2);
  const redisPort = await freePort();
  group.track(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
  const lab = await fakeLab({ token: TOKEN });
  group.onStop(() => lab.close());
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const services = lab.list().map((s) => `${s.name}=${s.kind}@${s.url}`).join(',');
  const controller = group.track(
    spawn(process.execPath, [...NODE_FLAGS, path.join(root, SCRIPT)], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LAB_ADMIN_TOKEN: TOKEN,
        LOG_LEVEL: 'warn',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        LAB_SERVICES: services,
        TIMELINE_DNS: `127.0.0.1:${lab.dns.udpPort}`,
        CANARY_URL: `${lab.get('kv-1').url}/v1/items/canary`,
        REPORTS_DIR: path.join(group.tmp, 'reports'),
        // No Docker for this controller, even on a machine that has one.
        DOCKER_HOST: `unix://${path.join(group.tmp, 'no-docker.sock')}`,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  await until('the controller to be ready', async () => (await fetch(`${base}/readyz`)).status === 200, 30_000);
  await until('the first frames', async () => (await scrape(base)).frames >= 3, 30_000);

  process.stderr.write(`idle for ${IDLE_SECONDS} s\n`);
  const idle = await phase('no page open', base, controller.pid, IDLE_SECONDS);

  const stats = { frames: 0, hellos: 0, bytes: 0, lost: 0, lagMs: [] };
  let clients = [];
  process.stderr.write(`${CLIENTS} clients for ${SECONDS} s, reconnecting all at once halfway\n`);
  const loaded = await phase(`${CLIENTS} pages open`, base, controller.pid, SECONDS, async () => {
    clients = Array.from({ length: CLIENTS }, () => sseClient(base, stats));
    await sleep((SECONDS * 1000) / 2);
    for (const c of clients) c.close();
    clients = Array.from({ length: CLIENTS }, () => sseClient(base, stats));
  });
  for (const c of clients) c.close();

  const framesPerClient = stats.frames / CLIENTS;
  const lag = { p50: quantile(stats.lagMs, 0.5), p99: quantile(stats.lagMs, 0.99), max: quantile(stats.lagMs, 1) };
  const ok = (v, limit) => (v < limit ? 'yes' : '**no**');
  const row = (p) => `| ${p.name} | ${ms(p.loopP99Ms)} | ${ms(p.loopMaxMs)} | ${p.rssMaxMb.toFixed(1)} | ${(100 * p.cpuShare).toFixed(1)} % |`;
  const md = `# The dashboard's live stream under ${CLIENTS} pages (bench/dashboard/run.mjs)

- Date: ${new Date().toISOString()}
- Machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, Linux ${os.release()}, Node ${process.version}; load average before the run ${load}
- The controller as docker-compose.yml runs it (\`node ${[...NODE_FLAGS, SCRIPT].join(' ')}\`; its container's limit there is
  ${composed.mem_limit}), as its own process but without that limit, over ${lab.list().length} fake lab services on loopback
  (every service of docker-compose.yml, a real dns-server, a real redis-server), sampling every second;
  ${CLIENTS} server-sent-event clients on \`GET /api/live\` for ${SECONDS} s, all reconnecting at once after ${SECONDS / 2} s
- RSS from /proc/PID/status counts the node binary's shared pages too, which a container's memory limit does not
- Event-loop delay: the controller's own \`nodejs_eventloop_lag_p99_seconds\` and \`_max_seconds\` (prom-client, perf_hooks
  monitorEventLoopDelay at 10 ms resolution, so an idle loop reads about 10 ms), the worst 5-second window

| controller | event-loop delay p99 (ms) | event-loop delay max (ms) | RSS max (MB) | CPU |
|---|---:|---:|---:|---:|
${row(idle)}
${row(loaded)}

Targets with ${CLIENTS} pages: event-loop delay under ${TARGET.loopMs} ms: ${ok(loaded.loopMaxMs, TARGET.loopMs)} (max ${ms(loaded.loopMaxMs)} ms);
RSS under ${TARGET.rssMb} MB: ${ok(loaded.rssMaxMb, TARGET.rssMb)} (max ${loaded.rssMaxMb.toFixed(1)} MB).

On the clients: ${stats.hellos} hellos, ${framesPerClient.toFixed(1)} frames per client over ${SECONDS} s
(${(stats.bytes / CLIENTS / SECONDS / 1024).toFixed(1)} KiB/s per client), ${stats.lost} connections lost, ${loaded.dropped} dropped by the
controller for falling behind. A frame arrived ${ms(lag.p50)} ms after its newest sample at the median, ${ms(lag.p99)} ms at p99,
${ms(lag.max)} ms at most (the sample's own probes are within it).
`;
  writeFileSync(path.join(here, 'RESULTS.md'), md);
  process.stdout.write(md);
} finally {
  await group.stopAll();
}
