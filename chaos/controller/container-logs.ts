// The lab services' own log lines (pino JSON on stdout), read where the controller can see them: through
// the Docker API (GET /containers/{id}/logs), for the containers of its own compose project that it
// already reaches for container faults (chaos/faults/docker.ts). Asked when a page asks, the newest
// `tail` lines of a service, and kept for a moment so that a room of pages polling costs Docker one
// read. A line that is no JSON is kept as text; a line too long is cut.
import { unavailable } from '../../lib/errors.js';
import type { LabContainers } from '../faults/docker.js';
import type { LogLine } from '../gameday/contract.js';

/** The text of a log read: the Engine frames each chunk (8-byte header) when the container has no TTY. */
export function demux(buffer: Buffer): string {
  const framed = buffer.length >= 8 && buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!framed) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    parts.push(buffer.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** pino's numeric levels by name. */
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
export const MAX_LINE_CHARS = 2000;

/** One line as the page shows it: pino's time, level and message, the rest as fields. */
export function parseLogLine(service: string, raw: string): LogLine {
  const line = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}…` : raw;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const { time, level, msg, service: _s, name: _n, pid: _p, hostname: _h, ...fields } = parsed;
      const at = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : NaN;
      const text = String(msg ?? '');
      return { service, time: Number.isFinite(at) ? at : null, level: typeof level === 'number' ? (LEVELS[level] ?? String(level)) : String(level ?? 'info'), msg: text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text, fields };
    }
  } catch {
    // not JSON: kept as it is
  }
  return { service, time: null, level: 'text', msg: line, fields: {} };
}

/**
 * Several lists of lines (containers, services), each in its own order, interleaved by time; a line
 * without a time keeps its place after the line before it in its own list.
 */
export function mergeByTime(lists: LogLine[][]): LogLine[] {
  const keyed = lists.flatMap((lines) => {
    let last = 0;
    return lines.map((line, i) => ({ line, key: (last = line.time ?? last), i }));
  });
  return keyed.sort((a, b) => a.key - b.key || a.i - b.i).map((k) => k.line);
}

export class ContainerLogs {
  private readonly cache = new Map<string, { at: number; lines: Promise<LogLine[]> }>();

  constructor(
    private readonly containers: LabContainers | null,
    private readonly now: () => number = Date.now,
    private readonly cacheMs = 1000,
  ) {}

  /** The newest `tail` lines of one service (all its containers), oldest first; 503 without Docker. */
  async recent(service: string, tail: number): Promise<LogLine[]> {
    if (!this.containers) throw unavailable('log lines come from the Docker API, and this controller has no Docker socket (mount /var/run/docker.sock)');
    const key = `${service}\n${tail}`;
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.at < this.cacheMs) return cached.lines;
    const lines = this.read(this.containers, service, tail);
    this.cache.set(key, { at: this.now(), lines });
    lines.catch(() => this.cache.delete(key));
    return lines;
  }

  private async read(containers: LabContainers, service: string, tail: number): Promise<LogLine[]> {
    const found = await containers.of(service);
    const texts = await Promise.all(found.map((c) => containers.api.logs(c.id, tail)));
    return mergeByTime(texts.map((buffer) => demux(buffer).split('\n').filter((l) => l.trim() !== '').map((l) => parseLogLine(service, l)))).slice(-tail);
  }
}
