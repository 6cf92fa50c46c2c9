// What the rest of the lab (the CLI's `cascade-lab proxy`) uses of the fault-proxy.
export { startProxyServer, type ProxyServer, type ProxyServerOptions } from './server.js';
export { toxicTypes } from './toxic.js';
