// dns-enactor configuration. The defaults were tuned in virtual time (test/support/race-sim.ts) so that,
// with one enactor's control link slowed by 300-550 ms each way, the race fires within about a minute and
// a half in nearly every run; without the fault, or with FIX_ENACTOR, it never does.
import { bool, int, port, str } from '../../lib/config.js';

export const enactorConfig = {
  PORT: port(8002),
  HOST: str('0.0.0.0'),
  ENACTOR_ID: str('az-a'),
  REDIS_URL: str('redis://redis:6379'),
  /** The dns-server control API, as this enactor reaches it (in the lab: through its fault-proxy link). */
  DNS_API_URL: str('http://dns-server:8053'),
  LAB_ADMIN_TOKEN: str(),
  ZONE: str('lab.internal'),
  /** Amazon's first remediation: re-check freshness inside the transaction, never delete the active plan, refuse empty plans. */
  FIX_ENACTOR: bool(false),
  POLL_INTERVAL_MS: int(200, 10, 600000),
  LOCK_TTL_MS: int(1200, 10, 600000),
  BACKOFF_BASE_MS: int(100, 1, 600000),
  BACKOFF_MAX_MS: int(800, 1, 600000),
  /** Clean-up deletes plan trees this many generations older than the plan just applied. */
  CLEANUP_THRESHOLD: int(10, 1, 1000000),
  /** Pause between clean-up deletions, as an API rate limit would impose. */
  CLEANUP_PAUSE_MS: int(700, 0, 600000),
  /** Seconds; real time, so short: at 1h=10s a 5 s TTL would be half an AWS hour of clients still seeing the old answer. */
  RECORD_TTL: int(1, 0, 86400),
  DNS_API_TIMEOUT_MS: int(30000, 100, 600000),
  ENACTOR_SEED: str(''),
  MAX_ATTEMPTS: int(1000, 1, 1000000),
};

import type { z } from 'zod';
import type { EnactorOptions } from './enactor.js';

type EnactorConfig = { [K in keyof typeof enactorConfig]: z.infer<(typeof enactorConfig)[K]> };

export function enactorOptions(config: EnactorConfig): EnactorOptions {
  return {
    id: config.ENACTOR_ID,
    fix: config.FIX_ENACTOR,
    lockTtlMs: config.LOCK_TTL_MS,
    backoffBaseMs: config.BACKOFF_BASE_MS,
    backoffMaxMs: config.BACKOFF_MAX_MS,
    cleanupThreshold: config.CLEANUP_THRESHOLD,
    cleanupPauseMs: config.CLEANUP_PAUSE_MS,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    recordTtl: config.RECORD_TTL,
    maxAttempts: config.MAX_ATTEMPTS,
  };
}
