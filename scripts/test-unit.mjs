// The unit tests (`npm run test:unit`), built in dist/, in two passes:
//   1. every file but those below, several files at a time: most of them wait on sockets, Redis and
//      manual clocks, so four at a time take less than half as long as one at a time on 2 cores;
//   2. the files that measure real time, one at a time on an otherwise quiet machine: the fault proxy's
//      latency, bandwidth and timeouts, the load generator's pacing, the kv store's injected latency,
//      the DNS server under a flood, and the controller's answers within a budget. Beside three other
//      files the load generator's first second once sent 148 requests where the test wants more than 150.
// Extra arguments go to both passes' `node --test`. UNIT_TEST_CONCURRENCY
// sets the first pass's files at a time (default 4). Exits non-zero when either pass failed; both run.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const ALL = 'dist/{lib,services,chaos,loadgen,testing,test/support}/**/*.test.js';
const REAL_TIME = [
  'dist/chaos/proxy/**/*.test.js',
  'dist/loadgen/{generator,app,cli}.test.js',
  'dist/services/kv-store/kv-store.test.js',
  'dist/services/dns-server/malformed.test.js',
  'dist/chaos/controller/{live,timeline,emergency-stop}.test.js',
];

const sorted = (files) => [...new Set(files)].sort();
const all = sorted(globSync(ALL));
if (all.length === 0) {
  console.error(`no test files match ${ALL}: run \`npm run build\` first`);
  process.exit(2);
}
const realTime = sorted(REAL_TIME.flatMap((pattern) => globSync(pattern)));
const rest = all.filter((f) => !realTime.includes(f));
// The services' own check of a variable (built, as the tests are): a bad value stops here with its name.
const { int, loadConfig } = await import('../dist/lib/config.js');
const { UNIT_TEST_CONCURRENCY: concurrency } = loadConfig({ UNIT_TEST_CONCURRENCY: int(4, 1) });

const passes = [
  { what: `${rest.length} files, ${concurrency} at a time`, files: rest, concurrency },
  { what: `${realTime.length} files that measure real time, one at a time`, files: realTime, concurrency: 1 },
];
let failed = false;
for (const pass of passes) {
  if (pass.files.length === 0) continue;
  console.log(`# unit tests: ${pass.what}`);
  const started = Date.now();
  const { status, signal } = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=spec', `--test-concurrency=${pass.concurrency}`, ...process.argv.slice(2), ...pass.files],
    { stdio: 'inherit' },
  );
  console.log(`# unit tests: ${pass.what}: ${status === 0 ? 'passed' : `failed (${signal ?? `exit ${status}`})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
