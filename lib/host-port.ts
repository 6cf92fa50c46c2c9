// "host:port" addresses as Toxiproxy writes them: "0.0.0.0:18053", "dns-server:8053", "[::1]:80", ":8080".
// Hostnames stay unresolved here; the proxy resolves an upstream at each connect (docker DNS may move it).

export interface HostPort {
  /** '' means every interface (only meaningful for a listen address). */
  host: string;
  port: number;
}

/** Parses "host:port"; returns an error message instead of throwing so callers choose the error. */
export function parseHostPort(value: string): HostPort | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (!m) return `expected host:port, got ${JSON.stringify(value)}`;
  const port = Number(m[3]);
  if (port > 65535) return `port must be 0..65535, got ${port}`;
  return { host: m[1] ?? m[2] ?? '', port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
