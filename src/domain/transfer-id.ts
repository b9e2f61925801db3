import { createHash } from 'node:crypto';

import type { RemittanceRequest } from './remittance';
import type { TransferRequest } from './transfer';

/**
 * A transfer's id, a UUID (version 8, name-based) from the caller and its idempotency key: the same
 * caller and key give the same id in every process and on every retry, and so the same workflow id.
 */
export function transferIdFor(caller: string, key: string): string {
  return nameBasedUuid(`${caller}\u0000${key}`);
}

/** A remittance's id, from the caller and its idempotency key as {@link transferIdFor}, in a name space of its own. */
export function remittanceIdFor(caller: string, key: string): string {
  return nameBasedUuid(`remittance\u0000${caller}\u0000${key}`);
}

function nameBasedUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A digest of a request that ignores key order, so a repeated key can tell the same body from another. */
export function requestHash(request: TransferRequest | RemittanceRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/** JSON with sorted keys, so the same body always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
}
