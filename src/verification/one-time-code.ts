/**
 * The one-time code of a step-up confirmation: how it is drawn, how it is kept (a keyed hash, never the code)
 * and the text that carries it. Pure but for node:crypto's randomness, so activities use it and workflow code
 * does not: a workflow gets a code's hash as an activity result, never draws one.
 */
import { createHmac, randomInt } from 'node:crypto';

export const CODE_DIGITS = 6;

const EXCLUSIVE_MAX = 10 ** CODE_DIGITS;

/** A fresh code: {@link CODE_DIGITS} digits, uniformly drawn by a CSPRNG, leading zeros kept. */
export function newCode(): string {
  return String(randomInt(0, EXCLUSIVE_MAX)).padStart(CODE_DIGITS, '0');
}

/**
 * What is stored instead of the code: HMAC-SHA256 (hex) over `${transferId}:${code}`. Keyed, because a million
 * codes are hashed in a moment and a plain hash would give them all away; over the transfer id, so that a
 * code (or a stored hash) of one transfer confirms no other.
 *
 * @param secret - CONFIRMATION_CODE_SECRET.
 */
export function hashCode(secret: string, transferId: string, code: string): string {
  return createHmac('sha256', secret).update(`${transferId}:${code}`).digest('hex');
}

/**
 * The SMS that carries a code, e.g. "transfer-saga: your code is 123456 to confirm the transfer of 1,250.00
 * EUR. It expires in 5 minutes. Never share it." The amount is shown with its currency's minor digits (none
 * for KRW or JPY, three for BHD) and grouped, so the code is the only run of digits as long as a code.
 *
 * @param amount - integer minor units.
 * @param ttlMs - how long the code stays valid; whole minutes read as minutes, anything else as seconds.
 * @throws RangeError for an amount that is not a non-negative safe integer, or an unknown currency.
 */
export function confirmationText(code: string, amount: number, currency: string, ttlMs: number): string {
  return (
    `transfer-saga: your code is ${code} to confirm the transfer of ${formatMinorUnits(amount, currency)} ` +
    `${currency}. It expires in ${formatDuration(ttlMs)}. Never share it.`
  );
}

function formatMinorUnits(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`amount must be a non-negative integer of minor units, not ${amount}`);
  }
  // Intl knows each currency's minor digits; a currency format always resolves them (the typing allows none).
  const { maximumFractionDigits: digits = 2 } = new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
  }).resolvedOptions();
  // In bigint: dividing a large amount as a double could round its last minor unit away.
  const unit = 10n ** BigInt(digits);
  const major = new Intl.NumberFormat('en-US').format(BigInt(amount) / unit);
  return digits === 0 ? major : `${major}.${String(BigInt(amount) % unit).padStart(digits, '0')}`;
}

function formatDuration(ttlMs: number): string {
  const seconds = Math.max(1, Math.floor(ttlMs / 1000));
  const [value, unit] = seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return new Intl.NumberFormat('en-US', { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}
