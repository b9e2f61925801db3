/**
 * A bank rail: the bank's open API through which money crosses the platform's edge. Every instruction
 * carries an idempotency key, and the rail answers the same key with the same instruction, so a retried
 * call never moves money twice. Results arrive later as signed callbacks; `status` asks when one is late.
 * The contract the HTTP implementation speaks is docs/rail-api.md.
 */

import type { BankAccount } from '../domain/remittance';

export type { BankAccount } from '../domain/remittance';

export type RailInstructionType = 'collect' | 'payout' | 'refund';

/** Where an instruction stands at the rail. PENDING until the bank has an outcome. */
export type RailInstructionStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface RailInstruction {
  /** The idempotency key, `<remittanceId>:<leg>`; also the reference its callbacks carry. */
  key: string;
  /** The business account debited (collect) or credited (payout, refund). */
  account: BankAccount;
  amount: number;
  currency: string;
  /** The remittance's reference, shown on the bank statements. */
  reference: string;
}

/** The rail's answer about one instruction. */
export interface RailAnswer {
  key: string;
  instructionId: string;
  type: RailInstructionType;
  status: RailInstructionStatus;
  /** Why the bank refused it, when FAILED. */
  reason?: string;
}

/** A verified callback: what the rail says happened to the instruction with this key. */
export interface RailCallback {
  /** The instruction's idempotency key (the callback's `reference`). */
  key: string;
  instructionId: string;
  type: RailInstructionType;
  /** PROCESSING is progress only; SUCCEEDED and FAILED are outcomes. */
  status: 'PROCESSING' | 'SUCCEEDED' | 'FAILED';
  reason?: string;
  occurredAt: string;
}

/**
 * The rail could not be reached, did not answer in time, answered 5xx or 429, or answered something that is
 * not the contract: the outcome is unknown, and the same key may be sent again.
 */
export class RailUnavailableError extends Error {
  override readonly name = 'RailUnavailableError';
}

/** The rail refused the request itself (a 4xx other than 429): sending it again will not help. */
export class RailRequestRefusedError extends Error {
  override readonly name = 'RailRequestRefusedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A callback whose signature, timestamp or body does not verify; `problem` says which. */
export class CallbackRefusedError extends Error {
  override readonly name = 'CallbackRefusedError';
  constructor(
    readonly problem: 'signature' | 'stale' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

export interface PaymentRail {
  /** The rail's name, as in `POST /v1/rails/:rail/callbacks` and the clearing account it books against. */
  readonly name: string;
  /** Pulls the amount from the business account into the platform's account at the bank. */
  collect(instruction: RailInstruction): Promise<RailAnswer>;
  /** Pays the amount from the platform's account at the bank to the business account. */
  payout(instruction: RailInstruction): Promise<RailAnswer>;
  /** Sends collected money back to the business account it came from. */
  refund(instruction: RailInstruction): Promise<RailAnswer>;
  /** What the rail knows of the instruction with this key; undefined when it never received it. */
  status(key: string): Promise<RailAnswer | undefined>;
  /**
   * Verifies a callback's signature (HMAC over timestamp + raw body) and freshness (5-minute tolerance)
   * and parses it.
   * @throws CallbackRefusedError
   */
  verifyCallback(headers: { timestamp?: string; signature?: string }, rawBody: string, now?: Date): RailCallback;
}
