import type { Pool } from 'pg';

import { type AccountRow, TRANSFER_COLUMNS, type TransferRow } from './ledger-reads';
import type { BalanceSnapshot } from './redis-balances';

/**
 * What reconcile, the stuck-transfer sweep and a Redis rebuild read from PostgreSQL: whole accounts a
 * page at a time, the holds it records, and transfers that should have finished by now.
 */
export class ReconcileQueries {
  constructor(private readonly pool: Pool) {}

  /** Accounts in id order after `afterAccountId`, a page at a time: reconcile walks them all. */
  async accountPage(afterAccountId: string, limit: number): Promise<AccountRow[]> {
    const { rows } = await this.pool.query<AccountRow>(
      `SELECT account_id AS "accountId", owner_id AS "ownerId", currency, balance::float8 AS balance, status
       FROM accounts WHERE account_id > $1 ORDER BY account_id LIMIT $2`,
      [afterAccountId, limit],
    );
    return rows;
  }

  /** The hold state PostgreSQL records for each transfer that has a row. */
  async holdStates(transferIds: string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ transferId: string; holdState: string }>(
      `SELECT transfer_id AS "transferId", hold_state AS "holdState" FROM transactions WHERE transfer_id = ANY($1::uuid[])`,
      [transferIds],
    );
    return new Map(rows.map((row) => [row.transferId, row.holdState]));
  }

  /** The account as a Redis rebuild needs it, read in one statement so it is one snapshot. */
  async balanceSnapshot(accountId: string): Promise<BalanceSnapshot | undefined> {
    const { rows } = await this.pool.query<{
      balance: number;
      openHolds: Array<{ transferId: string; amount: number }>;
      postedNotApplied: string[];
      creditedNotApplied: string[];
    }>(
      `SELECT a.balance::float8 AS balance,
         COALESCE((SELECT json_agg(json_build_object('transferId', t.transfer_id, 'amount', t.amount))
                   FROM transactions t WHERE t.from_account_id = a.account_id AND t.hold_state = 'OPEN'), '[]')
           AS "openHolds",
         COALESCE((SELECT json_agg(t.transfer_id) FROM transactions t
                   WHERE t.from_account_id = a.account_id AND t.hold_state = 'POSTED' AND NOT t.redis_applied), '[]')
           AS "postedNotApplied",
         COALESCE((SELECT json_agg(t.transfer_id) FROM transactions t
                   WHERE t.to_account_id = a.account_id AND t.status = 'COMPLETED' AND NOT t.redis_applied), '[]')
           AS "creditedNotApplied"
       FROM accounts a WHERE a.account_id = $1`,
      [accountId],
    );
    const row = rows[0];
    return row && { accountId, ...row };
  }

  /** Transfers still running in PostgreSQL's eyes after `olderThanMs`. */
  async findUnfinished(olderThanMs: number, limit = 100): Promise<TransferRow[]> {
    const { rows } = await this.pool.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS} FROM transactions
       WHERE status IN ('PENDING', 'UNDER_REVIEW') AND submitted_at < now() - make_interval(secs => $1 / 1000.0)
       ORDER BY submitted_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows;
  }
}
