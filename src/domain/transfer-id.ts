import { createHash } from 'node:crypto';

import type { TransferRequest } from './transfer';

/**
 * A transfer's id, a UUID (version 8, name-based) from the caller and its idempotency key: the same
 * caller and key give the same id in every process and on every retry, and so the same workflow id.
 */
export function transferIdFor(caller: string, key: string): string {
  const hex = createHash('sha256').update(`${caller}\u0000${key}`).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A digest of a transfer request that ignores key order, so a repeated key can tell the same body from another. */
export function requestHash(request: TransferRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/** JSON with sorted keys, so the same body always hashes the same. */
function canonicalJson(value: TransferRequest): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))));
}
