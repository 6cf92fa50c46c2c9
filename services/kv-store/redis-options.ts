// How a kv-store node talks to Redis so that an answer of 200 means the write happened and one of 503
// means nothing was acknowledged. Redis itself makes an applied write durable before replying
// (`appendfsync always` in docker-compose.yml); these options keep ioredis from breaking that promise:
// - no offline queue: a write issued while Redis is unreachable fails at once (503) instead of waiting
//   in the client and being sent seconds later, after its caller got a 503 and moved on, possibly over
//   a newer acknowledged value;
// - no resend of unanswered commands after a reconnect: a write whose reply was lost may already have
//   been applied; sending it again would apply it twice (a conditional put would then answer 409 for a
//   write that did happen). The caller gets a 503 and decides, as with any unknown outcome;
// - a command timeout, so a request never hangs on a dead connection.
// Reconnecting is left to ioredis's default retry strategy (forever, at most 2 s apart): a node is ready
// again as soon as Redis is, without a restart.
import type { RedisOptions } from 'ioredis';

export function kvRedisOptions(commandTimeoutMs: number): RedisOptions {
  return {
    commandTimeout: commandTimeoutMs,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
  };
}
