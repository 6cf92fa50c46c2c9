// The container's own IPv4 address, which is what DNS plans publish for a node.
import { networkInterfaces } from 'node:os';

export function ownAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
