// Config tests: a bad value must stop a service with the variable's name first and what was expected.
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../lib/config.js';

/** Asserts that parseConfig refuses `env` with a ConfigError whose message starts with `variable` and matches `expected`. */
export function assertRefused(shape: Parameters<typeof parseConfig>[0], env: Record<string, string>, variable: string, expected: RegExp): void {
  assert.throws(
    () => parseConfig(shape, env),
    (err: unknown) => err instanceof ConfigError && err.message.startsWith(`${variable}: `) && expected.test(err.message),
    `${variable}=${JSON.stringify(env[variable])} is refused naming ${variable}`,
  );
}
