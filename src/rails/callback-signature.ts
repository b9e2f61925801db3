/**
 * Rail callback signatures: `Rail-Signature: v1=<hex HMAC-SHA256(secret, "<Rail-Timestamp>.<raw body>")>`.
 * Signing the timestamp with the body lets a receiver refuse an old callback replayed with its signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { CallbackRefusedError } from './payment-rail';

/** How far a callback's timestamp may be from the receiver's clock, either way. */
export const CALLBACK_TOLERANCE_SECONDS = 300;

const SCHEME = 'v1=';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^[0-9]{1,12}$/;

/** The `Rail-Signature` value for `rawBody` sent at `timestamp` (unix seconds). */
export function signCallback(secret: string, timestamp: number, rawBody: string): string {
  return SCHEME + hmac(secret, timestamp, rawBody).toString('hex');
}

/**
 * Checks a callback's `Rail-Timestamp` and `Rail-Signature` headers against its raw body. The signature header
 * may list several `v1=` values separated by commas (the rail signs with the old and the new secret while one
 * is rotated); one that matches is enough. The signature is checked before the age, so `stale` is only ever
 * said of a callback the rail really signed.
 * @throws CallbackRefusedError `malformed` for a timestamp that is not unix seconds, `signature` for a missing
 * or wrong signature, `stale` when the timestamp is more than `toleranceSeconds` from `now`.
 */
export function verifyCallbackSignature(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: string,
  now: Date,
  toleranceSeconds = CALLBACK_TOLERANCE_SECONDS,
): void {
  const timestamp = headers.timestamp?.trim();
  if (timestamp === undefined || !UNIX_SECONDS.test(timestamp)) {
    throw new CallbackRefusedError('malformed', 'Rail-Timestamp is missing or not an integer of unix seconds');
  }
  if (!headers.signature) throw new CallbackRefusedError('signature', 'Rail-Signature is missing');
  const expected = hmac(secret, Number(timestamp), rawBody);
  const matches = headers.signature
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.startsWith(SCHEME) && HEX_SHA256.test(value.slice(SCHEME.length)))
    .some((value) => timingSafeEqual(Buffer.from(value.slice(SCHEME.length), 'hex'), expected));
  if (!matches) throw new CallbackRefusedError('signature', 'Rail-Signature does not match the body');
  const ageSeconds = now.getTime() / 1000 - Number(timestamp);
  if (Math.abs(ageSeconds) > toleranceSeconds) {
    const off = `${Math.round(Math.abs(ageSeconds))} s ${ageSeconds > 0 ? 'old' : 'ahead'}`;
    throw new CallbackRefusedError('stale', `Rail-Timestamp is ${off}, beyond the ${toleranceSeconds} s tolerated`);
  }
}

function hmac(secret: string, timestamp: number, rawBody: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest();
}
