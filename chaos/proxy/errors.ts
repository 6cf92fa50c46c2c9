// The fault-proxy's errors as named values, each with the HTTP status Toxiproxy gives it, so Toxiproxy
// clients see the same codes. api.ts writes every one of them out the way Toxiproxy does:
// {"error": "<message>", "status": <code>}.
import { LabError } from '../../lib/errors.js';

const error = (code: string, status: number, message: string, details?: unknown) =>
  new LabError(`PROXY_ERR_${code}`, status, message, details);

export const badRequestBody = (detail: string) => error('BAD_REQUEST_BODY', 400, `bad request body: ${detail}`);
export const missingField = (field: string) => error('MISSING_FIELD', 400, `missing required field: ${field}`);
export const proxyNotFound = (name: string) => error('PROXY_NOT_FOUND', 404, 'proxy not found', { proxy: name });
export const proxyAlreadyExists = (name: string) => error('PROXY_ALREADY_EXISTS', 409, 'proxy already exists', { proxy: name });
export const invalidStream = () => error('INVALID_STREAM', 400, 'stream was invalid, can be either upstream or downstream');
export const invalidToxicType = (type: string) => error('INVALID_TOXIC_TYPE', 400, 'invalid toxic type', { type });
export const toxicAlreadyExists = (name: string) => error('TOXIC_ALREADY_EXISTS', 409, 'toxic already exists', { toxic: name });
export const toxicNotFound = (name: string) => error('TOXIC_NOT_FOUND', 404, 'toxic not found', { toxic: name });
/** The listen address could not be bound (in use, not local...). Toxiproxy answers these with 500. */
export const listenFailed = (listen: string, reason: string) =>
  error('LISTEN_FAILED', 500, `cannot listen on ${listen}: ${reason}`, { listen });
