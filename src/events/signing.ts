import { createHmac, timingSafeEqual } from 'node:crypto';

import type { IHeaders } from 'kafkajs';

/** The headers every record the service produces carries: when it was signed, and the HMAC that vouches for it. */
export const SIGNATURE_HEADERS = { signedAt: 'signedAt', signature: 'signature' } as const;

/** Clocks drift: a record signed this far ahead of ours is still taken. */
const FUTURE_TOLERANCE_MS = 30_000;

export interface SigningKeys {
  /** Signs what is produced now, and verifies. */
  current: string;
  /** Verifies only: what was signed before a rotation, until it is consumed or too old. */
  previous?: string;
  /** A record signed longer ago than this is refused (a replayed capture, not a live event). */
  maxAgeMs: number;
}

/**
 * A Kafka record is not trusted because it arrived: anyone who can produce to a topic could otherwise
 * ask for a repair of someone else's transfer. Every record the service produces is signed with an
 * HMAC-SHA256 over its signing time and its value; consumers take only records signed with the current
 * or the previous key, and not too long ago.
 */
export class RecordSigner {
  constructor(private readonly keys: SigningKeys) {}

  /** The signature headers for `value`, signed now. */
  sign(value: string, now = Date.now()): IHeaders {
    const signedAt = String(now);
    return {
      [SIGNATURE_HEADERS.signedAt]: signedAt,
      [SIGNATURE_HEADERS.signature]: mac(this.keys.current, signedAt, value),
    };
  }

  /** Why the record cannot be trusted, or undefined when it can. */
  distrust(headers: IHeaders | undefined, value: string, now = Date.now()): string | undefined {
    const signedAt = headerText(headers?.[SIGNATURE_HEADERS.signedAt]);
    const signature = headerText(headers?.[SIGNATURE_HEADERS.signature]);
    if (signedAt === undefined || signature === undefined) return 'unsigned';
    const keys = [this.keys.current, this.keys.previous].filter((key): key is string => key !== undefined);
    if (!keys.some((key) => sameText(mac(key, signedAt, value), signature))) return 'bad signature';
    const age = now - Number(signedAt);
    if (!Number.isFinite(age) || age < -FUTURE_TOLERANCE_MS) return 'signed in the future';
    if (age > this.keys.maxAgeMs) return `signed ${Math.round(age / 1000)} s ago, over ${this.keys.maxAgeMs / 1000} s`;
    return undefined;
  }
}

function mac(key: string, signedAt: string, value: string): string {
  return createHmac('sha256', key).update(`${signedAt}.${value}`).digest('hex');
}

/** Compares in constant time, so the signature cannot be guessed a byte at a time. */
function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A Kafka header's value as text (its first, when repeated); undefined when absent. */
export function headerText(header: IHeaders[string]): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined ? undefined : value.toString();
}
