// Items over Redis with DynamoDB-like semantics: every item has a version; a conditional write names the
// version it expects (0 = "must not exist") and fails without writing when the item moved on. Each
// operation is one Lua script, so the check and the write are atomic in Redis.
import type { Redis } from 'ioredis';

export interface Item {
  key: string;
  value: unknown;
  version: number;
}

export class ConditionFailed extends Error {
  constructor(readonly key: string, readonly expected: number, readonly actual: number) {
    super(`conditional check failed for ${key}: expected version ${expected}, found ${actual}`);
  }
}

// KEYS[1] item hash; ARGV[1] expected version or '' (unconditional); ARGV[2] data.
// Returns the new version, or -(actual+1) when the condition fails.
const PUT = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= cur then return -(cur + 1) end
local nv = cur + 1
redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2])
return nv`;

// Returns 1 deleted, 0 absent, -(actual+1) condition failed.
const DEL = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= cur then return -(cur + 1) end
if cur == 0 then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

const itemKey = (key: string) => `kv:item:${key}`;

export class KvStore {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('kvPut', { numberOfKeys: 1, lua: PUT });
    redis.defineCommand('kvDel', { numberOfKeys: 1, lua: DEL });
  }

  async get(key: string): Promise<Item | null> {
    const [version, data] = await this.redis.hmget(itemKey(key), 'v', 'd');
    if (version == null || data == null) return null;
    return { key, value: JSON.parse(data) as unknown, version: Number(version) };
  }

  async put(key: string, value: unknown, expectedVersion?: number): Promise<Item> {
    const run = (this.redis as unknown as { kvPut: (k: string, e: string, d: string) => Promise<number> }).kvPut;
    const result = await run.call(this.redis, itemKey(key), expectedVersion === undefined ? '' : String(expectedVersion), JSON.stringify(value));
    if (result < 0) throw new ConditionFailed(key, expectedVersion ?? 0, -result - 1);
    return { key, value, version: result };
  }

  async delete(key: string, expectedVersion?: number): Promise<boolean> {
    const run = (this.redis as unknown as { kvDel: (k: string, e: string) => Promise<number> }).kvDel;
    const result = await run.call(this.redis, itemKey(key), expectedVersion === undefined ? '' : String(expectedVersion));
    if (result < 0) throw new ConditionFailed(key, expectedVersion ?? 0, -result - 1);
    return result === 1;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}
