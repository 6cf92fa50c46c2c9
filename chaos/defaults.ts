// The lab's settings as the code has them by default: which configuration each compose service reads, and
// the cascade's numbers as one table (the README's, checked by chaos/defaults.test.ts against the code, as
// docker-compose.yml is: compose sets only what differs between containers).
import type { z } from 'zod';
import { parseConfig } from '../lib/config.js';
import { LabClock } from '../lib/lab-clock.js';
import { dropletTiming, kvStoreTiming, launcherTiming, nlbTiming, scenarioTiming } from '../lib/timing.js';
import { dnsConfigShape } from '../services/dns-server/config.js';
import { plannerConfig } from '../services/dns-planner/config.js';
import { enactorConfig } from '../services/dns-enactor/config.js';
import { kvStoreConfig } from '../services/kv-store/config.js';
import { launcherConfig } from '../services/launcher/config.js';
import { dropletConfig } from '../services/droplet/config.js';
import { nlbConfig } from '../services/nlb/config.js';
import { loadgenConfig } from '../loadgen/config.js';
import { faultProxyConfig } from './proxy/config.js';
import { controllerConfig } from './controller/config.js';

/** Each service's configuration, by the entry point compose runs (`command: [node, dist/<entry>/main.js]`). */
export const CONFIGS: Record<string, z.ZodRawShape> = {
  'services/dns-server': dnsConfigShape,
  'services/dns-planner': plannerConfig,
  'services/dns-enactor': enactorConfig,
  'services/kv-store': kvStoreConfig,
  'services/launcher': launcherConfig,
  'services/droplet': dropletConfig,
  'services/nlb': nlbConfig,
  loadgen: loadgenConfig,
  'chaos/proxy': faultProxyConfig,
  'chaos/controller': controllerConfig,
};

/** A service's settings with no variable set but the token: what it runs with outside compose. */
export function defaultsOf(entry: string): Record<string, unknown> {
  const shape = CONFIGS[entry];
  if (!shape) throw new Error(`no configuration for ${entry}`);
  return parseConfig(shape, { LAB_ADMIN_TOKEN: 'defaults' }) as Record<string, unknown>;
}

/** The clocks the README's table shows. */
export const TABLE_CLOCKS = ['1h=5s', '1h=10s', '1h=60s'] as const;

/** The cascade's counts: the same at every clock. */
const COUNTS: [entry: string, variable: string, what: string][] = [
  ['services/launcher', 'DROPLETS_PER_AZ', 'droplets per AZ, each with a DWFM lease'],
  ['services/launcher', 'WORK_CONCURRENCY', "DWFM's lease workers"],
  ['services/launcher', 'RECOVERY_BATCH', 'lease establishments one DWFM recovery round takes on'],
  ['services/launcher', 'DESIRED_PER_AZ', "the customers' app instances per AZ (behind the NLB)"],
  ['services/launcher', 'OTHERS_PER_AZ', "other customers' instances per AZ (launches, not behind the NLB)"],
  ['services/launcher', 'NETWORK_BURST', 'configurations the network manager delivers at once after an idle spell'],
  ['services/launcher', 'NETWORK_ADMISSION_LIMIT', 'with propagation-throttle: launches refused while this much work waits'],
  ['services/droplet', 'UNCONFIGURED_DROP', 'share of connections an instance drops until its network is configured'],
  ['services/droplet', 'STATE_CHECK_CONCURRENCY', 'state checks a droplet host runs at once'],
  ['services/nlb', 'FAIL_THRESHOLD', 'failed checks that take a target out of service'],
  ['services/nlb', 'PASS_THRESHOLD', 'passed checks that bring it back'],
  ['services/nlb', 'AZ_FAILOVER_THRESHOLD', 'an AZ with a smaller share of its targets in service leaves DNS'],
  ['services/nlb', 'MAX_REMOVE_FRACTION', 'with nlb-velocity: share of capacity removable per window'],
  ['services/nlb', 'CAPACITY_PER_SECOND', 'requests per second one NLB node serves (real time)'],
  ['services/kv-store', 'CAPACITY', 'requests a kv node serves at once'],
  ['loadgen', 'RATE', 'customer requests per second (real time)'],
];

/** Times that follow the clock, by the entry point that reads them; the scenario's are the detectors' and the runbook's. */
const TIMED: [entry: string, derive: (clock: LabClock) => Record<string, number>][] = [
  ['services/kv-store', kvStoreTiming],
  ['services/launcher', launcherTiming],
  ['services/droplet', dropletTiming],
  ['services/nlb', nlbTiming],
  ['chaos/scenario', scenarioTiming],
];

function formatMs(ms: number): string {
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${+(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}

function formatTimed(name: string, value: number): string {
  if (/PerSecond$|_RATE$/.test(name)) return `${+value.toFixed(3)}/s`;
  return formatMs(value);
}

/** The README's table of the lab's defaults (between `<!-- defaults -->` markers). */
export function defaultsTable(): string {
  const clocks = TABLE_CLOCKS.map((c) => LabClock.parse(c));
  const lines = [`| Setting | ${TABLE_CLOCKS.join(' | ')} |`, `|---|${TABLE_CLOCKS.map(() => '---:').join('|')}|`];
  for (const [entry, derive] of TIMED) {
    const byClock = clocks.map(derive);
    for (const name of Object.keys(byClock[0]!)) lines.push(`| ${entry.split('/').at(-1)} \`${name}\` | ${byClock.map((v) => formatTimed(name, v[name]!)).join(' | ')} |`);
  }
  const counts = ['', '| Setting (the same at every clock) | Default | What |', '|---|---:|---|'];
  for (const [entry, variable, what] of COUNTS) {
    counts.push(`| ${entry.split('/').at(-1)} \`${variable}\` | ${String(defaultsOf(entry)[variable])} | ${what} |`);
  }
  return [...lines, ...counts].join('\n');
}

export const TABLE_START = '<!-- defaults: generated by `node scripts/defaults-table.mjs --write` from the code; chaos/defaults.test.ts checks it -->';
export const TABLE_END = '<!-- /defaults -->';

/** The README with its table replaced by `table`; null when the markers are missing. */
export function withTable(readme: string, table: string): string | null {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) return null;
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}
