import type { Pool } from 'pg';

import { RUNNING_STATUSES } from '../domain/transfer';
import { type AccountRow, TRANSFER_COLUMNS, type TransferRow } from './ledger-reads';
import type { BalanceSnapshot } from './redis-balances';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

  /**
   * The hold state PostgreSQL records for each hold id: a transfer's, or a remittance leg's
   * (`<remittanceId>:<leg>`, see RemittanceLedger).
   */
  async holdStates(holdIds: string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ transferId: string; holdState: string }>(
      `SELECT transfer_id::text AS "transferId", hold_state AS "holdState" FROM transactions
       WHERE transfer_id = ANY($1::uuid[])
       UNION ALL
       SELECT remittance_id || ':' || leg, hold_state FROM platform_postings WHERE remittance_id || ':' || leg = ANY($2)`,
      [holdIds.filter((id) => UUID.test(id)), holdIds.filter((id) => !UUID.test(id))],
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
         COALESCE((SELECT json_agg(hold) FROM (
                     SELECT json_build_object('transferId', t.transfer_id, 'amount', t.amount) AS hold
                     FROM transactions t WHERE t.from_account_id = a.account_id AND t.hold_state = 'OPEN'
                     UNION ALL
                     SELECT json_build_object('transferId', p.remittance_id || ':' || p.leg, 'amount', p.amount)
                     FROM platform_postings p WHERE p.account_id = a.account_id AND p.hold_state = 'OPEN') holds), '[]')
           AS "openHolds",
         COALESCE((SELECT json_agg(id) FROM (
                     SELECT t.transfer_id::text AS id FROM transactions t
                     WHERE t.from_account_id = a.account_id AND t.hold_state = 'POSTED' AND NOT t.redis_applied
                     UNION ALL
                     SELECT p.remittance_id || ':' || p.leg FROM platform_postings p
                     WHERE p.account_id = a.account_id AND p.direction = 'DEBIT' AND p.hold_state = 'POSTED'
                       AND NOT p.redis_applied) posted), '[]')
           AS "postedNotApplied",
         COALESCE((SELECT json_agg(id) FROM (
                     SELECT t.transfer_id::text AS id FROM transactions t
                     WHERE t.to_account_id = a.account_id AND t.status = 'COMPLETED' AND NOT t.redis_applied
                     UNION ALL
                     SELECT p.remittance_id || ':' || p.leg FROM platform_postings p
                     WHERE p.account_id = a.account_id AND p.direction = 'CREDIT' AND NOT p.redis_applied) credited), '[]')
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
       WHERE status = ANY($3::text[]) AND submitted_at < now() - make_interval(secs => $1 / 1000.0)
       ORDER BY submitted_at LIMIT $2`,
      [olderThanMs, limit, RUNNING_STATUSES],
    );
    return rows;
  }
}
