// CascadeLab: the whole lab for a test suite, through testcontainers' compose support, on a compose
// project, host ports and subnet of its own, so that it runs beside any other lab. As `cascade-lab up`
// does: the lab image is built once (compose v1 would build it once per service), compose runs it
// without building, and start() waits until every service is ready and the fleet has settled.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { DockerComposeEnvironment, log, type StartedDockerComposeEnvironment } from 'testcontainers';
import { freePort } from '../lib/free-port.js';
import { Compose, composeCommand, parseFixes, type DownResult, type Fix } from '../chaos/compose.js';
import { LabClient } from '../chaos/lab-client.js';
import { fixEnv, labClockOf, settleTimeoutMs, waitReady, waitSettled, type SettleOutcome } from '../chaos/lab.js';
import { systemClock } from '../lib/clock.js';
import { LabClock } from '../lib/lab-clock.js';
import { labImage, LAB_REPOSITORY, type LabImageOptions } from './image.js';

const run = promisify(execFile);

/** How far start() waits: each container's health check; then every service ready and the kv endpoint served; then the fleet at rest. */
export type LabWait = 'healthy' | 'ready' | 'settled';

export interface LabOptions {
  /** The compose project; default cascade-lab-test-<random>. */
  project?: string;
  /** The lab network's first three octets (LAB_NET, a /24); default a free one in 172.30.64-249. */
  net?: string;
  /** Host ports, published on 127.0.0.1; default free ones. */
  ports?: { dns?: number; controller?: number; faultApi?: number };
  /** Remediations on from the start: enactor, nlb-velocity, propagation-throttle, all. */
  fixes?: (Fix | 'all')[];
  /** LAB_ADMIN_TOKEN; default cascade-lab-admin. */
  token?: string;
  /** More compose variables: LAB_CLOCK, seeds (LAUNCHER_SEED, FAULT_SEED), LOADGEN_RATE, LOG_LEVEL. */
  env?: Record<string, string>;
  /** Only these services and what they depend on; default the whole lab. */
  services?: string[];
  /** Default settled. */
  wait?: LabWait;
  /** Run the existing image cascade-lab:TAG instead of building the package's Dockerfile. */
  tag?: string;
  /** For the build (NODE_IMAGE). */
  image?: LabImageOptions;
  /** For compose up and each wait; default 4 minutes, and for the wait for rest at least what the lab's clock needs (settleTimeoutMs). */
  timeoutMs?: number;
  /** Progress lines; default testcontainers' log (DEBUG=testcontainers shows them). */
  log?: (line: string) => void;
}

/** What a restart may change: the fixes and the other compose variables. */
export type LabChange = Pick<LabOptions, 'fixes' | 'env'>;

/** The lab's settings once every default is chosen. */
export interface LabSettings {
  project: string;
  net: string;
  ports: { dns: number; controller: number; faultApi: number };
  token: string;
  tag: string;
  fixes: Fix[];
  env: Record<string, string>;
}

/** The compose variables of a lab: docker-compose.yml reads them, and so does the CLI (labEndpoints). */
export function labEnv(s: LabSettings): Record<string, string> {
  return {
    ...s.env,
    COMPOSE_PROJECT_NAME: s.project,
    LAB_NET: s.net,
    LAB_DNS_PORT: String(s.ports.dns),
    LAB_CONTROLLER_PORT: String(s.ports.controller),
    LAB_FAULT_API_PORT: String(s.ports.faultApi),
    LAB_ADMIN_TOKEN: s.token,
    CASCADE_LAB_TAG: s.tag,
    ...fixEnv(s.fixes),
  };
}

/** testcontainers' compose client options for a compose command: it runs `docker compose` unless told it is standalone. */
export function composeClientOptions(command: string[]): { executable?: { standalone: true; executablePath: string } } {
  const [cmd, sub] = command;
  return cmd === 'docker' && sub === 'compose' ? {} : { executable: { standalone: true, executablePath: cmd ?? 'docker-compose' } };
}

/** `a.b.c.d/n` as its first and last address, or null for what is not IPv4. */
function range(cidr: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return null;
  const start = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(m[5]));
  return [start - (start % size), start - (start % size) + size - 1];
}

/** A 172.30.X (X in 64..249, from a random start) whose /24 overlaps none of `used`. */
export function pickLabNet(used: string[], random = Math.random): string {
  const taken = used.map(range).filter((r): r is [number, number] => r !== null);
  const first = Math.floor(random() * 186);
  for (let i = 0; i < 186; i++) {
    const net = `172.30.${64 + ((first + i) % 186)}`;
    const [start, end] = range(`${net}.0/24`)!;
    if (!taken.some(([s, e]) => s <= end && start <= e)) return net;
  }
  throw new Error('no free /24 in 172.30.64-249 for the lab network: pass `net`');
}

async function dockerSubnets(): Promise<string[]> {
  const ids = (await run('docker', ['network', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const { stdout } = await run('docker', ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids]);
  return stdout.split(/\s+/).filter(Boolean);
}

export class CascadeLab {
  constructor(private readonly opts: LabOptions = {}) {}

  async start(): Promise<StartedCascadeLab> {
    const o = this.opts;
    const say = o.log ?? ((line: string) => log.info(`cascade-lab: ${line}`));
    const image = o.tag ? `${LAB_REPOSITORY}:${o.tag}` : await labImage(o.image);
    const settings: LabSettings = {
      project: o.project ?? `cascade-lab-test-${randomBytes(3).toString('hex')}`,
      net: o.net ?? pickLabNet(await dockerSubnets()),
      ports: { dns: o.ports?.dns ?? (await freePort()), controller: o.ports?.controller ?? (await freePort()), faultApi: o.ports?.faultApi ?? (await freePort()) },
      token: o.token ?? 'cascade-lab-admin',
      tag: image.slice(LAB_REPOSITORY.length + 1),
      fixes: parseFixes((o.fixes ?? []).join(',')),
      env: o.env ?? {},
    };
    const lab = new StartedCascadeLab(settings, { services: o.services, wait: o.wait ?? 'settled', timeoutMs: o.timeoutMs, say });
    try {
      await lab.up();
    } catch (err) {
      await lab.down().catch(() => undefined);
      throw err;
    }
    return lab;
  }
}

/** The whole lab (or `services` of it), started: see LabOptions. `await using lab = await startLab()` downs it at the end of the scope. */
export const startLab = (opts: LabOptions = {}) => new CascadeLab(opts).start();

interface Run {
  services: string[] | undefined;
  wait: LabWait;
  /** As the user gave it (LabOptions.timeoutMs); undefined: the defaults below. */
  timeoutMs: number | undefined;
  say: (line: string) => void;
}

/** compose up and the wait for the services to answer, by default. */
const START_TIMEOUT_MS = 240_000;

export class StartedCascadeLab implements AsyncDisposable {
  readonly project: string;
  readonly controllerUrl: string;
  readonly faultProxyUrl: string;
  readonly dnsHost = '127.0.0.1';
  readonly dnsPort: number;
  /** A client of this lab's controller, fault proxy and DNS. */
  readonly client: LabClient;
  /** Its compose project (containers by service, exec in one). */
  readonly compose: Compose;
  private environment: StartedDockerComposeEnvironment | null = null;

  constructor(
    private settings: LabSettings,
    private readonly how: Run,
  ) {
    this.project = settings.project;
    this.controllerUrl = `http://127.0.0.1:${settings.ports.controller}`;
    this.faultProxyUrl = `http://127.0.0.1:${settings.ports.faultApi}`;
    this.dnsPort = settings.ports.dns;
    this.client = new LabClient({ controller: this.controllerUrl, faultProxy: this.faultProxyUrl, dnsHost: this.dnsHost, dnsPort: this.dnsPort, token: settings.token });
    this.compose = new Compose({ project: this.project, env: this.env });
  }

  /** The compose variables of this lab; in the CLI's environment they point `cascade-lab` at it. */
  get env(): Record<string, string> {
    return labEnv(this.settings);
  }

  /** The fixes it was started (or restarted) with; `run --fix` and client.setFixes() switch them without a restart. */
  get fixes(): Fix[] {
    return [...this.settings.fixes];
  }

  /** compose up (again: only what changed is recreated), then waits as the options said. */
  async up(): Promise<void> {
    const { services, wait, say } = this.how;
    const timeoutMs = this.how.timeoutMs ?? START_TIMEOUT_MS;
    say(`starting ${this.project} (fixes: ${this.settings.fixes.join(', ') || 'none'})`);
    this.environment = await new DockerComposeEnvironment(this.compose.root, 'docker-compose.yml')
      .withProjectName(this.project)
      .withEnvironment(this.env)
      .withClientOptions({ ...composeClientOptions(await composeCommand()), commandOptions: ['--no-build'] })
      .withStartupTimeout(timeoutMs)
      .up(services);
    if (wait === 'healthy') return;
    await waitReady(this.client, timeoutMs, say);
    // The controller keeps the last clock it was given (in Redis, which a restart keeps): LAB_CLOCK wins.
    const wanted = this.settings.env.LAB_CLOCK;
    const clock = wanted ? LabClock.parse((await this.client.setLabClock(wanted)).clock) : await labClockOf(this.client);
    // A run may have switched fixes on containers compose left running (`run --fix`): these win too.
    await this.client.setFixes(this.settings.fixes);
    if (wait === 'settled') await this.atRest(clock);
  }

  /**
   * Waits for the lab at rest, within `timeoutMs` or by default settleTimeout. A lab whose DWFM stays short
   * of its leases is not at rest: tests that go on would time a collapse, so that throws.
   */
  private async atRest(clock: LabClock, timeoutMs = this.settleTimeout(clock)): Promise<void> {
    const outcome: SettleOutcome = await waitSettled(this.client, timeoutMs, this.how.say, systemClock, clock);
    if (!outcome.settled) throw new Error(`${this.project} did not settle: ${outcome.reason}`);
  }

  /** The same lab with other fixes or variables: compose recreates the services whose settings changed, as `cascade-lab up --fix` does. */
  async restart(change: LabChange): Promise<void> {
    this.settings = {
      ...this.settings,
      ...(change.fixes ? { fixes: parseFixes(change.fixes.join(',')) } : {}),
      ...(change.env ? { env: { ...this.settings.env, ...change.env } } : {}),
    };
    await this.up();
  }

  /**
   * Waits until the fleet is at rest again, as start() does: every droplet leased, the fleets at their
   * size, no configuration waiting long, the health checks quiet. After a run or a game that left the
   * cascade going, before something that times the lab. Throws when it does not come to rest in time,
   * or when DWFM stays short of its leases for a minute (congestive collapse, which only an operator ends).
   */
  async settled(timeoutMs?: number): Promise<void> {
    await this.atRest(await labClockOf(this.client), timeoutMs);
  }

  /** The wait for rest: the user's timeout, else the start's default or what the clock needs, whichever is longer. */
  private settleTimeout(clock: LabClock): number {
    return this.how.timeoutMs ?? Math.max(START_TIMEOUT_MS, settleTimeoutMs(clock));
  }

  /** Removes the containers, the network and the volumes (see Compose.downDespiteStaleNetwork). */
  async down(): Promise<DownResult> {
    const environment = this.environment;
    const down = environment ? () => environment.down({ removeVolumes: true }) : () => this.compose.down();
    const result = await this.compose.downDespiteStaleNetwork(down);
    this.environment = null;
    return result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }
}
