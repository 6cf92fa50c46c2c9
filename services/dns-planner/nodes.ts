// KV_NODES "kv-1=http://kv-1:8000,..." to a list; a malformed entry stops the planner with the variable named.
import { ConfigError } from '../../lib/config.js';

export function parseNodes(entries: string[]): { id: string; url: string }[] {
  return entries.map((entry) => {
    const m = /^([A-Za-z0-9_-]+)=(https?:\/\/\S+)$/.exec(entry);
    if (!m) {
      process.stderr.write(`${new ConfigError([`KV_NODES: expected id=url pairs, got ${JSON.stringify(entry)}`]).message}\n`);
      process.exit(78);
    }
    return { id: m[1] as string, url: (m[2] as string).replace(/\/$/, '') };
  });
}
