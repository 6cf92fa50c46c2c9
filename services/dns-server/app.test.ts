import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startTestServer, TOKEN, type TestServer } from './testing.js';

const auth = { authorization: `Bearer ${TOKEN}` };

describe('control API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      initial: [
        { name: 'a.lab.internal', type: 'A', values: ['10.0.0.1'] },
        { name: 'plan-1.kv.lab.internal', type: 'A', setId: 'x', weight: 1, values: ['10.1.0.1'] },
        { name: 'kv.lab.internal', type: 'ALIAS', target: 'plan-1.kv.lab.internal' },
      ],
    });
  });
  after(() => server.close());

  const post = (body: unknown, headers: Record<string, string> = auth) =>
    server.app.inject({ method: 'POST', url: '/v1/changes', headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const one = (change: Record<string, unknown>) => ({ changes: [change] });

  it('401 without a token or with a wrong one, before looking at the body', async () => {
    const change = one({ action: 'CREATE', name: 'x.lab.internal', type: 'A', values: ['10.0.0.9'] });
    assert.equal((await post(change, {})).statusCode, 401);
    assert.equal((await post(change, { authorization: 'Bearer nope' })).statusCode, 401);
    assert.equal((await post(change, { authorization: TOKEN })).statusCode, 401);
    assert.equal((await post('{not json', {})).statusCode, 401);
  });

  it('400 with a message for malformed bodies, never a crash', async () => {
    const cases: unknown[] = [
      '{not json',
      '[]',
      {},
      { changes: [] },
      one({ action: 'REPLACE', name: 'x.lab.internal', type: 'A', values: ['10.0.0.9'] }),
      one({ action: 'CREATE', name: 'x.lab.internal', type: 'MX', values: ['10.0.0.9'] }),
      one({ action: 'CREATE', name: 'x.example.com', type: 'A', values: ['10.0.0.9'] }),
      one({ action: 'CREATE', name: 'x.lab.internal', type: 'A', values: ['999.0.0.1'] }),
      one({ action: 'CREATE', name: 'x.lab.internal', type: 'A', values: [7] }),
      one({ action: 'CREATE', name: 'x.lab.internal', type: 'A', ttl: -1, values: ['10.0.0.9'] }),
      one({ action: 'CREATE', name: 'x.lab.internal', type: 'A', weight: 300, setId: 's', values: ['10.0.0.9'] }),
      one({ action: 'CREATE', name: 'x.lab.internal', type: 'A', values: ['10.0.0.9'], extra: true }),
      { changes: Array.from({ length: 1001 }, (_, i) => ({ action: 'CREATE', name: `n${i}.lab.internal`, type: 'A', values: ['10.0.0.1'] })) },
    ];
    for (const body of cases) {
      const res = await post(body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 80)} -> ${res.body}`);
      assert.ok(res.json().error.message, 'has a message');
    }
    assert.equal(server.zone.serial, 1, 'nothing was applied');
  });

  it('applies a batch, lists records by name and suffix, resolves as JSON', async () => {
    const res = await post({
      comment: 'plan 2',
      changes: [
        { action: 'CREATE', name: 'plan-2.kv.lab.internal', type: 'A', setId: 'y', weight: 3, values: ['10.2.0.1', '10.2.0.2'] },
        { action: 'UPSERT', name: 'kv.lab.internal', type: 'ALIAS', target: 'plan-2.kv.lab.internal' },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { applied: 2, serial: 2 });

    const byName = (await server.app.inject(`/v1/records?name=KV.lab.internal`)).json();
    assert.deepEqual(byName, { serial: 2, records: [{ name: 'kv.lab.internal', type: 'ALIAS', ttl: 60, target: 'plan-2.kv.lab.internal' }] });
    const bySuffix = (await server.app.inject(`/v1/records?suffix=kv.lab.internal`)).json();
    assert.deepEqual(bySuffix.records.map((r: { name: string }) => r.name), ['kv.lab.internal', 'plan-1.kv.lab.internal', 'plan-2.kv.lab.internal']);
    assert.equal((await server.app.inject('/v1/records')).json().records.length, 4);

    const resolved = (await server.app.inject('/v1/resolve?name=kv.lab.internal&type=A')).json();
    assert.equal(resolved.rcode, 'NOERROR');
    assert.deepEqual(resolved.answers.map((a: { value: string }) => a.value).sort(), ['10.2.0.1', '10.2.0.2']);
    assert.equal(resolved.answers[0].name, 'kv.lab.internal');

    const state = (await server.app.inject('/lab/state')).json().state;
    assert.deepEqual(state.aliases, [{ name: 'kv.lab.internal', target: 'plan-2.kv.lab.internal', addresses: 2 }]);

    const events = (await server.app.inject('/lab/events')).json().events;
    assert.equal(events.at(-1).type, 'changes-applied');
    assert.deepEqual(events.at(-1).data.names, ['kv.lab.internal', 'plan-2.kv.lab.internal']);
  });

  it('409 with the rule broken, an event, and a metric for rejected batches', async () => {
    const res = await post(one({ action: 'UPSERT', name: 'rollback.kv.lab.internal', type: 'ALIAS', target: 'plan-9.kv.lab.internal' }));
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'DNS_ERR_ALIAS_TARGET_MISSING');
    const events = (await server.app.inject('/lab/events')).json().events;
    assert.equal(events.at(-1).type, 'changes-rejected');
    assert.equal(events.at(-1).data.code, 'DNS_ERR_ALIAS_TARGET_MISSING');
    const metrics = (await server.app.inject('/metrics')).body;
    assert.match(metrics, /dns_change_batches_total\{result="rejected"[^}]*\} [1-9]/);
    assert.match(metrics, /dns_zone_serial\{[^}]*\} \d+/);
  });

  it('/readyz answers through the real UDP listener', async () => {
    const res = await server.app.inject('/readyz');
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.json().checks.dns.detail, /SOA lab.internal via udp/);
    const queried = (await server.app.inject('/metrics')).body;
    assert.match(queried, /dns_queries_total\{qtype="SOA",rcode="NOERROR"[^}]*\} [1-9]/);
  });
});

describe('/readyz without a working listener', () => {
  it('is 503 when nothing answers DNS', async () => {
    const server = await startTestServer();
    await server.close();
    // Re-open only the app: its UDP port is now closed.
    const { buildApp } = await import('./app.js');
    const app = buildApp({ zone: server.zone, answerer: server.answerer, adminToken: TOKEN, random: new (await import('../../lib/random.js')).Random(1), dnsEndpoint: () => ({ host: '127.0.0.1', port: server.udpPort }) });
    const res = await app.inject('/readyz');
    assert.equal(res.statusCode, 503);
    await app.close();
  });
});

describe('concurrent writers (property)', () => {
  it('never leave a partially applied batch', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ token: fc.integer({ min: 1, max: 250 }), size: fc.integer({ min: 1, max: 6 }), bad: fc.boolean() }), { minLength: 2, maxLength: 12 }),
        async (writers) => {
          const server = await startTestServer({ initial: [{ name: 'g0.lab.internal', type: 'A', values: ['10.0.0.0'] }] });
          try {
            const results = await Promise.all(
              writers.map((w, i) =>
                server.app.inject({
                  method: 'POST',
                  url: '/v1/changes',
                  headers: auth,
                  payload: {
                    changes: [
                      ...Array.from({ length: w.size }, (_, k) => ({ action: 'UPSERT', name: `g${k}.lab.internal`, type: 'A', values: [`10.0.${i}.${w.token}`] })),
                      // A bad batch fails at its last change, after its upserts were staged.
                      ...(w.bad ? [{ action: 'CREATE', name: 'g0.lab.internal', type: 'A', values: ['10.9.9.9'] }] : []),
                    ],
                  },
                }),
              ),
            );
            const applied = writers.filter((_, i) => results[i]!.statusCode === 200);
            assert.equal(applied.length, writers.filter((w) => !w.bad).length);
            assert.equal(server.zone.serial, 1 + applied.length);
            // Every record group g0..g5 holds a value some single good batch wrote, and the groups a
            // batch wrote after the last writer of g0 all agree with it.
            const values = [0, 1, 2, 3, 4, 5].map((k) => server.zone.recordsAt(`g${k}.lab.internal`)[0]?.values?.[0]);
            const last = values[0]!;
            const writerIndex = Number(last.split('.')[2]);
            if (last !== '10.0.0.0') {
              const w = writers[writerIndex]!;
              assert.equal(w.bad, false, 'a rejected batch left a value behind');
              for (let k = 0; k < w.size; k++) assert.equal(values[k], last, `g${k} disagrees with g0`);
            }
            for (const v of values) if (v && v !== '10.0.0.0') assert.equal(writers[Number(v.split('.')[2])]!.bad, false);
          } finally {
            await server.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the TXT lock admits exactly one of several concurrent takers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 20 }), async (takers) => {
        const free = 'holder=none';
        const server = await startTestServer({ initial: [{ name: 'lock.kv.lab.internal', type: 'TXT', ttl: 0, values: [free] }] });
        try {
          const results = await Promise.all(
            Array.from({ length: takers }, (_, i) =>
              server.app.inject({
                method: 'POST',
                url: '/v1/changes',
                headers: auth,
                payload: {
                  changes: [
                    { action: 'DELETE', name: 'lock.kv.lab.internal', type: 'TXT', ttl: 0, values: [free] },
                    { action: 'CREATE', name: 'lock.kv.lab.internal', type: 'TXT', ttl: 0, values: [`holder=enactor-${i}`] },
                  ],
                },
              }),
            ),
          );
          const winners = results.flatMap((r, i) => (r.statusCode === 200 ? [i] : []));
          assert.equal(winners.length, 1);
          for (const r of results) if (r.statusCode !== 200) assert.equal(r.json().error.code, 'DNS_ERR_DELETE_MISMATCH');
          assert.deepEqual(server.zone.recordsAt('lock.kv.lab.internal')[0]?.values, [`holder=enactor-${winners[0]}`]);
        } finally {
          await server.close();
        }
      }),
      { numRuns: 30 },
    );
  });
});
