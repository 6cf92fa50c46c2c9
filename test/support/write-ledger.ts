// The check behind "no acknowledged kv write is lost": writers put items through the kv API and record
// every write the store acknowledged (200); afterwards each recorded write is read back.
// Two kinds of key, alternately:
// - a fresh key per write: it must read back with exactly the acknowledged value and version (a write
//   applied twice, or never, shows up here);
// - one "hot" key per writer, overwritten with an increasing sequence number: it must read back at least
//   the highest acknowledged number (an older write applied late, over a newer acknowledged one, shows
//   up here; a higher number is fine, its write may have happened without an answer).
// Self-contained (global fetch and node:fs only), so the end-to-end test runs this same code inside a lab
// container, where the kv endpoint resolves through the lab's DNS.
import { existsSync } from 'node:fs';

export interface Ack {
  key: string;
  value: number;
  version: number;
}

export interface WriteOptions {
  /** kv-store base URLs, used in turn (a single name that resolves to every node is fine). */
  urls: string[];
  token: string;
  writers: number;
  /** Keys are PREFIX/WRITER/SEQ and PREFIX/WRITER/hot: a prefix per run keeps runs apart. */
  prefix: string;
  timeoutMs: number;
  /** Polled between writes; true ends the run. */
  stop: () => boolean;
  /** Safety net: the run ends after this long even if stop() never says so. */
  maxMs: number;
}

export interface Ledger {
  attempts: number;
  acked: Ack[];
  /** Highest acknowledged sequence number per hot key. */
  hot: Record<string, number>;
  /** Failed attempts by cause: HTTP status and error code, or the transport error's code. */
  failures: Record<string, number>;
  /** Per second (epoch s): writes acknowledged and failed. */
  timeline: Record<number, { acked: number; failed: number }>;
}

export interface ReadBack {
  checked: number;
  /** Acknowledged writes whose item is missing or differs. */
  lost: { key: string; expected: unknown; found: unknown }[];
  /** Items that could not be read at all before the deadline (the check is inconclusive for them). */
  unreadable: { key: string; error: string }[];
}

export const stopWhenFileExists = (path: string) => () => existsSync(path);

const causeOf = (err: unknown): string => {
  const e = err as { name?: string; cause?: { code?: string }; code?: string };
  return e.cause?.code ?? e.code ?? e.name ?? 'error';
};

async function put(url: string, token: string, key: string, value: number, timeoutMs: number) {
  const res = await fetch(`${url}/v1/items/${encodeURIComponent(key)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ value }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json().catch(() => ({}))) as { version?: number; error?: { code?: string } };
  return { status: res.status, version: body.version, code: body.error?.code };
}

export const emptyLedger = (): Ledger => ({ attempts: 0, acked: [], hot: {}, failures: {}, timeline: {} });

/** Writes until opts.stop(); records into `ledger` as it goes, so a caller can watch progress. */
export async function writeUntilStopped(opts: WriteOptions, ledger = emptyLedger()): Promise<Ledger> {
  const deadline = Date.now() + opts.maxMs;
  let turn = 0;
  const tick = (field: 'acked' | 'failed') => {
    const second = Math.floor(Date.now() / 1000);
    const slot = (ledger.timeline[second] ??= { acked: 0, failed: 0 });
    slot[field]++;
  };
  const writer = async (w: number) => {
    const hotKey = `${opts.prefix}/${w}/hot`;
    for (let seq = 1; !opts.stop() && Date.now() < deadline; seq++) {
      const key = seq % 2 === 0 ? hotKey : `${opts.prefix}/${w}/${seq}`;
      const url = opts.urls[turn++ % opts.urls.length] as string;
      ledger.attempts++;
      try {
        const res = await put(url, opts.token, key, seq, opts.timeoutMs);
        if (res.status === 200 && typeof res.version === 'number') {
          if (key === hotKey) ledger.hot[hotKey] = Math.max(ledger.hot[hotKey] ?? 0, seq);
          else ledger.acked.push({ key, value: seq, version: res.version });
          tick('acked');
          continue;
        }
        const cause = `${res.status} ${res.code ?? ''}`.trim();
        ledger.failures[cause] = (ledger.failures[cause] ?? 0) + 1;
      } catch (err) {
        const cause = causeOf(err);
        ledger.failures[cause] = (ledger.failures[cause] ?? 0) + 1;
      }
      tick('failed');
      // A failed attempt (a node down, Redis restarting) is retried with the next key after a moment,
      // so a dead dependency does not turn the writers into a busy loop.
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await Promise.all(Array.from({ length: opts.writers }, (_, w) => writer(w)));
  return ledger;
}

async function get(urls: string[], key: string, timeoutMs: number, deadline: number): Promise<{ status: number; body: { value?: unknown; version?: number } }> {
  let lastError = 'no attempt';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const url = urls[attempt % urls.length] as string;
    try {
      const res = await fetch(`${url}/v1/items/${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(timeoutMs) });
      const body = (await res.json().catch(() => ({}))) as { value?: unknown; version?: number };
      if (res.status === 200 || res.status === 404) return { status: res.status, body };
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = causeOf(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(lastError);
}

/** Reads every acknowledged write back; a read that fails (503, no connection) is retried until deadlineMs. */
export async function readBack(urls: string[], ledger: Pick<Ledger, 'acked' | 'hot'>, opts: { timeoutMs: number; deadlineMs: number; concurrency?: number }): Promise<ReadBack> {
  const result: ReadBack = { checked: 0, lost: [], unreadable: [] };
  const deadline = Date.now() + opts.deadlineMs;
  const checks: { key: string; ok: (status: number, body: { value?: unknown; version?: number }) => boolean; expected: unknown }[] = [
    ...ledger.acked.map((a) => ({
      key: a.key,
      expected: { value: a.value, version: a.version },
      ok: (status: number, body: { value?: unknown; version?: number }) => status === 200 && body.value === a.value && body.version === a.version,
    })),
    ...Object.entries(ledger.hot).map(([key, seq]) => ({
      key,
      expected: { value: `>= ${seq}` },
      ok: (status: number, body: { value?: unknown }) => status === 200 && typeof body.value === 'number' && body.value >= seq,
    })),
  ];
  let next = 0;
  const reader = async () => {
    while (next < checks.length) {
      const check = checks[next++]!;
      try {
        const { status, body } = await get(urls, check.key, opts.timeoutMs, deadline);
        result.checked++;
        if (!check.ok(status, body)) result.lost.push({ key: check.key, expected: check.expected, found: status === 404 ? 'missing' : body });
      } catch (err) {
        result.unreadable.push({ key: check.key, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, reader));
  return result;
}
