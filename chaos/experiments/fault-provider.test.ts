import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import type { LabClient } from '../lab-client.js';
import { parseExperiment } from './format.js';
import { clearFaults, runProvider, type RunContext } from './providers.js';

/** A lab that records what the providers ask of it. */
function fakeLab() {
  const calls: string[] = [];
  const lab = {
    addFault: async (kind: string, target: string, params: unknown) => {
      calls.push(`addFault ${kind} ${target} ${JSON.stringify(params)}`);
      return { id: `id-${calls.length}` };
    },
    removeFault: async (id: string) => void calls.push(`removeFault ${id}`),
    addToxic: async (proxy: string, t: { name: string; attributes: unknown }) => {
      calls.push(`addToxic ${proxy} ${t.name} ${JSON.stringify(t.attributes)}`);
      return { proxy, name: t.name };
    },
    removeToxic: async (proxy: string, name: string) => void calls.push(`removeToxic ${proxy} ${name}`),
  };
  const clock = new ManualClock();
  const ctx: RunContext = { lab: lab as unknown as LabClient, clock, elapsed: () => clock.now(), faults: [], signal: new AbortController().signal };
  return { calls, ctx };
}

describe('the fault provider', () => {
  it('parses in an experiment file', () => {
    const e = parseExperiment(
      `title: t\ndescription: d\nsteady-state-hypothesis: { title: h, probes: [{ type: probe, name: p, provider: { type: dns, name: x } }] }\nmethod:\n  - { type: action, name: a, provider: { type: fault, kind: pause, target: kv-1 } }\n`,
      'x.yaml',
    );
    assert.deepEqual(e.method[0]?.provider, { type: 'fault', kind: 'pause', target: 'kv-1', params: {} });
  });

  it('injects a container fault through the controller, records it, and clear-faults removes it', async () => {
    const { calls, ctx } = fakeLab();
    const out = await runProvider({ type: 'fault', kind: 'stop', target: 'kv-2', params: { timeout: 1 } }, ctx);
    assert.deepEqual(out, { added: ['id-1'] });
    assert.deepEqual(ctx.faults, [{ kind: 'stop', target: 'kv-2', name: 'id-1', spec: { timeout: 1 }, start: 0, end: null }]);
    // A toxic kind goes to the fault proxy on both streams, as the toxic provider does.
    await runProvider({ type: 'fault', kind: 'latency', target: 'enactor-az-a', params: { latency: 300 } }, ctx);
    assert.equal(await clearFaults(ctx), 3);
    assert.deepEqual(calls, [
      'addFault stop kv-2 {"timeout":1}',
      'addToxic enactor-az-a lab_latency_upstream {"latency":300,"jitter":0}',
      'addToxic enactor-az-a lab_latency_downstream {"latency":300,"jitter":0}',
      'removeFault id-1',
      'removeToxic enactor-az-a lab_latency_upstream',
      'removeToxic enactor-az-a lab_latency_downstream',
    ]);
    assert.ok(ctx.faults.every((f) => f.end !== null));
  });

  it('fails clearly on an unknown kind or bad parameters, injecting nothing', async () => {
    const { calls, ctx } = fakeLab();
    await assert.rejects(runProvider({ type: 'fault', kind: 'explode', target: 'kv-1', params: {} }, ctx), /unknown fault kind "explode"/);
    await assert.rejects(runProvider({ type: 'fault', kind: 'slow-handler', target: 'kv-1', params: { ms: 'lots' } }, ctx), /slow-handler: parameter ms/);
    assert.deepEqual(calls, []);
  });
});
