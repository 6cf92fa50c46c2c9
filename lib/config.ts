// Service configuration from the environment: one zod schema per service, parsed once at start. A bad
// value stops the service with the variable's name and what was expected, never a silent default.
import { z } from 'zod';
import { parseHostPort, type HostPort } from './host-port.js';
import { DEFAULT_LAB_CLOCK, LabClock } from './lab-clock.js';

/** One problem a line, each starting with the variable's name: `KV_NODES: expected id=http://host:port pairs ...`. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** The value, or the default when unset or empty (so `${VAR:-}` in compose falls back). */
const orDefault = (def: unknown) => (v: unknown) => (v === undefined || v === '' ? def : v);

/** Integer variable with bounds; empty strings count as unset so `${VAR:-}` in compose falls back. */
export const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    orDefault(def),
    z.coerce.number({ error: 'expected an integer' }).int('expected an integer').min(min, `expected >= ${min}`).max(max, `expected <= ${max}`),
  );

export const port = (def: number) => int(def, 0, 65535);

/** A fraction in [0, 1]. */
export const fraction = (def: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? def : v),
    z.coerce.number({ error: 'expected a number from 0 to 1' }).min(0, 'expected >= 0').max(1, 'expected <= 1'),
  );

export const str = (def?: string) =>
  def === undefined
    ? z.string({ error: 'required' }).min(1, 'required, must not be empty')
    : z.preprocess(orDefault(def), z.string());

export const bool = (def: boolean) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? String(def) : String(v).toLowerCase()),
    z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'expected true or false' }),
  ).transform((v) => ['true', '1', 'yes', 'on'].includes(v));

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, def: T[number]) =>
  z.preprocess(orDefault(def), z.enum(values, { error: `expected one of ${values.join(', ')}` }));

/** Comma-separated list, trimmed, empty items dropped. */
export const list = (def: string[] = []) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? def : String(v).split(',').map((s) => s.trim()).filter(Boolean)),
    z.array(z.string()),
  );

const NAME = /^[A-Za-z0-9_.-]+$/;

/** "http://host:port" (a trailing slash allowed, no path): the origin, or null. */
function baseUrl(text: string): string | null {
  if (/\s/.test(text)) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  return (url.protocol === 'http:' || url.protocol === 'https:') && bare ? url.origin : null;
}

/**
 * `name=url` pairs separated by commas ("kv-1=http://kv-1:8000,kv-2=http://kv-2:8000"), each URL a base
 * (scheme, host, port), as [{ [key]: name, url }] with the URL as its origin (no trailing slash). `key`
 * is the services' word for the name: id, az, name. Names are unique; at least one unless allowEmpty.
 */
export const namedUrls = <K extends string = 'name'>(def: string, key: K = 'name' as K, { allowEmpty = false } = {}) =>
  z.preprocess(
    orDefault(def),
    z.string().transform((text, ctx) => {
      const expected = `expected ${key}=http://host:port pairs separated by commas`;
      const items: ({ [P in K]: string } & { url: string })[] = [];
      for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
        const at = entry.indexOf('=');
        const name = entry.slice(0, at);
        const url = at > 0 ? baseUrl(entry.slice(at + 1)) : null;
        if (!NAME.test(name) || url === null) {
          ctx.addIssue({ code: 'custom', message: `${expected}, not ${JSON.stringify(entry)}` });
          return z.NEVER;
        }
        if (items.some((i) => i[key] === name)) {
          ctx.addIssue({ code: 'custom', message: `${key} ${JSON.stringify(name)} listed twice` });
          return z.NEVER;
        }
        items.push({ [key]: name, url } as { [P in K]: string } & { url: string });
      }
      if (items.length === 0 && !allowEmpty) {
        ctx.addIssue({ code: 'custom', message: `${expected}: none given` });
        return z.NEVER;
      }
      return items;
    }),
  );

/** "host:port" of something to reach (a host is required), as { host, port }; "[::1]:53" for IPv6. */
export const hostPort = (def: string) =>
  z.preprocess(
    orDefault(def),
    z.string().transform((text, ctx): HostPort => {
      const parsed = parseHostPort(text);
      if (typeof parsed === 'string' || parsed.host === '') {
        ctx.addIssue({ code: 'custom', message: 'expected host:port, e.g. dns-server:53' });
        return z.NEVER;
      }
      return parsed;
    }),
  );

export function parseConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = env[String(issue.path[0])];
    return `${name}: ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
  });
  throw new ConfigError(problems);
}

/** For main.ts: parse or exit 78 (EX_CONFIG) with the variable's name on stderr. */
export function loadConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  try {
    return parseConfig(shape, env);
  } catch (err) {
    if (err instanceof ConfigError) exitOnConfigError(err);
    throw err;
  }
}

/** For main.ts: stops the service (exit 78, EX_CONFIG) with each problem, the variable's name first, on stderr. */
export function exitOnConfigError(err: ConfigError): never {
  process.stderr.write(`invalid configuration:\n  ${err.problems.join('\n  ')}\n`);
  process.exit(78);
}

/** The token every state-changing endpoint requires; shared by all services. */
export const adminToken = () => str();

/**
 * A time setting derived from the lab clock (lib/timing.ts): no default here. Unset, it follows LAB_CLOCK
 * (and a new clock at run time); set, it stays at the value given, in lab milliseconds (or per second).
 */
export const derived = (min = 0, max = Number.MAX_SAFE_INTEGER, integer = true) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    (integer ? z.coerce.number({ error: 'expected an integer' }).int('expected an integer') : z.coerce.number({ error: 'expected a number' }))
      .min(min, `expected >= ${min}`)
      .max(max, `expected <= ${max}`)
      .optional(),
  );

/** LAB_CLOCK: how long one AWS hour lasts in the lab, like 1h=10s (the default) or 1h=60s. */
export const labClock = () =>
  z.preprocess(
    orDefault(DEFAULT_LAB_CLOCK),
    z.string().transform((text, ctx) => {
      try {
        return LabClock.parse(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/ \(got .*\)$/, '') });
        return z.NEVER;
      }
    }),
  );
