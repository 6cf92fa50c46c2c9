// fault-proxy entry (the container): configuration from the environment, then startProxyServer.
import { loadConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import { onShutdown } from '../../lib/shutdown.js';
import { faultProxyConfig } from './config.js';
import { startProxyServer } from './server.js';

const config = loadConfig(faultProxyConfig);
const log = createLogger('fault-proxy', config.LOG_LEVEL);
try {
  const server = await startProxyServer({
    port: config.API_PORT,
    host: config.API_HOST,
    seed: config.FAULT_SEED,
    config: config.PROXIES,
    log,
    adminToken: config.LAB_ADMIN_TOKEN,
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    linkBufferBytes: config.LINK_BUFFER_BYTES,
    udpIdleMs: config.UDP_IDLE_MS,
  });
  onShutdown(log, [() => server.close()]);
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'cannot start the proxies given in PROXIES');
  process.exit(1);
}
