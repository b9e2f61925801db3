import { type ConfirmationProgress, DEFAULT_CODE_TTL_MS } from './confirmation';

/** Transfer statuses clients see (DESIGN.md §3). */
export const TRANSFER_STATUSES = [
  'PENDING',
  'UNDER_REVIEW',
  'AWAITING_CONFIRMATION',
  'COMPLETED',
  'DECLINED',
  'BLOCKED',
  'REJECTED',
  'FAILED',
] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

const TERMINAL: ReadonlySet<TransferStatus> = new Set(['COMPLETED', 'DECLINED', 'BLOCKED', 'REJECTED', 'FAILED']);

/** A terminal status in which no money moved. */
export type ClosedStatus = Exclude<TransferStatus, 'PENDING' | 'UNDER_REVIEW' | 'AWAITING_CONFIRMATION' | 'COMPLETED'>;

export function isTerminal(status: TransferStatus): boolean {
  return TERMINAL.has(status);
}

/** The statuses of a transfer whose saga still holds the sender's money. */
export const RUNNING_STATUSES = ['PENDING', 'UNDER_REVIEW', 'AWAITING_CONFIRMATION'] as const;
export type RunningStatus = (typeof RUNNING_STATUSES)[number];

/** Where a running saga is; `step` beside `status` in every view of a transfer. */
export const TRANSFER_STEPS = [
  'submitted',
  'reserve',
  'record',
  'evaluate',
  'review',
  'confirm',
  'settle',
  'notify',
  'compensate',
  'done',
] as const;
export type TransferStep = (typeof TRANSFER_STEPS)[number];

/** STEP_UP asks the sender to confirm with a one-time code; BLOCK wins over REVIEW, REVIEW over STEP_UP. */
export const RISK_DECISIONS = ['PASS', 'REVIEW', 'STEP_UP', 'BLOCK'] as const;
export type RiskDecision = (typeof RISK_DECISIONS)[number];

/** A validated transfer request. `amount` is integer minor units (cents). */
export interface TransferRequest {
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  memo?: string;
  /** Where the sender is, for the travel, device and country rules; every part optional. */
  context?: DeviceContext;
}

/** The sender's device as the client reports it. A location, when given, wins over the IP's. */
export interface DeviceContext {
  ip?: string;
  location?: GeoPoint;
  deviceId?: string;
}

/** Degrees: lat in [-90, 90], lon in [-180, 180]. */
export interface GeoPoint {
  lat: number;
  lon: number;
}

/** Durations the saga waits; workflow input so tests and operators can change them per transfer. */
export interface SagaTimings {
  /** Pause between the three attempts of a forward step. */
  forwardRetryIntervalMs: number;
  /** Age after submission at which a transfer that is not finished raises one Slack alert. */
  stuckAfterMs: number;
  /** How long a REVIEW waits for an operator before it is rejected. */
  reviewTimeoutMs: number;
  /**
   * How long a one-time code for a STEP_UP stays valid. Absent in the input of sagas started before
   * step-up existed; they never ask for one.
   */
  confirmationCodeTtlMs?: number;
}

export const DEFAULT_SAGA_TIMINGS: SagaTimings = {
  forwardRetryIntervalMs: 10_000,
  stuckAfterMs: 10 * 60_000,
  reviewTimeoutMs: 24 * 60 * 60_000,
  confirmationCodeTtlMs: DEFAULT_CODE_TTL_MS,
};

export interface TransferSagaInput extends TransferRequest {
  transferId: string;
  /** The `sub` of the caller who submitted it. */
  requestedBy: string;
  /** ISO-8601 time the API accepted it; the stuck alert counts from here. */
  submittedAt: string;
  timings: SagaTimings;
}

export interface StatusChange {
  status: TransferStatus;
  step: TransferStep;
  at: string;
  reason?: string;
}

/** What the `status` query answers. */
export interface SagaState {
  transferId: string;
  status: TransferStatus;
  step: TransferStep;
  riskDecision?: RiskDecision;
  failureReason?: string;
  /** While AWAITING_CONFIRMATION: when the code expires, tries and resends left. */
  confirmation?: ConfirmationProgress;
  history: StatusChange[];
}

/** A rule that hit, as transfer.flagged and the saga see it. */
export interface RuleHit {
  ruleId: string;
  version: number;
  score: number;
  /** Shadow rules are logged but never change a decision. */
  shadow: boolean;
  reason: string;
}

/** What the evaluate step decided, and from what (DESIGN.md §1, step 3). */
export interface RiskAssessment {
  decision: RiskDecision;
  /** Σ scores of the deciding rules that hit + the weighted anomaly score. */
  score: number;
  reasons: string[];
  anomalyScore: number;
  ruleSetVersion: string;
  modelVersion: string;
  hits: RuleHit[];
}

/** A risk verdict in one line, for a status change's reason and an operator's alert. */
export function describeRisk(risk: RiskAssessment): string {
  return `${risk.decision} (score ${risk.score}${risk.reasons.length ? `; ${risk.reasons.join('; ')}` : ''})`;
}

export interface ReviewDecision {
  decision: 'APPROVE' | 'REJECT';
  reason: string;
  reviewer: string;
}

/**
 * What a repair fixes: a transfer (the default), a Redis hold that no saga and no PostgreSQL row owns,
 * or an account whose Redis balance drifted from PostgreSQL (rebuilt from PostgreSQL).
 */
export type RepairKind = 'transfer' | 'orphan-hold' | 'account';

/** A request to repair one transfer: the data of tx.sync_required. */
export interface SyncRequest {
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  reason: string;
  /** Who asked: the saga, the stuck sweep, reconcile, or another producer of tx.sync_required. */
  source: string;
  /** 'transfer' when absent. */
  kind?: RepairKind;
}

/** What syncCompensation repairs. */
export interface SyncCompensationInput extends SyncRequest {
  transferId: string;
}
