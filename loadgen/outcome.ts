// What happened to one customer request, in the few kinds an SRE tells apart during an outage: the
// target answered badly (status), never answered in time (timeout), refused or dropped the connection,
// could not be found by name (dns: how a DNS outage reaches customers), or the loadgen itself was past
// its queue (overload: requests it could not even send).
import { errorCodes } from '../lib/errors.js';

export const ERROR_KINDS = [
  'status-5xx',
  'status-4xx',
  'status-other',
  'timeout',
  'refused',
  'reset',
  'unreachable',
  'dns',
  'overload',
  'other',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export type ErrorCounts = Partial<Record<ErrorKind, number>>;

const BY_CODE: Record<string, ErrorKind> = {
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  // getaddrinfo: no such name / no address (ENOTFOUND), resolver unreachable or SERVFAIL (EAI_AGAIN).
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NODATA: 'dns',
  ENODATA: 'dns',
  ESERVFAIL: 'dns',
};

export function statusKind(status: number): ErrorKind {
  if (status >= 500) return 'status-5xx';
  if (status >= 400) return 'status-4xx';
  return 'status-other';
}

/** Classifies a transport error from undici or the OS, looking through `cause` chains. */
export function errorKind(err: unknown): ErrorKind {
  for (const code of errorCodes(err)) {
    const kind = BY_CODE[code];
    if (kind) return kind;
  }
  return 'other';
}

export function addCounts(into: ErrorCounts, from: ErrorCounts): ErrorCounts {
  for (const kind of ERROR_KINDS) {
    const n = from[kind];
    if (n) into[kind] = (into[kind] ?? 0) + n;
  }
  return into;
}
