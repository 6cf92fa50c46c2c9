// One catalogue of the lab's errors: a stable code, an HTTP status and a message. Services throw these;
// lib/http.ts writes every one of them out the same way: {"error":{"code","message"}}.
export class LabError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: unknown;
  constructor(code: string, statusCode: number, message: string, details?: unknown) {
    super(message);
    this.name = 'LabError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new LabError('LAB_ERR_BAD_REQUEST', 400, message, details);
export const unauthorized = () =>
  new LabError('LAB_ERR_UNAUTHORIZED', 401, 'missing or wrong bearer token (Authorization: Bearer $LAB_ADMIN_TOKEN)');
/** A known token without the right to do this (a game day's responders' token on a facilitator's route). */
export const forbidden = (message: string) => new LabError('LAB_ERR_FORBIDDEN', 403, message);
export const notFound = (message: string) => new LabError('LAB_ERR_NOT_FOUND', 404, message);
export const conflict = (message: string, details?: unknown) =>
  new LabError('LAB_ERR_CONFLICT', 409, message, details);
export const unavailable = (message: string) => new LabError('LAB_ERR_UNAVAILABLE', 503, message);
/** A lab service the controller asked on the caller's behalf did not do it. */
export const badGateway = (message: string, details?: unknown) => new LabError('LAB_ERR_BAD_GATEWAY', 502, message, details);

/** The string codes along an error's `cause` chain (node's ECONNREFUSED, undici's UND_ERR_*), outermost first. */
export function* errorCodes(err: unknown, maxDepth = 4): Generator<string> {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < maxDepth; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') yield e.code;
  }
}
