// The app endpoint's DNS, app.us-east-1.lab.internal: a weighted set of A records, one per NLB node
// (setId = the node's AZ, value = the node's address, weight = the healthy targets behind it), written
// through the dns-server's change API. A node removed from DNS has no record at all (never weight 0:
// Route 53 answers uniformly when every weight is 0, which would hide the failover). With every node
// removed the name no longer resolves, which is how connections fail when too little capacity remains.
import { ChangeRejected, type Change, type DnsApi, type RecordSet } from '../../lib/dns-control.js';

export type { DnsApi };

export interface NodeWeight {
  /** The node's id (its AZ), used as the record's setId. */
  id: string;
  address: string | null;
  weight: number;
}

export interface PublishResult {
  /** Nodes whose record disappeared / appeared this time. */
  removed: string[];
  returned: string[];
  /** Sum of weight taken off (removals and reductions). */
  weightRemoved: number;
  /** Weight the velocity control kept published although health checks asked to remove it. */
  weightDeferred: number;
  changes: number;
}

const MAX_WEIGHT = 255;

export class AppEndpoint {
  private readonly published = new Map<string, RecordSet>();
  private synced = false;

  constructor(
    private readonly dns: DnsApi,
    private readonly name: string,
    private readonly ttl: number,
  ) {}

  /** Weights as published now, by node id (absent = not in DNS). */
  weights(): Record<string, number> {
    return Object.fromEntries([...this.published.entries()].map(([id, r]) => [id, r.weight ?? 0]));
  }

  get totalWeight(): number {
    return [...this.published.values()].reduce((sum, r) => sum + (r.weight ?? 0), 0);
  }

  /** Reads what DNS holds, so DELETEs match exactly (at start and after a rejected batch). */
  async sync(): Promise<void> {
    const records = await this.dns.records({ name: this.name });
    this.published.clear();
    for (const r of records) if (r.type === 'A' && r.setId && r.name === this.name) this.published.set(r.setId, r);
    this.synced = true;
  }

  /**
   * Brings DNS to the wanted weights in one change batch. With velocity control, this call removes at most
   * `velocity.allowance` weight (node by node, a removal over it becomes a smaller weight, so the node
   * drains over several rounds); without, any.
   */
  async publish(wanted: NodeWeight[], velocity: { allowance: number } | null): Promise<PublishResult> {
    if (!this.synced) await this.sync();
    const result: PublishResult = { removed: [], returned: [], weightRemoved: 0, weightDeferred: 0, changes: 0 };
    let allowance = velocity ? velocity.allowance : Number.POSITIVE_INFINITY;
    const changes: Change[] = [];
    const next = new Map(this.published);
    for (const node of [...wanted].sort((a, b) => a.id.localeCompare(b.id))) {
      const current = this.published.get(node.id);
      const before = current?.weight ?? 0;
      let weight = Math.min(MAX_WEIGHT, Math.max(0, Math.floor(node.weight)));
      if (!node.address) weight = 0;
      if (weight < before) {
        const allowed = Math.max(weight, before - allowance);
        result.weightDeferred += allowed - weight;
        weight = allowed;
        allowance -= before - weight;
        result.weightRemoved += before - weight;
      }
      const address = node.address ?? current?.values?.[0];
      if (weight === 0) {
        if (current) {
          changes.push({ action: 'DELETE', ...current });
          next.delete(node.id);
          result.removed.push(node.id);
        }
        continue;
      }
      if (current && weight === before && current.values?.[0] === address) continue;
      const record: RecordSet = { name: this.name, type: 'A', ttl: this.ttl, setId: node.id, weight, values: [address!] };
      changes.push({ action: 'UPSERT', ...record });
      next.set(node.id, record);
      if (!current) result.returned.push(node.id);
    }
    if (changes.length === 0) return result;
    try {
      await this.dns.change(changes, `nlb health checks: ${changes.length} change(s) to ${this.name}`);
    } catch (err) {
      // Someone else changed the records (a DELETE that no longer matches): read them again next time.
      if (err instanceof ChangeRejected) this.synced = false;
      throw err;
    }
    this.published.clear();
    for (const [id, r] of next) this.published.set(id, r);
    result.changes = changes.length;
    return result;
  }
}
