// Service configuration from the environment: one zod schema per service, parsed once at start. A bad
// value stops the service with the variable's name and what was expected, never a silent default.
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Integer variable with bounds; empty strings count as unset so `${VAR:-}` in compose falls back. */
export const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? def : v),
    z.coerce.number({ error: 'expected an integer' }).int('expected an integer').min(min, `expected >= ${min}`).max(max, `expected <= ${max}`),
  );

export const port = (def: number) => int(def, 0, 65535);

export const str = (def?: string) =>
  def === undefined
    ? z.string({ error: 'required' }).min(1, 'required, must not be empty')
    : z.preprocess((v) => (v === undefined || v === '' ? def : v), z.string());

export const bool = (def: boolean) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? String(def) : String(v).toLowerCase()),
    z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'expected true or false' }),
  ).transform((v) => ['true', '1', 'yes', 'on'].includes(v));

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, def: T[number]) =>
  z.preprocess((v) => (v === undefined || v === '' ? def : v), z.enum(values, { error: `expected one of ${values.join(', ')}` }));

/** Comma-separated list, trimmed, empty items dropped. */
export const list = (def: string[] = []) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? def : String(v).split(',').map((s) => s.trim()).filter(Boolean)),
    z.array(z.string()),
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
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** The token every state-changing endpoint requires; shared by all services. */
export const adminToken = () => str();
