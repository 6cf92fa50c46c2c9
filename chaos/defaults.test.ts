// Code, compose and README must not drift apart: compose sets only what differs between containers and
// passes the user's switches through (empty: the code's default), every service runs with no variables
// but the token, and the README's table of the cascade's numbers is the code's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { TIMED_KINDS } from './contracts.js';
import { CONFIGS, defaultsOf, defaultsTable, TABLE_END, TABLE_START, withTable } from './defaults.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (name: string) => readFileSync(join(root, name), 'utf8');

/** What tells one container from another of the same image: its name, AZ, role, own address or link. */
const PER_CONTAINER = new Set(['NODE_ID', 'HOST_ID', 'AZ', 'ENACTOR_ID', 'DNS_API_URL', 'NS_ADDRESS', 'PROXIES', 'LAB_ADMIN_TOKEN']);
/** The user's switches, passed through as ${NAME:-} so that unset means the code's default. */
const SWITCHES = /^(FIX_[A-Z_]+|LAB_CLOCK|[A-Z]+_SEED|LOG_LEVEL|LOADGEN_[A-Z_]+)$/;

interface ComposeService {
  command?: string[];
  labels?: Record<string, string>;
  environment?: Record<string, string>;
}

function composeServices(): Record<string, ComposeService> {
  return (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> }).services;
}

const entryOf = (s: ComposeService) => s.command?.find((a) => a.startsWith('dist/'))?.replace(/^dist\/|\/main\.js$/g, '');

describe('defaults: code, compose and README agree', () => {
  it('every service runs with no variable but the token (the lab outside compose is the lab)', () => {
    for (const entry of Object.keys(CONFIGS)) assert.doesNotThrow(() => defaultsOf(entry), entry);
  });

  it('compose sets only what differs between containers, and passes switches through empty', () => {
    const services = Object.entries(composeServices()).filter(([, s]) => entryOf(s));
    assert.ok(services.length >= 15, 'the lab services were found');
    for (const [name, service] of services) {
      const entry = entryOf(service)!;
      assert.ok(CONFIGS[entry], `${name}: no configuration known for ${entry}`);
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        const where = `${name} ${variable}=${value}`;
        assert.ok(variable === 'LOG_LEVEL' || variable in CONFIGS[entry]!, `${where}: ${entry} has no such variable`);
        if (PER_CONTAINER.has(variable)) continue;
        const passThrough = /^\$\{([A-Z_]+):-\}$/.exec(String(value));
        assert.ok(passThrough, `${where}: only names, AZs, roles and links belong in compose; every other setting is the code's default (lib/timing.ts)`);
        assert.match(passThrough[1]!, SWITCHES, `${where}: not one of the user's switches`);
      }
    }
  });

  it('the lab clock reaches every service whose time follows it, and the controller', () => {
    for (const [name, service] of Object.entries(composeServices())) {
      const kind = service.labels?.['cascade-lab.kind'];
      if (!kind || !(TIMED_KINDS.includes(kind as never) || kind === 'controller')) continue;
      assert.equal(service.environment?.LAB_CLOCK, '${LAB_CLOCK:-}', `${name} gets LAB_CLOCK`);
    }
  });

  it("the README's table is the code's", () => {
    const readme = read('README.md');
    assert.ok(readme.includes(TABLE_START) && readme.includes(TABLE_END), 'README.md has the defaults table');
    assert.equal(withTable(readme, defaultsTable()), readme, 'README.md\'s table is stale: node scripts/defaults-table.mjs --write');
  });

  it('the table fails on drift: another value in the code changes it', () => {
    const readme = `a\n${TABLE_START}\n| stale |\n${TABLE_END}\nb`;
    assert.notEqual(withTable(readme, defaultsTable()), readme);
    assert.equal(withTable('no markers', defaultsTable()), null);
  });
});
