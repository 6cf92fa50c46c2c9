// What a fault kind is. Every fault the lab can inject is one kind, declared in one file of this folder
// (or, for the fault proxy's toxics, in chaos/proxy/toxics/) with a description and a parameter schema,
// and listed in catalogue.ts. Two families:
//
//   fault-proxy kinds (toxics on a TCP link, UDP link faults)  injected by the CLI/runner on the fault
//                                                              proxy, held by a proxy lease
//   controller kinds (container actions, service hooks)        injected by the controller, held by a
//                                                              controller lease (held-faults.ts)
//
// A controller kind's inject() returns what undo() needs as plain JSON, so a fault can be undone from a
// record alone (after the lease ran out, or by a controller that restarted).
import type { z } from 'zod';
import { LabError } from '../../lib/errors.js';
import { dockerError, ensureRunning, type DockerApi, type LabContainers } from './docker.js';

export type FaultTarget = 'tcp-link' | 'udp-link' | 'container' | 'service';

export interface FaultKindBase<P = Record<string, unknown>> {
  kind: string;
  target: FaultTarget;
  description: string;
  /** Validates the parameters, filling in defaults; messages name the parameter. */
  params: z.ZodType<P>;
}

/** A toxic of the fault proxy: `type` on links of `protocol`. */
export interface ProxyFaultKind extends FaultKindBase {
  injectedBy: 'fault-proxy';
  toxicType: string;
  protocol: 'tcp' | 'udp';
}

/** A toxic as the fault proxy's Toxiproxy API takes it. */
export interface ToxicSpec {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Record<string, unknown>;
}

/** The fault proxy's links, for the toxics the controller holds itself (held-toxic.ts). */
export interface ToxicLinks {
  links(): Promise<{ name: string; protocol: 'tcp' | 'udp' }[]>;
  add(link: string, toxic: ToxicSpec): Promise<void>;
  /** Removes a toxic; one already gone (or a link gone) is not an error. */
  remove(link: string, name: string): Promise<void>;
}

export interface FaultContext {
  containers: LabContainers | null;
  /** POSTs to a lab service's admin API (with the lab token); rejects when the service answers >= 400. */
  callService(service: string, path: string, body?: unknown): Promise<unknown>;
  /** The fault proxy, for toxics held by the controller; absent where there is none. */
  toxics?: ToxicLinks | null;
}

export type UndoRecord = Record<string, unknown>;

export interface ControllerFaultKind<P = Record<string, unknown>> extends FaultKindBase<P> {
  injectedBy: 'controller';
  /** For service hooks: the services that have the hook. */
  services?: RegExp;
  inject(ctx: FaultContext, target: string, params: P): Promise<UndoRecord>;
  /** Puts things back; safe to call again, and when the target is already back to normal. */
  undo(ctx: FaultContext, target: string, record: UndoRecord): Promise<void>;
}

export type FaultKind = ProxyFaultKind | ControllerFaultKind;

/** Declares a controller kind with its parameter type inferred from the schema. */
export const controllerFault = <S extends z.ZodType<Record<string, unknown>>>(
  kind: Omit<ControllerFaultKind<z.infer<S>>, 'params' | 'injectedBy'> & { params: S },
): ControllerFaultKind => ({ ...kind, injectedBy: 'controller' }) as unknown as ControllerFaultKind;

/** The lab's containers, or a 503 saying why container faults are not available. */
export function labContainers(ctx: FaultContext): LabContainers {
  if (!ctx.containers) {
    throw new LabError(
      'FAULT_ERR_NO_DOCKER',
      503,
      'container faults need the Docker API: mount /var/run/docker.sock into the controller (docker-compose.yml does) or set LAB_PROJECT',
    );
  }
  return ctx.containers;
}

/**
 * inject/undo of a fault that does one thing to every container of a service (kill, stop, restart) and,
 * when it ends, makes sure each of them runs again. The record is the containers' ids.
 */
export function onEveryContainer<P>(verb: string, act: (api: DockerApi, id: string, params: P) => Promise<void>) {
  return {
    async inject(ctx: FaultContext, target: string, params: P): Promise<UndoRecord> {
      const lab = labContainers(ctx);
      const containers = await lab.of(target);
      for (const c of containers) await act(lab.api, c.id, params).catch((err: unknown) => Promise.reject(dockerError(`${verb} ${target}`, err)));
      return { containers: containers.map((c) => c.id) };
    },
    async undo(ctx: FaultContext, _target: string, record: UndoRecord): Promise<void> {
      for (const id of record.containers as string[]) await ensureRunning(labContainers(ctx).api, id);
    },
  };
}
