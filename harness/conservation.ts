import type { Pool } from 'pg';

import type { RedisBalances } from '../src/ledger/redis-balances';

/**
 * The bank invariants over a set of accounts, once no saga is in flight:
 * - Σ settled balances in PostgreSQL equals what the accounts were funded with, none negative;
 * - no hold is left open, in PostgreSQL or in Redis;
 * - per account, Redis available + held equals the PostgreSQL balance;
 * - every COMPLETED transfer posted exactly one debit and one credit, and nothing else posted.
 * Returns a list of violations (empty when money is conserved), so a failure says everything at once.
 */
export async function moneyViolations(
  postgres: Pool,
  balances: RedisBalances,
  accountIds: string[],
): Promise<string[]> {
  const violations: string[] = [];
  const { rows: accounts } = await postgres.query<{ accountId: string; balance: string; initial: string }>(
    `SELECT account_id AS "accountId", balance, initial_balance AS initial FROM accounts WHERE account_id = ANY($1)`,
    [accountIds],
  );
  const total = accounts.reduce((sum, account) => sum + BigInt(account.balance), 0n);
  const funded = accounts.reduce((sum, account) => sum + BigInt(account.initial), 0n);
  if (total !== funded) violations.push(`Σ balances ${total} ≠ funded ${funded}`);

  for (const account of accounts) {
    if (BigInt(account.balance) < 0n) violations.push(`${account.accountId} balance ${account.balance} is negative`);
    const redis = await balances.read(account.accountId);
    if (BigInt(redis.available + redis.held) !== BigInt(account.balance)) {
      violations.push(
        `${account.accountId}: Redis available ${redis.available} + held ${redis.held} ≠ PostgreSQL ${account.balance}`,
      );
    }
    if (redis.held !== 0 || redis.openHolds.length > 0) {
      violations.push(`${account.accountId}: ${redis.openHolds.length} holds still open in Redis (${redis.held})`);
    }
  }

  const { rows: openHolds } = await postgres.query<{ transferId: string }>(
    `SELECT transfer_id AS "transferId" FROM transactions WHERE from_account_id = ANY($1) AND hold_state = 'OPEN'`,
    [accountIds],
  );
  for (const hold of openHolds) violations.push(`transfer ${hold.transferId} still has an OPEN hold in PostgreSQL`);

  const { rows: postings } = await postgres.query<{
    transferId: string;
    status: string;
    debits: number;
    credits: number;
  }>(
    `SELECT t.transfer_id AS "transferId", t.status,
       count(*) FILTER (WHERE e.direction = 'DEBIT')::int AS debits,
       count(*) FILTER (WHERE e.direction = 'CREDIT')::int AS credits
     FROM transactions t LEFT JOIN ledger_entries e ON e.transfer_id = t.transfer_id
     WHERE t.from_account_id = ANY($1) GROUP BY t.transfer_id, t.status`,
    [accountIds],
  );
  for (const posting of postings) {
    const expected = posting.status === 'COMPLETED' ? 1 : 0;
    if (posting.debits !== expected || posting.credits !== expected) {
      violations.push(
        `transfer ${posting.transferId} (${posting.status}) posted ${posting.debits} debits, ${posting.credits} credits`,
      );
    }
  }
  return violations;
}
