import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Random } from '../../lib/random.js';
import { buildQuery, parseMessage, queryUdp, TcpSession } from '../../lib/dns-client.js';
import { QTYPE, RCODE } from './resolve.js';
import { startTestServer, type TestServer } from './testing.js';
import { Answerer } from './wire.js';
import { Zone } from './zone.js';

const zone = new Zone({ origin: 'lab.internal', negativeTtl: 5, initial: [{ name: 'a.lab.internal', type: 'A', values: ['10.0.0.1'] }] });
const valid = buildQuery('a.lab.internal', QTYPE.A, { id: 0x1234 });
const withEdns = buildQuery('a.lab.internal', QTYPE.A, { id: 0x1234, ednsSize: 1232 });

/** A valid query with some bytes overwritten and maybe cut short: the inputs that reach deepest. */
const mutated = fc
  .tuple(fc.constantFrom(valid, withEdns), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat())
  .map(([base, edits, cut]) => {
    const out = Buffer.from(base);
    for (const [pos, byte] of edits) out[pos % out.length] = byte;
    return cut % 4 === 0 ? out.subarray(0, cut % out.length) : out;
  });
const packets = fc.oneof(mutated, fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)));

const header = (bytes: number[]) => Buffer.from(bytes);

describe('malformed input, answered directly', () => {
  const answerer = new Answerer(zone, new Random(1));

  it('never throws; any reply keeps the ID and has QR set', () => {
    fc.assert(
      fc.property(packets, (msg) => {
        const reply = answerer.answer(msg, 'udp');
        if (reply === null) return;
        assert.ok(reply.length >= 12);
        assert.equal(reply.readUInt16BE(0), msg.readUInt16BE(0));
        assert.equal(reply[2]! & 0x80, 0x80);
        assert.ok(reply.length <= 512 || (msg.length > 12 && msg.readUInt16BE(10) === 1));
      }),
      { numRuns: 20_000 },
    );
  });

  it('drops what has no header or is a response; FORMERR/NOTIMP for readable headers', () => {
    assert.equal(answerer.answer(Buffer.alloc(0), 'udp'), null);
    assert.equal(answerer.answer(valid.subarray(0, 11), 'udp'), null);
    const response = Buffer.from(valid);
    response[2] = response[2]! | 0x80;
    assert.equal(answerer.answer(response, 'udp'), null);

    const rcode = (msg: Buffer) => answerer.answer(msg, 'udp')![3]! & 0x0f;
    assert.equal(rcode(valid.subarray(0, 20)), RCODE.FORMERR, 'question cut short');
    const twoQuestions = Buffer.from(valid);
    twoQuestions.writeUInt16BE(2, 4);
    assert.equal(rcode(twoQuestions), RCODE.FORMERR, 'QDCOUNT 2');
    const noQuestion = Buffer.from(valid.subarray(0, 12));
    noQuestion.writeUInt16BE(0, 4);
    assert.equal(rcode(noQuestion), RCODE.FORMERR, 'QDCOUNT 0');
    // A compression pointer pointing at itself in the question.
    assert.equal(rcode(header([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1])), RCODE.FORMERR, 'pointer loop');
    assert.equal(rcode(header([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 1, 0, 1])), RCODE.FORMERR, 'reserved label type');
    const notify = Buffer.from(valid);
    notify[2] = (4 << 3) | 1;
    assert.equal(rcode(notify), RCODE.NOTIMP, 'opcode NOTIFY');
    const badOpt = Buffer.concat([valid.subarray(0, valid.length), Buffer.from([0, 0, 41, 4])]);
    badOpt.writeUInt16BE(1, 10);
    assert.equal(rcode(badOpt), RCODE.FORMERR, 'OPT cut short');
  });

  it('answers EDNS version 1 with BADVERS, and a dot inside a label with NXDOMAIN', () => {
    const v1 = Buffer.from(withEdns);
    v1[v1.length - 5] = 1; // OPT TTL: extended rcode, version, flags
    const reply = parseMessage(answerer.answer(v1, 'udp')!);
    assert.equal(reply.additionals[0]!.extendedRcode, 1);
    const dotted = header([0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x2e, 0x62, 3, ...Buffer.from('lab'), 8, ...Buffer.from('internal'), 0, 0, 1, 0, 1]);
    const nx = answerer.answer(dotted, 'udp')!;
    assert.equal(nx[3]! & 0x0f, RCODE.NXDOMAIN);
    assert.deepEqual(nx.subarray(12, dotted.length), dotted.subarray(12), 'question echoed as received');
  });
});

describe('malformed input over sockets', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ initial: [{ name: 'a.lab.internal', type: 'A', values: ['10.0.0.1'] }] });
  });
  after(() => server.close());

  /** UDP may lose the probe while the flood still fills the socket buffer: retry until a deadline. */
  const stillAnswers = async (deadlineMs = 5000) => {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      try {
        const reply = parseMessage(await queryUdp(buildQuery('a.lab.internal', QTYPE.A), server.udpPort, '127.0.0.1', 500));
        assert.equal(reply.answers[0]!.address, '10.0.0.1');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
    const session = await TcpSession.connect(server.tcpPort);
    session.write(TcpSession.frame(buildQuery('a.lab.internal', QTYPE.A)));
    assert.equal(parseMessage(await session.next()).answers[0]!.address, '10.0.0.1');
    session.close();
  };

  it('survives thousands of random and mutated UDP datagrams', async () => {
    const samples = fc.sample(packets, { numRuns: 4000, seed: 7 });
    const socket = dgram.createSocket('udp4');
    let replies = 0;
    socket.on('message', () => replies++);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    for (let i = 0; i < samples.length; i += 100) {
      // Bursts of 100, each sent before the next, so the loopback buffer drops few of them.
      await Promise.all(samples.slice(i, i + 100).map((p) => new Promise((resolve) => socket.send(p, server.udpPort, '127.0.0.1', resolve))));
      await new Promise((r) => setImmediate(r));
    }
    await stillAnswers();
    socket.close();
    const received = server.answerer.stats.dropped + [...server.answerer.stats.entries()].reduce((n, e) => n + e.count, 0);
    assert.ok(received > 1000, `the server saw ${received} of the datagrams`);
    assert.ok(replies > 0, 'some malformed queries got FORMERR or answers');
  });

  it('survives random and mutated TCP streams; each bad stream closes only its own connection', async () => {
    const streams = fc.sample(fc.array(packets, { minLength: 1, maxLength: 8 }), { numRuns: 200, seed: 11 });
    for (let i = 0; i < streams.length; i += 25) {
      // 25 connections at a time: garbage inside frames (even) or raw garbage out of framing (odd),
      // then a valid framed query that is answered, or the connection is closed, or it waits for
      // bytes a garbage length prefix promised (until the client gives up).
      await Promise.all(
        streams.slice(i, i + 25).map(async (stream, k) => {
          const session = await TcpSession.connect(server.tcpPort);
          session.write(k % 2 === 0 ? Buffer.concat(stream.map((p) => TcpSession.frame(p))) : Buffer.concat(stream));
          session.write(TcpSession.frame(valid));
          await session.next(300).catch(() => undefined);
          session.close();
        }),
      );
    }
    await stillAnswers();
  });
});
