import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabError } from '../../lib/errors.js';
import { Zone, type Change } from './zone.js';

const origin = 'lab.internal';
const newZone = () =>
  new Zone({
    origin,
    negativeTtl: 5,
    initial: [
      { name: 'a.lab.internal', type: 'A', values: ['10.0.0.1', '10.0.0.2'] },
      { name: 'lock.lab.internal', type: 'TXT', ttl: 0, values: ['holder=az-a expires=100'] },
      { name: 'w.lab.internal', type: 'A', setId: 'one', weight: 1, values: ['10.1.0.1'] },
    ],
  });

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as LabError).code;
  }
  return 'no error';
};

describe('Zone change batches', () => {
  it('applies a batch, bumps the serial, reports the names touched', () => {
    const zone = newZone();
    const result = zone.apply([
      { action: 'CREATE', name: 'B.lab.internal.', type: 'A', values: ['10.0.0.9'] },
      { action: 'UPSERT', name: 'a.lab.internal', type: 'A', ttl: 30, values: ['10.0.0.3'] },
    ]);
    assert.deepEqual(result, { applied: 2, serial: 2, names: ['a.lab.internal', 'b.lab.internal'] });
    assert.deepEqual(zone.recordsAt('b.lab.internal')[0]?.values, ['10.0.0.9']);
    assert.equal(zone.recordsAt('a.lab.internal')[0]?.ttl, 30);
  });

  it('is all-or-nothing: a failing change leaves the zone and serial untouched', () => {
    const zone = newZone();
    const before = JSON.stringify(zone.list());
    const batch: Change[] = [
      { action: 'CREATE', name: 'new.lab.internal', type: 'A', values: ['10.9.9.9'] },
      { action: 'DELETE', name: 'a.lab.internal', type: 'A', values: ['10.0.0.1', '10.0.0.2'] },
      { action: 'CREATE', name: 'w.lab.internal', type: 'A', setId: 'one', weight: 1, values: ['10.1.0.1'] },
    ];
    assert.equal(code(() => zone.apply(batch)), 'DNS_ERR_RECORD_EXISTS');
    assert.equal(JSON.stringify(zone.list()), before);
    assert.equal(zone.serial, 1);
    assert.equal(zone.exists('new.lab.internal'), false);
  });

  it('DELETE must match exactly: values as a set, ttl, weight and target', () => {
    const zone = newZone();
    const del = (extra: Partial<Change>): Change => ({ action: 'DELETE', name: 'a.lab.internal', type: 'A', values: ['10.0.0.1', '10.0.0.2'], ...extra });
    assert.equal(code(() => zone.apply([del({ values: ['10.0.0.1'] })])), 'DNS_ERR_DELETE_MISMATCH');
    assert.equal(code(() => zone.apply([del({ ttl: 61 })])), 'DNS_ERR_DELETE_MISMATCH');
    assert.equal(code(() => zone.apply([del({ name: 'nothing.lab.internal' })])), 'DNS_ERR_DELETE_MISMATCH');
    assert.equal(
      code(() => zone.apply([{ action: 'DELETE', name: 'w.lab.internal', type: 'A', setId: 'one', weight: 2, values: ['10.1.0.1'] }])),
      'DNS_ERR_DELETE_MISMATCH',
    );
    zone.apply([del({ values: ['10.0.0.2', '10.0.0.1'], name: 'A.LAB.INTERNAL' })]);
    assert.equal(zone.recordsAt('a.lab.internal').length, 0);

    zone.apply([{ action: 'CREATE', name: 'al.lab.internal', type: 'ALIAS', target: 'w.lab.internal' }]);
    assert.equal(
      code(() => zone.apply([{ action: 'DELETE', name: 'al.lab.internal', type: 'ALIAS', target: 'lock.lab.internal' }])),
      'DNS_ERR_DELETE_MISMATCH',
    );
    zone.apply([{ action: 'DELETE', name: 'al.lab.internal', type: 'ALIAS', target: 'w.lab.internal' }]);
  });

  it('the lock pattern: DELETE the exact value read + CREATE our own, in one batch', () => {
    const zone = newZone();
    const take = (seen: string, mine: string): Change[] => [
      { action: 'DELETE', name: 'lock.lab.internal', type: 'TXT', ttl: 0, values: [seen] },
      { action: 'CREATE', name: 'lock.lab.internal', type: 'TXT', ttl: 0, values: [mine] },
    ];
    zone.apply(take('holder=az-a expires=100', 'holder=az-b expires=200'));
    assert.equal(code(() => zone.apply(take('holder=az-a expires=100', 'holder=az-c expires=300'))), 'DNS_ERR_DELETE_MISMATCH');
    assert.deepEqual(zone.recordsAt('lock.lab.internal')[0]?.values, ['holder=az-b expires=200']);
  });

  it('CREATE of an existing identity conflicts; UPSERT replaces it', () => {
    const zone = newZone();
    assert.equal(code(() => zone.apply([{ action: 'CREATE', name: 'a.lab.internal', type: 'A', values: ['10.0.0.5'] }])), 'DNS_ERR_RECORD_EXISTS');
    zone.apply([{ action: 'UPSERT', name: 'a.lab.internal', type: 'A', values: ['10.0.0.5'] }]);
    assert.deepEqual(zone.recordsAt('a.lab.internal')[0]?.values, ['10.0.0.5']);
  });

  it('an ALIAS target must exist after the batch; creating both together passes', () => {
    const zone = newZone();
    const alias: Change = { action: 'UPSERT', name: 'kv.us-east-1.lab.internal', type: 'ALIAS', target: 'plan-2.kv.lab.internal' };
    assert.equal(code(() => zone.apply([alias])), 'DNS_ERR_ALIAS_TARGET_MISSING');
    // An empty non-terminal is not enough: the target needs records of its own.
    zone.apply([{ action: 'CREATE', name: 'x.plan-2.kv.lab.internal', type: 'A', values: ['10.2.0.9'] }]);
    assert.equal(code(() => zone.apply([alias])), 'DNS_ERR_ALIAS_TARGET_MISSING');
    zone.apply([{ action: 'CREATE', name: 'plan-2.kv.lab.internal', type: 'A', values: ['10.2.0.1'] }, alias]);
    // Deleting what an alias points at is allowed (the alias dangles), as in the incident.
    zone.apply([{ action: 'DELETE', name: 'plan-2.kv.lab.internal', type: 'A', values: ['10.2.0.1'] }]);
    // ...but pointing another alias at the deleted tree is not.
    const rollback: Change = { action: 'UPSERT', name: 'rollback.kv.lab.internal', type: 'ALIAS', target: 'plan-2.kv.lab.internal' };
    assert.equal(code(() => zone.apply([rollback])), 'DNS_ERR_ALIAS_TARGET_MISSING');
  });

  it('a name with an ALIAS has no A/AAAA of its own; weighted and plain records do not mix', () => {
    const zone = newZone();
    assert.equal(code(() => zone.apply([{ action: 'CREATE', name: 'a.lab.internal', type: 'ALIAS', target: 'w.lab.internal' }])), 'DNS_ERR_ALIAS_CONFLICT');
    assert.equal(code(() => zone.apply([{ action: 'CREATE', name: 'w.lab.internal', type: 'A', values: ['10.1.0.9'] }])), 'DNS_ERR_ROUTING_CONFLICT');
    zone.apply([
      { action: 'DELETE', name: 'a.lab.internal', type: 'A', values: ['10.0.0.1', '10.0.0.2'] },
      { action: 'CREATE', name: 'a.lab.internal', type: 'ALIAS', target: 'w.lab.internal' },
    ]);
  });

  it('rejects malformed records with 400', () => {
    const zone = newZone();
    const status = (c: Change) => {
      try {
        zone.apply([c]);
      } catch (err) {
        return (err as LabError).statusCode;
      }
      return 200;
    };
    assert.equal(status({ action: 'CREATE', name: 'x.example.com', type: 'A', values: ['10.0.0.1'] }), 400);
    assert.equal(status({ action: 'CREATE', name: 'bad_name!.lab.internal', type: 'A', values: ['10.0.0.1'] }), 400);
    assert.equal(status({ action: 'CREATE', name: 'x.lab.internal', type: 'A', values: ['10.0.0.256'] }), 400);
    assert.equal(status({ action: 'CREATE', name: 'x.lab.internal', type: 'AAAA', values: ['10.0.0.1'] }), 400);
    assert.equal(status({ action: 'CREATE', name: 'x.lab.internal', type: 'TXT', values: ['x'.repeat(256)] }), 400);
    assert.equal(status({ action: 'CREATE', name: 'x.lab.internal', type: 'ALIAS', target: 'elsewhere.example' }), 400);
    assert.equal(status({ action: 'CREATE', name: 'x.lab.internal', type: 'A', setId: 's', values: ['10.0.0.1'] }), 400);
    assert.equal(status({ action: 'CREATE', name: 'x.lab.internal', type: 'AAAA', values: ['fd00:0:0::1'] }), 200);
    assert.deepEqual(zone.recordsAt('x.lab.internal')[0]?.values, ['fd00::1']);
  });

  it('knows empty non-terminals: a name with records below it exists', () => {
    const zone = newZone();
    zone.apply([{ action: 'CREATE', name: 'x.y.z.lab.internal', type: 'A', values: ['10.0.0.1'] }]);
    assert.equal(zone.exists('y.z.lab.internal'), true);
    assert.equal(zone.exists('z.lab.internal'), true);
    assert.equal(zone.exists('q.lab.internal'), false);
    assert.equal(zone.exists('lab.internal'), true);
  });
});
