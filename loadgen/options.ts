// The loadgen's inputs as people type them (`10s`, `max`, `200-399`, `Name: value`), parsed into numbers
// and checked once, shared by the CLI and the in-lab service. Each parser throws a plain Error whose
// message says what was expected; the caller adds which option or variable it came from.

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `10s`, `2m`, `1h`; a bare number is seconds, as in wrk. Returns milliseconds (> 0). */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new Error(`expected a duration such as 500ms, 10s, 2m or 1h (got ${JSON.stringify(text)})`);
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
  if (!(ms > 0)) throw new Error(`expected a duration above 0 (got ${JSON.stringify(text)})`);
  return ms;
}

export type Rate = number | 'max';

/** Requests per second (> 0, fractions allowed) or `max` for closed-loop saturation. */
export function parseRate(text: string): Rate {
  const t = text.trim().toLowerCase();
  if (t === 'max') return 'max';
  const n = Number(t);
  if (t === '' || !Number.isFinite(n) || n <= 0 || n > 10_000_000) {
    throw new Error(`expected requests per second above 0, or max (got ${JSON.stringify(text)})`);
  }
  return n;
}

export function parseIntIn(text: string, min: number, max: number): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`expected an integer from ${min} to ${max} (got ${JSON.stringify(text)})`);
  }
  return n;
}

/** `Name: value`, as curl and wrk take it. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`expected "Name: value" (got ${JSON.stringify(text)})`);
  return [name.toLowerCase(), text.slice(colon + 1).trim()];
}

export function parseMethod(text: string): string {
  const m = text.trim().toUpperCase();
  if (!/^[A-Z]{3,10}$/.test(m) || m === 'CONNECT') throw new Error(`expected an HTTP method such as GET or POST (got ${JSON.stringify(text)})`);
  return m;
}

/** An absolute http(s) URL; the request path and query are taken from it. */
export function parseTargetUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`expected an absolute URL such as http://127.0.0.1:8080/ (got ${JSON.stringify(text)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`expected an http or https URL (got ${JSON.stringify(text)})`);
  return url;
}

/**
 * Which statuses count as success: comma-separated codes or ranges, `200-399` by default.
 * Returns a 600-entry lookup table so the hot path is one array read.
 */
export function parseSuccessStatuses(text: string): Uint8Array {
  const table = new Uint8Array(600);
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2] ?? m?.[1]);
    if (!m || lo < 100 || hi > 599 || lo > hi) throw new Error(`expected status codes or ranges such as 200-399,404 (got ${JSON.stringify(text)})`);
    table.fill(1, lo, hi + 1);
  }
  if (!table.includes(1)) throw new Error(`expected at least one status (got ${JSON.stringify(text)})`);
  return table;
}
