/**
 * Step-up confirmation (issue 18): risk's STEP_UP asks the sender to confirm a transfer with a one-time
 * code sent by SMS. Pure, so the saga and the API share these limits and shapes.
 */

/** How long a code stays valid unless CONFIRMATION_CODE_TTL_MS says otherwise. */
export const DEFAULT_CODE_TTL_MS = 5 * 60_000;
/** Wrong codes a transfer survives; the third rejects it. */
export const MAX_WRONG_TRIES = 3;
/** Codes sent again on the customer's request, after the first. */
export const MAX_RESENDS = 2;
/** The least time between two codes for one transfer. */
export const RESEND_AFTER_MS = 30_000;

/**
 * What the saga's `confirm` update carries: the customer's code, their decline, or a staff member's
 * cancel. A code travels only as its keyed hash (the API hashes it), so no code reaches Temporal.
 */
export type ConfirmationAnswer =
  | { decision: 'CONFIRM'; codeHash: string; by: string }
  | { decision: 'DECLINE'; by: string }
  | { decision: 'CANCEL'; by: string; reason: string };

/** How the saga took an answer: a right code, a wrong one it survives, or the end of the transfer. */
export type ConfirmationOutcome = 'CONFIRMED' | 'WRONG_CODE' | 'REJECTED';

/** Why a confirmation ended, as recorded in `transfer_confirmations`. */
export type ConfirmationEnd = 'CONFIRMED' | 'DECLINED' | 'CANCELLED' | 'TOO_MANY_WRONG_CODES' | 'EXPIRED' | 'NOT_SENT';

/** How a confirmation ended, and who ended it when a person did. */
export interface ConfirmationEnding {
  end: ConfirmationEnd;
  by?: string;
  reason?: string;
}

/** A code the sender was sent, as the saga keeps it: the hash only. */
export interface IssuedCode {
  /** 1 for the first code, 2 and 3 for resends. */
  attempt: number;
  codeHash: string;
  sentAt: string;
  expiresAt: string;
}

/** What the `status` query shows of a confirmation in progress (never a code or its hash). */
export interface ConfirmationProgress {
  expiresAt: string;
  triesLeft: number;
  resendsLeft: number;
  /** When a resend is allowed, or null when none is left. */
  resendableAt: string | null;
}

/** Compares two hex hashes in time that depends only on their length, not on where they differ. */
export function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

export function isConfirmationAnswer(answer: ConfirmationAnswer): boolean {
  if (typeof answer !== 'object' || answer === null || typeof answer.by !== 'string' || answer.by === '') return false;
  switch (answer.decision) {
    case 'CONFIRM':
      return typeof answer.codeHash === 'string' && /^[0-9a-f]{64}$/.test(answer.codeHash);
    case 'DECLINE':
      return true;
    case 'CANCEL':
      return typeof answer.reason === 'string' && answer.reason !== '';
    default:
      return false;
  }
}
