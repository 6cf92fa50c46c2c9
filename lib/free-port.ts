// A loopback TCP port nobody listens on right now, asked of the OS (port 0): for throwaway servers in
// tests, and for the host ports of a test lab. Someone else may take it before it is used; callers that
// cannot retry choose their ports themselves.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
