import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterFrom, createRegistry } from './metrics.js';

test('counterFrom: a Counter that adds what the totals grew by at each scrape, and never goes down', async () => {
  const registry = createRegistry('test', false);
  const stats = { sent: 0, byKind: { a: 0, b: 0 } };
  counterFrom(registry, { name: 'test_sent_total', help: 'sent' }, () => stats.sent);
  counterFrom(registry, { name: 'test_kind_total', help: 'by kind', labelNames: ['kind'] }, () => Object.entries(stats.byKind).map(([kind, n]) => [{ kind }, n] as const));
  const scrape = () => registry.metrics();

  stats.sent = 5;
  stats.byKind.a = 2;
  let text = await scrape();
  assert.match(text, /# TYPE test_sent_total counter/);
  assert.match(text, /test_sent_total\{service="test"\} 5\n/);
  assert.match(text, /test_kind_total\{kind="a",service="test"\} 2\n/);
  assert.match(await scrape(), /test_sent_total\{service="test"\} 5\n/, 'an unchanged total adds nothing');

  stats.sent = 7;
  stats.byKind.b = 1;
  text = await scrape();
  assert.match(text, /test_sent_total\{service="test"\} 7\n/);
  assert.match(text, /test_kind_total\{kind="b",service="test"\} 1\n/);

  // Its owner started again from 0: the counter keeps what it had and counts on from there.
  stats.sent = 2;
  assert.match(await scrape(), /test_sent_total\{service="test"\} 7\n/);
  stats.sent = 3;
  assert.match(await scrape(), /test_sent_total\{service="test"\} 8\n/);
});
