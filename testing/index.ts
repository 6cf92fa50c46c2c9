// cascade-lab/testing: the lab's fault proxy, or the whole lab, from another project's tests, on
// testcontainers. Two lines give a test a Toxiproxy-compatible proxy with UDP links and fault leases:
//
//   const faults = await new FaultProxyContainer().start();
//   const redis = await faults.createProxy({ name: 'redis', upstream: 'redis:6379' });
export {
  API_PORT,
  FaultProxyContainer,
  PROXY_PORTS,
  StartedFaultProxyContainer,
  type CreatedProxy,
  type CreateProxyOptions,
  type FaultLease,
  type LeaseOptions,
  type Protocol,
  type ToxicOptions,
} from './fault-proxy-container.js';
export { CascadeLab, StartedCascadeLab, startLab, type LabChange, type LabOptions, type LabWait } from './cascade-lab.js';
export { labImage, type LabImageOptions } from './image.js';
export { LabClient } from '../chaos/lab-client.js';
export type { DownResult, Fix } from '../chaos/compose.js';
