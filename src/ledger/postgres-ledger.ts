import type { Pool, PoolClient } from 'pg';

import {
  type ClosedStatus,
  type ReviewDecision,
  type RiskAssessment,
  type RiskDecision,
  RUNNING_STATUSES,
  type RunningStatus,
  type SyncCompensationInput,
  type TransferSagaInput,
  type TransferStatus,
  type TransferStep,
} from '../domain/transfer';
import { inTransaction } from '../db/transaction';
import { writeTransferEvent } from '../events/outbox';
import type { AccountRow } from './ledger-reads';
import { openRepairRecord } from './repair-records';

/** Raised when a settlement finds the sender's settled balance too small (Redis and PostgreSQL disagreed). */
export class SettlementRefusedError extends Error {
  override readonly name = 'SettlementRefusedError';
}

/** Raised when the saga asks for a change the row's current status does not allow. */
export class TransitionError extends Error {
  override readonly name = 'TransitionError';
}

export type CloseOutcome = 'CLOSED' | 'ALREADY_CLOSED' | 'ALREADY_COMPLETED';

/** Where each risk decision leaves a transfer: waiting for a reviewer, for its sender, or going on. */
const WAITING_FOR: Record<RiskDecision, { status: RunningStatus; step: TransferStep }> = {
  PASS: { status: 'PENDING', step: 'evaluate' },
  BLOCK: { status: 'PENDING', step: 'evaluate' },
  REVIEW: { status: 'UNDER_REVIEW', step: 'review' },
  STEP_UP: { status: 'AWAITING_CONFIRMATION', step: 'confirm' },
};

const isRunning = (status: TransferStatus): boolean => (RUNNING_STATUSES as readonly string[]).includes(status);

/** The sender's hold as PostgreSQL records it (the truth about holds; see the transactions table). */
export type HoldState = 'NONE' | 'OPEN' | 'POSTED' | 'VOIDED';

/**
 * The settled ledger in PostgreSQL: accounts, transactions, their history and double-entry postings.
 * Every write is idempotent per transfer and step, so an activity may run it again after a crash, and
 * each state change writes its event into the outbox in the same transaction (DESIGN.md §5). The write
 * model only (reads are in ledger-reads.ts); it stays one module of some 370 lines because every write
 * goes through the same three row helpers at the bottom, which keep the row's one creation and locking.
 */
export class PostgresLedger {
  constructor(private readonly pool: Pool) {}

  async openAccount(account: {
    accountId: string;
    ownerId: string;
    currency: string;
    initialBalance: number;
    /** E.164; where the owner's one-time codes go. */
    phone?: string;
    /** Who opened it (the staff `sub`); tools and tests that seed accounts leave it unset. */
    openedBy?: string;
  }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO accounts (account_id, owner_id, currency, balance, initial_balance, opened_by, phone)
       VALUES ($1, $2, $3, $4, $4, $5, $6) ON CONFLICT (account_id) DO NOTHING`,
      [
        account.accountId,
        account.ownerId,
        account.currency,
        account.initialBalance,
        account.openedBy ?? null,
        account.phone ?? null,
      ],
    );
    return rowCount === 1;
  }

  /**
   * Both accounts of a transfer and the hold PostgreSQL records for it, in one statement: what the
   * reserve step checks. `holdState` is undefined while the transfer has no row yet.
   */
  async accountsAndHold(
    transferId: string,
    accountIds: string[],
  ): Promise<{ accounts: Map<string, AccountRow>; holdState: HoldState | undefined }> {
    const { rows } = await this.pool.query<AccountRow & { holdState: HoldState | null }>(
      `SELECT account_id AS "accountId", owner_id AS "ownerId", currency, balance::float8 AS balance, status,
         (SELECT hold_state FROM transactions WHERE transfer_id = $2) AS "holdState"
       FROM accounts WHERE account_id = ANY($1)`,
      [accountIds, transferId],
    );
    const holdState = rows[0]?.holdState ?? undefined;
    return { accounts: new Map(rows.map(({ holdState: _, ...account }) => [account.accountId, account])), holdState };
  }

  /**
   * Inserts the transfer as PENDING with its hold OPEN (the saga reserved it first), with
   * transfer.created; answers the hold PostgreSQL now records (not OPEN when the step runs again after
   * the transfer went on to settle or close).
   */
  async recordTransfer(input: TransferSagaInput): Promise<HoldState> {
    return this.inTransaction(async (client) => {
      const inserted = await insertPendingRow(client, input, { step: 'record', holdState: 'OPEN' });
      if (!inserted) {
        const { rows } = await client.query<{ holdState: HoldState }>(
          'SELECT hold_state AS "holdState" FROM transactions WHERE transfer_id = $1',
          [input.transferId],
        );
        return rows[0]?.holdState ?? 'NONE';
      }
      await addHistory(client, input.transferId, null, 'PENDING', 'record', null, null);
      const { fromAccountId, toAccountId, amount, currency } = input;
      await writeTransferEvent(client, 'transfer.created', input.transferId, {
        fromAccountId,
        toAccountId,
        amount,
        currency,
      });
      return 'OPEN';
    });
  }

  /**
   * The risk decision on the transfer row, in the evaluating transaction (the caller's, which also
   * writes the risk log): PASS and BLOCK keep it PENDING with the verdict noted and write
   * transfer.approved or transfer.flagged; REVIEW makes it UNDER_REVIEW and STEP_UP makes it
   * AWAITING_CONFIRMATION, both with transfer.flagged.
   */
  async applyRiskDecision(client: PoolClient, transferId: string, risk: RiskAssessment, reason: string): Promise<void> {
    const current = await lockTransfer(client, transferId);
    if (current.status !== 'PENDING') {
      throw new TransitionError(`transfer ${transferId} is ${current.status}; risk cannot decide it now`);
    }
    const { status, step } = WAITING_FOR[risk.decision];
    await client.query(
      `UPDATE transactions SET status = $2, step = $3, risk_decision = $4, risk_score = $5, updated_at = now()
       WHERE transfer_id = $1`,
      [transferId, status, step, risk.decision, risk.score],
    );
    if (status !== 'PENDING') await addHistory(client, transferId, 'PENDING', status, step, reason, null);
    const parties = { fromAccountId: current.fromAccountId, toAccountId: current.toAccountId, amount: current.amount };
    if (risk.decision === 'PASS') {
      await writeTransferEvent(client, 'transfer.approved', transferId, {
        ...parties,
        decision: 'PASS',
        score: risk.score,
      });
    } else {
      await writeTransferEvent(client, 'transfer.flagged', transferId, {
        ...parties,
        decision: risk.decision,
        score: risk.score,
        reasons: risk.reasons,
        ruleHits: risk.hits,
      });
    }
  }

  /**
   * Ends a transfer that will not move money (DECLINED, BLOCKED, REJECTED, FAILED) with its hold
   * VOIDED in PostgreSQL — before Redis gives the hold back, so a Redis rebuild in between cannot
   * resurrect the hold. Inserts the row when the saga never recorded it. Writes transfer.failed when
   * this call closed it.
   */
  async closeTransfer(
    input: TransferFacts,
    status: ClosedStatus,
    step: TransferStep,
    reason: string,
    actor: string | null = null,
  ): Promise<CloseOutcome> {
    return this.inTransaction(async (client) => {
      await insertPendingRow(client, input, { step, holdState: 'NONE' });
      const current = await lockTransfer(client, input.transferId);
      if (current.status === 'COMPLETED') return 'ALREADY_COMPLETED';
      if (!isRunning(current.status)) return 'ALREADY_CLOSED';
      await client.query(
        `UPDATE transactions SET status = $2, step = $3, failure_reason = $4, updated_at = now(),
           hold_state = CASE WHEN hold_state = 'OPEN' THEN 'VOIDED' ELSE hold_state END
         WHERE transfer_id = $1`,
        [input.transferId, status, step, reason],
      );
      await addHistory(client, input.transferId, current.status, status, step, reason, actor);
      await writeTransferEvent(client, 'transfer.failed', input.transferId, {
        fromAccountId: current.fromAccountId,
        toAccountId: current.toAccountId,
        amount: current.amount,
        status,
        reason,
      });
      return 'CLOSED';
    });
  }

  /** Moves a running transfer between PENDING and UNDER_REVIEW, recording the risk verdict. */
  async setRunningStatus(
    transferId: string,
    status: 'PENDING' | 'UNDER_REVIEW',
    step: TransferStep,
    risk?: RiskAssessment,
  ): Promise<void> {
    await this.inTransaction(async (client) => {
      const current = await lockTransfer(client, transferId);
      // Any running status: a saga started before step-up (v1) takes a STEP_UP to review.
      if (!isRunning(current.status)) {
        throw new TransitionError(`transfer ${transferId} is ${current.status}; it cannot become ${status}`);
      }
      await client.query(
        `UPDATE transactions SET status = $2, step = $3, risk_decision = COALESCE($4, risk_decision),
           risk_score = COALESCE($5, risk_score), updated_at = now()
         WHERE transfer_id = $1`,
        [transferId, status, step, risk?.decision ?? null, risk?.score ?? null],
      );
      if (current.status !== status) await addHistory(client, transferId, current.status, status, step, null, null);
    });
  }

  /**
   * Settles in one PostgreSQL transaction: debit and credit postings, both balances, the status, its
   * history and transfer.completed. A second call finds the transfer COMPLETED and changes nothing.
   */
  async settle(transferId: string): Promise<{ redisApplied: boolean; settledNow: boolean; submittedAt: string }> {
    return this.inTransaction(async (client) => {
      const transfer = await lockTransfer(client, transferId);
      const submittedAt = transfer.submittedAt.toISOString();
      if (transfer.status === 'COMPLETED')
        return { redisApplied: transfer.redisApplied, settledNow: false, submittedAt };
      if (!isRunning(transfer.status)) {
        throw new TransitionError(`transfer ${transferId} is ${transfer.status}; it cannot be settled`);
      }
      // Lock both accounts in a fixed order so two opposite settles cannot deadlock. NO KEY UPDATE (what
      // the UPDATE below takes anyway) leaves the key-share lock alone that recording a transfer takes on
      // its accounts for the foreign keys; FOR UPDATE conflicted with it and deadlocked settle A→B
      // against record B→A.
      const { rows } = await client.query<{ accountId: string; balance: number; status: string }>(
        `SELECT account_id AS "accountId", balance::float8 AS balance, status FROM accounts
         WHERE account_id = ANY($1) ORDER BY account_id FOR NO KEY UPDATE`,
        [[transfer.fromAccountId, transfer.toAccountId]],
      );
      const sender = rows.find((row) => row.accountId === transfer.fromAccountId);
      if (!sender || sender.balance < transfer.amount) {
        throw new SettlementRefusedError(`account ${transfer.fromAccountId} cannot cover ${transfer.amount}`);
      }
      await client.query(
        `UPDATE accounts SET balance = balance + CASE WHEN account_id = $1 THEN -$3::bigint ELSE $3::bigint END,
           updated_at = now()
         WHERE account_id IN ($1, $2)`,
        [transfer.fromAccountId, transfer.toAccountId, transfer.amount],
      );
      await client.query(
        `INSERT INTO ledger_entries (transfer_id, account_id, direction, amount)
         VALUES ($1, $2, 'DEBIT', $4), ($1, $3, 'CREDIT', $4)`,
        [transferId, transfer.fromAccountId, transfer.toAccountId, transfer.amount],
      );
      await client.query(
        `UPDATE transactions SET status = 'COMPLETED', step = 'settle', hold_state = 'POSTED', redis_applied = false,
           settled_at = now(), updated_at = now()
         WHERE transfer_id = $1`,
        [transferId],
      );
      await addHistory(client, transferId, transfer.status, 'COMPLETED', 'settle', null, null);
      await writeTransferEvent(client, 'transfer.completed', transferId, {
        fromAccountId: transfer.fromAccountId,
        toAccountId: transfer.toAccountId,
        amount: transfer.amount,
        currency: transfer.currency,
      });
      return { redisApplied: false, settledNow: true, submittedAt };
    });
  }

  /** Notes that Redis has applied the settlement, so a later Redis rebuild need not mark it. */
  async markRedisApplied(transferId: string): Promise<void> {
    await this.pool.query('UPDATE transactions SET redis_applied = true WHERE transfer_id = $1', [transferId]);
  }

  /**
   * Records an operator's decision, with transfer.approved when it approves; the first one recorded for
   * a transfer stays.
   */
  async recordReview(transferId: string, review: ReviewDecision): Promise<void> {
    await this.inTransaction(async (client) => {
      const { rowCount } = await client.query(
        `INSERT INTO transfer_reviews (transfer_id, decision, reason, reviewer) VALUES ($1, $2, $3, $4)
         ON CONFLICT (transfer_id) DO NOTHING`,
        [transferId, review.decision, review.reason, review.reviewer],
      );
      if (rowCount === 0 || review.decision !== 'APPROVE') return;
      const { rows } = await client.query<{
        fromAccountId: string;
        toAccountId: string;
        amount: number;
        score: number;
      }>(
        `SELECT from_account_id AS "fromAccountId", to_account_id AS "toAccountId", amount::float8 AS amount,
           COALESCE(risk_score, 0) AS score
         FROM transactions WHERE transfer_id = $1`,
        [transferId],
      );
      const row = rows[0];
      if (row) await writeTransferEvent(client, 'transfer.approved', transferId, { ...row, decision: 'REVIEW' });
    });
  }

  /**
   * The repair record of a transfer the saga could not finish, with its tx.sync_required event, in one
   * transaction: the record syncCompensation keeps open until it has repaired the transfer.
   */
  async requestRepair(request: SyncCompensationInput): Promise<number> {
    return this.inTransaction(async (client) => {
      const { transferId, ...data } = request;
      const id = await openRepairRecord(client, request);
      await writeTransferEvent(client, 'tx.sync_required', transferId, data);
      return id;
    });
  }

  /** Settled transfers whose Redis post may not have happened (the saga failed after settling). */
  async isSettledButNotApplied(transferId: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT 1 FROM transactions WHERE transfer_id = $1 AND status = 'COMPLETED' AND NOT redis_applied`,
      [transferId],
    );
    return rows.length > 0;
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}

/** What is known of a transfer even when the saga never recorded it. */
export type TransferFacts = Pick<
  TransferSagaInput,
  'transferId' | 'fromAccountId' | 'toAccountId' | 'amount' | 'currency'
> &
  Partial<Pick<TransferSagaInput, 'memo' | 'requestedBy' | 'submittedAt'>>;

/** The one place a transactions row is created: PENDING, idempotent; answers whether it was new. */
async function insertPendingRow(
  client: PoolClient,
  input: TransferFacts,
  { step, holdState }: { step: TransferStep; holdState: 'OPEN' | 'NONE' },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO transactions (transfer_id, from_account_id, to_account_id, amount, currency, memo, requested_by,
                               status, step, hold_state, submitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', $8, $9, COALESCE($10::timestamptz, now()))
     ON CONFLICT (transfer_id) DO NOTHING`,
    [
      input.transferId,
      input.fromAccountId,
      input.toAccountId,
      input.amount,
      input.currency,
      input.memo ?? null,
      input.requestedBy ?? 'system',
      step,
      holdState,
      input.submittedAt ?? null,
    ],
  );
  return rowCount === 1;
}

interface LockedTransfer {
  status: TransferStatus;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  redisApplied: boolean;
  submittedAt: Date;
}

/**
 * Locks the transfer's row against other status changes; NO KEY UPDATE, so rows that reference it (its
 * history, review, postings) can still be written beside it.
 */
async function lockTransfer(client: PoolClient, transferId: string): Promise<LockedTransfer> {
  const { rows } = await client.query<LockedTransfer>(
    `SELECT status, from_account_id AS "fromAccountId", to_account_id AS "toAccountId", amount::float8 AS amount,
       currency, redis_applied AS "redisApplied", submitted_at AS "submittedAt"
     FROM transactions WHERE transfer_id = $1 FOR NO KEY UPDATE`,
    [transferId],
  );
  const row = rows[0];
  if (!row) throw new TransitionError(`transfer ${transferId} is not recorded`);
  return row;
}

async function addHistory(
  client: PoolClient,
  transferId: string,
  fromStatus: TransferStatus | null,
  toStatus: TransferStatus,
  step: TransferStep,
  reason: string | null,
  actor: string | null,
): Promise<void> {
  await client.query(
    `INSERT INTO tx_history (transfer_id, from_status, to_status, step, reason, actor)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (transfer_id, to_status) DO NOTHING`,
    [transferId, fromStatus, toStatus, step, reason, actor],
  );
}
