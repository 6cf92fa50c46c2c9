import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERVICE_KINDS } from './contracts.js';
import { composeServices, KIND_LABEL, PORT_LABEL, resolveRoles, serviceFromLabels, servicesFromList, servicesOfContainers, Topology, TopologyError } from './topology.js';

describe('the topology from the compose labels', () => {
  const services = composeServices();

  it('gives every lab service of docker-compose.yml its kind and API port, and every kind is in the lab', () => {
    assert.equal(services.length, 18);
    assert.deepEqual([...new Set(services.map((s) => s.kind))].sort(), [...SERVICE_KINDS].sort());
    const topology = new Topology(services);
    assert.equal(topology.ofKind('dns-enactor').length, 3);
    assert.equal(topology.ofKind('nlb').length, 3);
    assert.equal(topology.one('ec2').url, `http://${topology.one('ec2').name}:8003`);
    assert.throws(() => topology.one('kv-store'), /expected one kv-store service in the lab, found 3/);
  });

  it('reads the same services from the containers of a project, through the same labels', () => {
    const containers: { service: string; labels: Record<string, string> }[] = services.map((s) => ({ service: s.name, labels: { [KIND_LABEL]: s.kind, [PORT_LABEL]: String(s.port), other: 'x' } }));
    containers.push({ service: 'redis', labels: { other: 'x' } }, { ...containers[0]! });
    assert.deepEqual(servicesOfContainers(containers), services);
  });

  it('refuses a label that is not a kind or a port, naming the service', () => {
    assert.throws(() => serviceFromLabels('x', { [KIND_LABEL]: 'mainframe', [PORT_LABEL]: '1' }), (err: Error) => err instanceof TopologyError && /service x: .*mainframe/.test(err.message));
    assert.throws(() => serviceFromLabels('x', { [KIND_LABEL]: 'nlb', [PORT_LABEL]: 'eighty' }), /service x: label cascade-lab.port must be a port/);
    assert.equal(serviceFromLabels('redis', {}), null);
  });

  it('reads a fixed list of services (LAB_SERVICES) and names the item it cannot read', () => {
    assert.deepEqual(servicesFromList(' kv-1=kv-store@http://127.0.0.1:4001 ,ec2-1=ec2@http://127.0.0.1:4002/'), [
      { name: 'kv-1', kind: 'kv-store', port: 4001, url: 'http://127.0.0.1:4001' },
      { name: 'ec2-1', kind: 'ec2', port: 4002, url: 'http://127.0.0.1:4002' },
    ]);
    assert.deepEqual(servicesFromList(''), []);
    assert.throws(() => servicesFromList('kv-1=kv-store'), /"kv-1=kv-store": expected name=kind@http:\/\/host:port/);
    assert.throws(() => servicesFromList('x=mainframe@http://h:1'), /service x: mainframe is not a kind/);
  });

  it('asks the NLB nodes which one runs the health checks, and keeps the last answer while it cannot be asked', async () => {
    const nlbs = services.filter((s) => s.kind === 'nlb');
    const second = nlbs[1]!.name;
    const roles = await resolveRoles(services, async (s) => s.name === second);
    assert.deepEqual(roles, { 'nlb-checker': second });
    assert.deepEqual(await resolveRoles(services, async (s) => (s.name === second ? Promise.reject(new Error('down')) : false), roles), roles);
    assert.deepEqual(await resolveRoles(services, async () => false, roles), {}, 'every node says no');
  });
});
