// The fault proxy's /lab/state contract: its seed, and every proxy with its toxics and open
// connections (which toxics apply to each).
import { z } from 'zod';

export const toxicJsonSchema = z.object({
  name: z.string(),
  type: z.string(),
  stream: z.enum(['upstream', 'downstream']),
  toxicity: z.number().min(0).max(1),
  attributes: z.record(z.string(), z.unknown()),
});

export const proxyStateSchema = z.object({
  name: z.string(),
  listen: z.string(),
  upstream: z.string(),
  protocol: z.enum(['tcp', 'udp']),
  enabled: z.boolean(),
  toxics: z.array(toxicJsonSchema),
  listening: z.boolean(),
  connections: z.array(
    z.object({
      id: z.number().int(),
      client: z.string(),
      linked: z.boolean(),
      /** TCP only: the toxics applying to each direction of this connection. */
      toxics: z.object({ upstream: z.array(z.string()), downstream: z.array(z.string()) }).optional(),
    }),
  ),
});

export type ProxyState = z.infer<typeof proxyStateSchema>;

export const faultProxyStateSchema = z.object({ seed: z.number().int(), proxies: z.array(proxyStateSchema) });
export type FaultProxyState = z.infer<typeof faultProxyStateSchema>;

/** A proxy as the Toxiproxy API shows it (GET /proxies answers a map of these by name). */
export const proxyJsonSchema = proxyStateSchema.omit({ listening: true, connections: true });
export const proxiesResponseSchema = z.record(z.string(), proxyJsonSchema);
export type ProxyJson = z.infer<typeof proxyJsonSchema>;

/** A fault lease of the proxy and the toxics it holds (GET /lab/leases, PUT and DELETE /lab/leases/HOLDER). */
export const proxyLeaseSchema = z.object({
  holder: z.string(),
  expiresAt: z.number(),
  toxics: z.array(z.object({ proxy: z.string(), toxic: z.string() })),
});
export type ProxyLease = z.infer<typeof proxyLeaseSchema>;
