import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namesRootCause } from './root-cause.js';

describe('the root-cause matcher', () => {
  const yes: [string, string | null][] = [
    ['kv.us-east-1.lab.internal resolves to nothing', null],
    ['The DNS record of the kv endpoint is empty (NOERROR, 0 answers)', null],
    ['DynamoDB endpoint has no A records', null],
    ['DNS lookup of the regional endpoint answers NODATA', 'kv-1'],
    ['someone deleted the records', 'kv-2'],
    ['kv endpoint is gone', 'dns-server'],
    ['two enactors raced and one applied a stale plan', null],
    ['a stale plan was applied over a newer one', 'dns-enactor-az-b'],
    ['key-value store name has no addresses', null],
  ];
  const no: [string, string | null][] = [
    ['DNS is broken', null],
    ['kv-2 is slow', 'kv-2'],
    ['the launcher cannot lease droplets', 'ec2-1'],
    ['the NLB health checks flap', 'nlb-1'],
    ['redis is down', null],
    ['DNS server is overloaded', 'dns-server'],
    ['kv store is out of capacity', null],
  ];
  for (const [text, service] of yes) it(`counts "${text}"${service ? ` suspecting ${service}` : ''}`, () => assert.equal(namesRootCause({ text, service }), true));
  for (const [text, service] of no) it(`does not count "${text}"${service ? ` suspecting ${service}` : ''}`, () => assert.equal(namesRootCause({ text, service }), false));
});
