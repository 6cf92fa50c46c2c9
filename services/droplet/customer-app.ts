// The customer application every instance serves: each request reads (and on POST also writes) an item
// of the kv endpoint by name, so a customer request depends on DNS for kv.us-east-1.lab.internal and on
// the kv store, as customer apps at AWS depended on DynamoDB. One handler is shared by every instance's
// listener; only the instance's identity differs.
//
//   GET  /healthz      200 without touching kv (what NLB target health checks hit: reachability only)
//   GET  /<path>       reads  app/<path>                      200 {instance, key, item} | 503
//   POST /<path>       writes app/<path> {by, at, body}, reads it back                 | 503
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the app needs from the kv endpoint (lib/kv-client.ts KvClient fits). Errors (DNS, refused, 5xx, timeout) reject. */
export interface KvAccess {
  /** The item, or null when kv answered that there is none. */
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<unknown>;
}

export interface InstanceIdentity {
  id: string;
  dropletId: string;
}

export interface AppStats {
  requests: number;
  ok: number;
  failed: number;
}

const KEY_PATTERN = /^[A-Za-z0-9_.:/@-]{1,200}$/;
const MAX_BODY = 16 * 1024;

/** Maps a request path to its kv item: `/` and anything unusable share `app/home`. */
export function itemKey(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!.replace(/^\/+|\/+$/g, '');
  return path && KEY_PATTERN.test(path) ? `app/${path}` : 'app/home';
}

export function customerHandler(kv: KvAccess, stats: AppStats) {
  return (who: InstanceIdentity, req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/healthz') return send(res, 200, { ok: true, instance: who.id });
    stats.requests++;
    void serve(kv, who, req).then(
      (body) => {
        stats.ok++;
        send(res, 200, body);
      },
      (err: Error) => {
        stats.failed++;
        send(res, err instanceof TooLarge ? 413 : 503, { error: { code: 'APP_ERR_KV_UNAVAILABLE', message: err.message }, instance: who.id });
      },
    );
  };
}

async function serve(kv: KvAccess, who: InstanceIdentity, req: IncomingMessage): Promise<unknown> {
  const key = itemKey(req.url);
  if (req.method === 'POST' || req.method === 'PUT') {
    const body = await readBody(req);
    await kv.put(key, { by: who.id, at: Date.now(), body });
  } else {
    req.resume();
  }
  const item = await kv.get(key);
  return { instance: who.id, droplet: who.dropletId, key, item };
}

class TooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new TooLarge(`body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
