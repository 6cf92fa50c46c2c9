// Local HTTP targets for the loadgen's tests: a node:http server on an ephemeral loopback port whose
// behaviour the test sets, which records when each request arrived.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Target {
  url: string;
  /** performance.now() of each request's arrival. */
  arrivals: number[];
  close(): Promise<void>;
}

export type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => void;

export const answer =
  (status = 200, body = 'ok'): Behaviour =>
  (_req, res) => {
    res.statusCode = status;
    res.end(body);
  };

export async function startTarget(behaviour: Behaviour = answer()): Promise<Target> {
  const arrivals: number[] = [];
  const server = http.createServer((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    behaviour(req, res, arrivals.length - 1);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
