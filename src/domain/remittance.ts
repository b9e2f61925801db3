/**
 * Business remittances (issue 17): money collected from business A's bank account into the platform's
 * account over a bank rail, then paid out to business B's. Pure types and rules, shared by both sides of
 * the workflow sandbox.
 */

/** An account at a bank, as a rail addresses it and as a business profile names it. */
export interface BankAccount {
  bank: string;
  account: string;
}

/**
 * REQUESTED → DEPOSIT_PENDING (the rail collected) → DEPOSITED (booked on the platform account) →
 * WITHDRAWN (debited for the payout) → COMPLETED; REFUNDING while a refused payout's money goes back to A;
 * FAILED when nothing moved or the money went back.
 */
export const REMITTANCE_STATUSES = [
  'REQUESTED',
  'DEPOSIT_PENDING',
  'DEPOSITED',
  'WITHDRAWN',
  'REFUNDING',
  'COMPLETED',
  'FAILED',
] as const;
export type RemittanceStatus = (typeof REMITTANCE_STATUSES)[number];

export const isRemittanceTerminal = (status: RemittanceStatus): boolean =>
  status === 'COMPLETED' || status === 'FAILED';

/** Where the saga is: the leg it works on, or `done`. */
export type RemittanceStep =
  'requested' | 'collect' | 'deposit' | 'withdraw' | 'payout' | 'reverse' | 'refund' | 'done';

/**
 * A step that could not finish within its retries leaves one of these records; the retry batch asks the
 * saga to try it again, and alerts once the retries are spent.
 */
export const FAILURE_KINDS = ['deposit', 'withdrawal', 'payout'] as const;
export type RemittanceFailureKind = (typeof FAILURE_KINDS)[number];

/** The ledger legs on the platform account: credits from the rail's clearing account, debits back to it. */
export type PlatformLeg = 'deposit' | 'withdraw' | 'reversal' | 'refund';

export interface RemittanceRequest {
  fromBusiness: BankAccount;
  toBusiness: BankAccount;
  amount: number;
  currency: string;
  reference: string;
}

export interface RemittanceTimings {
  /** Forward steps retry at this fixed interval, 3 attempts (DESIGN.md §1). */
  forwardRetryIntervalMs: number;
  /** Not finished this long after submission → one Slack alert. */
  stuckAfterMs: number;
  /** How long to wait for an instruction's callback before asking the rail's status endpoint. */
  callbackTimeoutMs: number;
}

export interface RemittanceSagaInput extends RemittanceRequest {
  remittanceId: string;
  /** The request's unique number, for people: `R-000042`. */
  number: number;
  rail: string;
  /** The platform account the rail's money is booked on (one per currency). */
  platformAccountId: string;
  requestedBy: string;
  submittedAt: string;
  timings: RemittanceTimings;
}

/** What the rail said of one instruction, by callback or by its status endpoint. */
export interface RailResult {
  key: string;
  status: 'SUCCEEDED' | 'FAILED';
  reason?: string;
}

/** The saga's own view, answered by the `status` query. */
export interface RemittanceState {
  remittanceId: string;
  status: RemittanceStatus;
  step: RemittanceStep;
  history: Array<{ status: RemittanceStatus; step: RemittanceStep; at: string; reason?: string }>;
  /** Each rail instruction by key, with what is known of it. */
  instructions: Record<string, 'SENT' | 'PENDING' | 'SUCCEEDED' | 'FAILED'>;
  /** The failure record the saga waits on, when it waits on one. */
  waitingOn?: RemittanceFailureKind;
  /** Every step that went through a failure record, in order. */
  repaired: RemittanceFailureKind[];
  failureReason?: string;
}

/** The idempotency key of a rail instruction: `<remittanceId>:<leg>`, a refund retry `…:refund:<n>`. */
export function instructionKey(remittanceId: string, leg: 'collect' | 'payout' | 'refund', attempt = 1): string {
  return attempt === 1 ? `${remittanceId}:${leg}` : `${remittanceId}:${leg}:${attempt}`;
}

/** The platform's own account in a currency, where every rail's money is booked between its two legs. */
export const platformAccountId = (currency: string): string => `platform-${currency.toLowerCase()}`;

export const remittanceWorkflowId = (remittanceId: string): string => `remittance-${remittanceId}`;

/** `R-000042`: the number people quote. */
export const remittanceNumber = (number: number): string => `R-${String(number).padStart(6, '0')}`;

/** Signal `railResult`: a verified rail callback's outcome, sent by the API. */
export const RAIL_RESULT_SIGNAL = 'railResult';
/** Signal `retryStep`: the retry batch (or an operator) asks the saga to try a failed step again. */
export const RETRY_STEP_SIGNAL = 'retryStep';

/** The retry batch tries each failure record this many times, then alerts. */
export const FAILURE_RETRIES = 3;
