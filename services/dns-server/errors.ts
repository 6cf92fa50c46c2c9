// The dns-server's own errors, with stable codes (Route 53's InvalidChangeBatch reasons, one code
// each). Malformed input uses lib/errors.ts badRequest (400).
import { LabError } from '../../lib/errors.js';

export const recordExists = (identity: string, index: number) =>
  new LabError('DNS_ERR_RECORD_EXISTS', 409, `change ${index}: CREATE of ${identity}, which already exists`, { index });

export const deleteMismatch = (identity: string, index: number, reason: string) =>
  new LabError('DNS_ERR_DELETE_MISMATCH', 409, `change ${index}: DELETE of ${identity} ${reason}`, { index });

export const aliasTargetMissing = (name: string, target: string) =>
  new LabError('DNS_ERR_ALIAS_TARGET_MISSING', 409, `alias ${name} points at ${target}, which has no records after this batch`, {
    name,
    target,
  });

export const aliasConflict = (name: string) =>
  new LabError('DNS_ERR_ALIAS_CONFLICT', 409, `${name} would have both an ALIAS and A/AAAA records`, { name });

export const routingConflict = (name: string, type: string) =>
  new LabError('DNS_ERR_ROUTING_CONFLICT', 409, `${name} ${type} would mix weighted (setId) and plain records`, { name, type });
