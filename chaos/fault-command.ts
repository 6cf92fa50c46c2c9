// `cascade-lab fault kinds|add|list|clear`: ad-hoc injection for game days, of any fault in the catalogue
// (chaos/faults/catalogue.ts). `add` stays in the foreground and holds its fault with a lease it keeps
// renewing: Ctrl-C, the end of --for, or the process dying removes it (a dead CLI leaves nothing behind:
// the fault proxy drops its toxics and the controller undoes its container and service faults).
import { Command, InvalidArgumentError } from 'commander';
import { catalogueJson, faultKind, validParams, type CatalogueEntry } from './faults/catalogue.js';
import { durationMs } from './experiments/format.js';
import { systemClock } from '../lib/clock.js';
import { holdLease, LabClient, LabUnreachable } from './lab-client.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

type Params = Record<string, string | number | boolean>;

const param = (text: string, previous: Params) => {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(text);
  if (!m) throw new InvalidArgumentError('expected name=value, e.g. latency=400');
  const raw = m[2] as string;
  const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
  return { ...previous, [m[1] as string]: value };
};

const duration = (text: string) => {
  if (!/^\d+(\.\d+)?(ms|s|m)$/.test(text)) throw new InvalidArgumentError('expected a duration like 30s, 5m or 500ms');
  return durationMs(text);
};

/** `latency=0 (integer 0..3600000)`, `signal=SIGKILL (SIGKILL|SIGTERM|SIGINT)`, `ms (required, integer 1..60000)` */
export function describeParams(entry: CatalogueEntry): string {
  const required = new Set(entry.params.required ?? []);
  const parts = Object.entries(entry.params.properties ?? {}).map(([name, p]) => {
    const bounds = p.minimum === undefined ? '' : p.maximum === undefined || p.maximum >= Number.MAX_SAFE_INTEGER ? `>= ${p.minimum}` : `${p.minimum}..${p.maximum}`;
    const range = p.enum ? p.enum.join('|') : [p.type, bounds].filter(Boolean).join(' ');
    return `${name}${p.default !== undefined ? `=${String(p.default)}` : ''} (${required.has(name) ? 'required, ' : ''}${range})`;
  });
  return parts.join(', ') || 'none';
}

/** Runs one call against one part of the lab; null when that part is not up (the other may be). */
const ifUp = async <T>(call: () => Promise<T>): Promise<T | null> => {
  try {
    return await call();
  } catch (err) {
    if (err instanceof LabUnreachable) return null;
    throw err;
  }
};

export function registerFault(program: Command): void {
  const fault = program
    .command('fault')
    .description('inject, list and clear faults by hand (game days): toxics on links, container actions, service hooks');

  fault
    .command('kinds')
    .alias('catalogue')
    .description('every fault the lab can inject, with what it does and its parameters')
    .option('--json', 'print JSON (the same as GET /api/faults/catalogue)')
    .action((opts: { json?: boolean }) => {
      const entries = catalogueJson();
      if (opts.json) return void process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      const lines = entries.map((e) => {
        const on = e.target === 'service' && e.services ? `service ${e.services}` : e.target;
        return `${e.kind.padEnd(14)} on a ${on}: ${e.description}\n${''.padEnd(14)} params: ${describeParams(e)}\n`;
      });
      process.stdout.write(`${lines.join('')}\nTargets: a tcp-link or udp-link is a fault-proxy link (cascade-lab fault list); a container or service is a compose service (kv-1, dns-enactor-az-b...).\n`);
    });

  fault
    .command('add')
    .description('inject one fault and hold it until Ctrl-C or --for runs out (see `cascade-lab fault kinds`)')
    .argument('[kind]', 'a fault kind: latency, bandwidth, ..., udp-drop, kill, stop, pause, restart, disconnect, pause-loop, slow-handler')
    .argument('[target]', 'a fault-proxy link for toxics (enactor-az-a), a compose service for the others (kv-1)')
    .option('--param <name=value>', 'a parameter of the fault, repeatable: --param latency=400 --param jitter=50', param, {} as Params)
    .option('--for <duration>', 'remove it after this long (default: until Ctrl-C)', duration)
    .option('--stream <s>', 'toxics only: upstream (client to server), downstream, or both', 'both')
    .option('--toxicity <p>', 'toxics only: probability 0..1 that a connection is affected', (v) => Number(v), 1)
    .option('--proxy <name>', 'older spelling of [target] for toxics')
    .option('--type <toxic>', 'older spelling of [kind] for toxics')
    .option('--attr <name=value>', 'older spelling of --param', param, {} as Params)
    .addHelpText('after', '\nExamples:\n  cascade-lab fault add latency enactor-az-b --param latency=400\n  cascade-lab fault add pause kv-1 --for 30s\n  cascade-lab fault add slow-handler kv-2 --param ms=200\n')
    .action(async (kindArg: string | undefined, targetArg: string | undefined, opts: { param: Params; attr: Params; for?: number; stream: string; toxicity: number; proxy?: string; type?: string }) => {
      const kind = faultKind(kindArg ?? opts.type ?? 'latency');
      const target = targetArg ?? opts.proxy;
      if (!target) throw new Error(`fault add ${kind.kind}: name a target: ${kind.injectedBy === 'fault-proxy' ? 'a fault-proxy link (cascade-lab fault list)' : 'a compose service, e.g. kv-1'}`);
      const params = validParams(kind, { ...opts.attr, ...opts.param });
      if (!['upstream', 'downstream', 'both'].includes(opts.stream)) throw new Error('--stream: expected upstream, downstream or both');
      if (!(opts.toxicity >= 0 && opts.toxicity <= 1)) throw new Error('--toxicity: expected a probability from 0 to 1');
      // Ctrl-C from now on removes the fault: one that comes while it is being injected too.
      let stopping = false;
      const stop = () => (stopping = true);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const lab = new LabClient();
      const holder = `fault-${process.pid}-${Date.now()}`;
      const lease = await holdLease(lab, holder, systemClock, (err) => say(`could not renew: ${err.message}`));
      try {
        if (kind.injectedBy === 'fault-proxy') {
          const streams = opts.stream === 'both' ? (['upstream', 'downstream'] as const) : [opts.stream as 'upstream' | 'downstream'];
          for (const stream of streams) {
            await lab.addToxic(target, { name: `adhoc_${kind.toxicType}_${stream}`, type: kind.toxicType, stream, toxicity: opts.toxicity, attributes: params });
          }
        } else {
          await lab.addFault(kind.kind, target, params);
        }
      } catch (err) {
        await lease.release().catch(() => undefined);
        throw err;
      }
      const how = kind.injectedBy === 'fault-proxy' ? ` (${opts.stream})` : '';
      say(`${kind.kind} on ${target}${how} ${JSON.stringify(params)}: held${opts.for ? ` for ${opts.for / 1000} s` : ''}; Ctrl-C removes it`);
      const until = opts.for ? Date.now() + opts.for : Infinity;
      while (!stopping && Date.now() < until) await new Promise((r) => setTimeout(r, Math.max(0, Math.min(250, until - Date.now()))));
      await lease.release();
      say('removed');
    });

  fault
    .command('list')
    .description('every fault-proxy link with its toxics, every container and service fault, and who holds them')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const lab = new LabClient();
      const [proxies, leases, faults] = await Promise.all([ifUp(() => lab.proxies()), ifUp(() => lab.proxyLeases()), ifUp(() => lab.faults())]);
      if (!proxies && !faults) throw new LabUnreachable('fault-proxy and controller', new Error('no answer'));
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ proxies, leases, faults }, null, 2)}\n`);
      for (const [name, p] of Object.entries(proxies ?? {})) {
        process.stdout.write(`${name}  ${p.protocol} ${p.listen} -> ${p.upstream}${p.enabled ? '' : '  (disabled)'}\n`);
        for (const t of p.toxics) {
          const holder = leases?.find((l) => l.toxics.some((x) => x.proxy === name && x.toxic === t.name))?.holder;
          process.stdout.write(`    ${t.name}: ${t.type} ${t.stream} toxicity ${t.toxicity} ${JSON.stringify(t.attributes)}${holder ? `  (held by ${holder})` : ''}\n`);
        }
      }
      if (!proxies) process.stdout.write('fault-proxy: not reachable\n');
      if (!faults) return void process.stdout.write('controller: not reachable (container and service faults unknown)\n');
      process.stdout.write(`container and service faults: ${faults.length || 'none'}\n`);
      for (const f of faults) {
        const left = ((f.expiresAt - Date.now()) / 1000).toFixed(1);
        const by = f.holder ? `held by ${f.holder}, ` : '';
        process.stdout.write(`    ${f.id}: ${f.kind} ${f.target} ${JSON.stringify(f.params)}  (${by}expires in ${left} s)${f.undoError ? `  UNDO FAILING: ${f.undoError}` : ''}\n`);
      }
    });

  fault
    .command('clear')
    .description('remove every fault: every toxic (Toxiproxy /reset), every lease, every container and service fault')
    .action(async () => {
      const lab = new LabClient();
      const proxy = await ifUp(async () => {
        const leases = await lab.proxyLeases();
        for (const l of leases) await lab.releaseLease(l.holder);
        await lab.resetProxies();
        return leases.length;
      });
      const controller = await ifUp(() => lab.clearFaults());
      if (proxy === null && controller === null) throw new LabUnreachable('fault-proxy and controller', new Error('no answer'));
      say(`cleared: ${proxy === null ? 'fault-proxy not reachable' : `toxics reset, ${proxy} leases released`}; ${controller === null ? 'controller not reachable' : `${controller} container and service faults undone`}`);
    });
}
