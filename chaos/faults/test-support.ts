// A Docker Engine in memory for the container faults' tests: containers with compose labels, a state,
// and network attachments; every call is recorded, and `failNext` makes the next call of a kind fail.
import type { Attachment, ContainerDetails, ContainerState, ContainerSummary, DockerApi } from './docker.js';
import { PROJECT_LABEL, SERVICE_LABEL } from './docker.js';

/** One frame of the Engine's multiplexed log stream: stream (1 stdout, 2 stderr), 3 zero bytes, the length, the text. */
export function dockerFrame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

interface FakeContainer {
  id: string;
  labels: Record<string, string>;
  state: ContainerState;
  attachments: Attachment[];
}

export class FakeDocker implements DockerApi {
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  /** What each container has written, a line each; logs() sends them framed as the Engine does without a TTY. */
  readonly written = new Map<string, string[]>();
  private failures = new Map<string, number>();

  add(project: string, service: string, attachments: Attachment[] = []): string {
    const id = `${project}-${service}-${this.containers.size}`.padEnd(16, '0');
    this.containers.set(id, { id, labels: { [PROJECT_LABEL]: project, [SERVICE_LABEL]: service }, state: 'running', attachments });
    return id;
  }

  stateOf(id: string): ContainerState {
    return this.get(id).state;
  }

  /** The next `times` calls of this method fail with a Docker-like error. */
  failNext(method: string, times = 1): void {
    this.failures.set(method, times);
  }

  private call(method: string, id: string) {
    this.calls.push(`${method} ${id}`);
    const left = this.failures.get(method) ?? 0;
    if (left > 0) {
      this.failures.set(method, left - 1);
      throw Object.assign(new Error(`(HTTP code 500) server error - ${method} failed`), { statusCode: 500 });
    }
    return this.get(id);
  }

  private get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw Object.assign(new Error(`(HTTP code 404) no such container - ${id}`), { statusCode: 404 });
    return c;
  }

  private conflictUnless(c: FakeContainer, ok: boolean, why: string) {
    if (!ok) throw Object.assign(new Error(`(HTTP code 409) ${why}`), { statusCode: 409 });
  }

  async list(labels: string[]): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((c) => labels.every((l) => { const [k, v] = l.split('='); return c.labels[k as string] === v; }))
      .map((c) => ({ id: c.id, service: c.labels[SERVICE_LABEL] ?? '', state: c.state, labels: c.labels }));
  }
  async inspect(id: string): Promise<ContainerDetails> {
    const c = this.get(id);
    return { id: c.id, state: c.state, labels: { ...c.labels }, attachments: c.attachments.map((a) => ({ ...a, aliases: [...a.aliases] })) };
  }
  async kill(id: string) {
    const c = this.call('kill', id);
    this.conflictUnless(c, c.state === 'running', 'container is not running');
    c.state = 'exited';
  }
  async stop(id: string) {
    this.call('stop', id).state = 'exited';
  }
  async start(id: string) {
    const c = this.call('start', id);
    this.conflictUnless(c, c.state !== 'paused', 'cannot start a paused container');
    c.state = 'running';
  }
  async restart(id: string) {
    this.call('restart', id).state = 'running';
  }
  async pause(id: string) {
    const c = this.call('pause', id);
    this.conflictUnless(c, c.state === 'running', 'container is not running');
    c.state = 'paused';
  }
  async unpause(id: string) {
    const c = this.call('unpause', id);
    this.conflictUnless(c, c.state === 'paused', 'container is not paused');
    c.state = 'running';
  }
  async disconnect(id: string, network: string) {
    const c = this.call('disconnect', id);
    this.conflictUnless(c, c.attachments.some((a) => a.network === network), `not connected to ${network}`);
    c.attachments = c.attachments.filter((a) => a.network !== network);
  }
  async logs(id: string, tail: number): Promise<Buffer> {
    this.call('logs', id);
    return Buffer.concat((this.written.get(id) ?? []).slice(-tail).map((line) => dockerFrame(1, `${line}\n`)));
  }
  async connect(id: string, attachment: Attachment) {
    const c = this.call('connect', id);
    c.attachments.push({ ...attachment, aliases: [...attachment.aliases] });
  }
}
