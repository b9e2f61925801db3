import type { Pool } from 'pg';

import {
  type ReviewDecision,
  type RiskDecision,
  TRANSFER_STATUSES,
  type TransferStatus,
  type TransferStep,
} from '../domain/transfer';

export interface AccountRow {
  accountId: string;
  ownerId: string;
  currency: string;
  balance: number;
  status: 'OPEN' | 'CLOSED';
}

export interface TransferRow {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  memo: string | null;
  requestedBy: string;
  status: TransferStatus;
  step: TransferStep;
  riskDecision: string | null;
  riskScore: number | null;
  failureReason: string | null;
  submittedAt: string;
  settledAt: string | null;
  updatedAt: string;
}

export interface ReviewRow extends ReviewDecision {
  decidedAt: string;
}

export interface HistoryRow {
  fromStatus: TransferStatus | null;
  status: TransferStatus;
  step: TransferStep;
  reason: string | null;
  actor: string | null;
  at: string;
}

export const TRANSFER_COLUMNS = `
  transfer_id AS "transferId", from_account_id AS "fromAccountId", to_account_id AS "toAccountId",
  amount::float8 AS amount, currency, memo, requested_by AS "requestedBy", status, step,
  risk_decision AS "riskDecision", risk_score AS "riskScore", failure_reason AS "failureReason",
  submitted_at AS "submittedAt", settled_at AS "settledAt", updated_at AS "updatedAt"`;

/** What the staff's transfer listing can be narrowed to; every field is optional and they combine. */
export interface TransferFilter {
  status?: TransferStatus;
  accountId?: string;
  decision?: RiskDecision;
  /** Submitted at or after (ISO-8601). */
  submittedFrom?: string;
  /** Submitted before (ISO-8601). */
  submittedTo?: string;
  /** At least, in minor units. */
  minAmount?: number;
  /** At most, in minor units. */
  maxAmount?: number;
}

/** The filter's conditions bar status, as $1..$6 (listing and counting share them). */
const FILTER_CLAUSE = `($1::text IS NULL OR from_account_id = $1 OR to_account_id = $1)
  AND ($2::text IS NULL OR risk_decision = $2)
  AND ($3::timestamptz IS NULL OR submitted_at >= $3) AND ($4::timestamptz IS NULL OR submitted_at < $4)
  AND ($5::bigint IS NULL OR amount >= $5) AND ($6::bigint IS NULL OR amount <= $6)`;

const filterValues = (filter: TransferFilter) => [
  filter.accountId ?? null,
  filter.decision ?? null,
  filter.submittedFrom ?? null,
  filter.submittedTo ?? null,
  filter.minAmount ?? null,
  filter.maxAmount ?? null,
];

/**
 * What the API reads from the ledger: accounts, transfers with their history and review, the staff
 * listing and the review queue. Nothing here writes; the saga's writes are in PostgresLedger.
 */
export class LedgerReads {
  constructor(private readonly pool: Pool) {}

  async getAccounts(accountIds: string[]): Promise<Map<string, AccountRow>> {
    const { rows } = await this.pool.query<AccountRow>(
      `SELECT account_id AS "accountId", owner_id AS "ownerId", currency, balance::float8 AS balance, status
       FROM accounts WHERE account_id = ANY($1)`,
      [accountIds],
    );
    return new Map(rows.map((row) => [row.accountId, row]));
  }

  /** The ids of the accounts a customer owns, e.g. to scope its live event stream. */
  async accountIdsOwnedBy(ownerId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ accountId: string }>(
      'SELECT account_id AS "accountId" FROM accounts WHERE owner_id = $1 ORDER BY account_id',
      [ownerId],
    );
    return rows.map((row) => row.accountId);
  }

  async getTransfer(
    transferId: string,
  ): Promise<(TransferRow & { history: HistoryRow[]; review: ReviewRow | null }) | undefined> {
    const { rows } = await this.pool.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS} FROM transactions WHERE transfer_id = $1`,
      [transferId],
    );
    const transfer = rows[0];
    if (!transfer) return undefined;
    const history = await this.pool.query<HistoryRow>(
      `SELECT from_status AS "fromStatus", to_status AS status, step, reason, actor, occurred_at AS at
       FROM tx_history WHERE transfer_id = $1 ORDER BY occurred_at, id`,
      [transferId],
    );
    const review = await this.pool.query<ReviewRow>(
      `SELECT decision, reason, reviewer, decided_at AS "decidedAt" FROM transfer_reviews WHERE transfer_id = $1`,
      [transferId],
    );
    return { ...transfer, history: history.rows, review: review.rows[0] ?? null };
  }

  /** Newest first; the cursor is the last row's (submittedAt, transferId). */
  async listTransfers(
    filter: TransferFilter & { limit: number; after?: { submittedAt: string; transferId: string } },
  ): Promise<TransferRow[]> {
    const { rows } = await this.pool.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS} FROM transactions
       WHERE ${FILTER_CLAUSE} AND ($7::text IS NULL OR status = $7)
         AND ($8::timestamptz IS NULL OR (submitted_at, transfer_id) < ($8::timestamptz, $9::uuid))
       ORDER BY submitted_at DESC, transfer_id DESC
       LIMIT $10`,
      [
        ...filterValues(filter),
        filter.status ?? null,
        filter.after?.submittedAt ?? null,
        filter.after?.transferId ?? null,
        filter.limit,
      ],
    );
    return rows;
  }

  /** How many transfers the filter matches, by status (every status named, zero included). */
  async countByStatus(filter: TransferFilter): Promise<Record<TransferStatus, number>> {
    const { rows } = await this.pool.query<{ status: TransferStatus; count: number }>(
      `SELECT status, count(*)::int AS count FROM transactions WHERE ${FILTER_CLAUSE} GROUP BY status`,
      filterValues(filter),
    );
    const counts = Object.fromEntries(TRANSFER_STATUSES.map((status) => [status, 0])) as Record<TransferStatus, number>;
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  /** The review queue: transfers UNDER_REVIEW, longest waiting first (nothing updates them while they wait). */
  async reviewQueue(limit: number): Promise<TransferRow[]> {
    const { rows } = await this.pool.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS} FROM transactions WHERE status = 'UNDER_REVIEW'
       ORDER BY updated_at, transfer_id LIMIT $1`,
      [limit],
    );
    return rows;
  }
}
