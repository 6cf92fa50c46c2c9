// `cascade-lab fault add|list|clear`: ad-hoc injection for game days. `add` stays in the foreground and
// holds its fault with a lease it keeps renewing: Ctrl-C, the end of --for, or the process dying removes
// it (a dead CLI leaves nothing behind).
import { Command, InvalidArgumentError } from 'commander';
import { durationMs } from './experiments/format.js';
import { LEASE_TTL_MS } from './experiments/runner.js';
import { LabClient } from './lab-client.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

const attribute = (text: string, previous: Record<string, number>) => {
  const m = /^([a-z_]+)=(-?\d+(?:\.\d+)?)$/.exec(text);
  if (!m) throw new InvalidArgumentError('expected name=number, e.g. latency=400');
  return { ...previous, [m[1] as string]: Number(m[2]) };
};

const duration = (text: string) => {
  if (!/^\d+(\.\d+)?(ms|s|m)$/.test(text)) throw new InvalidArgumentError('expected a duration like 30s, 5m or 500ms');
  return durationMs(text);
};

export function registerFault(program: Command): void {
  const fault = program.command('fault').description('inject, list and clear faults by hand (game days)');

  fault
    .command('add')
    .description('add a toxic to a fault-proxy link and hold it until Ctrl-C or --for runs out')
    .requiredOption('--proxy <name>', 'the link, e.g. enactor-az-a (see `cascade-lab fault list`)')
    .option('--type <toxic>', 'latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data', 'latency')
    .option('--stream <s>', 'upstream (client to server), downstream, or both', 'both')
    .option('--toxicity <p>', 'probability 0..1 that a connection is affected', (v) => Number(v), 1)
    .option('--attr <name=value>', 'toxic attribute, repeatable: --attr latency=400 --attr jitter=50', attribute, {} as Record<string, number>)
    .option('--for <duration>', 'remove it after this long (default: until Ctrl-C)', duration)
    .action(async (opts: { proxy: string; type: string; stream: string; toxicity: number; attr: Record<string, number>; for?: number }) => {
      if (!['upstream', 'downstream', 'both'].includes(opts.stream)) throw new Error('--stream: expected upstream, downstream or both');
      const lab = new LabClient();
      const holder = `fault-${process.pid}-${Date.now()}`;
      await lab.renewLease(holder, LEASE_TTL_MS);
      const streams = opts.stream === 'both' ? (['upstream', 'downstream'] as const) : [opts.stream as 'upstream' | 'downstream'];
      for (const stream of streams) {
        await lab.addToxic(opts.proxy, { name: `adhoc_${opts.type}_${stream}`, type: opts.type, stream, toxicity: opts.toxicity, attributes: opts.attr });
      }
      say(`${opts.type} on ${opts.proxy} (${opts.stream}) ${JSON.stringify(opts.attr)}: held${opts.for ? ` for ${opts.for / 1000} s` : ''}; Ctrl-C removes it`);
      const until = opts.for ? Date.now() + opts.for : Infinity;
      let stopping = false;
      const stop = () => (stopping = true);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let renewedAt = Date.now();
      while (!stopping && Date.now() < until) {
        await new Promise((r) => setTimeout(r, Math.max(0, Math.min(250, until - Date.now()))));
        if (Date.now() - renewedAt >= LEASE_TTL_MS / 3) {
          renewedAt = Date.now();
          await lab.renewLease(holder, LEASE_TTL_MS).catch((err: Error) => say(`could not renew: ${err.message}`));
        }
      }
      await lab.releaseLease(holder);
      say('removed');
    });

  fault
    .command('list')
    .description('every fault-proxy link with its toxics, and the leases holding them')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const lab = new LabClient();
      const proxies = (await lab.proxy('/proxies')) as Record<string, { listen: string; upstream: string; enabled: boolean; protocol?: string; toxics: { name: string; type: string; stream: string; toxicity: number; attributes: unknown }[] }>;
      const leases = (await lab.proxy('/lab/leases')) as { holder: string; expiresAt: number; toxics: { proxy: string; toxic: string }[] }[];
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ proxies, leases }, null, 2)}\n`);
        return;
      }
      for (const [name, p] of Object.entries(proxies)) {
        process.stdout.write(`${name}  ${p.protocol ?? 'tcp'} ${p.listen} -> ${p.upstream}${p.enabled ? '' : '  (disabled)'}\n`);
        for (const t of p.toxics) {
          const holder = leases.find((l) => l.toxics.some((x) => x.proxy === name && x.toxic === t.name))?.holder;
          process.stdout.write(`    ${t.name}: ${t.type} ${t.stream} toxicity ${t.toxicity} ${JSON.stringify(t.attributes)}${holder ? `  (held by ${holder})` : ''}\n`);
        }
      }
    });

  fault
    .command('clear')
    .description('remove every toxic and release every lease (Toxiproxy /reset)')
    .action(async () => {
      const lab = new LabClient();
      const leases = (await lab.proxy('/lab/leases')) as { holder: string }[];
      for (const l of leases) await lab.releaseLease(l.holder);
      await lab.proxy('/reset', { method: 'POST' });
      say(`cleared (${leases.length} leases released)`);
    });
}
