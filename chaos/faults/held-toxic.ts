// A fault-proxy toxic held by the controller, as its container faults are: how the dashboard injects a
// toxic. The CLI and experiments add toxics on the fault proxy themselves, under a proxy lease they keep
// renewing; a web page cannot keep renewing once it is closed, so the controller holds the toxic for it,
// with a ttl (or a controller lease) and in its fault store, like any other fault it holds: undone when
// the ttl runs out, on DELETE, on an emergency stop, and by a restarted controller.
import { badRequest, LabError } from '../../lib/errors.js';
import type { ControllerFaultKind, FaultContext, ProxyFaultKind, ToxicLinks } from './fault.js';

const STREAMS = ['upstream', 'downstream'] as const;

function toxicLinks(ctx: FaultContext): ToxicLinks {
  if (!ctx.toxics) throw new LabError('FAULT_ERR_NO_PROXY', 503, 'toxics held by the controller need the fault proxy, and this lab has none');
  return ctx.toxics;
}

/** The names of the toxics a held toxic fault put on its link (its undo record). */
export const heldToxicNames = (record: Record<string, unknown>): string[] =>
  Array.isArray(record.toxics) ? record.toxics.filter((n): n is string => typeof n === 'string') : [];

/** The catalogue's toxic `kind` as a fault the controller holds: the toxic on both streams of the link. */
export function heldToxic(kind: ProxyFaultKind): ControllerFaultKind {
  return {
    kind: kind.kind,
    target: kind.target,
    description: kind.description,
    params: kind.params,
    injectedBy: 'controller',
    async inject(ctx, link, params) {
      const links = toxicLinks(ctx);
      const known = await links.links();
      if (!known.some((l) => l.name === link && l.protocol === kind.protocol)) {
        const names = known.filter((l) => l.protocol === kind.protocol).map((l) => l.name);
        throw badRequest(`${kind.kind} goes on a ${kind.protocol.toUpperCase()} link of the fault proxy, not ${JSON.stringify(link)}; known: ${names.join(', ') || 'none'}`);
      }
      const added: string[] = [];
      try {
        for (const stream of STREAMS) {
          const name = `held_${kind.toxicType}_${stream}`;
          await links.add(link, { name, type: kind.toxicType, stream, toxicity: 1, attributes: params });
          added.push(name);
        }
      } catch (err) {
        for (const name of added) await links.remove(link, name).catch(() => undefined);
        throw err;
      }
      return { toxics: added };
    },
    async undo(ctx, link, record) {
      for (const name of heldToxicNames(record)) await toxicLinks(ctx).remove(link, name);
    },
  };
}
