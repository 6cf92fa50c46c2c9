// Client for the dns-server's Route 53-like control API (change batches and record reads). Used by the
// enactors, the controller's operator actions and tests. A rejected batch (409) is a ChangeRejected
// carrying the server's code, so callers can tell a lost lock from a missing alias target.
import { Agent, request, type Dispatcher } from 'undici';

export type RecordType = 'A' | 'AAAA' | 'TXT' | 'ALIAS';

export interface RecordSet {
  name: string;
  type: RecordType;
  ttl?: number;
  values?: string[];
  target?: string;
  setId?: string;
  weight?: number;
}

export interface Change extends RecordSet {
  action: 'CREATE' | 'DELETE' | 'UPSERT';
}

/** What callers need of the control API; DnsControl is the HTTP one, tests use the zone in-process. */
export interface DnsApi {
  change(changes: Change[], comment?: string): Promise<unknown>;
  records(query: { name?: string; suffix?: string }): Promise<RecordSet[]>;
}

export class ChangeRejected extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ChangeRejected';
  }
}

export class DnsControl implements DnsApi {
  private readonly dispatcher: Dispatcher;
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 30000,
  ) {
    this.dispatcher = new Agent({ connections: 4, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10000 });
  }

  async change(changes: Change[], comment?: string): Promise<{ applied: number; serial: number }> {
    const res = await request(`${this.baseUrl}/v1/changes`, {
      method: 'POST',
      dispatcher: this.dispatcher,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ changes, comment }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.body.json().catch(() => ({}))) as { applied?: number; serial?: number; error?: { code?: string; message?: string } };
    if (res.statusCode === 200) return { applied: body.applied ?? changes.length, serial: body.serial ?? 0 };
    throw new ChangeRejected(res.statusCode, body.error?.code ?? `HTTP_${res.statusCode}`, body.error?.message ?? `change batch failed with ${res.statusCode}`);
  }

  async records(query: { name?: string; suffix?: string } = {}): Promise<RecordSet[]> {
    const qs = new URLSearchParams(query as Record<string, string>).toString();
    const res = await request(`${this.baseUrl}/v1/records${qs ? `?${qs}` : ''}`, {
      dispatcher: this.dispatcher,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.body.json()) as { records?: RecordSet[]; error?: { message?: string } };
    if (res.statusCode !== 200) throw new Error(body.error?.message ?? `records read failed with ${res.statusCode}`);
    return body.records ?? [];
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
