// A real LabClient whose HTTP calls are answered in-process: tests give `controller` (and any other
// method) by hand, and everything built on them (state(), the topology, customer probes) runs the
// client's own code, parsing with the contracts. The topology is the compose file's, with nlb-az-a
// running the health checks, unless the test's controller answers /api/topology itself.
import { LabClient } from '../../chaos/lab-client.js';
import { composeServices } from '../../chaos/topology.js';

type Controller = (path: string, init?: { method?: string; body?: unknown; auth?: boolean }) => Promise<unknown>;

export function fakeLabClient(fakes: Partial<Omit<LabClient, 'controller'>> & { controller?: Controller }): LabClient {
  const lab = new LabClient({ controller: 'http://controller.invalid', faultProxy: 'http://fault-proxy.invalid', dnsHost: '127.0.0.1', dnsPort: 1, token: 't' });
  const { controller, ...rest } = fakes;
  Object.assign(lab, rest);
  lab.controller = async (path, init) => {
    if (path === '/api/topology' && (!controller || init?.method === undefined)) {
      const answer = controller ? await controller(path, init).catch(() => undefined) : undefined;
      if (answer !== undefined && answer !== null && typeof answer === 'object' && 'services' in answer) return answer;
      return { services: composeServices(), roles: { 'nlb-checker': 'nlb-az-a' } };
    }
    if (!controller) throw new Error(`controller ${init?.method ?? 'GET'} ${path}: not faked`);
    return controller(path, init);
  };
  return lab;
}
