// The lab's containers as the controller may touch them: through the Docker Engine API (the socket
// mounted into the controller), and only those of the controller's own compose project, found by the
// com.docker.compose.* labels (compose v1 and v2 name containers differently; the labels are the same).
// DockerApi is the small slice of the Engine API the container faults (and a game day's log view) use,
// so tests can fake it.
import Docker from 'dockerode';
import { hostname } from 'node:os';
import { badRequest, LabError } from '../../lib/errors.js';

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerSummary {
  id: string;
  service: string;
  state: ContainerState;
  labels: Record<string, string>;
}

/** A container's place on one network, enough to put it back exactly as it was. */
export interface Attachment {
  network: string;
  ipv4: string;
  aliases: string[];
}

export interface ContainerDetails {
  id: string;
  state: ContainerState;
  labels: Record<string, string>;
  attachments: Attachment[];
}

export interface DockerApi {
  /** Containers (running or not) carrying every one of these labels (`key=value`). */
  list(labels: string[]): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerDetails>;
  kill(id: string, signal: string): Promise<void>;
  stop(id: string, timeoutS: number): Promise<void>;
  start(id: string): Promise<void>;
  restart(id: string, timeoutS: number): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  disconnect(id: string, network: string): Promise<void>;
  connect(id: string, attachment: Attachment): Promise<void>;
  /** The newest `tail` lines a container wrote (stdout and stderr), as the Engine sends them (multiplexed when it has no TTY). */
  logs(id: string, tail: number): Promise<Buffer>;
}

export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';

export const dockerError = (what: string, err: unknown) =>
  new LabError('FAULT_ERR_DOCKER', 502, `Docker API: ${what} failed: ${(err as Error).message}`);

/** Docker answers 304 when the container already is in the state asked for: not an error for us. */
const tolerate304 = async (call: Promise<unknown>) => {
  try {
    await call;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 304) throw err;
  }
};

export class EngineApi implements DockerApi {
  constructor(private readonly docker = new Docker()) {}

  async list(labels: string[]): Promise<ContainerSummary[]> {
    const found = await this.docker.listContainers({ all: true, filters: { label: labels } });
    return found.map((c) => ({ id: c.Id, service: c.Labels[SERVICE_LABEL] ?? '', state: c.State as ContainerState, labels: c.Labels }));
  }

  async inspect(id: string): Promise<ContainerDetails> {
    const info = await this.docker.getContainer(id).inspect();
    const networks = info.NetworkSettings.Networks ?? {};
    return {
      id: info.Id,
      state: info.State.Status as ContainerState,
      labels: info.Config.Labels ?? {},
      attachments: Object.entries(networks).map(([network, n]) => ({
        network,
        ipv4: n.IPAMConfig?.IPv4Address || n.IPAddress,
        aliases: n.Aliases ?? [],
      })),
    };
  }

  async kill(id: string, signal: string) {
    await this.docker.getContainer(id).kill({ signal });
  }
  async stop(id: string, timeoutS: number) {
    await tolerate304(this.docker.getContainer(id).stop({ t: timeoutS }));
  }
  async start(id: string) {
    await tolerate304(this.docker.getContainer(id).start());
  }
  async restart(id: string, timeoutS: number) {
    await this.docker.getContainer(id).restart({ t: timeoutS });
  }
  async pause(id: string) {
    await this.docker.getContainer(id).pause();
  }
  async unpause(id: string) {
    await this.docker.getContainer(id).unpause();
  }
  async disconnect(id: string, network: string) {
    await this.docker.getNetwork(network).disconnect({ Container: id, Force: true });
  }
  async logs(id: string, tail: number): Promise<Buffer> {
    return (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false, timestamps: false })) as Buffer;
  }
  async connect(id: string, a: Attachment) {
    await this.docker.getNetwork(a.network).connect({
      Container: id,
      EndpointConfig: { IPAMConfig: a.ipv4 ? { IPv4Address: a.ipv4 } : undefined, Aliases: a.aliases },
    });
  }
}

/** The containers of one compose project, by service name; nothing outside the project is reachable. */
export class LabContainers {
  constructor(
    readonly api: DockerApi,
    readonly project: string,
    /** The controller's own service: faulting it would leave nobody to undo the fault. */
    readonly self: string | null = null,
  ) {}

  /** The containers of one service of this project; a 400 naming the known services when there is none. */
  async of(service: string): Promise<ContainerSummary[]> {
    if (service === this.self) throw badRequest(`the controller cannot fault its own container (${service}): nothing would undo it`);
    let found: ContainerSummary[];
    try {
      found = await this.api.list([`${PROJECT_LABEL}=${this.project}`, `${SERVICE_LABEL}=${service}`]);
    } catch (err) {
      throw dockerError('listing containers', err);
    }
    if (found.length === 0) {
      const known = await this.services().catch(() => []);
      throw badRequest(`no container of service ${JSON.stringify(service)} in compose project ${this.project}; known: ${known.join(', ')}`);
    }
    return found;
  }

  async services(): Promise<string[]> {
    const all = await this.api.list([`${PROJECT_LABEL}=${this.project}`]);
    return [...new Set(all.map((c) => c.service))].filter((s) => s && s !== this.self).sort();
  }

  /** A network of this project by its compose name (`lab`), as Docker names it (`<project>_lab`). */
  network(name: string): string {
    return `${this.project}_${name}`;
  }
}

/**
 * Which project the controller belongs to: LAB_PROJECT when set, else its own container's compose
 * labels (the container's hostname is its id). Null when the Docker socket is not there.
 */
export async function ownProject(api: DockerApi, env: NodeJS.ProcessEnv = process.env): Promise<{ project: string; self: string | null } | null> {
  try {
    const me = await api.inspect(hostname());
    const project = env.LAB_PROJECT || me.labels[PROJECT_LABEL];
    return project ? { project, self: me.labels[SERVICE_LABEL] ?? null } : null;
  } catch {
    return env.LAB_PROJECT ? { project: env.LAB_PROJECT, self: null } : null;
  }
}

const gone = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;

/** Brings one container back to running (unpaused, started); a container since removed is left alone. */
export async function ensureRunning(api: DockerApi, id: string): Promise<void> {
  try {
    const { state } = await api.inspect(id);
    if (state === 'paused') await api.unpause(id);
    else if (state !== 'running' && state !== 'restarting') await api.start(id);
  } catch (err) {
    if (!gone(err)) throw dockerError(`bringing ${id.slice(0, 12)} back`, err);
  }
}
