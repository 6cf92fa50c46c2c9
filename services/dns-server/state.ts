// The DNS server's /lab/state contract: the zone's serial and size, and every alias with the number of
// addresses it resolves to right now (0 for the emptied endpoint).
import { z } from 'zod';

export const aliasStateSchema = z.object({
  name: z.string(),
  target: z.string(),
  setId: z.string().optional(),
  weight: z.number().optional(),
  addresses: z.number().int().min(0),
});

export const dnsServerStateSchema = z.object({
  zone: z.string(),
  serial: z.number().int(),
  records: z.number().int().min(0),
  aliases: z.array(aliasStateSchema),
});
export type DnsServerState = z.infer<typeof dnsServerStateSchema>;
