import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildQuery, parseMessage, queryUdp, TcpSession } from '../../lib/dns-client.js';
import { QTYPE, RCODE } from './resolve.js';
import { startTestServer, type TestServer } from './testing.js';

describe('DNS answers over real sockets', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      initial: [
        { name: 'a.lab.internal', type: 'A', ttl: 30, values: ['10.0.0.1', '10.0.0.2'] },
        { name: 'txt.lab.internal', type: 'TXT', values: ['hello world'] },
        { name: 'plan-7.kv.lab.internal', type: 'A', ttl: 20, setId: 'az-a', weight: 1, values: ['10.7.0.1'] },
        { name: 'plan-7.kv.lab.internal', type: 'A', ttl: 20, setId: 'az-b', weight: 3, values: ['10.7.0.2'] },
        { name: 'plan-7.kv.lab.internal', type: 'A', ttl: 20, setId: 'az-c', weight: 0, values: ['10.7.0.3'] },
        { name: 'zero.lab.internal', type: 'A', setId: 'p', weight: 0, values: ['10.8.0.1'] },
        { name: 'zero.lab.internal', type: 'A', setId: 'q', weight: 0, values: ['10.8.0.2'] },
        { name: 'kv.us-east-1.lab.internal', type: 'ALIAS', target: 'plan-7.kv.lab.internal' },
        { name: 'doomed.lab.internal', type: 'A', values: ['10.9.0.1'] },
        { name: 'app.lab.internal', type: 'ALIAS', target: 'doomed.lab.internal' },
        { name: 'loop1.lab.internal', type: 'ALIAS', target: 'a.lab.internal' },
      ],
    });
    server.zone.apply([
      { action: 'DELETE', name: 'doomed.lab.internal', type: 'A', values: ['10.9.0.1'] },
      { action: 'UPSERT', name: 'loop1.lab.internal', type: 'ALIAS', target: 'loop2.lab.internal' },
      { action: 'CREATE', name: 'loop2.lab.internal', type: 'ALIAS', target: 'loop1.lab.internal' },
    ]);
  });
  after(() => server.close());

  const udp = async (name: string, type: number, opts: { ednsSize?: number } = {}) =>
    parseMessage(await queryUdp(buildQuery(name, type, opts), server.udpPort));

  it('answers A authoritatively with all values, AA set and RA clear', async () => {
    const reply = await udp('a.lab.internal', QTYPE.A);
    assert.equal(reply.header.rcode, RCODE.NOERROR);
    assert.equal(reply.header.aa, 1);
    assert.equal(reply.header.ra, 0);
    assert.deepEqual(reply.answers.map((a) => a.address).sort(), ['10.0.0.1', '10.0.0.2']);
    assert.equal(reply.answers[0]!.ttl, 30);
    const txt = await udp('txt.lab.internal', QTYPE.TXT);
    assert.deepEqual(txt.answers[0]!.data, ['hello world']);
  });

  it('keeps the query ID and the 0x20 mixed case of the question', async () => {
    const reply = parseMessage(await queryUdp(buildQuery('A.Lab.INTERNAL', QTYPE.A, { id: 4242 }), server.udpPort));
    assert.equal(reply.header.id, 4242);
    assert.equal(reply.questions[0]!.name, 'A.Lab.INTERNAL');
    assert.equal(reply.answers.length, 2);
  });

  it('picks one weighted set per query, roughly in proportion to weight', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const reply = await udp('plan-7.kv.lab.internal', QTYPE.A);
      assert.equal(reply.answers.length, 1);
      const ip = reply.answers[0]!.address!;
      counts.set(ip, (counts.get(ip) ?? 0) + 1);
    }
    assert.equal(counts.get('10.7.0.3') ?? 0, 0, 'weight 0 next to positive weights is never chosen');
    const share = (counts.get('10.7.0.2') ?? 0) / 400;
    assert.ok(share > 0.65 && share < 0.85, `weight 3 of 4 got ${share}`);
    const zero = new Set<string>();
    for (let i = 0; i < 60; i++) zero.add((await udp('zero.lab.internal', QTYPE.A)).answers[0]!.address!);
    assert.equal(zero.size, 2, 'all weights 0: uniform among the sets');
  });

  it('follows an alias at query time, owner stays the queried name, TTL of the target', async () => {
    const reply = await udp('kv.us-east-1.lab.internal', QTYPE.A);
    assert.equal(reply.header.rcode, RCODE.NOERROR);
    assert.equal(reply.answers.length, 1);
    assert.equal(reply.answers[0]!.name, 'kv.us-east-1.lab.internal');
    assert.equal(reply.answers[0]!.type, QTYPE.A);
    assert.equal(reply.answers[0]!.ttl, 20);
    assert.match(reply.answers[0]!.address!, /^10\.7\.0\.[12]$/);
  });

  it('an alias to a missing tree answers NOERROR, zero answers, SOA in authority (the incident)', async () => {
    for (const name of ['app.lab.internal', 'loop1.lab.internal']) {
      const reply = await udp(name, QTYPE.A);
      assert.equal(reply.header.rcode, RCODE.NOERROR, name);
      assert.equal(reply.answers.length, 0, name);
      assert.equal(reply.authorities[0]!.type, QTYPE.SOA, name);
      assert.equal(reply.authorities[0]!.minimum, 5);
      assert.equal(reply.authorities[0]!.serial, server.zone.serial);
    }
  });

  it('NXDOMAIN with SOA; NODATA for AAAA and for empty non-terminals; REFUSED outside the zone', async () => {
    const nx = await udp('nothing.lab.internal', QTYPE.A);
    assert.equal(nx.header.rcode, RCODE.NXDOMAIN);
    assert.equal(nx.authorities[0]!.type, QTYPE.SOA);
    assert.equal(nx.authorities[0]!.name, 'lab.internal');
    for (const [name, type] of [['a.lab.internal', QTYPE.AAAA], ['kv.lab.internal', QTYPE.A], ['a.lab.internal', 15]] as const) {
      const reply = await udp(name, type);
      assert.equal(reply.header.rcode, RCODE.NOERROR, `${name} ${type}`);
      assert.equal(reply.answers.length, 0);
      assert.equal(reply.authorities[0]!.type, QTYPE.SOA);
    }
    const refused = await udp('example.com', QTYPE.A);
    assert.equal(refused.header.rcode, RCODE.REFUSED);
    assert.equal(refused.answers.length, 0);
  });

  it('answers SOA and NS at the apex', async () => {
    const soa = await udp('lab.internal', QTYPE.SOA);
    assert.equal(soa.answers[0]!.primary, 'ns1.lab.internal');
    assert.equal(soa.answers[0]!.admin, 'hostmaster.lab.internal');
    assert.equal(soa.answers[0]!.ttl, 5);
    const ns = await udp('lab.internal', QTYPE.NS);
    assert.equal(ns.answers[0]!.ns, 'ns1.lab.internal');
  });

  it('answers from the new zone right after a change (the answer cache follows the serial)', async () => {
    server.zone.apply([{ action: 'CREATE', name: 'fresh.lab.internal', type: 'A', values: ['10.5.5.5'] }]);
    assert.equal((await udp('fresh.lab.internal', QTYPE.A)).answers[0]!.address, '10.5.5.5');
    server.zone.apply([{ action: 'UPSERT', name: 'fresh.lab.internal', type: 'A', values: ['10.5.5.6'] }]);
    assert.equal((await udp('fresh.lab.internal', QTYPE.A)).answers[0]!.address, '10.5.5.6');
  });

  it('sets TC on UDP answers over 512 bytes without EDNS, and fits them with EDNS', async () => {
    const many = Array.from({ length: 60 }, (_, i) => `10.60.0.${i + 1}`);
    server.zone.apply([{ action: 'UPSERT', name: 'big.lab.internal', type: 'A', values: many }]);
    const small = await udp('big.lab.internal', QTYPE.A);
    assert.equal(small.header.tc, 1);
    assert.equal(small.answers.length, 0);
    const edns = await udp('big.lab.internal', QTYPE.A, { ednsSize: 4096 });
    assert.equal(edns.header.tc, 0);
    assert.equal(edns.answers.length, 60);
    assert.equal(edns.additionals[0]!.type, 41, 'answers EDNS with an OPT record');
    const session = await TcpSession.connect(server.tcpPort);
    session.write(TcpSession.frame(buildQuery('big.lab.internal', QTYPE.A)));
    assert.equal(parseMessage(await session.next()).answers.length, 60);
    session.close();
  });

  it('TCP: two queries in one write, and one query split over several writes', async () => {
    const session = await TcpSession.connect(server.tcpPort);
    const q1 = buildQuery('a.lab.internal', QTYPE.A, { id: 1 });
    const q2 = buildQuery('nothing.lab.internal', QTYPE.A, { id: 2 });
    session.write(Buffer.concat([TcpSession.frame(q1), TcpSession.frame(q2)]));
    const r1 = parseMessage(await session.next());
    const r2 = parseMessage(await session.next());
    assert.deepEqual([r1.header.id, r1.answers.length], [1, 2]);
    assert.deepEqual([r2.header.id, r2.header.rcode], [2, RCODE.NXDOMAIN]);

    const framed = TcpSession.frame(buildQuery('kv.us-east-1.lab.internal', QTYPE.A, { id: 3 }));
    session.write(framed.subarray(0, 1));
    await new Promise((r) => setImmediate(r));
    session.write(framed.subarray(1, 9));
    await new Promise((r) => setImmediate(r));
    session.write(framed.subarray(9));
    const r3 = parseMessage(await session.next());
    assert.equal(r3.header.id, 3);
    assert.equal(r3.answers.length, 1);
    session.close();
  });

  it('TCP: a bad frame closes only its own connection; idle connections are closed', async () => {
    const good = await TcpSession.connect(server.tcpPort);
    const bad = await TcpSession.connect(server.tcpPort);
    bad.write(Buffer.from([0, 3, 1, 2, 3]));
    await bad.closedBy(2000);
    good.write(TcpSession.frame(buildQuery('a.lab.internal', QTYPE.A)));
    assert.equal(parseMessage(await good.next()).answers.length, 2);
    good.close();

    const idle = await startTestServer({ idleMs: 150 });
    try {
      const session = await TcpSession.connect(idle.tcpPort);
      await session.closedBy(3000);
    } finally {
      await idle.close();
    }
  });

  it('TCP: caps the number of connections', async () => {
    const capped = await startTestServer({ maxConnections: 2 });
    try {
      const sessions = await Promise.all([1, 2, 3].map(() => TcpSession.connect(capped.tcpPort)));
      // The third is accepted by the kernel and closed by the server at once.
      await sessions[2]!.closedBy(2000);
      sessions[0]!.write(TcpSession.frame(buildQuery('lab.internal', QTYPE.SOA)));
      assert.equal(parseMessage(await sessions[0]!.next()).answers.length, 1);
      for (const s of sessions) s.close();
    } finally {
      await capped.close();
    }
  });
});
