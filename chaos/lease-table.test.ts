import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import { EventLog } from '../lib/events.js';
import { LeaseTable } from './lease-table.js';

test('a lease is live until its expiry, then listed as expired until dropped', async () => {
  const clock = new ManualClock(0);
  const events = new EventLog();
  const table = new LeaseTable(clock, events);
  assert.equal(table.renew('run-1', 1000), 1000);
  await clock.advance(600);
  assert.equal(table.renew('run-1', 1000), 1600, 'renewing extends from now');
  assert.equal(events.since(0).events.filter((e) => e.type === 'lease-granted').length, 1, 'granted once, renewed after');
  await clock.advance(999);
  assert.equal(table.live('run-1'), 1600);
  assert.deepEqual(table.expired(), []);
  await clock.advance(1);
  assert.equal(table.live('run-1'), undefined, 'run out');
  assert.ok(table.has('run-1'), 'still listed until swept');
  assert.deepEqual(table.expired(), ['run-1']);
  assert.equal(table.delete('run-1'), 1600);
  assert.equal(table.delete('run-1'), undefined);
  assert.deepEqual(table.entries(), []);
});

test('the sweep loop runs until stopped and survives a sweep that throws', async () => {
  const clock = new ManualClock(0);
  const table = new LeaseTable(clock, new EventLog());
  let sweeps = 0;
  const loop = table.loop(() => {
    sweeps++;
    if (sweeps === 1) throw new Error('docker busy');
  }, 500);
  await clock.advance(1000);
  assert.ok(sweeps >= 3, `${sweeps} sweeps in 1 s at 500 ms`);
  table.stop();
  await loop;
  const after = sweeps;
  await clock.advance(2000);
  assert.equal(sweeps, after, 'no sweep after stop()');
});
