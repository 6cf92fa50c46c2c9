import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, parseHeader, parseIntIn, parseMethod, parseRate, parseSuccessStatuses, parseTargetUrl } from './options.js';

test('durations: ms, s, m, h, decimals, bare seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('3'), 3000);
  for (const bad of ['', '0s', '10x', '-1s', 's', '1 0s', 'ten']) assert.throws(() => parseDuration(bad), /duration/, bad);
});

test('rates: positive numbers or max', () => {
  assert.equal(parseRate('100'), 100);
  assert.equal(parseRate('0.5'), 0.5);
  assert.equal(parseRate('MAX'), 'max');
  for (const bad of ['0', '-5', 'fast', '', 'Infinity']) assert.throws(() => parseRate(bad), /requests per second/, bad);
});

test('integers, methods, headers, URLs', () => {
  assert.equal(parseIntIn('50', 1, 100), 50);
  assert.throws(() => parseIntIn('0', 1, 100), /from 1 to 100/);
  assert.throws(() => parseIntIn('1.5', 1, 100), /integer/);
  assert.equal(parseMethod('post'), 'POST');
  assert.throws(() => parseMethod('G T'), /HTTP method/);
  assert.deepEqual(parseHeader('X-Customer: acme: inc'), ['x-customer', 'acme: inc']);
  assert.throws(() => parseHeader('no colon'), /Name: value/);
  assert.equal(parseTargetUrl('http://app.us-east-1.lab.internal/x?y=1').pathname, '/x');
  assert.throws(() => parseTargetUrl('ftp://x/'), /http or https/);
  assert.throws(() => parseTargetUrl('/relative'), /absolute URL/);
});

test('success statuses: codes and ranges', () => {
  const t = parseSuccessStatuses('200-299,404');
  assert.equal(t[200], 1);
  assert.equal(t[299], 1);
  assert.equal(t[404], 1);
  assert.equal(t[301], 0);
  assert.equal(t[500], 0);
  for (const bad of ['', '299-200', '99', '200-700', 'ok']) assert.throws(() => parseSuccessStatuses(bad), /status/, bad);
});
